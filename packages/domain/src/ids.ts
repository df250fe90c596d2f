/**
 * Identifiers: `prefix_` + 10 characters of millisecond time + 16 of randomness, in Crockford
 * base32, so that ids of one kind sort by creation time (like ULIDs) and never collide.
 */
const ALPHABET = '0123456789abcdefghjkmnpqrstvwxyz';
const TIME_CHARS = 10;
const RANDOM_CHARS = 16;

export type IdFactory = (prefix: string) => string;

export const newId: IdFactory = (prefix) => {
  let time = Date.now();
  let timePart = '';
  for (let i = 0; i < TIME_CHARS; i++) {
    timePart = ALPHABET[time % 32] + timePart;
    time = Math.floor(time / 32);
  }
  const bytes = new Uint8Array(RANDOM_CHARS);
  globalThis.crypto.getRandomValues(bytes);
  let randomPart = '';
  for (const byte of bytes) randomPart += ALPHABET[byte % 32];
  return `${prefix}_${timePart}${randomPart}`;
};
