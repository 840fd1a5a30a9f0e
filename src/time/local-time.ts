/**
 * Wall-clock arithmetic in IANA time zones, shared by coverage windows,
 * on-call schedules, metrics periods, risk and the monthly review.
 *
 * Local time is handled as a "naive" millisecond count: the local calendar
 * date and time written as if it were UTC (`day * DAY_MS + msOfDay`). Naive
 * values are plain numbers, so "the same wall-clock time one day later" is
 * `naive + DAY_MS` whatever DST does; only {@link fromLocal} and
 * {@link toLocal} touch a zone.
 *
 * Zone offsets come from luxon's `IANAZone` (Intl underneath, ~5 µs a call).
 * Coverage and rotation math asks for thousands of offsets per query, so
 * offsets are memoized as transition tables per zone and 16-day bucket: a
 * lookup is then a Map hit and a scan of one or two entries.
 */
import { IANAZone } from 'luxon';
import { DAY_MS, HOUR_MS, MINUTE_MS } from './duration.js';

/** A local calendar day: days since 1970-01-01 (proleptic Gregorian). */
export type LocalDay = number;

/** Days since 1970-01-01 of a civil date (Howard Hinnant's days_from_civil). */
export function daysFromCivil(year: number, month: number, day: number): LocalDay {
  const y = month <= 2 ? year - 1 : year;
  const era = Math.floor(y / 400);
  const yoe = y - era * 400;
  const mp = (month + 9) % 12;
  const doy = Math.floor((153 * mp + 2) / 5) + day - 1;
  const doe = yoe * 365 + Math.floor(yoe / 4) - Math.floor(yoe / 100) + doy;
  return era * 146097 + doe - 719468;
}

/** The civil date of a day number (inverse of {@link daysFromCivil}). */
export function civilFromDays(days: LocalDay): { year: number; month: number; day: number } {
  const z = days + 719468;
  const era = Math.floor(z / 146097);
  const doe = z - era * 146097;
  const yoe = Math.floor((doe - Math.floor(doe / 1460) + Math.floor(doe / 36524) - Math.floor(doe / 146096)) / 365);
  const doy = doe - (365 * yoe + Math.floor(yoe / 4) - Math.floor(yoe / 100));
  const mp = Math.floor((5 * doy + 2) / 153);
  const day = doy - Math.floor((153 * mp + 2) / 5) + 1;
  const month = mp < 10 ? mp + 3 : mp - 9;
  return { year: yoe + era * 400 + (month <= 2 ? 1 : 0), month, day };
}

/** ISO weekday of a local day: 1 = Monday .. 7 = Sunday. */
export function isoWeekday(day: LocalDay): number {
  // 1970-01-01 was a Thursday (ISO 4).
  return ((((day + 3) % 7) + 7) % 7) + 1;
}

const DATE_RE = /^(\d{4})-(\d{2})-(\d{2})$/;
const DATETIME_RE = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2})$/;

/** Parses "YYYY-MM-DD" into a day number; throws on anything else, because callers hold validated input. */
export function parseLocalDate(text: string): LocalDay {
  const m = DATE_RE.exec(text);
  if (m === null) throw new RangeError(`not a local date (YYYY-MM-DD): ${text}`);
  const [year, month, day] = [Number(m[1]), Number(m[2]), Number(m[3])];
  const days = daysFromCivil(year, month, day);
  const back = civilFromDays(days);
  // Round-tripping rejects 2026-02-30 and friends.
  if (back.month !== month || back.day !== day) throw new RangeError(`no such date: ${text}`);
  return days;
}

/** Parses "YYYY-MM-DDTHH:MM" into a naive local millisecond count. */
export function parseLocalDateTime(text: string): number {
  const m = DATETIME_RE.exec(text);
  if (m === null) throw new RangeError(`not a local date-time (YYYY-MM-DDTHH:MM): ${text}`);
  const hour = Number(m[4]);
  const minute = Number(m[5]);
  if (hour > 24 || minute > 59 || (hour === 24 && minute !== 0)) throw new RangeError(`no such time: ${text}`);
  return parseLocalDate(text.slice(0, 10)) * DAY_MS + hour * HOUR_MS + minute * MINUTE_MS;
}

/** Formats a day number as "YYYY-MM-DD". */
export function formatLocalDate(day: LocalDay): string {
  const { year, month, day: d } = civilFromDays(day);
  return `${String(year).padStart(4, '0')}-${String(month).padStart(2, '0')}-${String(d).padStart(2, '0')}`;
}

// ---------------------------------------------------------------------------
// Zone offsets

/** Offsets are memoized in buckets of this many days. */
const BUCKET_DAYS = 16;
const BUCKET_MS = BUCKET_DAYS * DAY_MS;

/** Offset segments of one bucket: `starts[i]` is where `offsets[i]` begins; `starts[0]` is the bucket start. */
interface Bucket {
  readonly starts: number[];
  readonly offsets: number[];
}

interface ZoneOffsets {
  readonly zone: IANAZone;
  readonly buckets: Map<number, Bucket>;
}

const zones = new Map<string, ZoneOffsets>();

function zoneOffsets(name: string): ZoneOffsets {
  let z = zones.get(name);
  if (z === undefined) {
    const zone = IANAZone.create(name);
    if (!zone.isValid) throw new RangeError(`unknown time zone: ${name}`);
    z = { zone, buckets: new Map() };
    zones.set(name, z);
  }
  return z;
}

/** Offset straight from Intl via luxon, in ms (luxon answers in minutes, fractional for LMT). */
function rawOffset(z: ZoneOffsets, t: number): number {
  return Math.round(z.zone.offset(t) * MINUTE_MS);
}

/**
 * Builds a bucket by sampling once a day and bisecting (to the second) where
 * two samples differ. This assumes a zone changes offset at most once within
 * a day, which holds for every transition in the tz database since 1970.
 */
function buildBucket(z: ZoneOffsets, index: number): Bucket {
  const start = index * BUCKET_MS;
  const starts = [start];
  const offsets = [rawOffset(z, start)];
  let prevT = start;
  let prevO = offsets[0] ?? 0;
  for (let i = 1; i <= BUCKET_DAYS; i++) {
    const t = start + i * DAY_MS;
    const o = rawOffset(z, t);
    if (o !== prevO) {
      // Invariant: offset(lo) === prevO, offset(hi) !== prevO.
      let lo = prevT;
      let hi = t;
      while (hi - lo > 1000) {
        const mid = lo + Math.floor((hi - lo) / 2000) * 1000;
        if (rawOffset(z, mid) === prevO) lo = mid;
        else hi = mid;
      }
      if (hi < start + BUCKET_MS) {
        starts.push(hi);
        offsets.push(o);
      }
    }
    prevT = t;
    prevO = o;
  }
  return { starts, offsets };
}

/** UTC offset of `zone` at instant `t`, in milliseconds (local = t + offset). */
export function offsetAt(zone: string, t: number): number {
  const z = zoneOffsets(zone);
  const index = Math.floor(t / BUCKET_MS);
  let b = z.buckets.get(index);
  if (b === undefined) {
    b = buildBucket(z, index);
    z.buckets.set(index, b);
  }
  for (let i = b.starts.length - 1; i > 0; i--) {
    const s = b.starts[i];
    if (s !== undefined && t >= s) return b.offsets[i] ?? 0;
  }
  return b.offsets[0] ?? 0;
}

/** True when luxon/Intl know the zone. */
export function isValidZone(zone: string): boolean {
  return IANAZone.isValidZone(zone);
}

/** The naive local time (see module doc) of instant `t` in `zone`. */
export function toNaive(zone: string, t: number): number {
  return t + offsetAt(zone, t);
}

/** Local day and time of day of an instant. */
export function toLocal(zone: string, t: number): { day: LocalDay; msOfDay: number } {
  const naive = toNaive(zone, t);
  const day = Math.floor(naive / DAY_MS);
  return { day, msOfDay: naive - day * DAY_MS };
}

/**
 * The instant a naive local time names in `zone`.
 *
 * - Ambiguous times (the repeated hour when clocks go back) resolve to the
 *   FIRST occurrence: a handoff at 01:30 on fall-back night happens the first
 *   time the clock reads 01:30, as a person awake at that hour expects.
 * - Non-existent times (the skipped hour when clocks go forward) are read with
 *   the offset in force before the gap, so they move forward by the gap's
 *   length: 02:30 on spring-forward night becomes 03:30. This is RFC 5545's
 *   rule (3.3.5) and what Google Calendar, Outlook and Apple Calendar do.
 *
 * Assumes at most one offset change within a day either side of the time,
 * true of every real zone.
 */
export function fromLocal(zone: string, naive: number): number {
  const before = offsetAt(zone, naive - DAY_MS);
  const after = offsetAt(zone, naive + DAY_MS);
  const t1 = naive - before;
  if (before === after) {
    // Usual case; the re-check costs one lookup and catches freak zones.
    if (offsetAt(zone, t1) === before) return t1;
  }
  const t2 = naive - after;
  const ok1 = offsetAt(zone, t1) === before;
  const ok2 = offsetAt(zone, t2) === after;
  if (ok1 && ok2) return Math.min(t1, t2);
  if (ok1) return t1;
  if (ok2) return t2;
  return t1;
}

/** The instant of local midnight starting `day` (or the first instant of the day when midnight is skipped). */
export function startOfLocalDay(zone: string, day: LocalDay): number {
  return fromLocal(zone, day * DAY_MS);
}
