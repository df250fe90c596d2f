import type { LedgerErrorCode } from '@tollgate/domain';
import { z } from 'zod';

export type ErrorType =
  | 'invalid_request_error'
  | 'authentication_error'
  | 'permission_error'
  | 'insufficient_credits_error'
  | 'not_found_error'
  | 'conflict_error'
  | 'rate_limit_error'
  | 'api_error';

interface ErrorSpec {
  status: 400 | 401 | 402 | 403 | 404 | 409 | 413 | 429 | 500;
  description: string;
}

/**
 * Every error code the admin API answers with and its HTTP status: part of the contract (the
 * OpenAPI document lists them per route), so it lives here; the server's errors.ts is the one
 * place that turns a failure into a response using it. Codes are stable snake_case.
 */
export const ERRORS = {
  parameter_invalid: {
    status: 400,
    description: 'A field, query or header value is not valid; `param` names it.',
  },
  parameter_missing: { status: 400, description: 'A required field is absent; `param` names it.' },
  invalid_json: { status: 400, description: 'The body is not valid JSON.' },
  unit_mismatch: { status: 400, description: 'The unit does not match the wallet.' },
  customer_mismatch: {
    status: 400,
    description:
      "The resources belong to different customers (a transfer, a key with another customer's wallet).",
  },
  same_wallet: { status: 400, description: 'A transfer needs two different wallets.' },
  unit_not_priced: {
    status: 400,
    description: "The customer's price plan has no price for that value unit.",
  },
  outcome_not_priced: {
    status: 400,
    description: "The customer's price plan has no price for that outcome type.",
  },
  secret_not_configured: {
    status: 400,
    description:
      'A provider api_key is stored encrypted under TOLLGATE_SECRET, which the server does not have.',
  },
  admin_key_missing: { status: 401, description: 'No `Authorization: Bearer <admin key>` header.' },
  admin_key_invalid: { status: 401, description: 'The admin key is not valid.' },
  token_invalid: {
    status: 401,
    description: 'The customer token is malformed, tampered with, or signed by an unknown key.',
  },
  token_expired: { status: 401, description: 'The customer token has expired; mint a new one.' },
  forbidden: {
    status: 403,
    description: "A customer token tried to read another customer's data.",
  },
  insufficient_credits: { status: 402, description: 'The wallet cannot spend that much.' },
  route_not_found: { status: 404, description: 'No such route.' },
  customer_not_found: { status: 404, description: 'No such customer.' },
  wallet_not_found: { status: 404, description: 'No such wallet.' },
  hold_not_found: { status: 404, description: 'No such hold.' },
  transaction_not_found: { status: 404, description: 'No such transaction.' },
  key_not_found: { status: 404, description: 'No such virtual key.' },
  budget_not_found: { status: 404, description: 'No such budget.' },
  provider_not_found: { status: 404, description: 'No such provider.' },
  rate_limit_not_found: { status: 404, description: 'No such rate limit.' },
  plan_not_found: { status: 404, description: 'No such price plan.' },
  session_not_found: { status: 404, description: 'The customer has no events or outcomes in that session.' },
  alert_channel_not_found: { status: 404, description: 'No such alert channel.' },
  resource_already_exists: { status: 409, description: 'A resource with that id exists.' },
  provider_read_only: {
    status: 409,
    description: 'The provider comes from the environment or the config file; change it there.',
  },
  overdraft_limit_too_low: { status: 409, description: 'The wallet already uses more overdraft than that.' },
  hold_already_captured: { status: 409, description: 'The hold was captured.' },
  hold_already_released: { status: 409, description: 'The hold was released.' },
  hold_expired: { status: 409, description: 'The hold expired and was released.' },
  capture_exceeds_hold: {
    status: 409,
    description: 'The capture is above the hold and its policy is `reject`.',
  },
  wallet_frozen: { status: 409, description: 'The wallet is frozen.' },
  transaction_not_reversible: { status: 409, description: 'That type of transaction cannot be reversed.' },
  transaction_already_reversed: { status: 409, description: 'The transaction was already reversed.' },
  idempotency_key_reused: {
    status: 409,
    description: 'The Idempotency-Key was used for a different request.',
  },
  request_too_large: { status: 413, description: 'The body is larger than 1 MB.' },
  budget_exceeded: {
    status: 429,
    description: 'A hard budget of the customer would be passed; retry once its period resets.',
  },
  internal_error: {
    status: 500,
    description: 'Something failed on our side; retry with the same Idempotency-Key.',
  },
} as const satisfies Record<string, ErrorSpec>;

export type ErrorCode = keyof typeof ERRORS;

// Every ledger result code must have an HTTP mapping: this fails to compile otherwise.
const _ledgerCodesCovered: Record<LedgerErrorCode, ErrorSpec> = ERRORS;

/**
 * The `type` of an error, a coarse family derived from its status.
 *
 * @example
 * errorType('insufficient_credits'); // 'insufficient_credits_error'
 */
export function errorType(code: ErrorCode): ErrorType {
  switch (ERRORS[code].status) {
    case 400:
    case 413:
      return 'invalid_request_error';
    case 401:
      return 'authentication_error';
    case 402:
      return 'insufficient_credits_error';
    case 403:
      return 'permission_error';
    case 404:
      return 'not_found_error';
    case 409:
      return 'conflict_error';
    case 429:
      return 'rate_limit_error';
    case 500:
      return 'api_error';
  }
}

/**
 * The body of every admin API error.
 *
 * @example
 * errorBody.parse({ error: { type: 'invalid_request_error', code: 'parameter_invalid', message: 'amount …', param: 'amount' } });
 */
export const errorBody = z
  .object({
    error: z.object({
      type: z.string(),
      code: z.string().meta({ description: 'Stable snake_case code, e.g. insufficient_credits.' }),
      message: z.string().meta({ description: 'What went wrong and what to do next.' }),
      param: z.string().optional().meta({ description: 'The dotted path of the field at fault.' }),
    }),
  })
  .meta({ id: 'Error' });

export type ErrorBody = z.infer<typeof errorBody>;
