import { describe, expect, it } from 'vitest';
import { formatReset, retryAfterSeconds } from './reset-format.ts';

describe('formatReset', () => {
  it.each([
    [0, '0ms'],
    [250, '250ms'],
    [999.2, '1s'],
    [1_000, '1s'],
    [17_500, '17.5s'],
    [59_999, '59.999s'],
    [60_000, '1m0s'],
    [360_000, '6m0s'],
    [90_500, '1m30.5s'],
    [3_723_000, '1h2m3s'],
    [-5, '0ms'],
  ])('%d ms → %s', (ms, text) => {
    expect(formatReset(ms)).toBe(text);
  });
});

describe('retryAfterSeconds', () => {
  it.each([
    [0, 1],
    [1, 1],
    [1_000, 1],
    [1_001, 2],
    [59_000, 59],
  ])('%d ms → %d s', (ms, seconds) => {
    expect(retryAfterSeconds(ms)).toBe(seconds);
  });
});
