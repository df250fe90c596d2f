import type { RefusalCountRow, RefusalStore } from '@tollgate/storage';
import { describe, expect, it } from 'vitest';
import { RefusalRecorder } from './refusal-recorder.ts';

const MINUTE_MS = 60_000;

/** A store that keeps every batch it is given, and fails while `failing` is set. */
function fakeStore() {
  const batches: RefusalCountRow[][] = [];
  const state = { failing: false };
  const store: RefusalStore = {
    async addRefusals(rows) {
      if (state.failing) throw new Error('store down');
      batches.push(rows.map((r) => ({ ...r })));
    },
    async countRefusals() {
      return [];
    },
  };
  return { store, batches, state };
}

describe('RefusalRecorder', () => {
  it('counts per customer, code and minute, writes them in one batch, and tells which customers', async () => {
    let now = 10 * MINUTE_MS + 5;
    const { store, batches } = fakeStore();
    const flushed: string[][] = [];
    const recorder = new RefusalRecorder({
      store,
      clock: () => now,
      flushIntervalMs: 60_000,
      onFlushed: (ids) => flushed.push(ids),
    });
    for (let i = 0; i < 3; i++) recorder.record('acme', 'insufficient_credits');
    recorder.record('acme', 'rate_limited');
    recorder.record('beta', 'budget_exceeded');
    // Not refusals: a bad request, an upstream failure.
    recorder.record('acme', 'invalid_request');
    recorder.record('acme', 'upstream_error');
    now += MINUTE_MS;
    recorder.record('acme', 'insufficient_credits');
    await recorder.flush();
    expect(batches).toHaveLength(1);
    expect(batches[0]).toEqual([
      { customerId: 'acme', minute: 10 * MINUTE_MS, code: 'insufficient_credits', count: 3 },
      { customerId: 'acme', minute: 10 * MINUTE_MS, code: 'rate_limited', count: 1 },
      { customerId: 'beta', minute: 10 * MINUTE_MS, code: 'budget_exceeded', count: 1 },
      { customerId: 'acme', minute: 11 * MINUTE_MS, code: 'insufficient_credits', count: 1 },
    ]);
    expect(flushed).toEqual([['acme', 'beta']]);
    // Nothing new: nothing written.
    await recorder.flush();
    expect(batches).toHaveLength(1);
    await recorder.close();
  });

  it('keeps the counts of a failed write for the next one, and writes the rest on close', async () => {
    const { store, batches, state } = fakeStore();
    const logged: string[] = [];
    const recorder = new RefusalRecorder({
      store,
      clock: () => 0,
      flushIntervalMs: 60_000,
      log: (l) => logged.push(l),
    });
    recorder.record('acme', 'wallet_frozen');
    state.failing = true;
    await recorder.flush();
    expect(batches).toHaveLength(0);
    expect(logged.join('\n')).toContain('store down');
    recorder.record('acme', 'wallet_frozen');
    state.failing = false;
    await recorder.close();
    expect(batches).toEqual([[{ customerId: 'acme', minute: 0, code: 'wallet_frozen', count: 2 }]]);
  });

  it('flushes on its own every interval', async () => {
    const { store, batches } = fakeStore();
    const recorder = new RefusalRecorder({ store, flushIntervalMs: 10 });
    recorder.record('acme', 'rate_limited');
    const deadline = Date.now() + 2_000;
    while (batches.length === 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 5));
    expect(batches).toHaveLength(1);
    await recorder.close();
  });
});
