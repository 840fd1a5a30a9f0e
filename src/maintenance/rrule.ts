/**
 * Recurring maintenance windows: the subset of RFC 5545 recurrence rules
 * (RRULE) Tandem reads, and where their occurrences fall.
 *
 * Supported: `FREQ=DAILY|WEEKLY|MONTHLY`, `INTERVAL`, `BYDAY` (weekdays; in
 * MONTHLY rules also with an ordinal: `1SU` the first Sunday, `-1FR` the
 * last Friday), `COUNT` and `UNTIL`. Everything else (YEARLY, HOURLY,
 * BYMONTH, BYSETPOS, WKST...) is refused with a message naming this subset.
 *
 * Occurrences start on the wall clock of the engagement's zone, as calendars
 * do: a window "02:00-03:00 every Sunday" starts at 02:00 local time on both
 * sides of a DST change, and a start in the hour clocks skip moves forward by
 * the gap (RFC 5545 3.3.5, time/local-time.ts fromLocal). Each occurrence
 * lasts exactly as long as the first (`to - from`, RFC 5545 3.8.5.3 for a
 * rule with DTEND), so the spring-forward Sunday's window is 03:00-04:00.
 * Weeks start on Monday (RFC 5545's default WKST). The first occurrence is
 * the window's own `from`, which must match the rule (checked when loading).
 *
 * Local times here are "naive" millisecond counts (time/local-time.ts).
 */
import type { Parsed } from '../engagement/duration.js';
import { DAY_MS } from '../time/duration.js';
import { civilFromDays, daysFromCivil, fromLocal, isoWeekday, toNaive } from '../time/local-time.js';

export const FREQUENCIES = ['DAILY', 'WEEKLY', 'MONTHLY'] as const;
export type Frequency = (typeof FREQUENCIES)[number];

/** A BYDAY entry: an ISO weekday (1 = Monday), and in MONTHLY rules optionally which one of the month (1 first .. -1 last). */
export interface ByDay {
  readonly weekday: number;
  readonly nth?: number;
}

/** UNTIL as written: an instant (…Z), or a local date-time or date in the engagement's zone. */
export type Until = { readonly kind: 'instant'; readonly at: number } | { readonly kind: 'local'; readonly naive: number };

/** A parsed rule, before it is tied to a start. */
export interface RruleParts {
  readonly freq: Frequency;
  readonly interval: number;
  readonly byDay: readonly ByDay[];
  readonly count?: number;
  readonly until?: Until;
}

/** A rule tied to its first occurrence: what `maintenanceAt` expands. */
export interface Recurrence extends RruleParts {
  /** The rule as written. */
  readonly text: string;
  /** Naive local start of the first occurrence, in the engagement's zone. */
  readonly startLocal: number;
  /** Each occurrence's exact length in ms: the first occurrence's. */
  readonly lengthMs: number;
  /** The last start UNTIL allows, epoch ms (inclusive). */
  readonly untilAt?: number;
}

/** At most this many occurrences by COUNT (a window a week for twenty years is about 1,000). */
export const MAX_COUNT = 5000;
/** At most this INTERVAL. */
export const MAX_INTERVAL = 1000;

const DAY_CODES = ['MO', 'TU', 'WE', 'TH', 'FR', 'SA', 'SU'] as const;

const SUPPORTED = 'FREQ=DAILY|WEEKLY|MONTHLY with INTERVAL, BYDAY, COUNT or UNTIL, e.g. "FREQ=WEEKLY;BYDAY=SU"';

function fail(error: string): { ok: false; error: string } {
  return { ok: false, error };
}

function parseUntil(text: string): Until | undefined {
  const m = /^(\d{4})(\d{2})(\d{2})(?:T(\d{2})(\d{2})(\d{2})(Z?))?$/.exec(text);
  if (m === null) return undefined;
  const [, y, mo, d, h, mi, s, z] = m;
  const year = Number(y);
  const month = Number(mo);
  const day = Number(d);
  const days = daysFromCivil(year, month, day);
  const back = civilFromDays(days);
  if (back.month !== month || back.day !== day || back.year !== year) return undefined;
  if (h === undefined) return { kind: 'local', naive: days * DAY_MS + DAY_MS - 1 }; // a date: through the end of that day
  const hour = Number(h);
  const minute = Number(mi);
  const second = Number(s);
  if (hour > 23 || minute > 59 || second > 59) return undefined;
  const naive = days * DAY_MS + ((hour * 60 + minute) * 60 + second) * 1000;
  return z === 'Z' ? { kind: 'instant', at: naive } : { kind: 'local', naive };
}

function parseByDay(text: string, freq: Frequency): Parsed<ByDay[]> {
  const out: ByDay[] = [];
  for (const item of text.split(',')) {
    const m = /^([+-]?\d{1,2})?([A-Z]{2})$/.exec(item);
    const weekday = m === null ? -1 : DAY_CODES.indexOf(m[2] as (typeof DAY_CODES)[number]);
    if (m === null || weekday < 0)
      return fail(`bad BYDAY entry "${item}": expected weekdays MO, TU, WE, TH, FR, SA, SU (e.g. BYDAY=SA,SU)`);
    const nthText = m[1];
    if (nthText !== undefined) {
      const nth = Number(nthText);
      if (freq !== 'MONTHLY')
        return fail(`BYDAY "${item}": a numbered weekday (the 1st, the last...) is only for FREQ=MONTHLY; write ${m[2]} alone`);
      if (nth === 0 || Math.abs(nth) > 5) return fail(`BYDAY "${item}": the number must be 1..5 or -1..-5 (-1 = the last in the month)`);
      out.push({ weekday: weekday + 1, nth });
    } else {
      out.push({ weekday: weekday + 1 });
    }
  }
  return { ok: true, value: out };
}

/** Parses an RRULE value ("FREQ=WEEKLY;BYDAY=SU"; an "RRULE:" prefix is allowed) within the supported subset. */
export function parseRrule(input: string): Parsed<RruleParts> {
  const text = input.trim().replace(/^RRULE:/i, '');
  if (text === '') return fail(`empty rule: expected ${SUPPORTED}`);
  const parts = new Map<string, string>();
  for (const piece of text.split(';')) {
    const eq = piece.indexOf('=');
    const name = (eq < 0 ? piece : piece.slice(0, eq)).toUpperCase();
    if (eq < 0 || piece.slice(eq + 1) === '') return fail(`bad rule part "${piece}": expected NAME=VALUE, e.g. FREQ=WEEKLY`);
    if (parts.has(name)) return fail(`${name} is given twice`);
    parts.set(name, piece.slice(eq + 1).toUpperCase());
  }
  for (const name of parts.keys()) {
    if (!['FREQ', 'INTERVAL', 'BYDAY', 'COUNT', 'UNTIL'].includes(name)) return fail(`${name} is not supported: Tandem reads ${SUPPORTED}`);
  }
  const freqText = parts.get('FREQ');
  if (freqText === undefined) return fail(`FREQ is required: ${SUPPORTED}`);
  if (!(FREQUENCIES as readonly string[]).includes(freqText))
    return fail(`FREQ=${freqText} is not supported: use FREQ=DAILY, WEEKLY or MONTHLY`);
  const freq = freqText as Frequency;
  let interval = 1;
  const intervalText = parts.get('INTERVAL');
  if (intervalText !== undefined) {
    if (!/^\d{1,4}$/.test(intervalText) || Number(intervalText) < 1 || Number(intervalText) > MAX_INTERVAL)
      return fail(`bad INTERVAL=${intervalText}: expected a whole number 1..${MAX_INTERVAL} (2 = every other)`);
    interval = Number(intervalText);
  }
  let byDay: ByDay[] = [];
  const byDayText = parts.get('BYDAY');
  if (byDayText !== undefined) {
    const parsed = parseByDay(byDayText, freq);
    if (!parsed.ok) return parsed;
    byDay = parsed.value;
  }
  const countText = parts.get('COUNT');
  const untilText = parts.get('UNTIL');
  if (countText !== undefined && untilText !== undefined) return fail('COUNT and UNTIL cannot both be given (RFC 5545): keep one');
  let count: number | undefined;
  if (countText !== undefined) {
    if (!/^\d{1,5}$/.test(countText) || Number(countText) < 1 || Number(countText) > MAX_COUNT)
      return fail(`bad COUNT=${countText}: expected a whole number 1..${MAX_COUNT}`);
    count = Number(countText);
  }
  let until: Until | undefined;
  if (untilText !== undefined) {
    until = parseUntil(untilText);
    if (until === undefined)
      return fail(`bad UNTIL=${untilText}: expected a date 20261231, a local date-time 20261231T235900 or a UTC one 20261231T235900Z`);
  }
  return {
    ok: true,
    value: {
      freq,
      interval,
      byDay,
      ...(count === undefined ? {} : { count }),
      ...(until === undefined ? {} : { until }),
    },
  };
}

/** Ties a rule to its first occurrence in `zone`. */
export function recurrence(text: string, parts: RruleParts, zone: string, startLocal: number, lengthMs: number): Recurrence {
  const { until } = parts;
  const untilAt = until === undefined ? undefined : until.kind === 'instant' ? until.at : fromLocal(zone, until.naive);
  return { ...parts, text, startLocal, lengthMs, ...(untilAt === undefined ? {} : { untilAt }) };
}

function daysInMonth(year: number, month: number): number {
  return daysFromCivil(month === 12 ? year + 1 : year, month === 12 ? 1 : month + 1, 1) - daysFromCivil(year, month, 1);
}

/** The 0-based month count of a day (year * 12 + month - 1). */
function monthIndex(day: number): number {
  const { year, month } = civilFromDays(day);
  return year * 12 + month - 1;
}

function monday(day: number): number {
  return day - (isoWeekday(day) - 1);
}

/** Naive local starts of the rule's candidates in period `k` (0 = the period of the first occurrence), ascending, none before the start. */
function periodStarts(r: RruleParts & { readonly startLocal: number }, k: number): number[] {
  const day0 = Math.floor(r.startLocal / DAY_MS);
  const tod = r.startLocal - day0 * DAY_MS;
  let days: number[];
  if (r.freq === 'DAILY') {
    const day = day0 + k * r.interval;
    days = r.byDay.length === 0 || r.byDay.some((b) => b.weekday === isoWeekday(day)) ? [day] : [];
  } else if (r.freq === 'WEEKLY') {
    const week = monday(day0) + 7 * k * r.interval;
    const weekdays = r.byDay.length === 0 ? [isoWeekday(day0)] : [...new Set(r.byDay.map((b) => b.weekday))];
    days = weekdays.map((wd) => week + wd - 1);
  } else {
    const m = monthIndex(day0) + k * r.interval;
    const year = Math.floor(m / 12);
    const month = (m % 12) + 1;
    const first = daysFromCivil(year, month, 1);
    const length = daysInMonth(year, month);
    if (r.byDay.length === 0) {
      const dom = civilFromDays(day0).day;
      days = dom <= length ? [first + dom - 1] : []; // the 31st of a 30-day month is skipped (RFC 5545)
    } else {
      const set = new Set<number>();
      for (const b of r.byDay) {
        const all: number[] = [];
        for (let d = first + ((b.weekday - isoWeekday(first) + 7) % 7); d < first + length; d += 7) all.push(d);
        if (b.nth === undefined) all.forEach((d) => set.add(d));
        else {
          const pick = b.nth > 0 ? all[b.nth - 1] : all[all.length + b.nth];
          if (pick !== undefined) set.add(pick);
        }
      }
      days = [...set];
    }
  }
  return days
    .sort((a, b) => a - b)
    .map((d) => d * DAY_MS + tod)
    .filter((s) => s >= r.startLocal);
}

/** The period (0-based) a naive local time falls in, counted from the first occurrence's; negative before it. */
function periodOf(r: Recurrence, naive: number): number {
  const day0 = Math.floor(r.startLocal / DAY_MS);
  const day = Math.floor(naive / DAY_MS);
  if (r.freq === 'DAILY') return Math.floor((day - day0) / r.interval);
  if (r.freq === 'WEEKLY') return Math.floor((monday(day) - monday(day0)) / (7 * r.interval));
  return Math.floor((monthIndex(day) - monthIndex(day0)) / r.interval);
}

/** Shortest length of a period in days. */
function periodDays(r: RruleParts): number {
  return r.interval * (r.freq === 'DAILY' ? 1 : r.freq === 'WEEKLY' ? 7 : 28);
}

/** The naive start of the COUNT-th occurrence, per rule (computed once). */
const lastByCount = new WeakMap<Recurrence, number>();

function lastCountStart(r: Recurrence): number {
  const cached = lastByCount.get(r);
  if (cached !== undefined) return cached;
  const count = r.count ?? 0;
  let seen = 0;
  let last = r.startLocal;
  // Every period of a valid rule has a candidate within a few periods (MONTHLY 5SU: at most a few months apart).
  for (let k = 0; seen < count && k < count * 12 + 100; k++) {
    for (const s of periodStarts(r, k)) {
      if (seen === count) break;
      seen++;
      last = s;
    }
  }
  lastByCount.set(r, last);
  return last;
}

/** One occurrence: [start, end) in epoch ms. */
export interface Occurrence {
  readonly start: number;
  readonly end: number;
}

/** Occurrences whose start lies in periods `from..to` (inclusive), ascending, within COUNT and UNTIL. */
function occurrencesInPeriods(r: Recurrence, zone: string, from: number, to: number): Occurrence[] {
  const out: Occurrence[] = [];
  const last = r.count === undefined ? Infinity : lastCountStart(r);
  for (let k = Math.max(0, from); k <= to; k++) {
    for (const s of periodStarts(r, k)) {
      if (s > last) return out;
      const start = fromLocal(zone, s);
      if (r.untilAt !== undefined && start > r.untilAt) return out;
      out.push({ start, end: start + r.lengthMs });
    }
  }
  return out;
}

/** The occurrences of a rule that contain instant `at` (start <= at < end). */
export function occurrencesAt(r: Recurrence, zone: string, at: number): Occurrence[] {
  const naive = toNaive(zone, at);
  const k = periodOf(r, naive);
  if (k < 0) return [];
  const back = Math.ceil(r.lengthMs / (periodDays(r) * DAY_MS)) + 1;
  return occurrencesInPeriods(r, zone, k - back, k).filter((o) => o.start <= at && at < o.end);
}

/** The occurrences of a rule that start in [from, to), ascending (at most `limit`). */
export function occurrencesBetween(r: Recurrence, zone: string, from: number, to: number, limit = 100): Occurrence[] {
  const out: Occurrence[] = [];
  const first = Math.max(0, periodOf(r, toNaive(zone, from)) - 1);
  const lastPeriod = periodOf(r, toNaive(zone, to)) + 1;
  for (let k = first; k <= lastPeriod && out.length < limit; k += 64) {
    for (const o of occurrencesInPeriods(r, zone, k, Math.min(k + 63, lastPeriod))) {
      if (o.start >= from && o.start < to && out.length < limit) out.push(o);
    }
  }
  return out;
}

/** Whether a rule's first candidate is its start itself: `from` must be an occurrence of its own rule. */
export function startsOnRule(parts: RruleParts, startLocal: number): boolean {
  const first = periodStarts({ ...parts, startLocal }, 0)[0];
  return first === startLocal;
}

/** The weekday code of a local day (for messages). */
export function dayCode(naive: number): string {
  return DAY_CODES[isoWeekday(Math.floor(naive / DAY_MS)) - 1] ?? '';
}
