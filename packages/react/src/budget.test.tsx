// @vitest-environment happy-dom
import { act, cleanup, fireEvent, screen } from '@testing-library/react';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { BudgetAlert } from './budget-alert.tsx';
import { BudgetHealth } from './budget-health.tsx';
import {
  balanceBody,
  budget,
  fail,
  MockEventSource,
  mockServer,
  ok,
  pending,
  renderWith,
} from './test-utils.tsx';

afterEach(() => {
  cleanup();
  vi.unstubAllGlobals();
});

const budgets = (...data: ReturnType<typeof budget>[]) => ok({ data });

describe('<BudgetAlert>', () => {
  it('renders nothing while loading or when every budget is ok', async () => {
    mockServer({ '/balance': pending, '/budgets': pending });
    const { container } = renderWith(<BudgetAlert />);
    expect(container.textContent).toBe('');
    cleanup();
    mockServer({ '/balance': pending, '/budgets': budgets(budget('ok', 'hard', 10_000_000)) });
    const again = renderWith(<BudgetAlert />);
    await act(async () => {});
    expect(again.container.textContent).toBe('');
  });

  it('warns at 80 % and can be dismissed', async () => {
    mockServer({
      '/balance': ok(balanceBody(1)),
      '/budgets': budgets(budget('warning', 'soft', 85_000_000)),
    });
    renderWith(<BudgetAlert />, { locale: 'en-US' });
    const alert = await screen.findByRole('alert');
    expect(alert.textContent).toContain('85% of your monthly budget used');
    expect(alert.textContent).toContain('$85.00 of $100.00');
    fireEvent.click(screen.getByRole('button', { name: 'Dismiss budget warning' }));
    expect(screen.queryByRole('alert')).toBeNull();
  });

  it('blocks at the hard cap, without a dismiss button, and follows budget events', async () => {
    mockServer({ '/balance': ok(balanceBody(1)), '/budgets': budgets(budget('ok', 'hard', 10_000_000)) });
    renderWith(<BudgetAlert />, { locale: 'en-US' });
    await act(async () => {});
    act(() =>
      MockEventSource.instances[0]?.push('budget', { data: [budget('exceeded', 'hard', 100_000_000)] }),
    );
    const alert = await screen.findByRole('alert');
    expect(alert.textContent).toContain('Monthly budget reached');
    expect(alert.textContent).toContain('AI features are paused until');
    expect(screen.queryByRole('button')).toBeNull();
  });

  it('shows 401 and 403', async () => {
    const onTokenExpired = vi.fn();
    mockServer({ '/balance': pending, '/budgets': fail(401, 'token_expired') });
    renderWith(<BudgetAlert />, { onTokenExpired });
    expect((await screen.findByRole('alert')).textContent).toContain('Your session expired');
    expect(onTokenExpired).toHaveBeenCalledOnce();
    cleanup();
    mockServer({ '/balance': pending, '/budgets': fail(403, 'forbidden') });
    renderWith(<BudgetAlert />);
    expect((await screen.findByRole('alert')).textContent).toContain('No access');
  });
});

describe('<BudgetHealth>', () => {
  it('states health in words, not colour alone, with a meter', async () => {
    mockServer({
      '/balance': ok(balanceBody(1)),
      '/budgets': budgets(
        budget('ok', 'hard', 10_000_000),
        budget('warning', 'soft', 90_000_000),
        budget('exceeded', 'hard', 100_000_000),
      ),
    });
    renderWith(<BudgetHealth />, { locale: 'de-DE' });
    const items = await screen.findAllByRole('listitem');
    expect(items.map((item) => item.querySelector('.tg-health__badge')?.textContent)).toEqual([
      '✓ On track',
      '! Nearing limit',
      '✕ Limit reached',
    ]);
    const meters = screen.getAllByRole('meter');
    expect(meters[1]?.getAttribute('aria-valuenow')).toBe('90');
    expect(meters[1]?.getAttribute('aria-valuetext')).toBe('90\u00a0%');
    expect(items[1]?.textContent).toContain('90,00\u00a0$ of 100,00\u00a0$');
  });

  it('shows loading, empty, 500, 401 and 403', async () => {
    mockServer({ '/balance': pending, '/budgets': pending });
    renderWith(<BudgetHealth />);
    expect(screen.getByRole('status').textContent).toContain('Loading budgets');
    cleanup();
    mockServer({ '/balance': pending, '/budgets': budgets() });
    renderWith(<BudgetHealth />);
    expect(await screen.findByText('No budgets set.')).toBeTruthy();
    for (const [status, text] of [
      [500, 'unavailable'],
      [401, 'session expired'],
      [403, 'No access'],
    ] as const) {
      cleanup();
      mockServer({ '/balance': pending, '/budgets': fail(status, 'x') });
      renderWith(<BudgetHealth />);
      expect((await screen.findByRole('alert')).textContent).toContain(text);
    }
  });
});
