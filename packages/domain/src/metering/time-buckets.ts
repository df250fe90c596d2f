import { offsetMs, wallClock, zonedMidnight } from '../time-zone.ts';
import type { Granularity } from './usage-query.ts';

const HOUR_MS = 3_600_000;
/** A query may ask for at most this many buckets (a year of hours fits). */
export const BUCKETS_MAX = 10_000;

function floorHour(timeZone: string, ms: number): number {
  const local = ms + offsetMs(timeZone, ms);
  return ms - (((local % HOUR_MS) + HOUR_MS) % HOUR_MS);
}

function floorTo(timeZone: string, ms: number, granularity: Granularity): number {
  if (granularity === 'hour') return floorHour(timeZone, ms);
  const w = wallClock(timeZone, ms);
  return zonedMidnight(timeZone, w.year, w.month, granularity === 'month' ? 1 : w.day);
}

function next(timeZone: string, start: number, granularity: Granularity): number {
  if (granularity === 'hour') return floorHour(timeZone, start + HOUR_MS);
  const w = wallClock(timeZone, start);
  // Date.UTC normalises day 32 and month 13, so the calendar arithmetic stays in UTC fields.
  const d = new Date(
    Date.UTC(
      w.year,
      w.month - 1 + (granularity === 'month' ? 1 : 0),
      granularity === 'month' ? 1 : w.day + 1,
    ),
  );
  return zonedMidnight(timeZone, d.getUTCFullYear(), d.getUTCMonth() + 1, d.getUTCDate());
}

/**
 * The starts of the buckets that cover [fromMs, toMs), in the zone's calendar: a Paris day is 23
 * or 25 hours long on the days clocks change. The first bucket starts at or before fromMs.
 * Returns null beyond BUCKETS_MAX buckets.
 *
 * @example
 * bucketStarts(Date.UTC(2030, 2, 30, 23), Date.UTC(2030, 2, 31, 22), 'day', 'Europe/Paris');
 * // [Date.UTC(2030, 2, 30, 23), Date.UTC(2030, 2, 31, 22)]: 31 March has 23 hours
 */
export function bucketStarts(
  fromMs: number,
  toMs: number,
  granularity: Granularity,
  timeZone: string,
): number[] | null {
  const starts = [floorTo(timeZone, fromMs, granularity)];
  for (;;) {
    const start = next(timeZone, starts.at(-1)!, granularity);
    if (start >= toMs) return starts;
    if (starts.length >= BUCKETS_MAX) return null;
    starts.push(start);
  }
}

/** Index of the bucket holding `ms` in sorted starts (the last start ≤ ms). */
export function bucketIndex(starts: readonly number[], ms: number): number {
  let lo = 0;
  let hi = starts.length - 1;
  while (lo < hi) {
    const mid = (lo + hi + 1) >> 1;
    if (starts[mid]! <= ms) lo = mid;
    else hi = mid - 1;
  }
  return lo;
}

/**
 * An instant as ISO 8601 with the zone's offset: `2030-03-31T00:00:00+02:00`.
 *
 * @example
 * zonedIso(Date.UTC(2030, 0, 1), 'Europe/Paris'); // '2030-01-01T01:00:00+01:00'
 */
export function zonedIso(ms: number, timeZone: string): string {
  const offset = offsetMs(timeZone, ms);
  const local = new Date(ms + offset).toISOString().slice(0, 19);
  if (offset === 0) return `${local}Z`;
  const abs = Math.abs(offset) / 60_000;
  const hh = String(Math.floor(abs / 60)).padStart(2, '0');
  const mm = String(abs % 60).padStart(2, '0');
  return `${local}${offset < 0 ? '-' : '+'}${hh}:${mm}`;
}
