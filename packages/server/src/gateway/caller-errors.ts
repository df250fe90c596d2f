import { type GatewayReply, json } from './exchange.ts';

/**
 * Errors in the caller's own API format, so the official SDKs raise their usual typed errors:
 * OpenAI `{"error": {"message", "type", "param", "code"}}`, Anthropic
 * `{"type": "error", "error": {"type", "message"}}` (with Tollgate's stable code beside).
 */
export type CallerFormat = 'openai' | 'anthropic';

export type GatewayErrorCode =
  | 'invalid_api_key'
  | 'key_revoked'
  | 'key_expired'
  | 'invalid_json'
  | 'invalid_request'
  | 'request_too_large'
  | 'model_not_found'
  | 'model_not_allowed'
  | 'model_not_priced'
  | 'attribution_not_allowed'
  | 'insufficient_credits'
  /** A session over its plan's cost cap (no retry-after: a session cap has no reset). */
  | 'budget_exceeded'
  | 'wallet_frozen'
  | 'wallet_not_found'
  | 'rate_limited'
  | 'upstream_error'
  | 'upstream_timeout'
  | 'internal_error';

const STATUS: Record<GatewayErrorCode, number> = {
  invalid_api_key: 401,
  key_revoked: 401,
  key_expired: 401,
  invalid_json: 400,
  invalid_request: 400,
  request_too_large: 413,
  model_not_found: 404,
  model_not_allowed: 403,
  model_not_priced: 400,
  attribution_not_allowed: 403,
  insufficient_credits: 402,
  budget_exceeded: 429,
  wallet_frozen: 402,
  wallet_not_found: 402,
  rate_limited: 429,
  upstream_error: 502,
  upstream_timeout: 504,
  internal_error: 500,
};

/** Error `type` per status, as each provider names them. */
function errorType(format: CallerFormat, status: number): string {
  if (status === 400) return 'invalid_request_error';
  if (status === 401) return 'authentication_error';
  if (status === 402) return 'billing_error';
  if (status === 403) return 'permission_error';
  if (status === 404) return 'not_found_error';
  if (status === 413) return format === 'anthropic' ? 'request_too_large' : 'invalid_request_error';
  if (status === 429) return 'rate_limit_error';
  return 'api_error';
}

export class GatewayError extends Error {
  override readonly name = 'GatewayError';
  constructor(
    readonly code: GatewayErrorCode,
    message: string,
    readonly param: string | null = null,
    /** Headers the refusal carries to the caller (`retry-after`, `x-ratelimit-*`). */
    readonly headers: Record<string, string> = {},
  ) {
    super(message);
  }

  get status(): number {
    return STATUS[this.code];
  }
}

export function errorResponse(
  format: CallerFormat,
  error: GatewayError,
  headers: Record<string, string> = {},
): GatewayReply {
  const type = errorType(format, error.status);
  const body =
    format === 'anthropic'
      ? { type: 'error', error: { type, message: error.message, code: error.code } }
      : { error: { message: error.message, type, param: error.param, code: error.code } };
  return json(error.status, body, headers);
}
