/**
 * Alerts: one deduplicated signal per (service, dedup key) while open.
 */
import type { Executor } from '../db/executor.js';
import type { AlertRow } from '../db/schema.js';

export type AlertStatus = 'triggered' | 'acknowledged' | 'resolved';

export async function findOpenAlert(ex: Executor, engagementId: string, serviceId: string, dedupKey: string): Promise<AlertRow | undefined> {
  return ex
    .selectFrom('alerts')
    .selectAll()
    .where('engagement_id', '=', engagementId)
    .where('service_id', '=', serviceId)
    .where('dedup_key', '=', dedupKey)
    .where('status', '<>', 'resolved')
    .executeTakeFirst();
}

export interface NewAlert {
  engagementId: string;
  serviceId: string;
  incidentId: number;
  dedupKey: string;
  summary: string;
  severity: string;
  source: string | null;
  details: Record<string, unknown> | null;
  integrationType: string;
  at: number;
}

export async function insertAlert(ex: Executor, a: NewAlert): Promise<number> {
  const row = await ex
    .insertInto('alerts')
    .values({
      engagement_id: a.engagementId,
      service_id: a.serviceId,
      incident_id: a.incidentId,
      dedup_key: a.dedupKey,
      status: 'triggered',
      summary: a.summary,
      severity: a.severity,
      source: a.source,
      details: a.details === null ? null : JSON.stringify(a.details),
      integration_type: a.integrationType,
      created_at: a.at,
      updated_at: a.at,
      resolved_at: null,
      event_count: 1,
    })
    .returning('id')
    .executeTakeFirstOrThrow();
  return row.id;
}

/** A re-trigger: the alert's log grows, its summary and details follow the newest event. */
export async function retriggerAlert(
  ex: Executor,
  id: number,
  update: { summary?: string; severity?: string; details?: Record<string, unknown> | null; at: number },
): Promise<void> {
  await ex
    .updateTable('alerts')
    .set((eb) => ({
      updated_at: update.at,
      event_count: eb('event_count', '+', 1),
      ...(update.summary === undefined ? {} : { summary: update.summary }),
      ...(update.severity === undefined ? {} : { severity: update.severity }),
      ...(update.details === undefined ? {} : { details: update.details === null ? null : JSON.stringify(update.details) }),
    }))
    .where('id', '=', id)
    .execute();
}

export async function setAlertStatus(ex: Executor, id: number, status: AlertStatus, at: number): Promise<void> {
  await ex
    .updateTable('alerts')
    .set((eb) => ({
      status,
      updated_at: at,
      event_count: eb('event_count', '+', 1),
      ...(status === 'resolved' ? { resolved_at: at } : {}),
    }))
    .where('id', '=', id)
    .execute();
}

/** Resolves every open alert of an incident (the incident was resolved by a person). Returns their ids. */
export async function resolveAlertsOfIncident(ex: Executor, incidentId: number, at: number): Promise<number[]> {
  const rows = await ex
    .updateTable('alerts')
    .set({ status: 'resolved', resolved_at: at, updated_at: at })
    .where('incident_id', '=', incidentId)
    .where('status', '<>', 'resolved')
    .returning('id')
    .execute();
  return rows.map((r) => r.id);
}

export async function listAlertsOfIncident(ex: Executor, incidentId: number): Promise<AlertRow[]> {
  return ex.selectFrom('alerts').selectAll().where('incident_id', '=', incidentId).orderBy('id', 'asc').execute();
}
