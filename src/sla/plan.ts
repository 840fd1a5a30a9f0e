/**
 * What one SLA engine pass writes, decided purely. The module claims due
 * rows and reads the facts (incidents, status histories, who was paged
 * last); here each row is evaluated ({@link evaluate}) and the outcome
 * becomes writes: the row's new state and next look, a warning page to the
 * incident's current responders for each threshold crossed (once), a
 * timeline entry per warning and breach with its credit, and rows whose
 * incident or SLA is gone are stopped. No database, no clock: table-tested
 * in plan.test.ts.
 */
import type { IncidentRow } from '../db/schema.js';
import type { Engagement } from '../engagement/model.js';
import { lookup } from '../engagement/model.js';
import { SYSTEM } from '../incident/actor.js';
import type { TimelineEntry } from '../incident/timeline.js';
import { pageRows } from '../paging/page.js';
import type { NotificationInsert } from '../paging/page.js';
import type { Recipient } from '../paging/recipient.js';
import type { StatusChange } from './clock.js';
import type { Evaluation, SlaSubject } from './evaluate.js';
import { evaluate } from './evaluate.js';
import type { SlaClockRef } from './messages.js';
import { breachMessage, warningMessage, warningNote, warningReason } from './messages.js';
import type { PageSent, SlaPatch, SlaRow } from './store.js';

/** What a pass knows besides the claimed rows. */
export interface SlaFacts {
  readonly incidents: ReadonlyMap<number, IncidentRow>;
  /** Status histories from the timelines (an incident without one counts as triggered since it opened). */
  readonly histories: ReadonlyMap<number, readonly StatusChange[]>;
  readonly engagement: (id: string) => Engagement | undefined;
}

/** One claimed row, looked at: evaluated, or gone (its incident, engagement or SLA no longer exists). */
export type SlaCheck =
  | { readonly row: SlaRow; readonly gone: true }
  | { readonly row: SlaRow; readonly gone: false; readonly subject: SlaSubject; readonly evaluation: Evaluation };

/** A breach a pass found (for the metrics, once committed). */
export interface SlaBreach {
  readonly engagementId: string;
  readonly sla: string;
  readonly kind: string;
}

/** What a pass writes. */
export interface SlaPlan {
  /** Rows never looked at again (SLA removed from the file, incident or engagement gone). */
  readonly stop: number[];
  readonly updates: Array<{ readonly id: number; readonly patch: SlaPatch }>;
  /** Outbox rows of the warning pages. */
  readonly notifications: NotificationInsert[];
  readonly timeline: TimelineEntry[];
  readonly breaches: SlaBreach[];
}

/** Evaluates each claimed row at `now`. */
export function checkSlas(rows: readonly SlaRow[], facts: SlaFacts, now: number): SlaCheck[] {
  return rows.map((row): SlaCheck => {
    const incident = facts.incidents.get(row.incident_id);
    const engagement = facts.engagement(row.engagement_id);
    const sla = engagement && lookup(engagement).sla(row.sla_id);
    if (!incident || !engagement || !sla) return { row, gone: true };
    const subject: SlaSubject = {
      engagement,
      sla,
      kind: row.kind,
      incident,
      history: facts.histories.get(incident.id) ?? [],
      clockFrom: row.clock_from,
    };
    return { row, gone: false, subject, evaluation: evaluate(row, subject, now) };
  });
}

/** The incidents whose responders a warning needs (their recent pages are read for it). */
export function incidentsToWarn(checks: readonly SlaCheck[]): number[] {
  const ids = new Set<number>();
  for (const c of checks) if (!c.gone && c.evaluation.warn.length) ids.add(c.row.incident_id);
  return [...ids];
}

/** The people of the most recent escalation step paged (pages newest first), in the order they were paged: who a warning goes to. */
export function respondersFrom(pages: readonly PageSent[]): Recipient[] {
  const step = pages[0]?.stepId;
  const out: Recipient[] = [];
  for (const p of pages) {
    if (p.stepId !== step) break;
    if (p.recipientKind === 'person' && !out.some((o) => o.id === p.recipientId)) out.push({ kind: 'person', id: p.recipientId });
  }
  return out.reverse();
}

/** The writes for the checks; `pages` holds the recent pages of (at least) the incidents to warn. */
export function planSlaWrites(checks: readonly SlaCheck[], pages: ReadonlyMap<number, readonly PageSent[]>, now: number): SlaPlan {
  const plan: SlaPlan = { stop: [], updates: [], notifications: [], timeline: [], breaches: [] };
  for (const c of checks) {
    if (c.gone) {
      plan.stop.push(c.row.id);
      continue;
    }
    plan.updates.push({ id: c.row.id, patch: c.evaluation.patch });
    const responders = respondersFrom(pages.get(c.row.incident_id) ?? []);
    for (const threshold of c.evaluation.warn) addWarning(plan, c.subject, c.evaluation, threshold, responders, now);
    if (c.evaluation.breached) addBreach(plan, c.subject, c.evaluation, now);
  }
  return plan;
}

function clockRef(s: SlaSubject): SlaClockRef {
  return { sla: s.sla.id, kind: s.kind, priority: s.incident.priority };
}

function addWarning(plan: SlaPlan, s: SlaSubject, e: Evaluation, threshold: number, responders: readonly Recipient[], now: number): void {
  const { engagement, incident } = s;
  const c = clockRef(s);
  const note = warningNote(c, e.state, threshold);
  const reason = warningReason(c, threshold);
  const page = responders.length
    ? pageRows({ engagement, incidentId: incident.id, stepId: null, recipients: responders, reason, kind: 'sla_warning', note, at: now })
    : { planned: [], rows: [] };
  plan.notifications.push(...page.rows);
  const notified = page.planned.length ? responders.map((r) => lookup(engagement).personName(r.id)) : [];
  plan.timeline.push({
    engagementId: engagement.id,
    incidentId: incident.id,
    at: now,
    actor: SYSTEM,
    kind: 'sla.warning',
    message: warningMessage(note, notified),
    data: { sla: c.sla, kind: c.kind, threshold, priority: c.priority },
  });
}

function addBreach(plan: SlaPlan, s: SlaSubject, e: Evaluation, now: number): void {
  const { engagement, incident, sla } = s;
  const c = clockRef(s);
  const credit = sla.credits?.perBreach[incident.priority];
  plan.breaches.push({ engagementId: engagement.id, sla: c.sla, kind: c.kind });
  plan.timeline.push({
    engagementId: engagement.id,
    incidentId: incident.id,
    at: now,
    actor: SYSTEM,
    kind: 'sla.breached',
    message: breachMessage(c, e.state, e.patch.breached_at ?? now, credit),
    data: { sla: c.sla, kind: c.kind, priority: c.priority, breached_at: e.patch.breached_at, credit_fraction: credit ?? 0 },
  });
}
