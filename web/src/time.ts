/**
 * Time for people: durations, countdowns, relative times, and wall-clock
 * math in an engagement's time zone (Intl only; no time-zone library).
 */

const formatters = new Map<string, Intl.DateTimeFormat>();

function partsFormatter(tz: string): Intl.DateTimeFormat {
  let f = formatters.get(tz);
  if (!f) {
    f = new Intl.DateTimeFormat('en-US', {
      timeZone: tz,
      hourCycle: 'h23',
      year: 'numeric',
      month: 'numeric',
      day: 'numeric',
      hour: 'numeric',
      minute: 'numeric',
      second: 'numeric',
      weekday: 'short',
    });
    formatters.set(tz, f);
  }
  return f;
}

export interface ZonedParts {
  year: number;
  month: number;
  day: number;
  hour: number;
  minute: number;
  second: number;
  /** 1 = Monday .. 7 = Sunday */
  weekday: number;
}

const WEEKDAYS: Record<string, number> = { Mon: 1, Tue: 2, Wed: 3, Thu: 4, Fri: 5, Sat: 6, Sun: 7 };

export function zoned(ms: number, tz: string): ZonedParts {
  const out: ZonedParts = { year: 0, month: 0, day: 0, hour: 0, minute: 0, second: 0, weekday: 1 };
  for (const p of partsFormatter(tz).formatToParts(new Date(ms))) {
    switch (p.type) {
      case 'year':
        out.year = Number(p.value);
        break;
      case 'month':
        out.month = Number(p.value);
        break;
      case 'day':
        out.day = Number(p.value);
        break;
      case 'hour':
        out.hour = Number(p.value) % 24;
        break;
      case 'minute':
        out.minute = Number(p.value);
        break;
      case 'second':
        out.second = Number(p.value);
        break;
      case 'weekday':
        out.weekday = WEEKDAYS[p.value] ?? 1;
        break;
      default:
        break;
    }
  }
  return out;
}

/** The zone's offset from UTC at an instant, in ms. */
function offsetAt(ms: number, tz: string): number {
  const z = zoned(ms, tz);
  return Date.UTC(z.year, z.month - 1, z.day, z.hour, z.minute, z.second) - Math.floor(ms / 1000) * 1000;
}

/** The instant of a wall-clock time in a zone (the earlier one when a DST change repeats it). */
export function fromZoned(year: number, month: number, day: number, hour: number, minute: number, tz: string): number {
  const guess = Date.UTC(year, month - 1, day, hour, minute);
  let t = guess - offsetAt(guess, tz);
  const again = guess - offsetAt(t, tz);
  if (again !== t) t = again;
  return t;
}

/** Midnight starting the Monday of the week holding `ms`, in `tz`. */
export function startOfWeek(ms: number, tz: string): number {
  const z = zoned(ms, tz);
  const d = new Date(Date.UTC(z.year, z.month - 1, z.day - (z.weekday - 1)));
  return fromZoned(d.getUTCFullYear(), d.getUTCMonth() + 1, d.getUTCDate(), 0, 0, tz);
}

/** Midnight of the day `days` after the zoned date of `ms`. */
export function addDays(ms: number, days: number, tz: string): number {
  const z = zoned(ms, tz);
  const d = new Date(Date.UTC(z.year, z.month - 1, z.day + days));
  return fromZoned(d.getUTCFullYear(), d.getUTCMonth() + 1, d.getUTCDate(), 0, 0, tz);
}

const pad = (n: number) => String(n).padStart(2, '0');

/** "2h 05m", "12m", "45s", "3d 4h". */
export function formatDuration(seconds: number | null | undefined): string {
  if (seconds === null || seconds === undefined || !Number.isFinite(seconds)) return '—';
  const s = Math.max(0, Math.round(seconds));
  if (s < 60) return `${s}s`;
  const m = Math.floor(s / 60);
  if (m < 60) return `${m}m`;
  const h = Math.floor(m / 60);
  if (h < 48) return `${h}h ${pad(m % 60)}m`;
  return `${Math.floor(h / 24)}d ${h % 24}h`;
}

/** A ticking countdown: "14:05" under an hour, "3h 12m" under two days, then "3d 4h". */
export function formatCountdown(ms: number): string {
  const s = Math.max(0, Math.floor(ms / 1000));
  if (s < 3600) return `${pad(Math.floor(s / 60))}:${pad(s % 60)}`;
  return formatDuration(s);
}

export function formatRelative(iso: string | null | undefined, now: number): string {
  if (!iso) return '—';
  const diff = Math.round((now - Date.parse(iso)) / 1000);
  if (diff < 0) return `in ${formatDuration(-diff)}`;
  if (diff < 45) return 'just now';
  return `${formatDuration(diff)} ago`;
}

const dateTime = new Intl.DateTimeFormat('en-GB', {
  weekday: 'short',
  day: 'numeric',
  month: 'short',
  hour: '2-digit',
  minute: '2-digit',
  hourCycle: 'h23',
});
const dateTimeSeconds = new Intl.DateTimeFormat('en-GB', {
  weekday: 'short',
  day: 'numeric',
  month: 'short',
  hour: '2-digit',
  minute: '2-digit',
  second: '2-digit',
  hourCycle: 'h23',
});

const zoneNames = new Map<string, Intl.DateTimeFormat>();
/**
 * The short name of a zone at an instant: "EST", "EDT", "GMT", "UTC", or an
 * offset such as "GMT+1" where the zone has no common abbreviation. Without
 * `tz`, the browser's own zone (the one the dashboard's times are shown in).
 */
export function zoneName(ms: number, tz?: string): string {
  const key = tz ?? '';
  let f = zoneNames.get(key);
  if (!f) {
    f = new Intl.DateTimeFormat('en-US', { ...(tz === undefined ? {} : { timeZone: tz }), timeZoneName: 'short' });
    zoneNames.set(key, f);
  }
  return f.formatToParts(new Date(ms)).find((p) => p.type === 'timeZoneName')?.value ?? tz ?? '';
}

/** "Thu 26 Nov, 14:07 EST": in the browser's zone, which it names (a reader on the other side of the engagement may be elsewhere). */
export function formatDateTime(iso: string | null | undefined): string {
  if (!iso) return '—';
  const ms = Date.parse(iso);
  return `${dateTime.format(ms)} ${zoneName(ms)}`;
}

/** "Thu 26 Nov, 14:07:12 EST": timeline entries, where seconds matter. */
export function formatPrecise(iso: string | null | undefined): string {
  if (!iso) return '—';
  const ms = Date.parse(iso);
  return `${dateTimeSeconds.format(ms)} ${zoneName(ms)}`;
}

const zonedFormats = new Map<string, Intl.DateTimeFormat>();
/** "Mon 09:00" in a zone. */
export function formatInZone(iso: string | number, tz: string, withDay = true): string {
  const key = `${tz}|${withDay}`;
  let f = zonedFormats.get(key);
  if (!f) {
    f = new Intl.DateTimeFormat('en-GB', {
      timeZone: tz,
      ...(withDay ? { weekday: 'short', day: 'numeric', month: 'short' } : {}),
      hour: '2-digit',
      minute: '2-digit',
      hourCycle: 'h23',
    });
    zonedFormats.set(key, f);
  }
  return f.format(new Date(iso));
}

/** "Mon 23 Nov" of a zoned midnight. */
export function formatDay(ms: number, tz: string): string {
  return new Intl.DateTimeFormat('en-GB', { timeZone: tz, weekday: 'short', day: 'numeric', month: 'short' }).format(new Date(ms));
}

/** "2026-11" of now, in UTC. */
export function monthOf(ms: number): string {
  const d = new Date(ms);
  return `${d.getUTCFullYear()}-${pad(d.getUTCMonth() + 1)}`;
}

export function monthLabel(month: string): string {
  const [y, m] = month.split('-').map(Number);
  if (!y || !m) return month;
  return new Intl.DateTimeFormat('en-US', { month: 'short', year: 'numeric', timeZone: 'UTC' }).format(new Date(Date.UTC(y, m - 1, 1)));
}

export function shiftMonth(month: string, delta: number): string {
  const [y, m] = month.split('-').map(Number);
  const d = new Date(Date.UTC(y ?? 2000, (m ?? 1) - 1 + delta, 1));
  return `${d.getUTCFullYear()}-${pad(d.getUTCMonth() + 1)}`;
}
