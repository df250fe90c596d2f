import type { CustomerClient, StreamMessage } from './client.ts';
import { type TollgateError, toTollgateError } from './errors.ts';
import type { BalanceResponse, Budget } from './types.ts';

/** One value the store holds, with its loading and error state. */
export interface Resource<T> {
  data?: T;
  error?: TollgateError;
  loading: boolean;
}

/** What every hook reads: the latest balance and budgets, fed by reads and the live stream. */
export interface LiveState {
  balance: Resource<BalanceResponse>;
  budgets: Resource<Budget[]>;
  /** A 401/403 that applies to every read of this token. */
  authError?: TollgateError;
  /** Bumped on every live change, so usage reads know when to refresh. */
  revision: number;
}

/** The per-provider store (a tiny external store for `useSyncExternalStore`). */
export interface LiveStore {
  getState(): LiveState;
  subscribe(listener: () => void): () => void;
  loadBalance(): void;
  loadBudgets(): void;
  /** Records a failure of any read; a 401/403 becomes the store-wide `authError`. */
  fail(error: unknown): TollgateError;
  /** Opens (shares) the live stream; returns the disconnect. */
  connect(): () => void;
}

/**
 * Creates the store of one provider. `onAuthError` fires once per store (a store lives as long as
 * its token), so a host refreshing the token on 401 is not called in a loop.
 */
export function createLiveStore(
  client: CustomerClient,
  onAuthError: (error: TollgateError) => void,
): LiveStore {
  let state: LiveState = { balance: { loading: false }, budgets: { loading: false }, revision: 0 };
  const listeners = new Set<() => void>();
  let reported = false;

  const set = (next: Partial<LiveState>) => {
    state = { ...state, ...next };
    for (const listener of listeners) listener();
  };

  function fail(error: unknown): TollgateError {
    const failure = toTollgateError(error);
    if ((failure.status === 401 || failure.status === 403) && !state.authError) {
      set({ authError: failure });
      if (failure.status === 401 && !reported) {
        reported = true;
        onAuthError(failure);
      }
    }
    return failure;
  }

  function load<K extends 'balance' | 'budgets'>(
    key: K,
    read: () => Promise<NonNullable<LiveState[K]['data']>>,
  ) {
    const current = state[key];
    if (current.loading || current.data !== undefined || state.authError) return;
    set({ [key]: { loading: true } } as Partial<LiveState>);
    read().then(
      (data) => set({ [key]: { data, loading: false } } as Partial<LiveState>),
      (error: unknown) => set({ [key]: { error: fail(error), loading: false } } as Partial<LiveState>),
    );
  }

  function receive(message: StreamMessage) {
    switch (message.type) {
      case 'snapshot':
        set({
          balance: { data: message.balance, loading: false },
          budgets: { data: message.budgets, loading: false },
        });
        return;
      case 'balance':
        set({ balance: { data: message.balance, loading: false }, revision: state.revision + 1 });
        return;
      case 'budget':
        set({ budgets: { data: message.budgets, loading: false }, revision: state.revision + 1 });
        return;
      case 'error':
        fail(message.error);
    }
  }

  return {
    getState: () => state,
    subscribe(listener) {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
    loadBalance: () => load('balance', () => client.balance()),
    loadBudgets: () => load('budgets', () => client.budgets()),
    fail,
    connect: () => client.subscribe(receive),
  };
}
