import { useCallback, useEffect, useState } from 'react';
import { useTollgateContext } from './context.ts';
import type { TollgateError } from './errors.ts';
import type { Granularity, GroupBy, UsageRow } from './types.ts';
import { useLiveState } from './use-live-state.ts';

/** Options of {@link useUsage}. */
export interface UsageOptions {
  /** ISO 8601 or Date, inclusive. */
  from: string | Date;
  /** ISO 8601 or Date, exclusive. */
  to: string | Date;
  granularity?: Granularity;
  groupBy?: GroupBy;
}

/** What {@link useUsage} returns. */
export interface UsageState {
  data: UsageRow[];
  loading: boolean;
  error: TollgateError | undefined;
  refetch(): void;
}

/** Live changes arrive in bursts (one per call); one refetch per burst is enough. */
const LIVE_REFETCH_DELAY_MS = 1_000;

const iso = (value: string | Date) => (typeof value === 'string' ? value : value.toISOString());

/**
 * Usage rows of the customer for a period, refreshed after live balance changes.
 *
 * @example
 * ```tsx
 * const { data, loading } = useUsage({ from: '2026-01-01', to: '2026-02-01', granularity: 'day', groupBy: 'feature' });
 * ```
 */
export function useUsage(options: UsageOptions): UsageState {
  const context = useTollgateContext('useUsage()');
  const { authError, revision } = useLiveState(context);
  const from = iso(options.from);
  const to = iso(options.to);
  const { granularity, groupBy } = options;
  const [result, setResult] = useState<{ data?: UsageRow[]; error?: TollgateError; key: string }>({
    key: '',
  });
  const [nonce, setNonce] = useState(0);
  const key = [context.client.customerId, from, to, granularity, groupBy].join('|');

  // biome-ignore lint/correctness/useExhaustiveDependencies: nonce forces a refetch on demand
  useEffect(() => {
    const abort = new AbortController();
    context.client.usage({ from, to, granularity, groupBy }, abort.signal).then(
      (data) => setResult({ data, key }),
      (error: unknown) => {
        if (!abort.signal.aborted) setResult({ error: context.store.fail(error), key });
      },
    );
    return () => abort.abort();
  }, [context.client, context.store, key, nonce]);

  useEffect(() => {
    if (revision === 0) return;
    const timer = setTimeout(() => setNonce((n) => n + 1), LIVE_REFETCH_DELAY_MS);
    return () => clearTimeout(timer);
  }, [revision]);

  const refetch = useCallback(() => setNonce((n) => n + 1), []);
  // Rows of an earlier query stay visible while the new one loads (no flash on live refresh).
  const error = authError ?? result.error;
  return {
    data: result.data ?? [],
    loading: !error && (result.data === undefined || result.key !== key),
    error,
    refetch,
  };
}
