import { GatewayError } from './caller-errors.ts';
import { type GatewayRequest, RequestTooLarge } from './exchange.ts';

/** Request bodies above this are refused with 413 (configurable: TOLLGATE_BODY_LIMIT_BYTES). */
export const DEFAULT_BODY_BYTES_MAX = 10 * 1024 * 1024;

/** Reads a JSON object body, refusing it past `bytesMax` without reading further. */
export async function readJsonBody(
  request: GatewayRequest,
  bytesMax: number,
): Promise<Record<string, unknown>> {
  let raw: Buffer;
  try {
    raw = await request.readBody(bytesMax);
  } catch (error) {
    if (error instanceof RequestTooLarge) {
      throw new GatewayError('request_too_large', `The request body is larger than ${bytesMax} bytes.`);
    }
    throw error;
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(raw.toString('utf8'));
  } catch {
    throw new GatewayError('invalid_json', 'The request body is not valid JSON.');
  }
  if (!parsed || typeof parsed !== 'object' || Array.isArray(parsed)) {
    throw new GatewayError('invalid_request', 'The request body must be a JSON object.');
  }
  return parsed as Record<string, unknown>;
}

export function bearer(request: GatewayRequest): string | null {
  const authorization = request.header('authorization');
  if (authorization?.toLowerCase().startsWith('bearer ')) return authorization.slice(7).trim();
  return request.header('x-api-key')?.trim() || null;
}
