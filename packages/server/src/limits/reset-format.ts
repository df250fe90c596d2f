/**
 * A duration as OpenAI writes it in `x-ratelimit-reset-*` (Go's time.Duration format, as its
 * servers are written): `250ms`, `1s`, `17.5s`, `6m0s`, `1h2m3s`.
 */
export function formatReset(ms: number): string {
  const whole = Math.max(0, Math.ceil(ms));
  if (whole < 1_000) return `${whole}ms`;
  const hours = Math.floor(whole / 3_600_000);
  const minutes = Math.floor((whole % 3_600_000) / 60_000);
  const seconds = (whole % 60_000) / 1_000;
  // Up to millisecond precision, no trailing zeros: 17.5s, not 17.500s.
  const secondsText = `${Number(seconds.toFixed(3))}s`;
  if (hours > 0) return `${hours}h${minutes}m${secondsText}`;
  if (minutes > 0) return `${minutes}m${secondsText}`;
  return secondsText;
}

/** `retry-after` is whole seconds, at least 1: a client told 0 would retry at once. */
export const retryAfterSeconds = (ms: number): number => Math.max(1, Math.ceil(ms / 1_000));
