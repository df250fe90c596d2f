/** How long one HTTP delivery may take before it counts as failed (and is retried). */
export const SEND_TIMEOUT_MS = 10_000;
/** Characters of a receiver's error kept in the delivery log. */
export const ERROR_CHARS_MAX = 500;

/** What one attempt to send gave: a 2xx (or an accepted email), or why not. */
export interface SendResult {
  ok: boolean;
  statusCode: number | null;
  error: string | null;
}

/**
 * Removes every secret from an error message before it is stored or logged: a receiver or a
 * library may echo a URL or credentials back.
 */
export function redact(message: string, secrets: readonly string[]): string {
  let text = message;
  for (const secret of secrets) if (secret.length >= 4) text = text.split(secret).join('[redacted]');
  return text.slice(0, ERROR_CHARS_MAX);
}

/** POSTs JSON; any 2xx is a delivery, anything else (or no answer in time) a failed attempt. */
export async function postJson(
  url: string,
  body: string,
  headers: Record<string, string>,
  secrets: readonly string[],
): Promise<SendResult> {
  try {
    const response = await fetch(url, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'user-agent': 'Tollgate-Alerts/1', ...headers },
      body,
      // A redirect could lead the signed body elsewhere: a receiver must give its final URL.
      redirect: 'manual',
      signal: AbortSignal.timeout(SEND_TIMEOUT_MS),
    });
    const text = await response.text().catch(() => '');
    if (response.status >= 200 && response.status < 300)
      return { ok: true, statusCode: response.status, error: null };
    const error = redact(`HTTP ${response.status}${text ? `: ${text}` : ''}`, secrets);
    return { ok: false, statusCode: response.status, error };
  } catch (error) {
    const reason =
      error instanceof Error
        ? error.cause instanceof Error
          ? error.cause.message
          : error.message
        : String(error);
    return { ok: false, statusCode: null, error: redact(reason, [url, ...secrets]) };
  }
}
