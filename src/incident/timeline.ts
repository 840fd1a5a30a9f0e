/**
 * The incident timeline: an append-only log of everything that happened to
 * an incident. It is the auditors' evidence, so there is no update or delete
 * here, and the database refuses them too (migration 0001).
 */
import type { Executor } from '../db/executor.js';
import type { TimelineRow } from '../db/schema.js';
import type { Actor } from './actor.js';

/** Every kind of timeline entry, with what it records. */
export const TIMELINE_KINDS = {
  'incident.triggered': 'The incident opened (first alert).',
  'incident.acknowledged': 'Someone (or a monitoring tool) acknowledged the incident.',
  'incident.resolved': 'The incident resolved: by a person, or when its last alert resolved.',
  'incident.status': 'Status changed to or from waiting on customer / vendor.',
  'incident.priority': 'Priority changed.',
  'alert.triggered': 'A trigger event opened an alert on this incident (raw event kept).',
  'alert.retriggered': 'A trigger for an already open alert: added to its log, nobody paged again (raw event kept).',
  'alert.acknowledged': 'An acknowledge event for an open alert (raw event kept).',
  'alert.resolved': 'A resolve event for an open alert, or the alert resolved with its incident.',
  note: 'A note someone added.',
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

/** Appends entries in order. */
export async function appendTimeline(ex: Executor, entries: readonly TimelineEntry[]): Promise<void> {
  if (entries.length === 0) return;
  await ex
    .insertInto('timeline')
    .values(
      entries.map((e) => ({
        engagement_id: e.engagementId,
        incident_id: e.incidentId,
        at: e.at,
        kind: e.kind,
        actor_type: e.actor.type,
        actor_id: e.actor.id,
        message: e.message,
        data: e.data === undefined ? null : JSON.stringify(e.data),
        event_id: e.eventId ?? null,
        alert_id: e.alertId ?? null,
      })),
    )
    .execute();
}

/** An incident's timeline, oldest first, with the raw body of each event entry. */
export async function listTimeline(ex: Executor, engagementId: string, incidentId: number): Promise<Array<TimelineRow & { raw: string | null }>> {
  return ex
    .selectFrom('timeline as t')
    .leftJoin('events as e', 'e.id', 't.event_id')
    .selectAll('t')
    .select('e.raw as raw')
    .where('t.engagement_id', '=', engagementId)
    .where('t.incident_id', '=', incidentId)
    .orderBy('t.id', 'asc')
    .execute();
}
