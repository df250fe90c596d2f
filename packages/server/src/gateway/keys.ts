import { createHash, randomBytes } from 'node:crypto';
import type { VirtualKeyRow } from '@tollgate/storage';
import { GatewayError } from './caller-errors.ts';

/** Virtual keys are `tg_` + 40 base62 characters (≈ 238 bits); only their SHA-256 is stored. */
export const VIRTUAL_KEY_PREFIX = 'tg_';
const KEY_CHARS = 40;
const ALPHABET = '0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz';
/** How long an instance trusts a cached key; revocation on this instance is immediate. */
export const KEY_CACHE_TTL_MS = 1_000;
const KEY_CACHE_ENTRIES_MAX = 10_000;

/** A key as the gateway sees it: the stored row without its digest. */
export type VirtualKey = Omit<VirtualKeyRow, 'digest'>;

export function generateVirtualKey(): { key: string; digest: string; prefix: string } {
  const bytes = randomBytes(KEY_CHARS);
  let key = VIRTUAL_KEY_PREFIX;
  // 62 does not divide 256: rejection keeps the characters uniform.
  for (let i = 0; key.length < VIRTUAL_KEY_PREFIX.length + KEY_CHARS; i++) {
    const byte = i < bytes.length ? bytes[i]! : randomBytes(1)[0]!;
    if (byte < 248) key += ALPHABET[byte % 62];
  }
  return { key, digest: keyDigest(key), prefix: key.slice(0, VIRTUAL_KEY_PREFIX.length + 6) };
}

export const keyDigest = (key: string): string => createHash('sha256').update(key).digest('hex');

export function modelAllowed(key: VirtualKey, model: string): boolean {
  if (key.models === null) return true;
  return key.models.some((allowed) =>
    allowed.endsWith('*') ? model.startsWith(allowed.slice(0, -1)) : allowed === model,
  );
}

/**
 * Resolves bearer tokens to keys, caching each for KEY_CACHE_TTL_MS so that the hot path does not
 * read the database per call; another instance sees a revocation within that time.
 */
export class KeyResolver {
  private readonly cache = new Map<string, { key: VirtualKey | null; until: number }>();

  constructor(
    private readonly load: (digest: string) => Promise<VirtualKey | undefined>,
    private readonly clock: () => number = Date.now,
  ) {}

  async authenticate(token: string | null): Promise<VirtualKey> {
    if (!token?.startsWith(VIRTUAL_KEY_PREFIX)) {
      throw new GatewayError(
        'invalid_api_key',
        'Send a Tollgate virtual key (tg_…) as Authorization: Bearer or x-api-key.',
      );
    }
    const now = this.clock();
    // Cached by the token itself, so that a hit costs no digest; only digests reach the store.
    let entry = this.cache.get(token);
    if (!entry || entry.until <= now) {
      if (this.cache.size >= KEY_CACHE_ENTRIES_MAX) this.cache.clear();
      entry = { key: (await this.load(keyDigest(token))) ?? null, until: now + KEY_CACHE_TTL_MS };
      this.cache.set(token, entry);
    }
    const key = entry.key;
    if (!key)
      throw new GatewayError('invalid_api_key', 'Unknown API key. Create one with POST /api/v1/keys.');
    if (key.revokedAt !== null) throw new GatewayError('key_revoked', `Key ${key.prefix}… was revoked.`);
    if (key.expiresAt !== null && key.expiresAt <= now) {
      throw new GatewayError('key_expired', `Key ${key.prefix}… has expired.`);
    }
    return key;
  }

  /** Forgets every cached key (after a revocation on this instance). */
  invalidate(): void {
    this.cache.clear();
  }
}
