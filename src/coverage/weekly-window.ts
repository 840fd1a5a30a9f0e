/**
 * Weekly windows (`{ days: mon-fri, from: "08:00", to: "18:00" }`) turned
 * into real instants. Used for coverage business hours and for schedule
 * layers restricted with `only`.
 *
 * A window belongs to the day it STARTS on: with `to <= from` it runs past
 * midnight into the next day, so Friday's 22:00-06:00 window ends Saturday
 * 06:00 even though Saturday is not listed. Both ends are wall-clock times
 * (see {@link fromLocal} for DST gaps and repeats), so a 08:00-18:00 window
 * is 08:00-18:00 on DST change days too.
 */
import type { WeeklyWindow } from '../engagement/model.js';
import type { Interval } from './interval.js';
import { normalizeIntervals } from './interval.js';
import type { LocalDay } from '../time/local-time.js';
import { DAY_MS, MINUTE_MS } from '../time/duration.js';
import { fromLocal, isoWeekday, toLocal } from '../time/local-time.js';

/** True when the window runs past midnight into the next day. */
export function crossesMidnight(w: WeeklyWindow): boolean {
  return w.to <= w.from;
}

/** The instance of `w` that starts on local `day`, ignoring whether `day` is one of `w.days`. */
export function windowInstance(zone: string, w: WeeklyWindow, day: LocalDay): Interval {
  const start = fromLocal(zone, day * DAY_MS + w.from * MINUTE_MS);
  const endDay = crossesMidnight(w) ? day + 1 : day;
  const end = fromLocal(zone, endDay * DAY_MS + w.to * MINUTE_MS);
  // A window inside a DST gap can collapse; never hand out a negative interval.
  return { start, end: Math.max(start, end) };
}

/** True when the window has an instance starting on `day`. */
export function startsOn(w: WeeklyWindow, day: LocalDay): boolean {
  return w.days.includes(isoWeekday(day));
}

/** True when instant `t` falls inside any of the windows. */
export function inWeeklyWindows(zone: string, windows: readonly WeeklyWindow[], t: number): boolean {
  const { day } = toLocal(zone, t);
  for (const w of windows) {
    // Only today's instance, or yesterday's if it runs past midnight, can contain t.
    for (const d of crossesMidnight(w) ? [day - 1, day] : [day]) {
      if (!startsOn(w, d)) continue;
      const i = windowInstance(zone, w, d);
      if (t >= i.start && t < i.end) return true;
    }
  }
  return false;
}

/** All instances of the windows overlapping `[from, to)`, clipped to it, normalized (sorted, merged). */
export function weeklyIntervals(zone: string, windows: readonly WeeklyWindow[], from: number, to: number): Interval[] {
  if (to <= from) return [];
  const first = toLocal(zone, from).day - 1;
  const last = toLocal(zone, to).day;
  const out: Interval[] = [];
  for (let d = first; d <= last; d++) {
    for (const w of windows) {
      if (!startsOn(w, d)) continue;
      const i = windowInstance(zone, w, d);
      const start = Math.max(i.start, from);
      const end = Math.min(i.end, to);
      if (end > start) out.push({ start, end });
    }
  }
  return normalizeIntervals(out);
}
