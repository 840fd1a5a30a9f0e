/**
 * The queries of the compliance evidence pack (src/evidence/) that no other
 * store already answers: each incident's SLA clocks, the security detections
 * and vulnerability findings of a period, and when the engagement's
 * configuration was applied. Everything is scoped to one engagement.
 */
import { sql } from 'kysely';
import type { Executor } from '../db/executor.js';

/** Detections are the security alerts whose dedup key starts with this (security/detect.ts). */
const SIGMA_KEYS = sql.lit('sigma:%');

/** One SLA clock of an incident. */
export interface IncidentSlaFact {
  readonly incidentId: number;
  readonly slaId: string;
  /** respond or resolve. */
  readonly kind: string;
  /** running, paused, met, breached, not_applicable. */
  readonly status: string;
  readonly deadline: number | null;
}

/** The SLA clocks of the incidents opened in [from, to). */
export async function incidentSlas(ex: Executor, engagementId: string, from: number, to: number): Promise<IncidentSlaFact[]> {
  const rows = await ex
    .selectFrom('incident_slas as s')
    .innerJoin('incidents as i', 'i.id', 's.incident_id')
    .select(['s.incident_id', 's.sla_id', 's.kind', 's.status', 's.deadline'])
    .where('i.engagement_id', '=', engagementId)
    .where('i.created_at', '>=', from)
    .where('i.created_at', '<', to)
    .orderBy('s.incident_id')
    .orderBy('s.kind', 'desc')
    .execute();
  return rows.map((r) => ({
    incidentId: Number(r.incident_id),
    slaId: r.sla_id,
    kind: r.kind,
    status: r.status,
    deadline: r.deadline === null ? null : Number(r.deadline),
  }));
}

/** A Sigma detection (a security alert) first hit in the period, with its incident. */
export interface DetectionFact {
  readonly alertId: number;
  readonly incidentId: number;
  readonly incidentNumber: number;
  readonly serviceId: string;
  readonly summary: string;
  readonly dedupKey: string;
  readonly source: string | null;
  readonly firstHit: number;
  readonly lastHit: number;
  readonly hits: number;
  readonly priority: string;
}

/** The engagement's detections first hit in [from, to), oldest first. */
export async function detectionsIn(ex: Executor, engagementId: string, from: number, to: number): Promise<DetectionFact[]> {
  const rows = await ex
    .selectFrom('alerts as a')
    .innerJoin('incidents as i', 'i.id', 'a.incident_id')
    .select([
      'a.id',
      'a.incident_id',
      'i.number',
      'a.service_id',
      'a.summary',
      'a.dedup_key',
      'a.source',
      'a.created_at',
      'a.updated_at',
      'a.event_count',
      'i.priority',
    ])
    .where('a.engagement_id', '=', engagementId)
    .where('a.integration_type', '=', 'security')
    .where('a.dedup_key', 'like', SIGMA_KEYS)
    .where('a.created_at', '>=', from)
    .where('a.created_at', '<', to)
    .orderBy('a.created_at')
    .orderBy('a.id')
    .execute();
  return rows.map((r) => ({
    alertId: Number(r.id),
    incidentId: Number(r.incident_id),
    incidentNumber: Number(r.number),
    serviceId: r.service_id,
    summary: r.summary,
    dedupKey: r.dedup_key,
    source: r.source,
    firstHit: Number(r.created_at),
    lastHit: Number(r.updated_at),
    hits: Number(r.event_count),
    priority: r.priority,
  }));
}

/** A vulnerability finding whose remediation window overlaps the period. */
export interface FindingFact {
  readonly id: number;
  readonly cve: string | null;
  readonly ruleId: string;
  readonly title: string;
  readonly severity: string;
  readonly asset: string;
  readonly package: string | null;
  readonly scanner: string;
  readonly kev: boolean;
  readonly firstSeen: number;
  readonly dueAt: number;
  readonly fixedAt: number | null;
  /** As stored: open | fixed | excepted. */
  readonly status: string;
  readonly exceptionReason: string | null;
  readonly exceptionApprover: string | null;
  readonly exceptionExpiresAt: number | null;
}

/**
 * The engagement's findings seen before `to` and not fixed before `from`:
 * those the period had to deal with, earliest due first.
 */
export async function findingsIn(ex: Executor, engagementId: string, from: number, to: number): Promise<FindingFact[]> {
  const rows = await ex
    .selectFrom('vuln_findings')
    .selectAll()
    .where('engagement_id', '=', engagementId)
    .where('first_seen', '<', to)
    .where((eb) => eb.or([eb('fixed_at', 'is', null), eb('fixed_at', '>=', from)]))
    .orderBy('due_at')
    .orderBy('id')
    .execute();
  return rows.map((r) => ({
    id: Number(r.id),
    cve: r.cve,
    ruleId: r.rule_id,
    title: r.title,
    severity: r.severity,
    asset: r.asset,
    package: r.package,
    scanner: r.scanner,
    kev: Number(r.kev) === 1,
    firstSeen: Number(r.first_seen),
    dueAt: Number(r.due_at),
    fixedAt: r.fixed_at === null ? null : Number(r.fixed_at),
    status: r.status,
    exceptionReason: r.exception_reason,
    exceptionApprover: r.exception_approver,
    exceptionExpiresAt: r.exception_expires_at === null ? null : Number(r.exception_expires_at),
  }));
}

/** When the engagement's stored configuration was last applied, and its hash. */
export async function appliedConfig(ex: Executor, engagementId: string): Promise<{ hash: string; appliedAt: number } | undefined> {
  const row = await ex.selectFrom('engagements').select(['config_hash', 'updated_at']).where('id', '=', engagementId).executeTakeFirst();
  return row ? { hash: row.config_hash, appliedAt: Number(row.updated_at) } : undefined;
}
