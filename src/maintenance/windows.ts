/**
 * Whether a service is in maintenance at an instant: the engagement file's
 * windows (recurring ones expanded on the zone's wall clock, rrule.ts) and
 * the windows created through the API. Pure: time is an argument.
 *
 * Windows are half-open, [from, to): an event at the end instant is outside.
 * `until` is where maintenance really ends for the service: windows that
 * overlap or follow each other without a gap are one stretch, so an incident
 * held at 04:00 in a 01:00-05:00 window followed by a 05:00-06:00 window
 * waits until 06:00.
 */
import type { Engagement } from '../engagement/model.js';
import type { MaintenanceWindow } from '../engagement/maintenance.js';
import type { Occurrence } from './rrule.js';
import { occurrencesAt, occurrencesBetween } from './rrule.js';

/** A window created through the API (src/maintenance/store.ts): instants, already cut short when it was ended early. */
export interface ApiWindow {
  readonly services: readonly string[];
  /** Epoch ms, inclusive. */
  readonly from: number;
  /** Epoch ms, exclusive (the end, or when it was ended early). */
  readonly to: number;
  readonly reason: string;
}

/** Maintenance in force: why, and the instant it ends (exclusive). */
export interface InMaintenance {
  readonly reason: string;
  readonly until: number;
}

/** How many following windows are joined into one stretch at most (a guard; real files have a few). */
const MAX_CHAIN = 100;

/** The file window's occurrences that contain `at`. */
function fileOccurrencesAt(w: MaintenanceWindow, zone: string, at: number): Occurrence[] {
  if (w.rrule === undefined) return w.start <= at && at < w.end ? [{ start: w.start, end: w.end }] : [];
  return occurrencesAt(w.rrule, zone, at);
}

/** Windows covering `serviceId` that contain `at`: reason and end of each, file windows first. */
function covering(
  engagement: Engagement,
  serviceId: string,
  at: number,
  extra: readonly ApiWindow[],
): Array<{ reason: string; end: number }> {
  const out: Array<{ reason: string; end: number }> = [];
  for (const w of engagement.maintenance ?? []) {
    if (!w.services.includes(serviceId)) continue;
    for (const o of fileOccurrencesAt(w, engagement.timezone, at)) out.push({ reason: w.reason, end: o.end });
  }
  for (const w of extra) {
    if (w.services.includes(serviceId) && w.from <= at && at < w.to) out.push({ reason: w.reason, end: w.to });
  }
  return out;
}

/**
 * The maintenance `serviceId` is in at `at`, or undefined. The reason is
 * the first covering window's (the file's in order, then the API's);
 * `until` is the end of the stretch of back-to-back windows.
 */
export function maintenanceAt(
  engagement: Engagement,
  serviceId: string,
  at: number,
  extra: readonly ApiWindow[] = [],
): InMaintenance | undefined {
  const now = covering(engagement, serviceId, at, extra);
  const first = now[0];
  if (first === undefined) return undefined;
  let until = Math.max(...now.map((c) => c.end));
  for (let i = 0; i < MAX_CHAIN; i++) {
    const next = covering(engagement, serviceId, until, extra);
    if (next.length === 0) break;
    until = Math.max(...next.map((c) => c.end));
  }
  return { reason: first.reason, until };
}

/** One upcoming or current window of a service, for listings (API, status page). */
export interface ScheduledWindow {
  readonly from: number;
  readonly to: number;
  readonly reason: string;
  /** The file's rrule, when the window repeats. */
  readonly rrule?: string;
}

/** The file's windows of `serviceId` (every service when undefined) that overlap [from, to), ascending by start, at most `limit`. */
export function fileWindowsBetween(
  engagement: Engagement,
  from: number,
  to: number,
  serviceId?: string,
  limit = 100,
): Array<ScheduledWindow & { readonly services: readonly string[] }> {
  const out: Array<ScheduledWindow & { readonly services: readonly string[] }> = [];
  for (const w of engagement.maintenance ?? []) {
    if (serviceId !== undefined && !w.services.includes(serviceId)) continue;
    const occurrences =
      w.rrule === undefined
        ? [{ start: w.start, end: w.end }]
        : [...occurrencesAt(w.rrule, engagement.timezone, from), ...occurrencesBetween(w.rrule, engagement.timezone, from, to, limit)];
    const seen = new Set<number>();
    for (const o of occurrences) {
      if (seen.has(o.start) || o.end <= from || o.start >= to) continue;
      seen.add(o.start);
      out.push({ from: o.start, to: o.end, reason: w.reason, services: w.services, ...(w.rrule ? { rrule: w.rrule.text } : {}) });
    }
  }
  return out.sort((a, b) => a.from - b.from).slice(0, limit);
}
