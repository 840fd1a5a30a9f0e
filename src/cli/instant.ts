/**
 * Instants as a person types them on the command line: with an offset or Z
 * they are exact; without one they are read in the engagement's time zone
 * (where the person who runs the command lives), and a bare date is its
 * local midnight. Echoed back with the offset, so the reading is visible.
 */
import { fromLocal, offsetAt, parseLocalDate, startOfLocalDay } from '../time/local-time.js';
import { parseIsoInstant } from '../time/iso.js';

const OFFSET = /(?:Z|z|[+-]\d{2}(?::?\d{2})?)$/;
const LOCAL = /^\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}(?::\d{2}(?:[.,]\d+)?)?$/;
const DATE = /^\d{4}-\d{2}-\d{2}$/;

/** Epoch milliseconds, or undefined when the text is neither an instant, a local date-time nor a date. */
export function parseInstantIn(text: string, zone: string): number | undefined {
  if (DATE.test(text)) {
    try {
      return startOfLocalDay(zone, parseLocalDate(text));
    } catch {
      return undefined;
    }
  }
  if (LOCAL.test(text)) {
    // Read the wall-clock digits as if UTC (validating them), then place them in the zone.
    const naive = parseIsoInstant(`${text}Z`);
    return naive === undefined ? undefined : fromLocal(zone, naive);
  }
  return OFFSET.test(text) ? parseIsoInstant(text) : undefined;
}

/** Whether the text could be an instant at all, before the time zone is known. */
export function looksLikeInstant(text: string): boolean {
  return parseInstantIn(text, 'UTC') !== undefined;
}

/** ISO 8601 with the zone's offset at that instant: 2026-11-24T23:47:00-05:00. */
export function isoWithOffset(t: number, zone: string): string {
  const offset = offsetAt(zone, t);
  const local = new Date(t + offset)
    .toISOString()
    .replace(/Z$/, '')
    .replace(/\.000$/, '');
  const minutes = Math.abs(offset) / 60_000;
  const hh = String(Math.floor(minutes / 60)).padStart(2, '0');
  const mm = String(Math.floor(minutes % 60)).padStart(2, '0');
  return `${local}${offset < 0 ? '-' : '+'}${hh}:${mm}`;
}
