import { GatewayError } from './caller-errors.ts';
import type { VirtualKey } from './keys.ts';

export interface Attribution {
  customerId: string;
  teamId: string | null;
  userId: string | null;
  feature: string | null;
  sessionId: string | null;
  traceId: string | null;
  unit: string | null;
  tags: Record<string, string> | null;
  /** The caller's W3C `traceparent` when valid: the parent of the span exported for the call. */
  traceparent?: string | null;
}

export const ID_MAX = 255;
export const TAGS_MAX = 32;
const TRACEPARENT = /^[\da-f]{2}-([\da-f]{32})-[\da-f]{16}-[\da-f]{2}$/;

function header(get: (name: string) => string | undefined, name: string): string | null {
  const value = get(name)?.trim();
  if (!value) return null;
  if (value.length > ID_MAX)
    throw new GatewayError('invalid_request', `${name} is longer than ${ID_MAX} characters`, name);
  return value;
}

/** A header may name what the key is bound to, or narrow what it leaves open; never widen it. */
export function narrow(bound: string | null, asked: string | null, name: string): string | null {
  if (bound === null) return asked;
  if (asked !== null && asked !== bound) {
    throw new GatewayError(
      'attribution_not_allowed',
      `This key is bound to ${name} ${bound}; it cannot act for ${asked}.`,
      name,
    );
  }
  return bound;
}

/** `k=v;k2=v2` */
function parseTags(raw: string | null): Record<string, string> | null {
  if (raw === null) return null;
  const tags: Record<string, string> = {};
  for (const pair of raw.split(';')) {
    if (!pair.trim()) continue;
    const eq = pair.indexOf('=');
    if (eq <= 0)
      throw new GatewayError(
        'invalid_request',
        'x-tollgate-tags must look like k=v;k2=v2',
        'x-tollgate-tags',
      );
    tags[pair.slice(0, eq).trim()] = pair.slice(eq + 1).trim();
  }
  if (Object.keys(tags).length > TAGS_MAX) {
    throw new GatewayError(
      'invalid_request',
      `x-tollgate-tags has more than ${TAGS_MAX} tags`,
      'x-tollgate-tags',
    );
  }
  return tags;
}

export function attribute(key: VirtualKey, get: (name: string) => string | undefined): Attribution {
  const traceparent = get('traceparent');
  const traceId = (traceparent && TRACEPARENT.exec(traceparent)?.[1]) || null;
  return {
    customerId: key.customerId,
    teamId: narrow(key.teamId, header(get, 'x-tollgate-team'), 'x-tollgate-team'),
    userId: narrow(key.userId, header(get, 'x-tollgate-user'), 'x-tollgate-user'),
    feature: narrow(key.feature, header(get, 'x-tollgate-feature'), 'x-tollgate-feature'),
    sessionId: header(get, 'x-tollgate-session'),
    traceId,
    unit: header(get, 'x-tollgate-unit'),
    tags: parseTags(header(get, 'x-tollgate-tags')),
    traceparent: traceId ? (traceparent ?? null) : null,
  };
}
