/**
 * How SLA clocks follow incidents: an incident that opens gets a row per SLA
 * of its owning side and kind (written with the rest of its batch); a
 * status or priority change makes its rows due at once, so a pause, a stop
 * or a new target takes effect on the engine's next pass; an imported
 * incident, whose whole history is known, gets its rows settled once.
 */
import type { Executor } from '../db/executor.js';
import type { IncidentRow } from '../db/schema.js';
import type { Engagement } from '../engagement/model.js';
import type { OpenedIncident } from '../incident/hooks.js';
import type { IncidentChange } from '../incident/changes.js';
import type { Collector, IncidentWriter } from '../incident/writer.js';
import type { StatusChange } from './clock.js';
import { newSlaRows } from './evaluate.js';
import { SlaRowBatch, insertSlaRows, makeSlasDue } from './store.js';

/** Hook run when an incident opens (after routing decided its side): its SLA rows, evaluated as of opening. */
export async function slaOnOpen(w: IncidentWriter, opened: OpenedIncident, at: number): Promise<void> {
  const { incident, engagement } = opened;
  const rows = newSlaRows(engagement, incident, [{ at: incident.created_at, status: 'triggered' }], at);
  if (rows.length) w.collector('incident_slas', () => new SlaRowBatch()).rows.push(...rows);
}

/**
 * An incident that opened in maintenance and is still open when it ends
 * (src/maintenance/release.ts): its SLA rows, counting from `at`, the end.
 */
export async function slaOnRelease(w: IncidentWriter, opened: OpenedIncident, at: number): Promise<void> {
  const { incident, engagement } = opened;
  const rows = newSlaRows(engagement, incident, [{ at: incident.created_at, status: 'triggered' }], at, at);
  if (rows.length) w.collector('incident_slas', () => new SlaRowBatch()).rows.push(...rows);
}

/**
 * Hook run when a command changes an incident's status or priority: its
 * clocks pause, stop or re-target, so the engine looks again now. Collected
 * and written with the rest of the command or event batch, after its new
 * SLA rows: one statement for the batch, not one per change.
 */
export async function slaOnChange(w: IncidentWriter, change: IncidentChange, at: number): Promise<void> {
  if (!change.fields.includes('status') && !change.fields.includes('priority')) return; // A note moves no clock.
  w.collector('incident_slas_due', () => new SlasDue()).due.set(change.incident.id, at);
}

/** Incidents whose SLA clocks are due again, with when; made due in one update per engagement batch. */
class SlasDue implements Collector {
  readonly due = new Map<number, number>();

  async flush(ex: Executor): Promise<void> {
    await makeSlasDue(
      ex,
      [...this.due].map(([incidentId, at]) => ({ incidentId, at })),
    );
  }
}

/**
 * SLA rows for an incident whose whole history is already known (a history
 * import): evaluated once at `now`, breaches recorded, nothing sent.
 */
export async function settleSlas(
  ex: Executor,
  engagement: Engagement,
  incident: IncidentRow,
  history: readonly StatusChange[],
  now: number,
): Promise<void> {
  const rows = newSlaRows(engagement, incident, history, now);
  if (rows.length) await insertSlaRows(ex, rows);
}
