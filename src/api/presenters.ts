/**
 * Presenters: the only place an API response shape is defined. Instants are
 * ISO 8601 UTC strings; ids are numbers; incident numbers read "ACME-42".
 */
import type { Executor } from '../db/executor.js';
import { readStoredJson } from '../db/json.js';
import type { AlertRow, IncidentRow, IncidentSlaRow, TimelineRow } from '../db/schema.js';
import { presentSlaRows } from '../sla/engine.js';
import type { Deployment } from '../deployment/deployment.js';
import { incidentPrefix } from '../deployment/deployment.js';
import type { Engagement, WeeklyWindow } from '../engagement/model.js';

export function iso(ms: number | null | undefined): string | null {
  return ms === null || ms === undefined ? null : new Date(ms).toISOString();
}

const json = readStoredJson;

export function presentIncident(i: IncidentRow, deployment: Deployment) {
  const service = deployment.service(i.engagement_id, i.service_id);
  return {
    id: i.id,
    number: `${incidentPrefix(i.engagement_id)}-${i.number}`,
    engagement: i.engagement_id,
    service: { id: i.service_id, name: service?.name ?? i.service_id },
    title: i.title,
    status: i.status,
    priority: i.priority,
    severity: i.severity,
    side: i.side,
    created_at: iso(i.created_at),
    updated_at: iso(i.updated_at),
    acknowledged_at: iso(i.acknowledged_at),
    acknowledged_by: i.acknowledged_by,
    resolved_at: iso(i.resolved_at),
    resolved_by: i.resolved_by,
    alert_count: i.alert_count,
    open_alert_count: i.open_alert_count,
  };
}

/** Incidents with their SLA clocks as of `now` (one query for all their SLA rows). */
export async function presentIncidents(ex: Executor, deployment: Deployment, rows: readonly IncidentRow[], now: number) {
  const slas = new Map<number, IncidentSlaRow[]>();
  const ids = rows.map((r) => r.id);
  for (let i = 0; i < ids.length; i += 500) {
    for (const s of await ex.selectFrom('incident_slas').selectAll().where('incident_id', 'in', ids.slice(i, i + 500)).orderBy('id').execute()) {
      let list = slas.get(s.incident_id);
      if (!list) slas.set(s.incident_id, (list = []));
      list.push(s);
    }
  }
  return rows.map((r) => ({ ...presentIncident(r, deployment), sla: presentSlaRows(slas.get(r.id) ?? [], deployment.engagement(r.engagement_id), now, r) }));
}

export function presentAlert(a: AlertRow) {
  return {
    id: a.id,
    dedup_key: a.dedup_key,
    status: a.status,
    summary: a.summary,
    severity: a.severity,
    source: a.source,
    integration: a.integration_type,
    details: json(a.details),
    event_count: a.event_count,
    created_at: iso(a.created_at),
    updated_at: iso(a.updated_at),
    resolved_at: iso(a.resolved_at),
  };
}

export function presentTimelineEntry(t: TimelineRow & { raw?: string | null }) {
  return {
    id: t.id,
    at: iso(t.at),
    kind: t.kind,
    actor: { type: t.actor_type, id: t.actor_id },
    message: t.message,
    data: json(t.data),
    alert_id: t.alert_id,
    event: t.event_id === null ? null : { id: t.event_id, raw: t.raw ?? null },
  };
}

export function presentEngagement(e: Engagement) {
  return {
    id: e.id,
    name: e.name,
    timezone: e.timezone,
    incident_prefix: incidentPrefix(e.id),
    sides: e.sides,
    contract: { monthly_fee: e.contract.monthlyFee, currency: e.contract.currency },
    people: e.people.map((p) => ({ id: p.id, name: p.name, side: p.side, timezone: p.timezone })),
    teams: e.teams.map((t) => ({ id: t.id, name: t.name, side: t.side, members: t.members })),
    services: e.services.map((s) => presentService(e, s.id)),
    coverage: {
      business_hours: presentWindow(e.coverage.businessHours),
      functions: e.coverage.functions,
      overflow: e.coverage.overflow ? { after: e.coverage.overflow.after.text, to: e.coverage.overflow.to, functions: e.coverage.overflow.functions } : null,
    },
    routing: e.routing,
    escalation_policies: e.escalationPolicies.map((p) => ({
      id: p.id,
      repeat: p.repeat,
      tiers: p.tiers.map((t, i) => ({ tier: i + 1, after: t.after.text, targets: t.targets.map((x) => `${x.kind}:${x.id}`) })),
    })),
    priorities: { matrix: e.priorities.matrix, page: e.priorities.page },
  };
}

export function presentService(e: Engagement, serviceId: string) {
  const s = e.services.find((x) => x.id === serviceId);
  if (!s) return { id: serviceId, engagement: e.id, name: serviceId, archived: true };
  return {
    id: s.id,
    engagement: e.id,
    name: s.name,
    function: s.function,
    criticality: s.criticality,
    downtime_cost_per_minute: s.downtimeCostPerMinute,
    // Integration keys are secrets: show their type and a hint, never the key.
    integrations: s.integrations.map((i) => ({ type: i.type, key_hint: `…${i.key.slice(-4)}` })),
  };
}

const DAY_NAMES = ['mon', 'tue', 'wed', 'thu', 'fri', 'sat', 'sun'];
const hhmm = (minutes: number) => `${String(Math.floor(minutes / 60)).padStart(2, '0')}:${String(minutes % 60).padStart(2, '0')}`;

/** A weekly window as the engagement file writes it: `{ days: ["mon", ...], from: "08:00", to: "18:00" }`. */
export function presentWindow(w: WeeklyWindow): { days: string[]; from: string; to: string } {
  return { days: w.days.map((d) => DAY_NAMES[d - 1] ?? String(d)), from: hhmm(w.from), to: hhmm(w.to) };
}
