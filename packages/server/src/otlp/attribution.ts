import { type Attribution, ID_MAX, narrow, TAGS_MAX } from '../gateway/attribution.ts';
import { GatewayError } from '../gateway/caller-errors.ts';
import type { VirtualKey } from '../gateway/keys.ts';
import type { RequestedAttribution } from './span-usage.ts';

function bounded(value: string | null, name: string): string | null {
  if (value !== null && value.length > ID_MAX)
    throw new GatewayError('invalid_request', `${name} is longer than ${ID_MAX} characters`, name);
  return value;
}

/**
 * A span's `tollgate.*` attributes, read as the gateway reads its x-tollgate-* headers: they may
 * name what the key is bound to or narrow what it leaves open, never widen it (throws GatewayError).
 */
export function spanAttribution(key: VirtualKey, asked: RequestedAttribution, traceId: string): Attribution {
  const tags = asked.tags;
  if (tags && Object.keys(tags).length > TAGS_MAX)
    throw new GatewayError(
      'invalid_request',
      `more than ${TAGS_MAX} tollgate.tags.* attributes`,
      'tollgate.tags',
    );
  for (const [name, value] of Object.entries(tags ?? {})) bounded(value, `tollgate.tags.${name}`);
  return {
    customerId: key.customerId,
    teamId: narrow(key.teamId, bounded(asked.team, 'tollgate.team'), 'tollgate.team'),
    userId: narrow(key.userId, bounded(asked.user, 'tollgate.user'), 'tollgate.user'),
    feature: narrow(key.feature, bounded(asked.feature, 'tollgate.feature'), 'tollgate.feature'),
    sessionId: bounded(asked.session, 'tollgate.session'),
    traceId,
    unit: bounded(asked.unit, 'tollgate.unit'),
    tags,
  };
}
