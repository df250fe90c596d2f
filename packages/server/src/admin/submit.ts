import type { LedgerCommand, LedgerValue } from '@tollgate/domain';
import type { Ledger } from '@tollgate/storage';
import { ledgerError } from '../errors.ts';
import { requestHash } from '../http/idempotency.ts';

export interface Submission<C extends LedgerCommand> {
  command: C;
  /** The route's operationId, hashed with the request so one key cannot serve two operations. */
  operation: string;
  params: unknown;
  body: unknown;
  idempotencyKey: string | null;
}

type ValueOf<C extends LedgerCommand> = Extract<LedgerValue, { kind: C['kind'] }>;

/**
 * Runs one ledger operation for a route. A refusal (or the replay of a stored one) is thrown as
 * the matching ApiError; a success comes back with whether it was a replay.
 */
export async function submit<C extends LedgerCommand>(
  ledger: Ledger,
  submission: Submission<C>,
): Promise<{ value: ValueOf<C>; replayed: boolean }> {
  const { command, idempotencyKey } = submission;
  const result = await ledger.submit({
    command,
    idempotencyKey,
    requestHash: idempotencyKey
      ? requestHash(submission.operation, submission.params, submission.body)
      : null,
  });
  if (!result.ok) throw ledgerError(result, command.kind);
  if (result.value.kind !== command.kind) {
    throw new Error(`ledger answered a ${command.kind} with a ${result.value.kind}`);
  }
  return { value: result.value as ValueOf<C>, replayed: result.replayed === true };
}
