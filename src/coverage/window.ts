/**
 * Which coverage window an instant is in, in the engagement's time zone.
 *
 * Classification, first match wins:
 * 1. `holiday` when the local date is a holiday (holidays are never
 *    business hours, even inside a window that started the evening before);
 * 2. `business_hours` inside a business-hours window (a window belongs to
 *    the day it starts on, so Friday 22:00-06:00 covers Saturday 03:00);
 * 3. `weekend` when the local weekday is not a business day;
 * 4. `after_hours` otherwise.
 */
import type { CoverageWindow, Engagement } from '../engagement/model.js';
import { businessIntervalOn } from './business-time.js';
import { holidayOnDay } from './holidays.js';
import { isoWeekday, startOfLocalDay, toLocal } from '../time/local-time.js';

/** How far ahead {@link nextWindowChange} looks before giving up (days). */
const CHANGE_HORIZON_DAYS = 800;

/** Human label of a window: "business hours", "after hours", "weekend", "holiday". */
export function windowLabel(window: CoverageWindow): string {
  return window.replace('_', ' ');
}

/** The coverage window and, on holidays, the holiday's name. */
export function windowDetailAt(engagement: Engagement, at: number): { window: CoverageWindow; holidayName?: string } {
  const { day } = toLocal(engagement.timezone, at);
  const holidayName = holidayOnDay(engagement, day);
  if (holidayName !== null) return { window: 'holiday', holidayName };
  for (const d of [day, day - 1]) {
    const i = businessIntervalOn(engagement, d);
    if (i !== null && at >= i.start && at < i.end) return { window: 'business_hours' };
  }
  if (!engagement.coverage.businessHours.days.includes(isoWeekday(day))) return { window: 'weekend' };
  return { window: 'after_hours' };
}

/** The coverage window at instant `at`. */
export function windowAt(engagement: Engagement, at: number): CoverageWindow {
  return windowDetailAt(engagement, at).window;
}

/**
 * The first instant after `at` at which {@link windowAt} returns something
 * else (e.g. Friday 18:00 -> Saturday 00:00 -> Monday 00:00 -> Monday 08:00),
 * or null if it does not change within ~2 years (no business days and no
 * holidays). Two consecutive holidays with different names are one window.
 */
export function nextWindowChange(engagement: Engagement, at: number): number | null {
  const tz = engagement.timezone;
  const current = windowAt(engagement, at);
  const first = toLocal(tz, at).day;
  // The window can only change at a local midnight or at a business-hours
  // boundary, so test just those instants, in order, a day at a time.
  for (let day = first; day <= first + CHANGE_HORIZON_DAYS; day++) {
    const candidates: number[] = [startOfLocalDay(tz, day + 1)];
    for (const d of [day - 1, day]) {
      // An overnight window's end lands in tomorrow; it is still before any
      // boundary tomorrow's iteration adds, because a window starts at or after the previous one ends.
      const i = businessIntervalOn(engagement, d);
      if (i !== null) candidates.push(i.start, i.end);
    }
    candidates.sort((a, b) => a - b);
    for (const c of candidates) {
      if (c > at && windowAt(engagement, c) !== current) return c;
    }
  }
  return null;
}
