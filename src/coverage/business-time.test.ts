import { describe, expect, it } from 'vitest';
import type { Engagement } from '../engagement/model.js';
import { addBusinessMs, businessIntervals, businessMsBetween } from './business-time.js';
import { buildEngagement, engagementIn, iso, utc, wall, weekly } from './test-fixtures.js';
import { windowAt } from './window.js';

const NY = 'America/New_York';
const H = 3_600_000;
const M = 60_000;
const demo = buildEngagement();
const ny = (local: string): number => wall(NY, local);
/** Business hours all day every day: the business clock is then the wall clock minus holidays. */
const nyAlways = engagementIn(NY, { extra: [] }, weekly('mon-sun', '00:00', '24:00'));
/** A night shift every night, 22:00-06:00. */
const nyNights = engagementIn(NY, { extra: [] }, weekly('mon-sun', '22:00', '06:00'));
const londonNights = engagementIn('Europe/London', { extra: [] }, weekly('mon-sun', '22:00', '06:00'));
const nightShift = engagementIn(NY, { country: 'US', extra: [] }, weekly('mon-fri', '22:00', '06:00'));

describe('businessIntervals', () => {
  const span = (i: { start: number; end: number }): [string | null, string | null] => [iso(i.start), iso(i.end)];

  it('Thanksgiving week in the demo engagement', () => {
    expect(businessIntervals(demo, ny('2026-11-24T12:00'), ny('2026-12-01T00:00')).map(span)).toEqual([
      ['2026-11-24T17:00:00.000Z', '2026-11-24T23:00:00.000Z'], // Tue, clipped at noon
      ['2026-11-25T13:00:00.000Z', '2026-11-25T23:00:00.000Z'], // Wed
      // Thu: Thanksgiving
      ['2026-11-27T13:00:00.000Z', '2026-11-27T23:00:00.000Z'], // Fri
      ['2026-11-30T13:00:00.000Z', '2026-11-30T23:00:00.000Z'], // Mon
    ]);
  });

  it('keeps 08:00-18:00 local across the spring change (UTC times shift by an hour)', () => {
    expect(businessIntervals(demo, ny('2026-03-06T00:00'), ny('2026-03-10T00:00')).map(span)).toEqual([
      ['2026-03-06T13:00:00.000Z', '2026-03-06T23:00:00.000Z'], // Fri EST
      ['2026-03-09T12:00:00.000Z', '2026-03-09T22:00:00.000Z'], // Mon EDT
    ]);
  });

  it('gives DST change days their real length', () => {
    expect(businessIntervals(nyAlways, ny('2026-03-08T00:00'), ny('2026-03-09T00:00')).map(span)).toEqual([
      ['2026-03-08T05:00:00.000Z', '2026-03-09T04:00:00.000Z'], // 23 h
    ]);
    expect(businessIntervals(nyAlways, ny('2026-10-31T00:00'), ny('2026-11-03T00:00')).map(span)).toEqual([
      ['2026-10-31T04:00:00.000Z', '2026-11-03T05:00:00.000Z'], // touching days merged; 73 h
    ]);
  });

  it('runs night windows past midnight, 7 h or 9 h on DST nights', () => {
    expect(businessIntervals(nyNights, ny('2026-03-07T12:00'), ny('2026-03-08T12:00')).map(span)).toEqual([
      ['2026-03-08T03:00:00.000Z', '2026-03-08T10:00:00.000Z'], // 22:00 EST -> 06:00 EDT
    ]);
    expect(businessIntervals(nyNights, ny('2026-10-31T12:00'), ny('2026-11-01T12:00')).map(span)).toEqual([
      ['2026-11-01T02:00:00.000Z', '2026-11-01T11:00:00.000Z'], // 22:00 EDT -> 06:00 EST
    ]);
    expect(businessIntervals(londonNights, utc('2026-03-28T12:00Z'), utc('2026-03-29T12:00Z')).map(span)).toEqual([
      ['2026-03-28T22:00:00.000Z', '2026-03-29T05:00:00.000Z'], // 22:00 GMT -> 06:00 BST
    ]);
    expect(businessIntervals(londonNights, utc('2026-10-24T12:00Z'), utc('2026-10-25T12:00Z')).map(span)).toEqual([
      ['2026-10-24T21:00:00.000Z', '2026-10-25T06:00:00.000Z'], // 22:00 BST -> 06:00 GMT
    ]);
  });

  it('cuts a night window at a holiday midnight and skips the holiday night', () => {
    expect(businessIntervals(nightShift, ny('2026-11-25T12:00'), ny('2026-11-28T12:00')).map(span)).toEqual([
      ['2026-11-26T03:00:00.000Z', '2026-11-26T05:00:00.000Z'], // Wed 22:00 -> Thu 00:00 (Thanksgiving)
      ['2026-11-28T03:00:00.000Z', '2026-11-28T11:00:00.000Z'], // Fri 22:00 -> Sat 06:00
    ]);
  });

  it('is empty for an empty range', () => {
    expect(businessIntervals(demo, ny('2026-11-25T12:00'), ny('2026-11-25T12:00'))).toEqual([]);
    expect(businessIntervals(demo, ny('2026-11-25T12:00'), ny('2026-11-25T11:00'))).toEqual([]);
  });

  it('agrees with windowAt', () => {
    for (const e of [demo, nightShift, nyNights]) {
      const from = utc('2026-01-01T00:00Z');
      const to = utc('2027-01-01T00:00Z');
      const intervals = businessIntervals(e, from, to);
      const mismatches: string[] = [];
      let j = 0;
      for (let t = from; t < to; t += 37 * M) {
        while (j < intervals.length && (intervals[j]?.end ?? Infinity) <= t) j++;
        const inside = j < intervals.length && (intervals[j]?.start ?? Infinity) <= t;
        if ((windowAt(e, t) === 'business_hours') !== inside) mismatches.push(`${iso(t)}: ${windowAt(e, t)}, inside=${inside}`);
      }
      expect(mismatches).toEqual([]);
    }
  });
});

describe('businessMsBetween', () => {
  it.each<[string, Engagement, number, number, number]>([
    ['Tue 23:47 -> Wed 10:00: only Wednesday morning counts', demo, ny('2026-11-24T23:47'), ny('2026-11-25T10:00'), 2 * H],
    ['Tue 17:00 -> Wed 09:00: across a night', demo, ny('2026-11-24T17:00'), ny('2026-11-25T09:00'), 2 * H],
    ['Wed 17:00 -> Mon 09:00: Thanksgiving and a weekend', demo, ny('2026-11-25T17:00'), ny('2026-11-30T09:00'), 12 * H],
    ['Thanksgiving, all day', demo, ny('2026-11-26T00:00'), ny('2026-11-27T00:00'), 0],
    ['Fri 17:00 EST -> Mon 09:00 EDT: 63 real hours, 2 business', demo, ny('2026-03-06T17:00'), ny('2026-03-09T09:00'), 2 * H],
    ['Fri 17:00 EDT -> Mon 09:00 EST: 65 real hours, 2 business', demo, ny('2026-10-30T17:00'), ny('2026-11-02T09:00'), 2 * H],
    ['spring-forward day is 23 h', nyAlways, ny('2026-03-08T00:00'), ny('2026-03-09T00:00'), 23 * H],
    ['fall-back day is 25 h', nyAlways, ny('2026-11-01T00:00'), ny('2026-11-02T00:00'), 25 * H],
    ['spring-forward night shift is 7 h', nyNights, ny('2026-03-07T12:00'), ny('2026-03-08T12:00'), 7 * H],
    ['fall-back night shift is 9 h', nyNights, ny('2026-10-31T12:00'), ny('2026-11-01T12:00'), 9 * H],
    ['inside one window', demo, ny('2026-11-25T09:15'), ny('2026-11-25T09:45'), 30 * M],
    ['reversed range is negative', demo, ny('2026-11-25T10:00'), ny('2026-11-24T23:47'), -2 * H],
  ])('%s', (_why, e, from, to, ms) => {
    expect(businessMsBetween(e, from, to)).toBe(ms);
  });

  it('counts 248 business days of 10 h in 2026 (261 weekdays, 13 weekday holidays and closures)', () => {
    expect(businessMsBetween(demo, ny('2026-01-01T00:00'), ny('2027-01-01T00:00'))).toBe(248 * 10 * H);
  });

});

describe('addBusinessMs', () => {
  it.each<[string, Engagement, number, number, string]>([
    ['P1 resolve 8h from Tue 23:47 -> Wed 16:00', demo, ny('2026-11-24T23:47'), 8 * H, '2026-11-25T21:00:00.000Z'],
    ['2h from Wed 17:00 skips Thanksgiving -> Fri 09:00', demo, ny('2026-11-25T17:00'), 2 * H, '2026-11-27T14:00:00.000Z'],
    ['"3d" = 30 business hours from Wed 10:00 -> Tue 10:00', demo, ny('2026-11-25T10:00'), 30 * H, '2026-12-01T15:00:00.000Z'],
    ['ends exactly at closing, not the next morning', demo, ny('2026-11-30T08:00'), 10 * H, '2026-11-30T23:00:00.000Z'],
    ['starts counting at opening when called at night', demo, ny('2026-11-30T03:00'), 1 * M, '2026-11-30T13:01:00.000Z'],
    ['across spring forward: Fri 17:00 EST + 2h -> Mon 09:00 EDT', demo, ny('2026-03-06T17:00'), 2 * H, '2026-03-09T13:00:00.000Z'],
    ['across fall back: Fri 17:00 EDT + 2h -> Mon 09:00 EST', demo, ny('2026-10-30T17:00'), 2 * H, '2026-11-02T14:00:00.000Z'],
    ['24 business hours over the short day', nyAlways, ny('2026-03-08T00:00'), 24 * H, '2026-03-09T05:00:00.000Z'],
    ['24 business hours over the long day', nyAlways, ny('2026-11-01T00:00'), 24 * H, '2026-11-02T04:00:00.000Z'],
    ['Christmas week: Dec 23 17:00 + 2h -> Dec 28 09:00', demo, ny('2026-12-23T17:00'), 2 * H, '2026-12-28T14:00:00.000Z'],
    ['New Year: Dec 30 17:00 + 2h -> Jan 4 09:00', demo, ny('2026-12-30T17:00'), 2 * H, '2027-01-04T14:00:00.000Z'],
    ['night shift: Wed 23:00 + 2h -> Fri 23:00 (Thanksgiving night skipped)', nightShift, ny('2026-11-25T23:00'), 2 * H, '2026-11-28T04:00:00.000Z'],
  ])('%s', (_why, e, from, ms, expected) => {
    expect(iso(addBusinessMs(e, from, ms))).toBe(expected);
  });

  it('adding zero returns the start itself, even at night (nothing has to elapse)', () => {
    expect(addBusinessMs(demo, ny('2026-11-30T03:00'), 0)).toBe(ny('2026-11-30T03:00'));
  });

  it('inverts businessMsBetween', () => {
    let seed = 42;
    const random = (): number => {
      // Deterministic LCG so a failure reproduces.
      seed = (seed * 1_103_515_245 + 12_345) % 2 ** 31;
      return seed / 2 ** 31;
    };
    const from0 = utc('2026-01-01T00:00Z');
    for (const e of [demo, nightShift, nyNights, nyAlways]) {
      for (let i = 0; i < 300; i++) {
        const from = from0 + Math.floor(random() * 365 * 24 * 60) * M;
        const ms = Math.floor(random() * 80 * 60) * M;
        const to = addBusinessMs(e, from, ms);
        expect(businessMsBetween(e, from, to)).toBe(ms);
        if (ms > 0) expect(businessMsBetween(e, from, to - 1)).toBeLessThan(ms);
      }
    }
  });

  it('rejects negative or non-finite amounts, and engagements without business time', () => {
    expect(() => addBusinessMs(demo, 0, -1)).toThrow(RangeError);
    expect(() => addBusinessMs(demo, 0, Number.POSITIVE_INFINITY)).toThrow(RangeError);
    const never = engagementIn(NY, { extra: [] }, { days: [], from: 480, to: 1080 });
    expect(() => addBusinessMs(never, 0, H)).toThrow(RangeError);
  });
});
