/**
 * One incident command from a person (the API, a respond link, Slack, a
 * phone): in a transaction the incident is read again, and on PostgreSQL
 * locked (the engine or another responder may have moved it since the caller
 * looked, or be moving it now), the command runs through a
 * writer, and its rows are written; then the engine is woken, so an
 * acknowledgement stops escalation at once, and the incident is read as it
 * is now for the answer.
 */
import type { Database } from '../db/connect.js';
import type { IncidentRow } from '../db/schema.js';
import { TandemError } from '../errors/catalog.js';
import type { ChangeHooks } from './changes.js';
import { getIncident, getIncidentToChange } from './store.js';
import { withWriter } from './writer.js';
import type { IncidentWriter } from './writer.js';

export interface IncidentCommand<T> {
  readonly database: Database;
  readonly engagementId: string;
  readonly incidentId: number;
  /** Wakes the engine after the commit. */
  readonly kick: () => void;
  /** Who follows incident changes (SLA clocks): the engine's hooks. */
  readonly hooks: ChangeHooks;
  /** What the caller calls the incident, for the 404 message. */
  readonly ref?: string;
  readonly run: (w: IncidentWriter, incident: IncidentRow) => Promise<T>;
}

/** Runs the command; returns its result and the incident after it. */
export async function runIncidentCommand<T>(c: IncidentCommand<T>): Promise<{ result: T; incident: IncidentRow }> {
  const notFound = () => new TandemError('NOT_FOUND', `incident "${c.ref ?? c.incidentId}" not found`, 'id');
  const result = await c.database.db.transaction().execute(async (trx) => {
    const incident = await getIncidentToChange(trx, [c.engagementId], c.incidentId);
    if (!incident) throw notFound();
    return withWriter(trx, c.database, c.hooks, (w) => c.run(w, incident));
  });
  c.kick();
  const incident = await getIncident(c.database.db, [c.engagementId], c.incidentId);
  if (!incident) throw notFound();
  return { result, incident };
}
