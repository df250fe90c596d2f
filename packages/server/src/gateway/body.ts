import { GatewayError } from './caller-errors.ts';

/** Request bodies above this are refused with 413 (configurable: TOLLGATE_BODY_LIMIT_BYTES). */
export const DEFAULT_BODY_BYTES_MAX = 10 * 1024 * 1024;

/** Reads a JSON object body, refusing it past `bytesMax` without reading further. */
export async function readJsonBody(request: Request, bytesMax: number): Promise<Record<string, unknown>> {
  const declared = Number(request.headers.get('content-length') ?? Number.NaN);
  if (declared > bytesMax) throw tooLarge(bytesMax);
  const reader = request.body?.getReader();
  const chunks: Uint8Array[] = [];
  let size = 0;
  if (reader) {
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      size += value.byteLength;
      if (size > bytesMax) {
        await reader.cancel();
        throw tooLarge(bytesMax);
      }
      chunks.push(value);
    }
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(Buffer.concat(chunks).toString('utf8'));
  } catch {
    throw new GatewayError('invalid_json', 'The request body is not valid JSON.');
  }
  if (!parsed || typeof parsed !== 'object' || Array.isArray(parsed)) {
    throw new GatewayError('invalid_request', 'The request body must be a JSON object.');
  }
  return parsed as Record<string, unknown>;
}

function tooLarge(bytesMax: number): GatewayError {
  return new GatewayError('request_too_large', `The request body is larger than ${bytesMax} bytes.`);
}

export function bearer(request: Request): string | null {
  const authorization = request.headers.get('authorization');
  if (authorization?.toLowerCase().startsWith('bearer ')) return authorization.slice(7).trim();
  return request.headers.get('x-api-key')?.trim() || null;
}
