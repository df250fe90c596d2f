import { type ReactNode, useEffect, useMemo, useRef } from 'react';
import { createCustomerClient } from './client.ts';
import { TollgateContext, type TollgateContextValue } from './context.ts';
import type { TollgateError } from './errors.ts';
import { createLiveStore } from './live-store.ts';
import { resolveTheme, type Theme } from './theme.ts';

/** Props of {@link TollgateProvider}. */
export interface TollgateProviderProps {
  /** A short-lived customer token minted by your backend (`POST /api/v1/customer-tokens`). */
  token: string;
  /** Where Tollgate answers, e.g. `https://billing.example.com`. */
  baseUrl: string;
  /** Defaults to the token's `sub` claim. */
  customerId?: string;
  /** `'light'` (default), `'dark'`, `'auto'` or `{ theme, variables: { colorPrimary, … } }`. */
  theme?: Theme;
  /** BCP 47 locale for numbers and dates; defaults to the browser's. */
  locale?: string;
  /**
   * Called once when the token expires (401). Mint a new token and pass it as `token`: the
   * components reload by themselves.
   */
  onTokenExpired?: (error: TollgateError) => void;
  /** Follow the live stream (default true). */
  live?: boolean;
  children?: ReactNode;
}

/**
 * Gives the Tollgate hooks and components their client, theme and locale, and keeps one live
 * stream open for all of them.
 *
 * @example
 * ```tsx
 * <TollgateProvider token={token} baseUrl="https://billing.example.com" theme="auto"
 *   onTokenExpired={() => refetchToken()}>
 *   <CreditBalance />
 * </TollgateProvider>
 * ```
 */
export function TollgateProvider(props: TollgateProviderProps): ReactNode {
  const { token, baseUrl, customerId, theme, locale, onTokenExpired, live = true, children } = props;
  // The callback changes on every render of most hosts; the store must not.
  const expired = useRef(onTokenExpired);
  expired.current = onTokenExpired;

  // A new token means a new client and store: every component reloads with it.
  const core = useMemo(() => {
    const client = createCustomerClient({ token, baseUrl, customerId });
    return { client, store: createLiveStore(client, (error) => expired.current?.(error)) };
  }, [token, baseUrl, customerId]);
  const value = useMemo<TollgateContextValue>(() => ({ ...core, locale }), [core, locale]);

  useEffect(() => (live ? core.store.connect() : undefined), [core, live]);

  const { name, style } = resolveTheme(theme);
  return (
    <TollgateContext.Provider value={value}>
      <div className="tg-root" data-tg-theme={name} style={style}>
        {children}
      </div>
    </TollgateContext.Provider>
  );
}
