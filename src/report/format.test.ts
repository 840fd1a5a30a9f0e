import { describe, expect, it } from 'vitest';
import {
  cssString,
  formatDuration,
  formatDurationTick,
  formatInstant,
  formatLocalDate,
  formatMoney,
  formatMonthLong,
  formatPct,
  isWeekendDate,
  localDateOf,
  previousMonth,
} from './format.js';

describe('formatDuration', () => {
  it.each([
    [0, '0s'],
    [45, '45s'],
    [59.6, '1m 00s'],
    [252, '4m 12s'],
    [305, '5m 05s'],
    [3599, '59m 59s'],
    [3600, '1h 00m'],
    [3900, '1h 05m'],
    [7185, '2h 00m'],
    [86_399, '1d 00h'],
    [301_500, '3d 12h'],
    [-90, '-1m 30s'],
  ])('%d s reads %s', (seconds, text) => {
    expect(formatDuration(seconds)).toBe(text);
  });

  it('shows an em dash when nothing was measured', () => {
    expect(formatDuration(null)).toBe('—');
    expect(formatDuration(Number.NaN)).toBe('—');
  });
});

describe('formatDurationTick', () => {
  it.each([
    [0, '0'],
    [30, '30s'],
    [120, '2m'],
    [90, '1.5m'],
    [3600, '1h'],
    [5400, '1h 30m'],
    [86_400, '1d'],
    [864_000, '10d'],
  ])('%d s ticks as %s', (seconds, text) => {
    expect(formatDurationTick(seconds)).toBe(text);
  });
});

describe('escaping', () => {
  it('quotes CSS strings so data can neither end the string nor the style element', () => {
    const quoted = cssString('Acme "Pay" \\ </style><script>');
    expect(quoted.startsWith('"') && quoted.endsWith('"')).toBe(true);
    expect(quoted.slice(1, -1)).not.toMatch(/["<>]/);
    expect(quoted).toContain('\\22 Pay\\22 ');
  });
});

describe('numbers, money and dates', () => {
  it('formats money in the contract currency, and survives an unknown code', () => {
    expect(formatMoney(1710, 'USD')).toBe('$1,710');
    expect(formatMoney(90.5, 'EUR')).toBe('€90.50');
    expect(formatMoney(1000, 'XX1')).toBe('XX1 1,000');
  });

  it('formats percentages and months', () => {
    expect(formatPct(95)).toBe('95.0%');
    expect(formatPct(null)).toBe('—');
    expect(formatMonthLong('2026-11')).toBe('November 2026');
    expect(previousMonth('2026-01')).toBe('2025-12');
    expect(formatMonthLong('not a month')).toBe('not a month');
  });

  it('reads local dates without the host timezone', () => {
    expect(formatLocalDate('2026-11-17')).toBe('Tue 17 Nov');
    expect(isWeekendDate('2026-11-01')).toBe(true);
    expect(isWeekendDate('2026-11-02')).toBe(false);
  });

  it('formats instants in the engagement timezone, across DST', () => {
    expect(formatInstant('2026-11-17T18:05:00Z', 'America/New_York')).toBe('Tue 17 Nov, 13:05');
    expect(formatInstant('2026-10-31T18:05:00Z', 'America/New_York', { zone: true })).toBe('Sat 31 Oct, 14:05 EDT');
    expect(formatInstant('2026-12-01T14:05:00Z', 'America/New_York', { year: true, zone: true, weekday: false })).toBe(
      '1 Dec 2026, 09:05 EST',
    );
    expect(formatInstant('2026-12-01T14:05:00Z', 'Not/AZone', { zone: true })).toBe('Tue 1 Dec, 14:05 UTC');
    expect(localDateOf('2026-11-01T03:30:00Z', 'America/New_York')).toBe('2026-10-31');
  });
});
