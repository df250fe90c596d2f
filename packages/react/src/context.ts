import { createContext, useContext } from 'react';
import type { CustomerClient } from './client.ts';
import type { LiveStore } from './live-store.ts';

/** What TollgateProvider shares with the hooks. */
export interface TollgateContextValue {
  client: CustomerClient;
  store: LiveStore;
  locale: string | undefined;
}

export const TollgateContext = /* @__PURE__ */ createContext<TollgateContextValue | null>(null);

/** The provider's value; throws the fix when a component is used outside it. */
export function useTollgateContext(caller: string): TollgateContextValue {
  const value = useContext(TollgateContext);
  if (!value) {
    throw new Error(
      `Tollgate: ${caller} must be rendered inside <TollgateProvider token={…} baseUrl={…}>. ` +
        'Wrap your billing page (or the whole app) in the provider.',
    );
  }
  return value;
}
