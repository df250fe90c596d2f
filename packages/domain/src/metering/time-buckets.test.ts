import { describe, expect, it } from 'vitest';
import { bucketIndex, bucketStarts, zonedIso } from './time-buckets.ts';

const H = 3_600_000;

describe('bucket starts in a time zone', () => {
  it.each([
    // [from, to, granularity, zone, starts as ISO in the zone]
    [
      Date.UTC(2030, 2, 30, 23),
      Date.UTC(2030, 3, 1, 22),
      'day',
      'Europe/Paris',
      ['2030-03-31T00:00:00+01:00', '2030-04-01T00:00:00+02:00'],
    ],
    [
      Date.UTC(2030, 9, 26, 22),
      Date.UTC(2030, 9, 28, 0),
      'day',
      'Europe/Paris',
      ['2030-10-27T00:00:00+02:00', '2030-10-28T00:00:00+01:00'],
    ],
    [
      Date.UTC(2030, 0, 15),
      Date.UTC(2030, 2, 15),
      'month',
      'America/New_York',
      ['2030-01-01T00:00:00-05:00', '2030-02-01T00:00:00-05:00', '2030-03-01T00:00:00-05:00'],
    ],
    [
      Date.UTC(2030, 0, 1),
      Date.UTC(2030, 0, 1, 2),
      'hour',
      'Asia/Kolkata',
      ['2030-01-01T05:00:00+05:30', '2030-01-01T06:00:00+05:30', '2030-01-01T07:00:00+05:30'],
    ],
    [
      Date.UTC(2030, 0, 1, 5),
      Date.UTC(2030, 0, 3),
      'day',
      'UTC',
      ['2030-01-01T00:00:00Z', '2030-01-02T00:00:00Z'],
    ],
  ] as const)('%#: %s → %s', (from, to, granularity, zone, expected) => {
    const starts = bucketStarts(from, to, granularity, zone)!;
    expect(starts.map((s) => zonedIso(s, zone))).toEqual(expected);
  });

  it('gives Paris days of 23 and 25 hours when clocks change', () => {
    const spring = bucketStarts(Date.UTC(2030, 2, 30, 23), Date.UTC(2030, 3, 1, 22), 'day', 'Europe/Paris')!;
    expect(spring[1]! - spring[0]!).toBe(23 * H);
    const fall = bucketStarts(Date.UTC(2030, 9, 26, 22), Date.UTC(2030, 9, 28, 0), 'day', 'Europe/Paris')!;
    expect(fall[1]! - fall[0]!).toBe(25 * H);
  });

  it('finds the bucket of an instant', () => {
    const starts = [0, 10, 20];
    expect([0, 9, 10, 25].map((ms) => bucketIndex(starts, ms))).toEqual([0, 0, 1, 2]);
  });

  it('refuses more buckets than the limit', () => {
    expect(bucketStarts(0, 20_000 * H, 'hour', 'UTC')).toBeNull();
  });
});
