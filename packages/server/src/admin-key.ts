import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import { newId } from '@tollgate/domain';
import type { Store } from '@tollgate/storage';

export const ADMIN_KEY_PREFIX = 'tga_';
/** 32 base62 characters: about 190 bits of randomness. */
export const ADMIN_KEY_RANDOM_CHARS = 32;
const BASE62 = '0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz';
/** The largest multiple of 62 below 256: bytes at or above it are dropped so every character is equally likely. */
const UNBIASED_BYTE_LIMIT = 248;

/** A fresh admin key: `tga_` + 32 random base62 characters. */
export function generateAdminKey(): string {
  let random = '';
  while (random.length < ADMIN_KEY_RANDOM_CHARS) {
    for (const byte of randomBytes(ADMIN_KEY_RANDOM_CHARS)) {
      if (byte < UNBIASED_BYTE_LIMIT && random.length < ADMIN_KEY_RANDOM_CHARS) random += BASE62[byte % 62];
    }
  }
  return ADMIN_KEY_PREFIX + random;
}

/** Hex SHA-256 of a key: the only form in which keys are stored. */
export function digestAdminKey(key: string): string {
  return createHash('sha256').update(key, 'utf8').digest('hex');
}

export type AdminKeySetup = { kind: 'from_env' } | { kind: 'generated'; key: string } | { kind: 'stored' };

/**
 * Makes sure the store knows an admin key: the one given (TOLLGATE_ADMIN_KEY) or, when none is
 * given and none is stored, a generated one, returned so that the caller can print it once.
 */
export async function ensureAdminKey(
  store: Store,
  given: string | undefined,
  now = Date.now(),
): Promise<AdminKeySetup> {
  if (given !== undefined) {
    await storeDigest(store, digestAdminKey(given), now);
    return { kind: 'from_env' };
  }
  if ((await store.countAdminKeys()) > 0) return { kind: 'stored' };
  const key = generateAdminKey();
  await storeDigest(store, digestAdminKey(key), now);
  return { kind: 'generated', key };
}

async function storeDigest(store: Store, digest: string, now: number): Promise<void> {
  if (await store.hasAdminKey(digest)) return;
  try {
    await store.addAdminKey(newId('adk'), digest, now);
  } catch (error) {
    // Another instance starting on the same database stored the same key first.
    if (!(await store.hasAdminKey(digest))) throw error;
  }
}

/**
 * The check behind `authorizeAdmin`. The key of this process is compared in constant time; any
 * other is looked up by its digest, which leaks nothing about the key itself (an attacker cannot
 * steer the bytes of a SHA-256 digest one at a time).
 */
export function adminAuthorizer(store: Store, knownKey?: string): (token: string) => Promise<boolean> {
  const known = knownKey === undefined ? undefined : Buffer.from(digestAdminKey(knownKey), 'hex');
  return async (token) => {
    if (token.length === 0) return false;
    const digest = digestAdminKey(token);
    if (known && timingSafeEqual(known, Buffer.from(digest, 'hex'))) return true;
    return store.hasAdminKey(digest);
  };
}
