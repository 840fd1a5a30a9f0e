/**
 * Calendar months in an engagement's time zone: credits, the monthly review
 * and trends are per month as the client lives it, not per UTC month.
 */
import { daysFromCivil, startOfLocalDay } from '../time/local-time.js';

export interface Period {
  readonly month: string;
  readonly from: number;
  readonly to: number;
}

const MONTH = /^(\d{4})-(0[1-9]|1[0-2])$/;

/** The months Tandem reports on: from the Unix epoch to the last four-digit year. */
export const FIRST_MONTH = '1970-01';
export const LAST_MONTH = '9999-12';
/** What a month must look like, for error messages. */
export const MONTH_FORMAT = `YYYY-MM, from ${FIRST_MONTH} to ${LAST_MONTH}`;

export function isMonth(text: string): boolean {
  return MONTH.test(text) && text >= FIRST_MONTH && text <= LAST_MONTH;
}

/** [start, end) of a YYYY-MM month in `zone`. Throws RangeError for a malformed month. */
export function monthPeriod(month: string, zone: string): Period {
  const m = MONTH.exec(month);
  if (!m) throw new RangeError(`"${month}" is not a month (YYYY-MM)`);
  const year = Number(m[1]);
  const mon = Number(m[2]);
  const next = mon === 12 ? { y: year + 1, m: 1 } : { y: year, m: mon + 1 };
  return { month, from: startOfLocalDay(zone, daysFromCivil(year, mon, 1)), to: startOfLocalDay(zone, daysFromCivil(next.y, next.m, 1)) };
}

/** The month `delta` months from `month` ("2026-11", -1 -> "2026-10"). */
export function shiftMonth(month: string, delta: number): string {
  const m = MONTH.exec(month);
  if (!m) throw new RangeError(`"${month}" is not a month (YYYY-MM)`);
  const index = Number(m[1]) * 12 + Number(m[2]) - 1 + delta;
  return `${Math.floor(index / 12)}-${String((index % 12) + 1).padStart(2, '0')}`;
}

/** The month (YYYY-MM) an instant falls in, in `zone`. */
export function monthOf(at: number, zone: string): string {
  const parts = new Intl.DateTimeFormat('en-CA', { timeZone: zone, year: 'numeric', month: '2-digit' }).formatToParts(new Date(at));
  const y = parts.find((p) => p.type === 'year')?.value ?? '1970';
  const m = parts.find((p) => p.type === 'month')?.value ?? '01';
  return `${y}-${m}`;
}
