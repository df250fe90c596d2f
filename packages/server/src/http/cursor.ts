import { ApiError } from '../errors.ts';

/**
 * Opaque page cursors. A cursor names what it continues after (a journal seq or an id) and the
 * kind of list, so that a cursor of one list is refused by another instead of skipping rows.
 */
export type CursorKind =
  | 'transactions'
  | 'customers'
  | 'wallets'
  | 'keys'
  | 'usage_events'
  | 'plans'
  | 'alert_channels'
  | 'alert_rules'
  | 'alert_deliveries'
  | 'budgets';

export function encodeCursor(kind: CursorKind, after: string): string {
  return Buffer.from(JSON.stringify({ k: kind, a: after }), 'utf8').toString('base64url');
}

export function decodeCursor(kind: CursorKind, cursor: string): string {
  const refuse = () =>
    new ApiError(
      'parameter_invalid',
      'cursor is not a next_cursor of this list; start without one',
      'cursor',
    );
  let parsed: unknown;
  try {
    parsed = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'));
  } catch {
    throw refuse();
  }
  if (typeof parsed !== 'object' || parsed === null) throw refuse();
  const { k, a } = parsed as { k?: unknown; a?: unknown };
  if (k !== kind || typeof a !== 'string' || a === '') throw refuse();
  return a;
}

/** The position (a journal or usage-event seq) a cursor of a sequence-ordered list continues after. */
export function decodeSeqCursor(cursor: string, kind: CursorKind = 'transactions'): bigint {
  const after = decodeCursor(kind, cursor);
  if (!/^[0-9]{1,19}$/.test(after)) {
    throw new ApiError(
      'parameter_invalid',
      'cursor is not a next_cursor of this list; start without one',
      'cursor',
    );
  }
  return BigInt(after);
}
