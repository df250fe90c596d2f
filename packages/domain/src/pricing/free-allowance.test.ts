import { describe, expect, it } from 'vitest';
import { allowanceKey, allowancePeriod } from './free-allowance.ts';

const at = (iso: string) => Date.parse(iso);
const iso = (p: { start: number; end: number }) => [
  new Date(p.start).toISOString(),
  new Date(p.end).toISOString(),
];

describe('allowancePeriod (UTC)', () => {
  it.each([
    ['day', '2030-03-15T23:59:59.999Z', '2030-03-15T00:00:00.000Z', '2030-03-16T00:00:00.000Z'],
    [
      'week (Friday → Monday)',
      '2030-03-15T12:00:00Z',
      '2030-03-11T00:00:00.000Z',
      '2030-03-18T00:00:00.000Z',
    ],
    ['week (Sunday)', '2030-03-17T12:00:00Z', '2030-03-11T00:00:00.000Z', '2030-03-18T00:00:00.000Z'],
    ['week (Monday 00:00)', '2030-03-18T00:00:00Z', '2030-03-18T00:00:00.000Z', '2030-03-25T00:00:00.000Z'],
    ['month', '2030-02-28T10:00:00Z', '2030-02-01T00:00:00.000Z', '2030-03-01T00:00:00.000Z'],
    ['month (December)', '2030-12-31T23:00:00Z', '2030-12-01T00:00:00.000Z', '2031-01-01T00:00:00.000Z'],
  ] as const)('%s', (what, instant, start, end) => {
    const period = what.split(' ')[0] as 'day' | 'week' | 'month';
    expect(iso(allowancePeriod(at(instant), period))).toEqual([start, end]);
  });

  it('keys a grant by customer and period start', () => {
    expect(allowanceKey('acme', at('2030-03-01T00:00:00Z'))).toBe('allowance:acme:2030-03-01T00:00:00.000Z');
  });
});
