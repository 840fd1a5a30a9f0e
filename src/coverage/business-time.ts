/**
 * Business time: the instants inside `coverage.business_hours` that are not
 * on a holiday. Business-hours SLA clocks count only these, so the functions
 * here must be exact across DST and fast: they step a local day at a time
 * (one or two zone conversions per day), never a minute at a time.
 */
import type { Engagement } from '../engagement/model.js';
import { holidayOnDay } from './holidays.js';
import type { Interval } from './interval.js';
import type { LocalDay } from '../time/local-time.js';
import { startOfLocalDay, toLocal } from '../time/local-time.js';
import { crossesMidnight, startsOn, windowInstance } from './weekly-window.js';

/**
 * A year of consecutive days without business time means the engagement
 * has none at all (e.g. every date a closure); searching further would
 * only hang the caller.
 */
const MAX_EMPTY_DAYS = 400;

/**
 * The business-hours interval that starts on local `day`, or null.
 * A holiday has none, and an overnight window is cut at midnight when the
 * next date is a holiday ("a holiday is never business hours").
 */
export function businessIntervalOn(engagement: Engagement, day: LocalDay): Interval | null {
  const w = engagement.coverage.businessHours;
  if (!startsOn(w, day) || holidayOnDay(engagement, day) !== null) return null;
  const tz = engagement.timezone;
  const i = windowInstance(tz, w, day);
  let end = i.end;
  if (crossesMidnight(w) && holidayOnDay(engagement, day + 1) !== null) {
    end = Math.min(end, startOfLocalDay(tz, day + 1));
  }
  return end > i.start ? { start: i.start, end } : null;
}

/**
 * Business intervals from `from` onwards, in order, clipped to start at
 * `from`; unbounded, so callers stop when they have enough. Touching
 * intervals (24:00 windows on consecutive days) are yielded separately.
 */
function* businessFrom(engagement: Engagement, from: number): Generator<Interval> {
  // Yesterday's window may run past midnight into today.
  let day = toLocal(engagement.timezone, from).day - 1;
  let empty = 0;
  for (;;) {
    const i = businessIntervalOn(engagement, day);
    day++;
    if (i === null || i.end <= from) {
      if (++empty > MAX_EMPTY_DAYS) return;
      continue;
    }
    empty = 0;
    yield i.start < from ? { start: from, end: i.end } : i;
  }
}

/**
 * Business-hours intervals within `[from, to)`: ordered, clipped, touching
 * intervals merged, holidays excluded. Each interval starts and ends at the
 * configured wall-clock times, whatever the UTC offset that day.
 */
export function businessIntervals(engagement: Engagement, from: number, to: number): Interval[] {
  const out: Interval[] = [];
  if (to <= from) return out;
  for (const i of businessFrom(engagement, from)) {
    if (i.start >= to) break;
    const end = Math.min(i.end, to);
    const last = out[out.length - 1];
    if (last !== undefined && last.end === i.start) out[out.length - 1] = { start: last.start, end };
    else out.push({ start: i.start, end });
    if (i.end >= to) break;
  }
  return out;
}

/**
 * Milliseconds of business time between two instants: what a
 * business-hours SLA clock shows. Signed like `to - from`: negative when
 * `to` is before `from`.
 */
export function businessMsBetween(engagement: Engagement, from: number, to: number): number {
  if (to < from) return -businessMsBetween(engagement, to, from);
  let total = 0;
  for (const i of businessFrom(engagement, from)) {
    if (i.start >= to) break;
    total += Math.min(i.end, to) - i.start;
    if (i.end >= to) break;
  }
  return total;
}

/**
 * The earliest instant at which `ms` of business time has elapsed since
 * `from`: the deadline of a business-hours SLA target.
 *
 * - `ms = 0` returns `from` itself (nothing has to elapse), even at night.
 * - A deadline that falls exactly at the end of business hours is that end
 *   (Monday 08:00 + 10h = Monday 18:00), not the next morning.
 * - `from` outside business hours starts counting at the next opening.
 *
 * Throws RangeError for negative or non-finite `ms`, or when the engagement
 * has no business time within a year of the search (misconfiguration).
 */
export function addBusinessMs(engagement: Engagement, from: number, ms: number): number {
  if (!Number.isFinite(ms) || ms < 0) throw new RangeError(`addBusinessMs: ms must be a finite number >= 0, got ${ms}`);
  if (ms === 0) return from;
  let left = ms;
  for (const i of businessFrom(engagement, from)) {
    const len = i.end - i.start;
    if (left <= len) return i.start + left;
    left -= len;
  }
  throw new RangeError(`engagement ${engagement.id} has no business hours within ${MAX_EMPTY_DAYS} days`);
}
