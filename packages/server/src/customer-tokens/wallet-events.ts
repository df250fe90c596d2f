/**
 * Fans the ledger's "these wallets changed" notices out to open customer streams. The runtime
 * feeds it from `Ledger.onCommitted`; a stream only learns that something changed and reads the
 * new state itself, so a notice carries no money and can be dropped without harm.
 */
export class WalletEvents {
  private readonly listeners = new Set<(walletIds: readonly string[]) => void>();

  publish(walletIds: readonly string[]): void {
    for (const listener of this.listeners) {
      try {
        listener(walletIds);
      } catch {
        // One stream's failure must not keep the notice from the others.
      }
    }
  }

  /** Returns the function that unsubscribes. */
  subscribe(listener: (walletIds: readonly string[]) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }
}
