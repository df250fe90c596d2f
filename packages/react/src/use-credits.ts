import { useEffect } from 'react';
import { useTollgateContext } from './context.ts';
import type { TollgateError } from './errors.ts';
import type { ExpiringGrant, Wallet } from './types.ts';
import { useLiveState } from './use-live-state.ts';

/** What {@link useCredits} returns. */
export interface CreditsState {
  /** Every wallet of the customer (one per team when the vendor splits them). */
  wallets: Wallet[];
  /** The primary wallet: the customer-level one (no team), else the first. */
  balance: Wallet | undefined;
  /** Credits of the primary wallet expiring within 30 days, soonest first. */
  expiringSoon: ExpiringGrant[];
  loading: boolean;
  error: TollgateError | undefined;
}

/**
 * The customer's wallets, kept current by the live stream.
 *
 * @example
 * ```tsx
 * const { balance, loading } = useCredits();
 * if (!loading && balance) return <span>{balance.available} {balance.unit}</span>;
 * ```
 */
export function useCredits(): CreditsState {
  const context = useTollgateContext('useCredits()');
  const state = useLiveState(context);
  useEffect(() => context.store.loadBalance(), [context.store]);

  const wallets = state.balance.data?.wallets ?? [];
  const balance = wallets.find((w) => !w.team_id) ?? wallets[0];
  const error = state.authError ?? state.balance.error;
  return {
    wallets,
    balance,
    expiringSoon: balance?.expiring_soon ?? [],
    loading: !error && state.balance.data === undefined,
    error,
  };
}
