/**
 * One look at one SLA clock, purely: from the incident, its status history
 * (the timeline is the evidence, so a clock can always be recomputed) and
 * what the stored row already recorded (warnings sent, a breach), derive
 * what the row says now and when to look next: the next warning threshold,
 * or the instant after the deadline. A breach, once recorded, stays
 * (credits are owed on what happened, whatever the priority becomes later).
 */
import type { IncidentRow } from '../db/schema.js';
import type { Engagement, Sla } from '../engagement/model.js';
import type { IncidentStatus } from '../incident/store.js';
import type { SlaInput, SlaKind, SlaState, StatusChange } from './clock.js';
import { slaState, slasFor, thresholdInstants } from './clock.js';
import type { NewSlaRow, SlaPatch, SlaRow, StatusEntry } from './store.js';

export const SLA_KINDS: readonly SlaKind[] = ['respond', 'resolve'];

/** The clock being looked at: which SLA and kind, on which incident, with its status history. */
export interface SlaSubject {
  readonly engagement: Engagement;
  readonly sla: Sla;
  readonly kind: SlaKind;
  readonly incident: IncidentRow;
  readonly history: readonly StatusChange[];
  /** When the clock starts if later than the opening: the end of the maintenance the incident opened in (src/maintenance/). */
  readonly clockFrom?: number | null;
}

/** What a row already recorded (nothing for a new row). */
export type SlaRecorded = Pick<SlaRow, 'warned' | 'breached_at' | 'breach_priority'>;

export interface Evaluation {
  readonly state: SlaState;
  readonly patch: SlaPatch;
  /** Warning thresholds crossed since the last look, to send now. */
  readonly warn: number[];
  /** True when this look found the breach. */
  readonly breached: boolean;
}

function inputFor(s: SlaSubject): SlaInput {
  const { incident, kind } = s;
  return {
    engagement: s.engagement,
    sla: s.sla,
    kind,
    priority: incident.priority,
    // Nothing counts before the clock starts: time in maintenance is nobody's (the history before it only sets the status).
    openedAt: Math.max(incident.created_at, s.clockFrom ?? incident.created_at),
    history: s.history.length ? s.history : [{ at: incident.created_at, status: 'triggered' }],
    stoppedAt: kind === 'respond' ? (incident.acknowledged_at ?? incident.resolved_at) : incident.resolved_at,
  };
}

/** When to look next: the earliest future warning not yet sent, or the instant after the deadline; null when nothing can happen. */
function nextLook(input: SlaInput, warned: ReadonlySet<number>, now: number): number | null {
  let next: number | null = null;
  for (const t of thresholdInstants(input)) {
    if (t.at === null || t.at <= now) continue;
    if (t.kind === 'warning' && warned.has(t.threshold)) continue;
    // The breach is the instant after the deadline: look then.
    const at = t.kind === 'breach' ? t.at + 1 : t.at;
    next = next === null ? at : Math.min(next, at);
  }
  return next;
}

/** Re-derives one SLA row at `now`. */
export function evaluate(recorded: SlaRecorded | undefined, subject: SlaSubject, now: number): Evaluation {
  const { incident } = subject;
  const input = inputFor(subject);
  const state = slaState(input, now);
  const warned = new Set<number>(recorded?.warned ?? []);
  const running = state.status === 'running' || state.status === 'paused';
  const warn = running ? state.warnings.filter((w) => w.at !== null && !warned.has(w.threshold)).map((w) => w.threshold) : [];
  // Thresholds crossed while stopped or not applicable are settled, not sent.
  for (const w of state.warnings) if (w.at !== null) warned.add(w.threshold);
  const breachedAt = recorded?.breached_at ?? state.breachedAt;
  const breached = recorded?.breached_at == null && state.breachedAt !== null;
  return {
    state,
    warn,
    breached,
    patch: {
      status: breachedAt !== null ? 'breached' : state.status,
      priority: incident.priority,
      target_ms: state.targetMs,
      deadline: state.deadline,
      next_check_at: running && breachedAt === null ? nextLook(input, warned, now) : null,
      warned: [...warned].sort((a, b) => a - b),
      breached_at: breachedAt,
      breach_priority: recorded?.breach_priority ?? (breachedAt !== null ? incident.priority : null),
      stopped_at: input.stoppedAt ?? (incident.status === 'resolved' ? incident.resolved_at : null),
      elapsed_ms: state.elapsedMs,
      updated_at: now,
    },
  };
}

/**
 * The rows an incident gets for the SLAs of the side that owns it, one per
 * SLA and kind, evaluated at `now` (an incident just opened, or an imported
 * one whose whole history is known). None when no side owns it. `clockFrom`:
 * the clocks start then rather than at the opening (an incident released
 * from maintenance).
 */
export function newSlaRows(
  engagement: Engagement,
  incident: IncidentRow,
  history: readonly StatusChange[],
  now: number,
  clockFrom: number | null = null,
): NewSlaRow[] {
  if (!incident.side) return [];
  const slas = slasFor(engagement, incident.side === 'internal' ? 'internal' : 'partner');
  return slas.flatMap((sla) =>
    SLA_KINDS.map((kind) => {
      const e = evaluate(undefined, { engagement, sla, kind, incident, history, clockFrom }, now);
      return { engagement_id: engagement.id, incident_id: incident.id, sla_id: sla.id, kind, clock_from: clockFrom, ...e.patch };
    }),
  );
}

/**
 * The statuses each incident went through, from its timeline's status
 * entries (in the order written). Entries naming no status are skipped.
 */
export function statusHistories(entries: readonly StatusEntry[]): Map<number, StatusChange[]> {
  const out = new Map<number, StatusChange[]>();
  for (const e of entries) {
    let list = out.get(e.incidentId);
    if (!list) out.set(e.incidentId, (list = []));
    if (!e.to) continue;
    const last = list[list.length - 1];
    // The timeline is append-only and in order; guard against equal-instant reordering only.
    list.push({ at: last && e.at < last.at ? last.at : e.at, status: e.to as IncidentStatus });
  }
  return out;
}
