/**
 * Text formatting for the monthly review: durations, money, dates, CSS
 * strings (HTML escaping is src/html/html.ts).
 * Pure functions with a fixed locale (en-US) so the same review always
 * renders the same bytes, whatever machine prints it.
 */

const LOCALE = 'en-US';

/**
 * Quotes text as a CSS string literal. Used for `@page` margin-box content,
 * which sits inside a `<style>` element where HTML escaping does not apply:
 * `<` is hex-escaped so data can never close the style element.
 */
export function cssString(text: string): string {
  const body = text.replace(/[\\"<>\n\r\f]/g, (c) => `\\${c.charCodeAt(0).toString(16)} `);
  return `"${body}"`;
}

/**
 * Intl formatters are costly to build and a review formats tens of thousands
 * of values: one per distinct set of options, built once.
 */
const formatters = new Map<string, Intl.NumberFormat | Intl.DateTimeFormat>();
function numberFormat(options: Intl.NumberFormatOptions): Intl.NumberFormat {
  const key = `n${JSON.stringify(options)}`;
  let f = formatters.get(key);
  if (!f) formatters.set(key, (f = new Intl.NumberFormat(LOCALE, options)));
  return f as Intl.NumberFormat;
}
function dateFormat(options: Intl.DateTimeFormatOptions): Intl.DateTimeFormat {
  const key = `d${JSON.stringify(options)}`;
  let f = formatters.get(key);
  if (!f) formatters.set(key, (f = new Intl.DateTimeFormat(LOCALE, options)));
  return f as Intl.DateTimeFormat;
}

/** Formats a whole or fractional number with thousands separators. */
export function formatNumber(value: number, fractionDigits = 0): string {
  return numberFormat({ minimumFractionDigits: fractionDigits, maximumFractionDigits: fractionDigits }).format(value);
}

/** "93.4%"; an em dash when nothing was measured. */
export function formatPct(value: number | null, fractionDigits = 1): string {
  if (value === null || !Number.isFinite(value)) return '—';
  return `${formatNumber(value, fractionDigits)}%`;
}

/**
 * Formats money in the contract currency ("$1,710"). Falls back to
 * "XYZ 1,710" for a code Intl does not know, rather than failing the whole
 * review over one unusual currency.
 */
export function formatMoney(amount: number, currency: string): string {
  const whole = Number.isInteger(amount);
  try {
    return numberFormat({ style: 'currency', currency, minimumFractionDigits: whole ? 0 : 2, maximumFractionDigits: whole ? 0 : 2 }).format(
      amount,
    );
  } catch {
    return `${currency} ${formatNumber(amount, whole ? 0 : 2)}`;
  }
}

/**
 * Formats a duration the way on-call people say it: "45s", "4m 12s",
 * "1h 05m", "2d 03h". Two units at most, the second zero-padded so columns
 * of durations line up; an em dash when nothing was measured.
 */
export function formatDuration(seconds: number | null): string {
  if (seconds === null || !Number.isFinite(seconds)) return '—';
  const sign = seconds < 0 ? '-' : '';
  const s = Math.round(Math.abs(seconds));
  const pad = (n: number): string => String(n).padStart(2, '0');
  if (s < 60) return `${sign}${s}s`;
  if (s < 3600) return `${sign}${Math.floor(s / 60)}m ${pad(s % 60)}s`;
  if (s < 86_400) {
    // Round to the minute first so 1h 59m 45s reads "2h 00m", not "1h 60m".
    const m = Math.round(s / 60);
    return m >= 1440 ? `${sign}1d 00h` : `${sign}${Math.floor(m / 60)}h ${pad(m % 60)}m`;
  }
  const h = Math.round(s / 3600);
  return `${sign}${Math.floor(h / 24)}d ${pad(h % 24)}h`;
}

/**
 * A compact duration for chart axes ("0", "30s", "5m", "1h", "1h 30m", "2d"),
 * where tick values are round by construction.
 */
export function formatDurationTick(seconds: number): string {
  if (seconds === 0) return '0';
  if (seconds < 60) return `${round(seconds)}s`;
  if (seconds < 3600) return seconds % 60 === 0 ? `${seconds / 60}m` : `${round(seconds / 60, 1)}m`;
  if (seconds < 86_400) {
    const h = Math.floor(seconds / 3600);
    const m = Math.round((seconds % 3600) / 60);
    return m === 0 ? `${h}h` : `${h}h ${m}m`;
  }
  return seconds % 86_400 === 0 ? `${seconds / 86_400}d` : `${round(seconds / 86_400, 1)}d`;
}

function round(value: number, digits = 0): number {
  const f = 10 ** digits;
  return Math.round(value * f) / f;
}

/** Parses "YYYY-MM" into year and month (1-12); null when malformed. */
export function parseMonth(month: string): { year: number; month: number } | null {
  const m = /^(\d{4})-(\d{2})$/.exec(month);
  if (!m) return null;
  const year = Number(m[1]);
  const mon = Number(m[2]);
  return mon >= 1 && mon <= 12 ? { year, month: mon } : null;
}

/** "November 2026" from "2026-11" (the raw string when malformed). */
export function formatMonthLong(month: string): string {
  const p = parseMonth(month);
  if (!p) return month;
  return dateFormat({ month: 'long', year: 'numeric', timeZone: 'UTC' }).format(Date.UTC(p.year, p.month - 1, 1));
}

/** "Nov" from "2026-11" (the raw string when malformed). */
export function formatMonthShort(month: string): string {
  const p = parseMonth(month);
  if (!p) return month;
  return dateFormat({ month: 'short', timeZone: 'UTC' }).format(Date.UTC(p.year, p.month - 1, 1));
}

/** The month before "YYYY-MM", as "YYYY-MM"; null when malformed. */
export function previousMonth(month: string): string | null {
  const p = parseMonth(month);
  if (!p) return null;
  const y = p.month === 1 ? p.year - 1 : p.year;
  const m = p.month === 1 ? 12 : p.month - 1;
  return `${y}-${String(m).padStart(2, '0')}`;
}

/**
 * Reads a local calendar date "YYYY-MM-DD" as a UTC midnight timestamp, so
 * weekday and day-of-month arithmetic never depends on the host's timezone.
 */
export function localDateUtc(date: string): number | null {
  const m = /^(\d{4})-(\d{2})-(\d{2})$/.exec(date);
  if (!m) return null;
  return Date.UTC(Number(m[1]), Number(m[2]) - 1, Number(m[3]));
}

/** "Tue 17 Nov" for a local calendar date (the raw string when malformed). */
export function formatLocalDate(date: string): string {
  const t = localDateUtc(date);
  if (t === null) return date;
  const parts = dateFormat({ weekday: 'short', day: 'numeric', month: 'short', timeZone: 'UTC' }).formatToParts(t);
  return `${part(parts, 'weekday')} ${part(parts, 'day')} ${part(parts, 'month')}`;
}

/** True when a local calendar date falls on Saturday or Sunday. */
export function isWeekendDate(date: string): boolean {
  const t = localDateUtc(date);
  if (t === null) return false;
  const d = new Date(t).getUTCDay();
  return d === 0 || d === 6;
}

function validZone(timeZone: string): string {
  try {
    dateFormat({ timeZone });
    return timeZone;
  } catch {
    // An unknown zone must not break the review; UTC is labelled as such.
    return 'UTC';
  }
}

function part(parts: Intl.DateTimeFormatPart[], type: Intl.DateTimeFormatPartTypes): string {
  return parts.find((p) => p.type === type)?.value ?? '';
}

/**
 * Formats an instant in the engagement's timezone: "Tue 17 Nov, 14:05"
 * (with `{ year: true }`: "Tue 17 Nov 2026, 14:05"; with `{ zone: true }`
 * the zone abbreviation is appended). The raw string when unparseable.
 */
export function formatInstant(iso: string, timeZone: string, opts: { year?: boolean; zone?: boolean; weekday?: boolean } = {}): string {
  const t = Date.parse(iso);
  if (Number.isNaN(t)) return iso;
  const zone = validZone(timeZone);
  const parts = dateFormat({
    weekday: 'short',
    day: 'numeric',
    month: 'short',
    year: 'numeric',
    hour: '2-digit',
    minute: '2-digit',
    hourCycle: 'h23',
    timeZone: zone,
    timeZoneName: 'short',
  }).formatToParts(t);
  const weekday = opts.weekday === false ? '' : `${part(parts, 'weekday')} `;
  const date = `${weekday}${part(parts, 'day')} ${part(parts, 'month')}${opts.year ? ` ${part(parts, 'year')}` : ''}`;
  const time = `${part(parts, 'hour')}:${part(parts, 'minute')}`;
  return `${date}, ${time}${opts.zone ? ` ${part(parts, 'timeZoneName')}` : ''}`;
}

/** The calendar date "YYYY-MM-DD" of an instant in a timezone (null when unparseable). */
export function localDateOf(iso: string, timeZone: string): string | null {
  const t = Date.parse(iso);
  if (Number.isNaN(t)) return null;
  const parts = new Intl.DateTimeFormat('en-CA', {
    year: 'numeric',
    month: '2-digit',
    day: '2-digit',
    timeZone: validZone(timeZone),
  }).formatToParts(t);
  return `${part(parts, 'year')}-${part(parts, 'month')}-${part(parts, 'day')}`;
}

/** "1 incident" / "3 incidents". */
export function plural(count: number, singular: string, pluralForm = `${singular}s`): string {
  return `${formatNumber(count)} ${count === 1 ? singular : pluralForm}`;
}

/** Human names for the coverage windows. */
export const WINDOW_LABELS: Readonly<Record<string, string>> = Object.freeze({
  business_hours: 'Business hours',
  after_hours: 'After hours',
  weekend: 'Weekend',
  holiday: 'Holiday',
});

/** Ticketing systems as people write their names. */
export const SYSTEM_LABELS: Readonly<Record<string, string>> = Object.freeze({
  jira: 'Jira',
  servicenow: 'ServiceNow',
  connectwise: 'ConnectWise',
});

/** Ticket states as the review prints them (Tandem's view of the ticket, whatever the system calls it). */
export const TICKET_STATE_LABELS: Readonly<Record<string, string>> = Object.freeze({
  pending: 'Not created yet',
  open: 'Open',
  in_progress: 'In progress',
  done: 'Done',
  failed: 'Failed',
});
