/**
 * The incident timeline: an append-only log of everything that happened to
 * an incident. It is the auditors' evidence, so there is no update or delete
 * here, and the database refuses them too (migration 0001).
 */
import type BetterSqlite3 from 'better-sqlite3';
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
  'sla.warning': 'An SLA warning threshold was crossed; who was notified.',
  'sla.breached': 'An SLA target was missed; the credit it carries.',
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

function row(e: TimelineEntry) {
  return {
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
  };
}

const statements = new WeakMap<BetterSqlite3.Database, BetterSqlite3.Statement>();

/**
 * Appends entries in order. With `sqlite` (the better-sqlite3 handle the
 * caller's transaction runs on), the engine's batches skip the query builder
 * for one cached prepared statement: timeline rows are the largest share of
 * what the engine writes (every re-trigger is one).
 */
export async function appendTimeline(ex: Executor, entries: readonly TimelineEntry[], sqlite?: BetterSqlite3.Database): Promise<void> {
  if (entries.length === 0) return;
  if (sqlite) {
    let insert = statements.get(sqlite);
    if (!insert) {
      insert = sqlite.prepare(
        'insert into timeline (engagement_id, incident_id, at, kind, actor_type, actor_id, message, data, event_id, alert_id) values (@engagement_id, @incident_id, @at, @kind, @actor_type, @actor_id, @message, @data, @event_id, @alert_id)',
      );
      statements.set(sqlite, insert);
    }
    for (const e of entries) insert.run(row(e));
    return;
  }
  // 10 columns a row: 300 rows stay far below both databases' parameter limits.
  for (let i = 0; i < entries.length; i += 300) await ex.insertInto('timeline').values(entries.slice(i, i + 300).map(row)).execute();
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
