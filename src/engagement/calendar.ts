/**
 * Calendar values of the engagement file: times of day, weekdays, handoffs,
 * dates and local date-times. Each parser returns the normalized value or a
 * message that says what was wrong and what is allowed.
 */
import type { Parsed } from './duration.js';
import { oneOf } from './diagnostics.js';

/** Weekday names as written in the file, in ISO order (index 0 = Monday = 1). */
export const DAY_NAMES = ['mon', 'tue', 'wed', 'thu', 'fri', 'sat', 'sun'] as const;
export type DayName = (typeof DAY_NAMES)[number];

const DAY_ALT = DAY_NAMES.join('|');
/** JSON Schema patterns, so editors flag a bad value as it is typed. */
export const TIME_PATTERN = '^([01][0-9]|2[0-3]):[0-5][0-9]$';
export const END_TIME_PATTERN = '^(([01][0-9]|2[0-3]):[0-5][0-9]|24:00)$';
export const DAYS_PATTERN = `^(${DAY_ALT})(-(${DAY_ALT}))?$`;
export const HANDOFF_PATTERN = `^((${DAY_ALT}) )?([01][0-9]|2[0-3]):[0-5][0-9]$`;
export const DATE_PATTERN = '^\\d{4}-\\d{2}-\\d{2}$';
export const LOCAL_DATE_TIME_PATTERN = '^\\d{4}-\\d{2}-\\d{2}T\\d{2}:\\d{2}$';

const TIME_RE = /^(\d{2}):(\d{2})$/;
const DATE_RE = /^(\d{4})-(\d{2})-(\d{2})$/;

/** ISO weekday (1 = Monday) of a day name, or undefined. */
export function isoWeekday(name: string): number | undefined {
  const i = DAY_NAMES.findIndex((d) => d === name);
  return i < 0 ? undefined : i + 1;
}

/**
 * Parses "HH:MM" (24h) into minutes after midnight. "24:00" (1440) is allowed
 * only as the end of a window, where it means "until midnight".
 */
export function parseTimeOfDay(text: string, role: 'start' | 'end' = 'start'): Parsed<number> {
  const range = role === 'end' ? '"00:00" to "24:00"' : '"00:00" to "23:59"';
  const bad = (why = ''): Parsed<number> => ({
    ok: false,
    error: `bad time ${JSON.stringify(text)}: ${why}expected "HH:MM" (24h) from ${range}, e.g. "08:00"`,
  });
  const match = TIME_RE.exec(text);
  if (!match) return bad();
  const hours = Number(match[1]);
  const minutes = Number(match[2]);
  if (hours === 24 && minutes === 0) {
    return role === 'end' ? { ok: true, value: 1440 } : bad('"24:00" is allowed only as an end (to); ');
  }
  if (hours > 23 || minutes > 59) return bad();
  return { ok: true, value: hours * 60 + minutes };
}

/** How days are written, for messages. */
const DAYS_EXPECTED = `expected a day (${DAY_NAMES.join(', ')}), a range like "mon-fri" or a list like [sat, sun]`;

/**
 * Parses the days of a weekly window: a list `[mon, tue]`, a range "mon-fri"
 * (a range may wrap past Sunday: "fri-mon") or one day "sat". Returns ISO
 * weekdays, ascending.
 */
export function parseDays(value: string | readonly string[]): Parsed<number[]> {
  if (typeof value !== 'string') {
    const days: number[] = [];
    for (const name of value) {
      const day = isoWeekday(name);
      if (day === undefined) return { ok: false, error: `bad day ${JSON.stringify(name)}: expected one of ${DAY_NAMES.join(', ')}` };
      if (days.includes(day)) return { ok: false, error: `day "${name}" is listed twice` };
      days.push(day);
    }
    if (days.length === 0) return { ok: false, error: `no days: ${DAYS_EXPECTED}` };
    return { ok: true, value: days.sort((a, b) => a - b) };
  }
  const [first = '', last, ...rest] = value.split('-');
  const from = isoWeekday(first);
  const to = last === undefined ? from : isoWeekday(last);
  if (from === undefined || to === undefined || rest.length > 0) {
    return { ok: false, error: `bad days ${JSON.stringify(value)}: ${DAYS_EXPECTED}` };
  }
  if (last !== undefined && from === to) {
    return {
      ok: false,
      error: `bad days ${JSON.stringify(value)}: a range from a day to itself is ambiguous; write "${first}" for one day or "mon-sun" for the whole week`,
    };
  }
  const days: number[] = [];
  for (let d = from; ; d = (d % 7) + 1) {
    days.push(d);
    if (d === to) break;
  }
  return { ok: true, value: days.sort((a, b) => a - b) };
}

/** A rotation handoff: a time of day, and for weekly rotations the weekday. */
export interface Handoff {
  readonly weekday?: number;
  readonly minute: number;
}

/** Parses a handoff, "HH:MM" or "<day> HH:MM" ("mon 09:00"). */
export function parseHandoff(text: string): Parsed<Handoff> {
  const bad: Parsed<Handoff> = {
    ok: false,
    error: `bad handoff ${JSON.stringify(text)}: expected "HH:MM" or "<day> HH:MM" with day ${oneOf([...DAY_NAMES])}, e.g. "09:00" or "mon 09:00"`,
  };
  const parts = text.split(' ');
  if (parts.length > 2) return bad;
  const timeText = parts[parts.length - 1] ?? '';
  const dayText = parts.length === 2 ? parts[0] : undefined;
  const time = parseTimeOfDay(timeText, 'start');
  if (!time.ok) return bad;
  if (dayText === undefined) return { ok: true, value: { minute: time.value } };
  const weekday = isoWeekday(dayText);
  if (weekday === undefined) return bad;
  return { ok: true, value: { weekday, minute: time.value } };
}

function isCalendarDate(year: number, month: number, day: number): boolean {
  if (month < 1 || month > 12 || day < 1) return false;
  const leap = (year % 4 === 0 && year % 100 !== 0) || year % 400 === 0;
  const days = [31, leap ? 29 : 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31][month - 1] ?? 0;
  return day <= days;
}

/** Checks a calendar date "YYYY-MM-DD" (returned as written). */
export function parseDate(text: string): Parsed<string> {
  const match = DATE_RE.exec(text);
  if (!match) return { ok: false, error: `bad date ${JSON.stringify(text)}: expected YYYY-MM-DD, e.g. "2026-12-24"` };
  if (!isCalendarDate(Number(match[1]), Number(match[2]), Number(match[3]))) {
    return {
      ok: false,
      error: `bad date ${JSON.stringify(text)}: there is no such day; expected a calendar date YYYY-MM-DD, e.g. "2026-12-24"`,
    };
  }
  return { ok: true, value: text };
}

/** Checks a local date-time "YYYY-MM-DDTHH:MM" (returned as written; it sorts as text). */
export function parseLocalDateTime(text: string): Parsed<string> {
  const bad = (why = ''): Parsed<string> => ({
    ok: false,
    error: `bad date-time ${JSON.stringify(text)}: ${why}expected local "YYYY-MM-DDTHH:MM", e.g. "2026-11-27T08:00"`,
  });
  const [date = '', time, ...rest] = text.split('T');
  if (time === undefined || rest.length > 0) return bad();
  if (!DATE_RE.test(date) || !TIME_RE.test(time)) return bad();
  if (!parseDate(date).ok) return bad('there is no such day; ');
  if (!parseTimeOfDay(time, 'start').ok) return bad('the time must be 00:00 to 23:59; ');
  return { ok: true, value: text };
}
