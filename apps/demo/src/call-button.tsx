import { useState } from 'react';
import { type CallResult, makeCall } from './session.ts';

/** Formats a micros header for the status line; the kit formats everything else. */
function usd(micros: string | null): string {
  return micros === null ? '?' : `$${(Number(micros) / 1_000_000).toFixed(4)}`;
}

/**
 * Spends real credits: the demo backend makes one chat completion through the gateway with its
 * virtual key, and the kit's live stream moves the balance without a reload.
 */
export function CallButton() {
  const [busy, setBusy] = useState(false);
  const [last, setLast] = useState<CallResult | undefined>();
  const onClick = async () => {
    setBusy(true);
    try {
      setLast(await makeCall());
    } finally {
      setBusy(false);
    }
  };
  return (
    <div className="demo-call">
      <button type="button" onClick={onClick} disabled={busy} data-testid="make-call">
        {busy ? 'Calling…' : 'Make a call'}
      </button>
      <output aria-live="polite">
        {last &&
          (last.status === 200
            ? `Charged ${usd(last.price)} for one gpt-4o-mini call`
            : `The gateway answered ${last.status}`)}
      </output>
    </div>
  );
}
