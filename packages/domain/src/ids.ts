/**
 * Identifiers: `prefix_` + 10 characters of millisecond time + 16 of randomness, in Crockford
 * base32, so that ids of one kind sort by creation time (like ULIDs) and never collide.
 */
const ALPHABET = '0123456789abcdefghjkmnpqrstvwxyz';
const TIME_CHARS = 10;
const RANDOM_CHARS = 16;
/** Random bytes drawn at once: one system call per 256 ids instead of one per id. */
const POOL_BYTES = RANDOM_CHARS * 256;

export type IdFactory = (prefix: string) => string;

const pool = new Uint8Array(POOL_BYTES);
let offset = POOL_BYTES;

export const newId: IdFactory = (prefix) => {
  let time = Date.now();
  let timePart = '';
  for (let i = 0; i < TIME_CHARS; i++) {
    timePart = ALPHABET[time % 32] + timePart;
    time = Math.floor(time / 32);
  }
  if (offset + RANDOM_CHARS > POOL_BYTES) {
    globalThis.crypto.getRandomValues(pool);
    offset = 0;
  }
  let randomPart = '';
  for (let i = 0; i < RANDOM_CHARS; i++) randomPart += ALPHABET[pool[offset + i]! % 32];
  offset += RANDOM_CHARS;
  return `${prefix}_${timePart}${randomPart}`;
};
