/**
 * A failed customer-API call, as every hook and component sees it: the HTTP status (0 when the
 * request never got an answer), the server's stable snake_case code, and a message.
 *
 * @example
 * ```ts
 * if (error instanceof TollgateError && error.status === 401) refreshToken();
 * ```
 */
export class TollgateError extends Error {
  override readonly name = 'TollgateError';

  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
  ) {
    super(message);
  }

  /** The token expired or is invalid: the host must mint a new one. */
  get isAuth(): boolean {
    return this.status === 401;
  }

  /** The token belongs to another customer (or lacks the scope). */
  get isForbidden(): boolean {
    return this.status === 403;
  }
}

interface ErrorEnvelope {
  error?: { code?: unknown; message?: unknown };
}

/** Reads the admin error body `{"error": {code, message}}`; anything else becomes a generic error. */
export async function errorFromResponse(response: Response): Promise<TollgateError> {
  let body: ErrorEnvelope | undefined;
  try {
    body = (await response.json()) as ErrorEnvelope;
  } catch {
    // A proxy's HTML error page or an empty body: the status alone has to do.
  }
  const code = typeof body?.error?.code === 'string' ? body.error.code : `http_${response.status}`;
  const message =
    typeof body?.error?.message === 'string' ? body.error.message : `Request failed with ${response.status}`;
  return new TollgateError(response.status, code, message);
}

/** Normalises anything thrown (a network failure, an abort) into a TollgateError. */
export function toTollgateError(error: unknown): TollgateError {
  if (error instanceof TollgateError) return error;
  const message = error instanceof Error ? error.message : String(error);
  return new TollgateError(0, 'network_error', `Could not reach Tollgate: ${message}`);
}
