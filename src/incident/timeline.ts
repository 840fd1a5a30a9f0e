/**
 * The incident timeline: an append-only log of everything that happened to
 * an incident. It is the auditors' evidence, so the store only appends and
 * reads (incident/store.ts), and the database refuses updates and deletes too
 * (migration 0001). Here: the kinds of entry and their shape.
 */
import type { Actor } from './actor.js';

/** Every kind of timeline entry, with what it records. */
export const TIMELINE_KINDS = {
  'incident.triggered': 'The incident opened (first alert).',
  'incident.acknowledged': 'Someone (or a monitoring tool) acknowledged the incident.',
  'incident.resolved': 'The incident resolved: by a person, or when its last alert resolved.',
  'incident.status': 'Status changed to or from waiting on customer / vendor.',
  'incident.priority': 'Priority changed.',
  'alert.triggered': 'A trigger event opened an alert on this incident (raw event kept).',
  'alert.retriggered':
    'A trigger for an already open alert (or a security detection hit again within its suppress window, even once resolved): added to its log, nobody paged again (raw event kept).',
  'alert.acknowledged': 'An acknowledge event for an open alert (raw event kept).',
  'alert.resolved': 'A resolve event for an open alert, or the alert resolved with its incident.',
  note: 'A note someone added.',
  'incident.imported': 'The incident came from a history import (the source row kept in data).',
  routing: 'Which side owns the incident and which policy runs, and why.',
  overflow: 'The internal side did not acknowledge in time; the partner policy started.',
  'escalation.paged': 'A tier was paged: who, on which channels.',
  'escalation.skipped': 'A tier had nobody to page (a schedule gap) and was skipped at once.',
  'escalation.stopped': 'An escalation stopped because the incident was acknowledged or resolved.',
  'escalation.finished': 'Every tier and repeat was paged and nobody acknowledged by the end of the last pass.',
  'notification.delivered': 'A message reached its provider (channel, address, attempt).',
  'notification.retrying': 'A delivery attempt failed with a retryable error; when the next comes.',
  'notification.failed': 'A delivery failed for good (permanent error, or out of attempts).',
  'notification.cancelled': 'A page was not sent because the incident was acknowledged first.',
  'notification.status':
    "The provider's report after accepting a message: an SMS delivered to the phone or not, a call answered, not answered, busy or failed (Twilio status callbacks).",
  'notification.advanced': 'A message did not reach the person: their next notify rule for the page was made due at once.',
  'escalation.requested': 'A person paged by phone pressed 2: the next tier is paged now.',
  'sla.warning': 'An SLA warning threshold was crossed; who was notified.',
  'sla.breached': 'An SLA target was missed; the credit it carries.',
  maintenance:
    'The incident opened in maintenance (a window or a silence; src/maintenance/): nobody is paged and no SLA clock starts until it ends; or it is still in maintenance when a window ended.',
  'maintenance.ended': 'The maintenance the incident opened in ended while it was open: routing, paging and SLA clocks start now.',
  'status.note':
    'A note written for this incident was published, updated or resolved on the public status page: its state, components and text, as the public saw them (src/status/).',
} as const;

export type TimelineKind = keyof typeof TIMELINE_KINDS | (string & {});

export interface TimelineEntry {
  readonly engagementId: string;
  readonly incidentId: number;
  readonly at: number;
  readonly kind: TimelineKind;
  readonly actor: Actor;
  readonly message: string;
  readonly data?: Record<string, unknown>;
  readonly eventId?: number;
  readonly alertId?: number;
}
