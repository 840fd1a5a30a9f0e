import { describe, expect, it } from 'vitest';
import { parseDate, parseDays, parseHandoff, parseLocalDateTime, parseTimeOfDay } from './calendar.js';

const error = (parsed: { ok: boolean; error?: string }): string => (parsed.ok ? '(ok)' : (parsed.error ?? ''));

describe('parseTimeOfDay', () => {
  it.each([
    ['00:00', 0],
    ['08:00', 480],
    ['18:30', 1110],
    ['23:59', 1439],
  ])('reads %s as %i minutes', (text, minutes) => {
    expect(parseTimeOfDay(text)).toEqual({ ok: true, value: minutes });
  });

  it('allows "24:00" only as an end', () => {
    expect(parseTimeOfDay('24:00', 'end')).toEqual({ ok: true, value: 1440 });
    expect(error(parseTimeOfDay('24:00', 'start'))).toContain('"24:00" is allowed only as an end (to)');
  });

  it.each(['8:00', '24:01', '12:60', '25:00', '0800', '08:00:00', 'noon'])('refuses %j', (text) => {
    expect(error(parseTimeOfDay(text, 'end'))).toContain(`bad time ${JSON.stringify(text)}: expected "HH:MM" (24h)`);
  });
});

describe('parseDays', () => {
  it.each([
    ['mon-fri', [1, 2, 3, 4, 5]],
    ['fri-mon', [1, 5, 6, 7]],
    ['sat', [6]],
    ['sun-sun', undefined],
  ] as const)('reads %j', (text, days) => {
    const parsed = parseDays(text);
    if (days === undefined) expect(error(parsed)).toContain('a range from a day to itself is ambiguous');
    else expect(parsed).toEqual({ ok: true, value: days });
  });

  it('reads lists, sorted, and refuses repeats and unknown days', () => {
    expect(parseDays(['sun', 'sat'])).toEqual({ ok: true, value: [6, 7] });
    expect(error(parseDays(['mon', 'mon']))).toContain('day "mon" is listed twice');
    expect(error(parseDays(['mon', 'funday']))).toContain('bad day "funday": expected one of mon, tue');
    expect(error(parseDays('monday-friday'))).toContain('a range like "mon-fri"');
  });
});

describe('parseHandoff', () => {
  it('reads a time, or a weekday and time', () => {
    expect(parseHandoff('18:00')).toEqual({ ok: true, value: { minute: 1080 } });
    expect(parseHandoff('mon 09:00')).toEqual({ ok: true, value: { weekday: 1, minute: 540 } });
    expect(parseHandoff('sun 00:00')).toEqual({ ok: true, value: { weekday: 7, minute: 0 } });
  });

  it.each(['monday 09:00', 'mon  09:00', '24:00', 'mon', '9am'])('refuses %j', (text) => {
    expect(error(parseHandoff(text))).toContain('expected "HH:MM" or "<day> HH:MM"');
  });
});

describe('dates', () => {
  it('checks calendar dates, leap years included', () => {
    expect(parseDate('2028-02-29')).toEqual({ ok: true, value: '2028-02-29' });
    expect(error(parseDate('2026-02-29'))).toContain('there is no such day');
    expect(error(parseDate('2026-13-01'))).toContain('there is no such day');
    expect(error(parseDate('26-1-1'))).toContain('expected YYYY-MM-DD');
  });

  it('checks local date-times', () => {
    expect(parseLocalDateTime('2026-11-27T08:00')).toEqual({ ok: true, value: '2026-11-27T08:00' });
    expect(error(parseLocalDateTime('2026-11-27 08:00'))).toContain('expected local "YYYY-MM-DDTHH:MM"');
    expect(error(parseLocalDateTime('2026-11-31T08:00'))).toContain('there is no such day');
    expect(error(parseLocalDateTime('2026-11-27T24:00'))).toContain('the time must be 00:00 to 23:59');
  });
});
