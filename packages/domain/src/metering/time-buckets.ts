import type { Granularity } from './usage-query.ts';

const HOUR_MS = 3_600_000;
/** A query may ask for at most this many buckets (a year of hours fits). */
export const BUCKETS_MAX = 10_000;

const formatters = new Map<string, Intl.DateTimeFormat>();

function formatter(timeZone: string): Intl.DateTimeFormat {
  let f = formatters.get(timeZone);
  if (!f) {
    f = new Intl.DateTimeFormat('en-US', {
      timeZone,
      hourCycle: 'h23',
      year: 'numeric',
      month: 'numeric',
      day: 'numeric',
      hour: 'numeric',
      minute: 'numeric',
      second: 'numeric',
    });
    formatters.set(timeZone, f);
  }
  return f;
}

interface Wall {
  year: number;
  month: number;
  day: number;
  hour: number;
  minute: number;
  second: number;
}

function wallClock(timeZone: string, ms: number): Wall {
  const parts: Record<string, number> = {};
  for (const p of formatter(timeZone).formatToParts(ms))
    if (p.type !== 'literal') parts[p.type] = Number(p.value);
  return {
    year: parts.year!,
    month: parts.month!,
    day: parts.day!,
    hour: parts.hour!,
    minute: parts.minute!,
    second: parts.second!,
  };
}

/** The zone's offset from UTC at an instant, in ms (Paris in summer: +7,200,000). */
export function offsetMs(timeZone: string, ms: number): number {
  const w = wallClock(timeZone, ms);
  const asUtc = Date.UTC(w.year, w.month - 1, w.day, w.hour, w.minute, w.second);
  return asUtc - (ms - (((ms % 1000) + 1000) % 1000));
}

/**
 * The first instant whose wall clock in the zone reads `y-m-d 00:00` (or later, when midnight
 * falls in a DST gap): two passes settle the offset on either side of a change.
 */
function zonedMidnight(timeZone: string, year: number, month: number, day: number): number {
  const wall = Date.UTC(year, month - 1, day);
  let guess = wall - offsetMs(timeZone, wall);
  guess = wall - offsetMs(timeZone, guess);
  const w = wallClock(timeZone, guess);
  // In a gap the wall clock skipped midnight: the day starts at the first instant after it.
  if (Date.UTC(w.year, w.month - 1, w.day) < wall) return guess + HOUR_MS;
  return guess;
}

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
