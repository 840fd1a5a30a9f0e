/**
 * Reading incident history for reports: metrics, credits, the monthly
 * review, risk and simulation all start from the incidents opened in a
 * period, with only the columns they need.
 */
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
    .select(['id', 'number', 'service_id', 'title', 'priority', 'severity', 'side', 'status', 'created_at', 'acknowledged_at', 'acknowledged_by', 'resolved_at', 'alert_count'])
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
