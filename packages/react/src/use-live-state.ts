import { useSyncExternalStore } from 'react';
import type { TollgateContextValue } from './context.ts';
import type { LiveState } from './live-store.ts';

/** Subscribes a component to its provider's live store. */
export function useLiveState({ store }: TollgateContextValue): LiveState {
  return useSyncExternalStore(store.subscribe, store.getState, store.getState);
}
