/**
 * The queries of the security summary (GET /api/v1/security): open Sigma
 * detections with their incident, findings counted by what decides their
 * status at an instant, and the findings due next. Every query is scoped to
 * the caller's engagements.
 */
import { sql } from 'kysely';
import type { Executor } from '../db/executor.js';
import type { VulnFindingRow } from '../db/schema.js';

/** `status <> 'resolved'` as a literal, so SQLite can use the partial index on open alerts (see alert/store.ts). */
const RESOLVED = sql.lit('resolved');
/** Detections are the security alerts whose dedup key starts with this (security/detect.ts). */
const SIGMA_KEYS = sql.lit('sigma:%');

/** An open detection's alert with what the summary shows of its incident. */
export interface DetectionRow {
  readonly id: number;
  readonly engagement_id: string;
  readonly service_id: string;
  readonly incident_id: number;
  readonly dedup_key: string;
  readonly summary: string;
  readonly source: string | null;
  readonly details: string | null;
  readonly created_at: number;
  readonly updated_at: number;
  readonly event_count: number;
  readonly incident_number: number;
  readonly incident_status: string;
  readonly incident_priority: string;
}

function openDetectionQuery(ex: Executor, engagementIds: readonly string[]) {
  return ex
    .selectFrom('alerts as a')
    .innerJoin('incidents as i', 'i.id', 'a.incident_id')
    .where('a.engagement_id', 'in', engagementIds)
    .where('a.integration_type', '=', 'security')
    .where('a.status', '<>', RESOLVED)
    .where('a.dedup_key', 'like', SIGMA_KEYS);
}

/** Open detections of the engagements, the most recently hit first. */
export async function openDetections(ex: Executor, engagementIds: readonly string[], limit: number): Promise<DetectionRow[]> {
  if (engagementIds.length === 0) return [];
  const rows = await openDetectionQuery(ex, engagementIds)
    .select([
      'a.id',
      'a.engagement_id',
      'a.service_id',
      'a.incident_id',
      'a.dedup_key',
      'a.summary',
      'a.source',
      'a.details',
      'a.created_at',
      'a.updated_at',
      'a.event_count',
      'i.number as incident_number',
      'i.status as incident_status',
      'i.priority as incident_priority',
    ])
    .orderBy('a.updated_at', 'desc')
    .orderBy('a.id', 'desc')
    .limit(limit)
    .execute();
  return rows.map((r) => ({
    ...r,
    id: Number(r.id),
    incident_id: Number(r.incident_id),
    created_at: Number(r.created_at),
    updated_at: Number(r.updated_at),
    event_count: Number(r.event_count),
    incident_number: Number(r.incident_number),
  }));
}

/** How many open detections the engagements have. */
export async function countOpenDetections(ex: Executor, engagementIds: readonly string[]): Promise<number> {
  if (engagementIds.length === 0) return 0;
  const row = await openDetectionQuery(ex, engagementIds)
    .select((eb) => eb.fn.countAll().as('n'))
    .executeTakeFirst();
  return Number(row?.n ?? 0);
}

/**
 * Findings not fixed, counted by severity, stored status, and the two
 * facts that decide the status shown at `now`: past due, and an exception
 * that still holds (security/summary.ts folds them with vulns' statusAt).
 */
export interface FindingGroup {
  readonly severity: string;
  readonly status: string;
  readonly pastDue: boolean;
  readonly exceptionHolds: boolean;
  readonly count: number;
}

export async function findingGroups(ex: Executor, engagementIds: readonly string[], now: number): Promise<FindingGroup[]> {
  if (engagementIds.length === 0) return [];
  const pastDue = sql<number>`case when due_at < ${now} then 1 else 0 end`;
  const holds = sql<number>`case when exception_expires_at > ${now} then 1 else 0 end`;
  const rows = await ex
    .selectFrom('vuln_findings')
    .select((eb) => ['severity', 'status', pastDue.as('past_due'), holds.as('exception_holds'), eb.fn.countAll().as('n')])
    .where('engagement_id', 'in', engagementIds)
    .where('status', '<>', 'fixed')
    // By the output names: PostgreSQL would not see two copies of an expression with its own parameters as one.
    .groupBy(['severity', 'status', sql.ref('past_due'), sql.ref('exception_holds')])
    .execute();
  return rows.map((r) => ({
    severity: r.severity,
    status: r.status,
    pastDue: Number(r.past_due) === 1,
    exceptionHolds: Number(r.exception_holds) === 1,
    count: Number(r.n),
  }));
}

/** The findings due soonest: not fixed and not under an exception that holds, earliest due first. */
export async function findingsDueNext(
  ex: Executor,
  engagementIds: readonly string[],
  now: number,
  limit: number,
): Promise<VulnFindingRow[]> {
  if (engagementIds.length === 0) return [];
  const rows = await ex
    .selectFrom('vuln_findings')
    .selectAll()
    .where('engagement_id', 'in', engagementIds)
    .where((eb) =>
      eb.or([
        eb('status', '=', 'open'),
        eb.and([eb('status', '=', 'excepted'), eb.or([eb('exception_expires_at', 'is', null), eb('exception_expires_at', '<=', now)])]),
      ]),
    )
    .orderBy('due_at', 'asc')
    .orderBy('id', 'asc')
    .limit(limit)
    .execute();
  return rows.map((r) => ({ ...r, id: Number(r.id), incident_id: r.incident_id === null ? null : Number(r.incident_id) }));
}
