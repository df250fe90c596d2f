import { describe, expect, it } from 'vitest';
import { budgetWindow, isTimeZone } from './budget-period.ts';

const at = (iso: string) => Date.parse(iso);
const iso = (ms: number) => new Date(ms).toISOString();

describe('budget periods', () => {
  it.each([
    // period, zone, now, key, starts, resets
    [
      'month',
      'Europe/Paris',
      '2026-11-30T23:30:00Z',
      '2026-12',
      '2026-11-30T23:00:00.000Z',
      '2026-12-31T23:00:00.000Z',
    ],
    [
      'month',
      'UTC',
      '2026-11-30T23:30:00Z',
      '2026-11',
      '2026-11-01T00:00:00.000Z',
      '2026-12-01T00:00:00.000Z',
    ],
    [
      'day',
      'America/New_York',
      '2026-03-08T12:00:00Z',
      '2026-03-08',
      '2026-03-08T05:00:00.000Z',
      '2026-03-09T04:00:00.000Z',
    ],
    [
      'day',
      'Asia/Kolkata',
      '2026-01-01T20:00:00Z',
      '2026-01-02',
      '2026-01-01T18:30:00.000Z',
      '2026-01-02T18:30:00.000Z',
    ],
    [
      'week',
      'UTC',
      '2026-01-01T10:00:00Z',
      '2026-W01',
      '2025-12-29T00:00:00.000Z',
      '2026-01-05T00:00:00.000Z',
    ],
    [
      'week',
      'Europe/Paris',
      '2027-01-03T22:59:00Z',
      '2026-W53',
      '2026-12-27T23:00:00.000Z',
      '2027-01-03T23:00:00.000Z',
    ],
  ] as const)('%s in %s at %s is %s', (period, zone, now, key, starts, resets) => {
    const window = budgetWindow(period, zone, at(now));
    expect(window.periodKey).toBe(key);
    expect(iso(window.startsAt)).toBe(starts);
    expect(iso(window.resetsAt)).toBe(resets);
    expect(window.windowStartKey).toBeUndefined();
  });

  it('the hour rolls: 60 minute buckets, moving every minute', () => {
    const window = budgetWindow('hour', 'Europe/Paris', at('2026-11-05T10:42:31Z'));
    expect(window).toEqual({
      periodKey: '2026-11-05T10:42',
      windowStartKey: '2026-11-05T09:43',
      startsAt: at('2026-11-05T09:43:00Z'),
      resetsAt: at('2026-11-05T10:43:00Z'),
    });
    // Keys sort in time order, across an hour and a day.
    expect('2026-11-05T09:59' < '2026-11-05T10:00').toBe(true);
    expect(budgetWindow('hour', 'UTC', at('2026-11-06T00:00:00Z')).windowStartKey).toBe('2026-11-05T23:01');
  });

  it('knows time zones', () => {
    expect(isTimeZone('Europe/Paris')).toBe(true);
    expect(isTimeZone('Mars/Olympus')).toBe(false);
  });
});
