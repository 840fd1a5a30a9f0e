/**
 * Local-time arithmetic against luxon: civil dates, zone offsets, and the DST
 * rules for skipped and repeated wall-clock times.
 */
import { DateTime } from 'luxon';
import { describe, expect, it } from 'vitest';
import { DAY_MS } from './duration.js';
import {
  civilFromDays,
  daysFromCivil,
  formatLocalDate,
  fromLocal,
  isoWeekday,
  offsetAt,
  parseLocalDate,
  parseLocalDateTime,
  toLocal,
} from './local-time.js';

const naive = (local: string): number => parseLocalDateTime(local);
const iso = (t: number): string => new Date(t).toISOString();

describe('civil dates', () => {
  it.each([
    ['1970-01-01', 0, 4],
    ['2026-11-02', 20759, 1],
    ['2026-11-26', 20783, 4],
    ['2024-02-29', 19782, 4],
    ['2000-03-01', 11017, 3],
    ['1969-12-31', -1, 3],
  ])('%s is day %i, ISO weekday %i', (date, day, weekday) => {
    expect(parseLocalDate(date)).toBe(day);
    expect(formatLocalDate(day)).toBe(date);
    expect(isoWeekday(day)).toBe(weekday);
  });

  it('round-trips every day from 1900 to 2100', () => {
    for (let d = daysFromCivil(1900, 1, 1); d <= daysFromCivil(2100, 12, 31); d++) {
      const { year, month, day } = civilFromDays(d);
      expect(daysFromCivil(year, month, day)).toBe(d);
    }
  });

  it.each(['2026-02-30', '2026-13-01', '26-01-01', '2026-1-1'])('rejects %s', (bad) => {
    expect(() => parseLocalDate(bad)).toThrow(RangeError);
  });
});

describe('offsetAt agrees with luxon', () => {
  const zones = [
    'America/New_York',
    'Europe/London',
    'Asia/Tokyo',
    'Australia/Sydney',
    'Australia/Lord_Howe',
    'Asia/Kolkata',
    'America/St_Johns',
    'Pacific/Chatham',
    'UTC',
  ];
  it.each(zones)('%s, every 97 minutes through 2026-2027', (zone) => {
    const from = Date.UTC(2026, 0, 1);
    const to = Date.UTC(2028, 0, 1);
    for (let t = from; t < to; t += 97 * 60_000) {
      expect(offsetAt(zone, t)).toBe(DateTime.fromMillis(t, { zone }).offset * 60_000);
    }
  });

  it('finds transitions to the second', () => {
    const spring = Date.parse('2026-03-08T07:00:00Z');
    expect(offsetAt('America/New_York', spring - 1)).toBe(-5 * 3_600_000);
    expect(offsetAt('America/New_York', spring)).toBe(-4 * 3_600_000);
    const fall = Date.parse('2026-10-25T01:00:00Z');
    expect(offsetAt('Europe/London', fall - 1)).toBe(3_600_000);
    expect(offsetAt('Europe/London', fall)).toBe(0);
  });

  it('rejects unknown zones', () => {
    expect(() => offsetAt('Mars/Olympus_Mons', 0)).toThrow(RangeError);
  });
});

describe('fromLocal', () => {
  it.each([
    // zone, local wall time, instant, why
    ['America/New_York', '2026-11-24T23:47', '2026-11-25T04:47:00.000Z', 'EST'],
    ['America/New_York', '2026-07-01T09:00', '2026-07-01T13:00:00.000Z', 'EDT'],
    ['America/New_York', '2026-03-08T01:59', '2026-03-08T06:59:00.000Z', 'last minute before the gap'],
    ['America/New_York', '2026-03-08T02:00', '2026-03-08T07:00:00.000Z', 'gap start = 03:00 EDT'],
    ['America/New_York', '2026-03-08T02:30', '2026-03-08T07:30:00.000Z', 'in the gap: moves forward to 03:30 EDT'],
    ['America/New_York', '2026-03-08T03:00', '2026-03-08T07:00:00.000Z', 'first real time after the gap'],
    ['America/New_York', '2026-11-01T00:59', '2026-11-01T04:59:00.000Z', 'before the repeat'],
    ['America/New_York', '2026-11-01T01:00', '2026-11-01T05:00:00.000Z', 'repeated hour: first (EDT) occurrence'],
    ['America/New_York', '2026-11-01T01:30', '2026-11-01T05:30:00.000Z', 'repeated hour: first (EDT) occurrence'],
    ['America/New_York', '2026-11-01T02:00', '2026-11-01T07:00:00.000Z', 'after the repeat, EST'],
    ['Europe/London', '2026-03-29T01:30', '2026-03-29T01:30:00.000Z', 'in the gap: moves forward to 02:30 BST'],
    ['Europe/London', '2026-10-25T01:30', '2026-10-25T00:30:00.000Z', 'repeated hour: first (BST) occurrence'],
    ['Australia/Sydney', '2026-10-04T02:30', '2026-10-03T16:30:00.000Z', 'southern spring gap: 03:30 AEDT'],
    ['Australia/Sydney', '2026-04-05T02:30', '2026-04-04T15:30:00.000Z', 'southern autumn repeat: first (AEDT) occurrence'],
    ['Australia/Lord_Howe', '2026-10-04T02:15', '2026-10-03T15:45:00.000Z', '30-minute gap: 02:45 +11'],
    ['Asia/Tokyo', '2026-11-24T09:00', '2026-11-24T00:00:00.000Z', 'no DST'],
  ])('%s %s -> %s (%s)', (zone, local, instant) => {
    expect(iso(fromLocal(zone, naive(local)))).toBe(instant);
  });

  it('is the inverse of toLocal away from DST changes', () => {
    for (const zone of ['America/New_York', 'Europe/London', 'Australia/Sydney']) {
      for (let t = Date.UTC(2026, 0, 1); t < Date.UTC(2027, 0, 1); t += 7 * 3_600_000 + 13 * 60_000) {
        const { day, msOfDay } = toLocal(zone, t);
        const back = fromLocal(zone, day * DAY_MS + msOfDay);
        // Only the second pass of a repeated hour may map back to the first.
        expect(back === t || back === t - 3_600_000).toBe(true);
      }
    }
  });
});
