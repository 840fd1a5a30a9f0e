/**
 * The words of SLA warnings and breaches: timeline messages and the reason
 * a warning page gives. Kept apart from the plan so the logic reads as
 * logic and the wording can be read (and changed) in one place.
 */
import type { SlaState } from './clock.js';

/** "45s", "12m 30s", "4h", "2h 05m". */
export function duration(ms: number): string {
  const s = Math.max(0, Math.round(ms / 1000));
  if (s < 60) return `${s}s`;
  const m = Math.floor(s / 60);
  if (m < 60) return `${m}m${s % 60 ? ` ${s % 60}s` : ''}`;
  const h = Math.floor(m / 60);
  return `${h}h${m % 60 ? ` ${String(m % 60).padStart(2, '0')}m` : ''}`;
}

/** Which clock a message is about. */
export interface SlaClockRef {
  readonly sla: string;
  readonly kind: string;
  readonly priority: string;
}

function percent(threshold: number): number {
  return Math.round(threshold * 100);
}

/** "partner-sla respond target for P1 (15m)". */
function label(c: SlaClockRef, state: SlaState): string {
  return `${c.sla} ${c.kind} target for ${c.priority} (${state.targetMs === null ? '' : duration(state.targetMs)})`;
}

/** The reason on a warning page: "SLA partner-sla: 75% of the respond target used". */
export function warningReason(c: SlaClockRef, threshold: number): string {
  return `SLA ${c.sla}: ${percent(threshold)}% of the ${c.kind} target used`;
}

/** The warning itself (the page's note, and the start of the timeline message). */
export function warningNote(c: SlaClockRef, state: SlaState, threshold: number): string {
  const left = (state.targetMs ?? 0) - state.elapsedMs;
  const due = state.deadline !== null ? `, due by ${new Date(state.deadline).toISOString()}` : '';
  return `SLA warning: ${label(c, state)} is ${percent(threshold)}% used; ${duration(left)} left${due}.`;
}

/** The timeline message of a warning: the note and who it went to (`notified` empty: nobody). */
export function warningMessage(note: string, notified: readonly string[]): string {
  return `${note}${notified.length ? ` Notifying ${notified.join(', ')}.` : ' Nobody has been paged to notify.'}`;
}

/** The timeline message of a breach, with the service credit it costs when the SLA has credits for the priority. */
export function breachMessage(c: SlaClockRef, state: SlaState, breachedAt: number, credit: number | undefined): string {
  const owed = credit ? ` Service credit: ${Math.round(credit * 1000) / 10}% of the monthly fee.` : '';
  return `SLA breached: ${label(c, state)} was due by ${new Date(breachedAt).toISOString()}.${owed}`;
}
