/**
 * Starting escalation. When an incident opens (or is raised into a priority
 * that pages), routing picks the owning side and its policy, and the first
 * step is written as a row with a due time, plus an overflow check when the
 * other side takes over after a silence. What to start is decided in
 * plan.ts; the rows are collected on the writer and written together when it
 * flushes (escalations first, so their steps get their ids). Firing due
 * steps is the engine module's (module.ts).
 */
import { lookup } from '../engagement/model.js';
import type { IncidentRow } from '../db/schema.js';
import type { Executor } from '../db/executor.js';
import type { Engagement } from '../engagement/model.js';
import type { OpenedIncident } from '../incident/hooks.js';
import { updateIncident } from '../incident/store.js';
import type { Collector, IncidentWriter } from '../incident/writer.js';
import { routeIncident } from '../routing/route.js';
import { planRouting } from './plan.js';
import type { EscalationStart } from './plan.js';
import { hasEscalation, insertEscalations, insertSteps } from './store.js';
import { isHeld } from '../maintenance/store.js';
import type { StepInsert } from './store.js';

/**
 * Escalation rows a batch writes together when its writer flushes: the new
 * escalations in one insert (their ids come back in order), then every step
 * (the other steps, then the first steps of the new escalations) in one more.
 */
export class EscalationRows implements Collector {
  readonly starts: EscalationStart[] = [];
  readonly steps: StepInsert[] = [];

  async flush(ex: Executor): Promise<void> {
    const ids = await insertEscalations(
      ex,
      this.starts.map((s) => s.escalation),
    );
    const firstSteps = this.starts.map((s, i) => ({ ...s.firstStep, escalation_id: ids[i] ?? null }));
    await insertSteps(ex, [...this.steps, ...firstSteps]);
  }
}

/** The writer's escalation rows for this batch. */
export function escalationRows(w: IncidentWriter): EscalationRows {
  return w.collector('escalations', () => new EscalationRows());
}

/**
 * Hook run in the transaction that opens an incident: decide who owns it and
 * start their policy. The timeline says why.
 */
export async function routeOnOpen(w: IncidentWriter, opened: OpenedIncident, _at: number): Promise<void> {
  const { incident, engagement, service } = opened;
  if (!service) return;
  const decision = opened.route ?? routeIncident(engagement, service, incident.created_at);
  if (incident.side !== decision.side) {
    await w.written();
    await updateIncident(w.ex, incident.id, incident.created_at, { side: decision.side });
    // The batch's copy of the row: hooks after this one (SLA clocks) read the side.
    incident.side = decision.side;
  }
  const plan = planRouting({ incident, engagement, service, decision, pages: opened.pages });
  await w.timeline(plan.timeline);
  const rows = escalationRows(w);
  if (plan.start) rows.starts.push(plan.start);
  if (plan.overflowStep) rows.steps.push(plan.overflowStep);
}

/**
 * An incident raised from a priority that pages nobody into one that pages,
 * while still unacknowledged: routing and escalation start now, as if it had
 * paged from the start (tier times count from its opening, so the first
 * tiers are due at once).
 */
export async function escalateIfRaised(
  w: IncidentWriter,
  incident: IncidentRow,
  engagement: Engagement,
  previousPriority: string,
): Promise<void> {
  const paged = engagement.priorities.page;
  if (paged.includes(previousPriority) || !paged.includes(incident.priority) || incident.status !== 'triggered') return;
  if (await hasEscalation(w.ex, incident.id)) return;
  // Held in maintenance: the hold starts routing at its end, with the priority it has then (src/maintenance/hold.ts).
  if (await isHeld(w.ex, incident.id)) return;
  await routeOnOpen(
    w,
    { incident, engagement, service: lookup(engagement).service(incident.service_id), pages: true },
    incident.created_at,
  );
}
