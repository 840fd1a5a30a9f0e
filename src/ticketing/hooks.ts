/**
 * The ticketing sync's incident hooks (registered in src/server/engines.ts):
 * an incident that opens gets a ticket row and a create operation in each
 * entry its `sync` matches; a status or priority change, or a note,
 * queues the matching operation on each of its tickets, in the command's
 * transaction, so the outbox never misses a change.
 */
import type { Deployment } from '../deployment/deployment.js';
import type { IncidentChange } from '../incident/changes.js';
import type { OpenedIncident } from '../incident/hooks.js';
import type { IncidentWriter } from '../incident/writer.js';
import { changeOps, matchingEntries } from './plan.js';
import type { TicketOp } from './plan.js';
import { insertOps, insertTicket, ticketsOfIncident } from './store.js';

/** `opened`: a ticket in each entry whose `sync` matches the incident. */
export async function ticketingOnOpen(w: IncidentWriter, o: OpenedIncident, at: number): Promise<void> {
  const entries = matchingEntries(o.engagement, o.incident.priority, o.service);
  // A ticket row refers to its incident, which an event batch may still hold to write with the others.
  if (entries.length > 0) await w.written();
  for (const t of entries) {
    await insertTicket(w.ex, {
      engagementId: o.incident.engagement_id,
      incidentId: o.incident.id,
      ticketingId: t.id,
      system: t.system,
      at,
    });
  }
}

/**
 * `changed`: acknowledge, resolve, priority and notes become operations on the
 * incident's tickets. Runs on every status change the engine applies, so an
 * engagement without ticketing costs no query (the deployment says so in memory).
 */
export function ticketingOnChange(deployment: Pick<Deployment, 'engagement'>) {
  return async (w: IncidentWriter, change: IncidentChange, at: number): Promise<void> => {
    const { incident } = change;
    if ((deployment.engagement(incident.engagement_id)?.ticketing.length ?? 0) === 0) return;
    const ops: TicketOp[] = changeOps(change.fields, incident.status, incident.priority);
    if (change.note !== undefined) ops.push({ kind: 'comment', text: change.note.text, author: change.note.author });
    if (ops.length === 0) return;
    // A change that came from a system goes to the others, never back to it.
    const tickets = (await ticketsOfIncident(w.ex, incident.id)).filter((t) => t.ticketing_id !== change.origin);
    if (tickets.length === 0) return;
    await insertOps(
      w.ex,
      tickets.flatMap((t) => ops.map((op) => ({ engagementId: t.engagement_id, ticketId: t.id, op }))),
      at,
    );
  };
}
