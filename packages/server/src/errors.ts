import { ERRORS, type ErrorBody, type ErrorCode, errorType, type InputProblem } from '@tollgate/contract';
import type { LedgerCommand, LedgerErrorCode } from '@tollgate/domain';
import type { Context } from 'hono';
import { HTTPException } from 'hono/http-exception';

/**
 * The one place where failures become HTTP responses. Handlers throw an ApiError (or let an
 * unexpected error escape); `onError` answers every throw with the admin error body
 * `{"error": {type, code, message, param?}}` and the status the contract gives the code.
 */
export class ApiError extends Error {
  override readonly name = 'ApiError';

  constructor(
    readonly code: ErrorCode,
    message: string,
    readonly param?: string,
    /** Set when this is the stored result of an earlier request with the same Idempotency-Key. */
    readonly replayed = false,
  ) {
    super(message);
  }

  get status(): number {
    return ERRORS[this.code].status;
  }

  body(): ErrorBody {
    const error: ErrorBody['error'] = { type: errorType(this.code), code: this.code, message: this.message };
    if (this.param !== undefined) error.param = this.param;
    return { error };
  }
}

/** A request input refused by its schema. */
export function inputError(problem: InputProblem): ApiError {
  return new ApiError(problem.code, problem.message, problem.param);
}

/** What to do next, appended to the ledger's own account of what went wrong. */
const LEDGER_HINTS: Record<LedgerErrorCode, string> = {
  insufficient_credits: 'Grant credits to the wallet or ask for less.',
  wallet_not_found: 'Check the wallet id.',
  wallet_frozen: 'Unfreeze it with PATCH /api/v1/wallets/{id} {"status":"active"}.',
  unit_mismatch: "Send the wallet's unit, or omit unit.",
  customer_mismatch: 'Pick two wallets of the same customer.',
  same_wallet: 'Pick two different wallets.',
  hold_not_found: 'Check the hold id.',
  hold_already_captured: 'A hold is captured once; place a new hold for more.',
  hold_already_released: 'Place a new hold.',
  hold_expired: 'Place a new hold with a longer ttl_ms, or deduct instead.',
  capture_exceeds_hold: "Capture at most the held amount, or hold with capture_policy 'cap' or 'overflow'.",
  transaction_not_found: 'Check the transaction id.',
  transaction_not_reversible: 'Only grants, deductions, captures and overflows can be reversed.',
  transaction_already_reversed: 'Nothing to do: its reversal is in the journal.',
  idempotency_key_reused: 'Send a new Idempotency-Key for a different request.',
  budget_exceeded: 'Wait for the budget period to reset, raise the budget, or hold less.',
};

/** The field a ledger code blames, for the operation that produced it. */
function ledgerParam(code: LedgerErrorCode, kind: LedgerCommand['kind']): string | undefined {
  switch (code) {
    case 'unit_mismatch':
      return kind === 'transfer' ? 'to_wallet_id' : 'unit';
    case 'customer_mismatch':
    case 'same_wallet':
      return 'to_wallet_id';
    case 'capture_exceeds_hold':
      return 'amount';
    default:
      return undefined;
  }
}

/** A refused ledger operation, as the error the API answers with. */
export function ledgerError(
  failure: { code: LedgerErrorCode; message: string; replayed?: boolean },
  kind: LedgerCommand['kind'],
): ApiError {
  const message = `${failure.message}. ${LEDGER_HINTS[failure.code]}`;
  return new ApiError(failure.code, message, ledgerParam(failure.code, kind), failure.replayed === true);
}

/** Answers an ApiError with its status and body (and the replay header when it is a replay). */
export function errorResponse(c: Context, error: ApiError): Response {
  if (error.replayed) c.header('idempotent-replayed', 'true');
  if (error.status === 401) c.header('www-authenticate', 'Bearer');
  return c.json(error.body(), error.status as 400);
}

/**
 * Hono's onError: every throw ends here. Unexpected errors are logged (name, message and stack
 * only: never the request body or headers, which carry keys) and answered with a bare 500.
 */
export function onError(error: Error, c: Context): Response {
  if (error instanceof ApiError) return errorResponse(c, error);
  if (error instanceof HTTPException && error.status === 413) {
    return errorResponse(c, new ApiError('request_too_large', 'The body is larger than 1 MB; send less.'));
  }
  console.error(
    `[tollgate] ${c.req.method} ${new URL(c.req.url).pathname} failed: ${error.stack ?? error.name}`,
  );
  return errorResponse(
    c,
    new ApiError(
      'internal_error',
      'Something went wrong on our side. Retry later with the same Idempotency-Key.',
    ),
  );
}

/** Hono's notFound: an unknown route under any prefix. */
export function notFound(c: Context): Response {
  return errorResponse(
    c,
    new ApiError(
      'route_not_found',
      `No route ${c.req.method} ${new URL(c.req.url).pathname}. See /api/v1/openapi.json.`,
    ),
  );
}
