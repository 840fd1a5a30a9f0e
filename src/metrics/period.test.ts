import { describe, expect, it } from 'vitest';
import { monthOf, monthPeriod, shiftMonth } from './period.js';

describe('calendar months in the engagement time zone', () => {
  it.each([
    ['2026-11', 'America/New_York', '2026-11-01T04:00:00.000Z', '2026-12-01T05:00:00.000Z'],
    ['2026-03', 'America/New_York', '2026-03-01T05:00:00.000Z', '2026-04-01T04:00:00.000Z'],
    ['2026-12', 'Europe/London', '2026-12-01T00:00:00.000Z', '2027-01-01T00:00:00.000Z'],
    ['2026-04', 'Australia/Sydney', '2026-03-31T13:00:00.000Z', '2026-04-30T14:00:00.000Z'],
  ])('%s in %s is [%s, %s)', (month, zone, from, to) => {
    const p = monthPeriod(month, zone);
    expect([new Date(p.from).toISOString(), new Date(p.to).toISOString()]).toEqual([from, to]);
  });

  it('a breach on the evening of 30 November in New York belongs to November, though it is December in UTC', () => {
    expect(monthOf(Date.parse('2026-12-01T03:00:00Z'), 'America/New_York')).toBe('2026-11');
    expect(monthOf(Date.parse('2026-12-01T03:00:00Z'), 'UTC')).toBe('2026-12');
  });

  it('shifts across years and refuses what is not a month', () => {
    expect(shiftMonth('2026-01', -1)).toBe('2025-12');
    expect(shiftMonth('2026-12', 1)).toBe('2027-01');
    expect(() => monthPeriod('2026-13', 'UTC')).toThrow(RangeError);
  });
});
