/**
 * What can be done to an incident: acknowledge, resolve, change status, add a
 * note. Each command checks the transition, updates the incident, appends
 * to its timeline and tells the writer's change subscribers (SLA clocks), in
 * the caller's transaction. Used alike by the API, by acknowledge links and
 * by monitoring tools' events.
 */
import type { IncidentRow } from '../db/schema.js';
import { TandemError } from '../errors/catalog.js';
import type { Actor } from './actor.js';
import { actorLabel, actorRef } from './actor.js';
import type { IncidentStatus } from './store.js';
import { resolveIncidentWithAlerts, updateIncident } from './store.js';
import type { IncidentWriter } from './writer.js';

export interface CommandOptions {
  /** How the action reached us, for the timeline: "API", "acknowledge link in an email", "pagerduty event". */
  via?: string;
  eventId?: number;
  alertId?: number;
  /** The ticketing entry the command came from (its change is not pushed back to it). */
  origin?: string;
  /**
   * Resolving: the alert whose own resolve event resolves the incident (an
   * event batch). It is resolved in the same statement and its event counted;
   * the timeline's entry for it is the event's, not "resolved with the incident".
   */
  resolvesAlert?: number;
}

/** The `origin` part of a change, when the command has one. */
function origin(o: CommandOptions): { origin?: string } {
  return o.origin === undefined ? {} : { origin: o.origin };
}

function via(o: CommandOptions): string {
  return o.via ? ` (${o.via})` : '';
}

/** Acknowledges; a no-op on an incident already acknowledged. Returns whether anything changed. */
export async function acknowledgeIncident(
  w: IncidentWriter,
  incident: IncidentRow,
  actor: Actor,
  at: number,
  o: CommandOptions = {},
): Promise<boolean> {
  if (incident.status === 'resolved') {
    throw new TandemError('INVALID_TRANSITION', `incident ${incident.id} is resolved; a resolved incident cannot be acknowledged`);
  }
  if (incident.status !== 'triggered') return false;
  await updateIncident(w.ex, incident.id, at, {
    status: 'acknowledged',
    // MTTA counts to the first acknowledgement, so a later one never moves it.
    acknowledged_at: incident.acknowledged_at ?? at,
    acknowledged_by: incident.acknowledged_by ?? actorRef(actor),
  });
  await w.timeline([
    {
      engagementId: incident.engagement_id,
      incidentId: incident.id,
      at,
      kind: 'incident.acknowledged',
      actor,
      message: `Acknowledged by ${actorLabel(actor)}${via(o)}`,
      data: { from: incident.status, to: 'acknowledged', ...(o.via ? { via: o.via } : {}) },
      ...(o.eventId === undefined ? {} : { eventId: o.eventId }),
      ...(o.alertId === undefined ? {} : { alertId: o.alertId }),
    },
  ]);
  incident.status = 'acknowledged';
  incident.acknowledged_at ??= at;
  incident.acknowledged_by ??= actorRef(actor);
  await w.changed({ incident, fields: ['status'], ...origin(o) }, at);
  return true;
}

/**
 * Resolves; a no-op on a resolved incident. A person resolving an incident
 * resolves its open alerts too (PagerDuty does the same), so the next trigger
 * with the same dedup key opens a new incident.
 */
export async function resolveIncident(
  w: IncidentWriter,
  incident: IncidentRow,
  actor: Actor,
  at: number,
  o: CommandOptions = {},
): Promise<boolean> {
  if (incident.status === 'resolved') return false;
  const closed = await resolveIncidentWithAlerts(
    w.ex,
    incident.id,
    at,
    { status: 'resolved', resolved_at: at, resolved_by: actorRef(actor), open_alert_count: 0 },
    o.resolvesAlert,
  );
  await w.timeline([
    ...closed.map((alertId) => ({
      engagementId: incident.engagement_id,
      incidentId: incident.id,
      at,
      kind: 'alert.resolved',
      actor,
      message: `Alert resolved with the incident by ${actorLabel(actor)}`,
      alertId,
    })),
    {
      engagementId: incident.engagement_id,
      incidentId: incident.id,
      at,
      kind: 'incident.resolved',
      actor,
      message: `Resolved by ${actorLabel(actor)}${via(o)}`,
      data: { from: incident.status, to: 'resolved', ...(o.via ? { via: o.via } : {}) },
      ...(o.eventId === undefined ? {} : { eventId: o.eventId }),
      ...(o.alertId === undefined ? {} : { alertId: o.alertId }),
    },
  ]);
  incident.status = 'resolved';
  incident.resolved_at = at;
  incident.resolved_by = actorRef(actor);
  await w.changed({ incident, fields: ['status'], ...origin(o) }, at);
  return true;
}

export async function addNote(
  w: IncidentWriter,
  incident: IncidentRow,
  actor: Actor,
  at: number,
  text: string,
  o: CommandOptions = {},
): Promise<void> {
  const data = o.via === undefined ? {} : { data: { via: o.via } };
  await w.timeline([{ engagementId: incident.engagement_id, incidentId: incident.id, at, kind: 'note', actor, message: text, ...data }]);
  await w.changed({ incident, fields: ['note'], note: { text, author: actorLabel(actor) }, ...origin(o) }, at);
}

/** Sets a waiting status (SLA pauses) or returns from one to acknowledged. */
export async function setWaitingStatus(
  w: IncidentWriter,
  incident: IncidentRow,
  actor: Actor,
  at: number,
  status: Extract<IncidentStatus, 'waiting_on_customer' | 'waiting_on_vendor' | 'acknowledged'>,
): Promise<boolean> {
  if (incident.status === 'resolved') {
    throw new TandemError('INVALID_TRANSITION', `incident ${incident.id} is resolved; its status cannot change to ${status}`);
  }
  if (incident.status === status) return false;
  await updateIncident(w.ex, incident.id, at, {
    status,
    acknowledged_at: incident.acknowledged_at ?? at,
    acknowledged_by: incident.acknowledged_by ?? actorRef(actor),
  });
  await w.timeline([
    {
      engagementId: incident.engagement_id,
      incidentId: incident.id,
      at,
      kind: 'incident.status',
      actor,
      message: `Status ${incident.status.replaceAll('_', ' ')} -> ${status.replaceAll('_', ' ')} by ${actorLabel(actor)}`,
      data: { from: incident.status, to: status },
    },
  ]);
  incident.status = status;
  await w.changed({ incident, fields: ['status'] }, at);
  return true;
}

/** Changes the priority (SLA targets follow it). A no-op when it is already that priority. */
export async function changePriority(
  w: IncidentWriter,
  incident: IncidentRow,
  actor: Actor,
  at: number,
  priority: string,
): Promise<boolean> {
  if (incident.status === 'resolved') {
    throw new TandemError(
      'INVALID_TRANSITION',
      `incident ${incident.id} is resolved; its priority (and the SLA record it carries) cannot change`,
    );
  }
  if (incident.priority === priority) return false;
  await updateIncident(w.ex, incident.id, at, { priority });
  await w.timeline([
    {
      engagementId: incident.engagement_id,
      incidentId: incident.id,
      at,
      kind: 'incident.priority',
      actor,
      message: `Priority ${incident.priority} -> ${priority} by ${actorLabel(actor)}`,
      data: { from: incident.priority, to: priority },
    },
  ]);
  incident.priority = priority;
  await w.changed({ incident, fields: ['priority'] }, at);
  return true;
}
