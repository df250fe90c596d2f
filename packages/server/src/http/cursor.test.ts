import { describe, expect, it } from 'vitest';
import { ApiError } from '../errors.ts';
import { decodeCursor, decodeSeqCursor, encodeCursor } from './cursor.ts';

describe('cursors', () => {
  it('round-trip and stay opaque', () => {
    const cursor = encodeCursor('customers', 'acme');
    expect(cursor).toMatch(/^[A-Za-z0-9_-]+$/);
    expect(decodeCursor('customers', cursor)).toBe('acme');
    expect(decodeSeqCursor(encodeCursor('transactions', '123'))).toBe(123n);
  });

  it.each([
    ['a cursor of another list', () => decodeCursor('customers', encodeCursor('wallets', 'w1'))],
    ['garbage', () => decodeCursor('customers', 'not-a-cursor')],
    ['a non-numeric seq', () => decodeSeqCursor(encodeCursor('transactions', 'abc'))],
  ])('refuses %s with parameter_invalid cursor', (_name, decode) => {
    expect(decode).toThrow(ApiError);
    expect(() => decode()).toThrow(expect.objectContaining({ code: 'parameter_invalid', param: 'cursor' }));
  });
});
