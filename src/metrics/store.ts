/**
 * Reading incident history for reports: metrics, credits, the monthly
 * review, risk and simulation all start from the incidents opened in a
 * period, with only the columns they need; metrics and credits also read
 * the SLA outcomes, first page deliveries, event and alert counts and change
 * events of the period. Counts come back as numbers on both databases.
 */
import { sql } from 'kysely';
import type { Executor } from '../db/executor.js';

export interface IncidentFact {
  readonly id: number;
  readonly number: number;
  readonly serviceId: string;
  readonly title: string;
  readonly priority: string;
  readonly severity: string;
  readonly side: string | null;
  readonly status: string;
  readonly createdAt: number;
  readonly acknowledgedAt: number | null;
  readonly acknowledgedBy: string | null;
  readonly resolvedAt: number | null;
  readonly alertCount: number;
}

/** Incidents of an engagement opened in [from, to), oldest first. */
export async function incidentsOpened(ex: Executor, engagementId: string, from: number, to: number): Promise<IncidentFact[]> {
  const rows = await ex
    .selectFrom('incidents')
    .select([
      'id',
      'number',
      'service_id',
      'title',
      'priority',
      'severity',
      'side',
      'status',
      'created_at',
      'acknowledged_at',
      'acknowledged_by',
      'resolved_at',
      'alert_count',
    ])
    .where('engagement_id', '=', engagementId)
    .where('created_at', '>=', from)
    .where('created_at', '<', to)
    .orderBy('created_at')
    .orderBy('id')
    .execute();
  return rows.map((r) => ({
    id: r.id,
    number: r.number,
    serviceId: r.service_id,
    title: r.title,
    priority: r.priority,
    severity: r.severity,
    side: r.side,
    status: r.status,
    createdAt: r.created_at,
    acknowledgedAt: r.acknowledged_at,
    acknowledgedBy: r.acknowledged_by,
    resolvedAt: r.resolved_at,
    alertCount: r.alert_count,
  }));
}

/** How an SLA clock of an incident ended (or stands). */
export interface SlaOutcome {
  readonly slaId: string;
  readonly kind: string;
  readonly status: string;
  readonly priority: string;
  readonly breachPriority: string | null;
  readonly breachedAt: number | null;
}

/** The SLA clocks of the incidents opened in [from, to). */
export async function slaOutcomes(ex: Executor, engagementId: string, from: number, to: number): Promise<SlaOutcome[]> {
  const rows = await ex
    .selectFrom('incident_slas as s')
    .innerJoin('incidents as i', 'i.id', 's.incident_id')
    .select(['s.sla_id', 's.kind', 's.status', 's.priority', 's.breach_priority', 's.breached_at'])
    .where('i.engagement_id', '=', engagementId)
    .where('i.created_at', '>=', from)
    .where('i.created_at', '<', to)
    .execute();
  return rows.map((r) => ({
    slaId: r.sla_id,
    kind: r.kind,
    status: r.status,
    priority: r.priority,
    breachPriority: r.breach_priority,
    breachedAt: r.breached_at,
  }));
}

/** An SLA breach with the incident it happened on. */
export interface BreachFact {
  readonly slaId: string;
  readonly kind: string;
  readonly priority: string;
  readonly breachPriority: string | null;
  readonly breachedAt: number | null;
  readonly targetMs: number | null;
  readonly incidentId: number;
  readonly number: number;
  readonly title: string;
  readonly serviceId: string;
  readonly createdAt: number;
  readonly acknowledgedAt: number | null;
  readonly resolvedAt: number | null;
}

/** SLA breaches that happened in [from, to), oldest first. */
export async function breachesIn(ex: Executor, engagementId: string, from: number, to: number): Promise<BreachFact[]> {
  const rows = await ex
    .selectFrom('incident_slas as s')
    .innerJoin('incidents as i', 'i.id', 's.incident_id')
    .select([
      's.sla_id',
      's.kind',
      's.breach_priority',
      's.priority',
      's.breached_at',
      's.target_ms',
      'i.id as incident_id',
      'i.number',
      'i.title',
      'i.service_id',
      'i.created_at',
      'i.acknowledged_at',
      'i.resolved_at',
    ])
    .where('s.engagement_id', '=', engagementId)
    .where('s.breached_at', '>=', from)
    .where('s.breached_at', '<', to)
    .orderBy('s.breached_at')
    .orderBy('s.id')
    .execute();
  return rows.map((r) => ({
    slaId: r.sla_id,
    kind: r.kind,
    priority: r.priority,
    breachPriority: r.breach_priority,
    breachedAt: r.breached_at,
    targetMs: r.target_ms,
    incidentId: r.incident_id,
    number: r.number,
    title: r.title,
    serviceId: r.service_id,
    createdAt: r.created_at,
    acknowledgedAt: r.acknowledged_at,
    resolvedAt: r.resolved_at,
  }));
}

/** One page: a tier reaching a person for an incident, at its first delivery. */
export interface PageFact {
  readonly personId: string;
  readonly incidentId: number;
  readonly stepId: number | null;
  readonly firstDeliveredAt: number;
}

/** Pages to people first delivered in [from, to), however many channels each used. */
export async function pagesDelivered(ex: Executor, engagementId: string, from: number, to: number): Promise<PageFact[]> {
  const rows = await ex
    .selectFrom('notifications')
    .select(['recipient_id', 'incident_id', 'step_id'])
    .select((eb) => eb.fn.min('delivered_at').as('first'))
    .where('engagement_id', '=', engagementId)
    .where('kind', '=', 'page')
    .where('recipient_kind', '=', 'person')
    .where('status', '=', 'delivered')
    .where('delivered_at', '>=', from)
    .where('delivered_at', '<', to)
    .groupBy(['recipient_id', 'incident_id', 'step_id'])
    .execute();
  return rows.map((r) => ({ personId: r.recipient_id, incidentId: r.incident_id, stepId: r.step_id, firstDeliveredAt: Number(r.first) }));
}

/** Events received in [from, to), per service id. */
export async function eventCountsByService(ex: Executor, engagementId: string, from: number, to: number): Promise<Map<string, number>> {
  const rows = await ex
    .selectFrom('events')
    .select(['service_id'])
    .select((eb) => eb.fn.countAll().as('n'))
    .where('engagement_id', '=', engagementId)
    .where('received_at', '>=', from)
    .where('received_at', '<', to)
    .groupBy('service_id')
    .execute();
  return new Map(rows.map((r) => [r.service_id, Number(r.n)]));
}

/** Alerts created in [from, to), per service id. */
export async function alertCountsByService(ex: Executor, engagementId: string, from: number, to: number): Promise<Map<string, number>> {
  const rows = await ex
    .selectFrom('alerts')
    .select(['service_id'])
    .select((eb) => eb.fn.countAll().as('n'))
    .where('engagement_id', '=', engagementId)
    .where('created_at', '>=', from)
    .where('created_at', '<', to)
    .groupBy('service_id')
    .execute();
  return new Map(rows.map((r) => [r.service_id, Number(r.n)]));
}

/** An alert (service and dedup key) with how often it fired. */
export interface NoisyAlert {
  readonly serviceId: string;
  readonly dedupKey: string;
  readonly summary: string;
  readonly alerts: number;
  readonly events: number;
}

/** The alerts created in [from, to) with the most events, per service and dedup key, noisiest first. */
export async function noisiestAlerts(ex: Executor, engagementId: string, from: number, to: number, limit: number): Promise<NoisyAlert[]> {
  const rows = await ex
    .selectFrom('alerts')
    .select(['service_id', 'dedup_key'])
    .select((eb) => [eb.fn.max('summary').as('summary'), eb.fn.countAll().as('n'), eb.fn.sum<number>('event_count').as('events')])
    .where('engagement_id', '=', engagementId)
    .where('created_at', '>=', from)
    .where('created_at', '<', to)
    .groupBy(['service_id', 'dedup_key'])
    .orderBy(sql`sum(event_count)`, 'desc')
    .limit(limit)
    .execute();
  return rows.map((t) => ({
    serviceId: t.service_id,
    dedupKey: t.dedup_key,
    summary: String(t.summary ?? ''),
    alerts: Number(t.n),
    events: Number(t.events ?? 0),
  }));
}

/** A change event (a deploy, a config change) on a service. */
export interface ChangeFact {
  readonly at: number;
  readonly serviceId: string;
  readonly summary: string;
}

/** Change events in [from, to), oldest first, at most `limit`. */
export async function changesIn(ex: Executor, engagementId: string, from: number, to: number, limit: number): Promise<ChangeFact[]> {
  const rows = await ex
    .selectFrom('changes')
    .select(['at', 'service_id', 'summary'])
    .where('engagement_id', '=', engagementId)
    .where('at', '>=', from)
    .where('at', '<', to)
    .orderBy('at')
    .limit(limit)
    .execute();
  return rows.map((c) => ({ at: c.at, serviceId: c.service_id, summary: c.summary }));
}
