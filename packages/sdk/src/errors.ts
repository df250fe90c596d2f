/**
 * A refused or failed call: the API's status and its stable error code (`insufficient_credits`,
 * `forbidden`, `token_expired`…), the message that says what to do, and the field at fault.
 * Network failures have status 0 and code `network_error`.
 *
 * @example
 * try {
 *   await tollgate.wallets.deduct('wal_1', { amount: 5_000_000 });
 * } catch (error) {
 *   if (error instanceof TollgateError && error.code === 'insufficient_credits') showTopUp();
 * }
 */
export class TollgateError extends Error {
  override readonly name = 'TollgateError';

  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly param?: string,
  ) {
    super(message);
  }
}

interface ErrorJson {
  error?: { code?: unknown; message?: unknown; param?: unknown };
}

/**
 * The TollgateError a failed response carries (or a generic one when its body is not the API's).
 *
 * @example
 * if (!response.ok) throw await errorFromResponse(response);
 */
export async function errorFromResponse(response: Response): Promise<TollgateError> {
  const text = await response.text().catch(() => '');
  let body: ErrorJson = {};
  try {
    body = JSON.parse(text) as ErrorJson;
  } catch {
    // Not JSON (a proxy's HTML page): keep the status, say so.
  }
  const error = body.error ?? {};
  const code = typeof error.code === 'string' ? error.code : `http_${response.status}`;
  const message = typeof error.message === 'string' ? error.message : `HTTP ${response.status}`;
  const param = typeof error.param === 'string' ? error.param : undefined;
  return new TollgateError(response.status, code, message, param);
}
