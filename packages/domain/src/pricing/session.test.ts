import { describe, expect, it } from 'vitest';
import { PASS_THROUGH_PLAN } from './price-plan.ts';
import { actionKey, actionPrice, sessionCapExceeded } from './session.ts';

const capped = {
  ...PASS_THROUGH_PLAN,
  session: { mode: 'per_event' as const, actionPrice: null, costCap: 1_000n },
};

describe('session cost cap', () => {
  it.each([
    [0n, 1_000n, false],
    [999n, 1n, false],
    [999n, 2n, true],
    [1_000n, 0n, false],
    [1_000n, 1n, true],
  ])('spent %s + this call at most %s → exceeded %s', (spent, max, exceeded) => {
    expect(sessionCapExceeded(capped, spent, max)).toBe(exceeded);
  });

  it('no cap, never exceeded', () => {
    expect(sessionCapExceeded(PASS_THROUGH_PLAN, 10n ** 15n, 10n ** 15n)).toBe(false);
  });
});

describe('per-action sessions', () => {
  it('charge the action price once per session key', () => {
    const plan = {
      ...PASS_THROUGH_PLAN,
      session: { mode: 'per_action' as const, actionPrice: 5n, costCap: null },
    };
    expect(actionPrice(plan)).toBe(5n);
    expect(actionPrice(capped)).toBeNull();
    expect(actionKey('acme', 'run-1')).toBe('action:acme:run-1');
  });
});
