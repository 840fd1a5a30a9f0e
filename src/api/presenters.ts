/**
 * Presenters: rows and the engagement model turned into the response shapes
 * the route schemas define (src/api/schema), typed by them, so a presenter
 * that drifts from the contract does not compile. Instants are ISO 8601 UTC
 * strings; ids are numbers; incident numbers read "ACME-42".
 */
import type { Executor } from '../db/executor.js';
import { readStoredJson } from '../db/json.js';
import type { AlertRow, IncidentRow, TicketRow, TimelineRow } from '../db/schema.js';
import { presentSlaRows } from '../sla/present.js';
import { slaRowsOf } from '../sla/store.js';
import type { Deployment } from '../deployment/deployment.js';
import { incidentPrefix } from '../deployment/deployment.js';
import type { Engagement as EngagementModel, WeeklyWindow } from '../engagement/model.js';
import { lookup } from '../engagement/model.js';
import { BOUND_ACTIVITIES } from '../engagement/scope.js';
import type { Engagement, Service } from './schema/engagements.js';
import { ALERT_STATUSES, INCIDENT_STATUSES, SIDES, SLA_KINDS, SLA_STATUSES, TICKET_STATES } from './schema/incidents.js';
import type { Alert, Incident, SlaClock, Ticket, TimelineEntry } from './schema/incidents.js';

export function iso(ms: number | null | undefined): string | null {
  return ms === null || ms === undefined ? null : new Date(ms).toISOString();
}

/** An instant that is always there (created_at, a change's time). */
export function isoInstant(ms: number): string {
  return new Date(ms).toISOString();
}

/**
 * A stored enum value (text columns) as the schema's union: the database only
 * ever holds these values, so anything else is a bug worth a loud error.
 */
export function storedEnum<const T extends string>(allowed: readonly T[], value: string, column: string): T {
  if (!(allowed as readonly string[]).includes(value)) throw new Error(`${column} holds "${value}", not one of ${allowed.join(', ')}`);
  return value as T;
}

const json = readStoredJson;

export function presentIncident(i: IncidentRow, deployment: Deployment): Omit<Incident, 'sla'> {
  const service = deployment.service(i.engagement_id, i.service_id);
  return {
    id: i.id,
    number: `${incidentPrefix(i.engagement_id)}-${i.number}`,
    engagement: i.engagement_id,
    service: { id: i.service_id, name: service?.name ?? i.service_id },
    title: i.title,
    status: storedEnum(INCIDENT_STATUSES, i.status, 'incidents.status'),
    priority: i.priority,
    severity: i.severity,
    side: i.side === null ? null : storedEnum(SIDES, i.side, 'incidents.side'),
    created_at: isoInstant(i.created_at),
    updated_at: isoInstant(i.updated_at),
    acknowledged_at: iso(i.acknowledged_at),
    acknowledged_by: i.acknowledged_by,
    resolved_at: iso(i.resolved_at),
    resolved_by: i.resolved_by,
    alert_count: i.alert_count,
    open_alert_count: i.open_alert_count,
  };
}

/** Incidents with their SLA clocks as of `now` (one query for all their SLA rows). */
export async function presentIncidents(
  ex: Executor,
  deployment: Deployment,
  rows: readonly IncidentRow[],
  now: number,
): Promise<Incident[]> {
  const slas = await slaRowsOf(
    ex,
    rows.map((r) => r.id),
  );
  return rows.map((r) => ({
    ...presentIncident(r, deployment),
    sla: slaClocks(presentSlaRows(slas.get(r.id) ?? [], deployment.engagement(r.engagement_id), now, r)),
  }));
}

/** The SLA module's clocks with their stored kinds and statuses checked against the contract. */
function slaClocks(clocks: ReadonlyArray<Omit<SlaClock, 'kind' | 'status'> & { kind: string; status: string }>): SlaClock[] {
  return clocks.map((c) => ({
    ...c,
    kind: storedEnum(SLA_KINDS, c.kind, 'incident_slas.kind'),
    status: storedEnum(SLA_STATUSES, c.status, 'incident_slas.status'),
  }));
}

export function presentAlert(a: AlertRow): Alert {
  return {
    id: a.id,
    dedup_key: a.dedup_key,
    status: storedEnum(ALERT_STATUSES, a.status, 'alerts.status'),
    summary: a.summary,
    severity: a.severity,
    source: a.source,
    integration: a.integration_type,
    details: json(a.details),
    event_count: a.event_count,
    created_at: isoInstant(a.created_at),
    updated_at: isoInstant(a.updated_at),
    resolved_at: iso(a.resolved_at),
  };
}

export function presentTimelineEntry(t: TimelineRow & { raw?: string | null }): TimelineEntry {
  return {
    id: t.id,
    at: isoInstant(t.at),
    kind: t.kind,
    actor: { type: t.actor_type, id: t.actor_id },
    message: t.message,
    data: json(t.data),
    alert_id: t.alert_id,
    event: t.event_id === null ? null : { id: t.event_id, raw: t.raw ?? null },
  };
}

/** One ticket of an incident; its side comes from the engagement's ticketing entry (null once that entry left the file). */
export function presentTicket(t: TicketRow, engagement: EngagementModel | undefined): Ticket {
  const entry = engagement?.ticketing.find((x) => x.id === t.ticketing_id);
  return {
    ticketing: t.ticketing_id,
    system: t.system,
    side: entry ? entry.side : null,
    key: t.external_key,
    url: t.external_url,
    state: storedEnum(TICKET_STATES, t.state, 'tickets.state'),
    last_error: t.last_error,
    updated_at: isoInstant(t.updated_at),
  };
}

export function presentEngagement(e: EngagementModel): Engagement {
  return {
    id: e.id,
    name: e.name,
    timezone: e.timezone,
    incident_prefix: incidentPrefix(e.id),
    sides: { internal: { name: e.sides.internal.name }, partner: { name: e.sides.partner.name } },
    contract: { monthly_fee: e.contract.monthlyFee, currency: e.contract.currency },
    people: e.people.map((p) => ({ id: p.id, name: p.name, side: p.side, timezone: p.timezone })),
    teams: e.teams.map((t) => ({ id: t.id, name: t.name, side: t.side, members: [...t.members] })),
    services: e.services.map((s) => presentService(e, s.id)),
    coverage: {
      business_hours: presentWindow(e.coverage.businessHours),
      functions: Object.fromEntries(Object.entries(e.coverage.functions).map(([f, windows]) => [f, { ...windows }])),
      overflow: e.coverage.overflow
        ? { after: e.coverage.overflow.after.text, to: e.coverage.overflow.to, functions: [...e.coverage.overflow.functions] }
        : null,
    },
    routing: Object.fromEntries(Object.entries(e.routing).map(([side, byFunction]) => [side, { ...byFunction }])),
    escalation_policies: e.escalationPolicies.map((p) => ({
      id: p.id,
      repeat: p.repeat,
      tiers: p.tiers.map((t, i) => ({ tier: i + 1, after: t.after.text, targets: t.targets.map((x) => `${x.kind}:${x.id}`) })),
    })),
    priorities: {
      matrix: Object.fromEntries(Object.entries(e.priorities.matrix).map(([sev, row]) => [sev, [...row]])),
      page: [...e.priorities.page],
    },
    scope: e.scope
      ? {
          activities: e.scope.activities.map((a) => ({
            id: a.id,
            functions: a.functions ? [...a.functions] : null,
            internal: a.internal,
            partner: a.partner,
            binds: (BOUND_ACTIVITIES as readonly string[]).includes(a.id),
          })),
        }
      : null,
  };
}

export function presentService(e: EngagementModel, serviceId: string): Service {
  const s = lookup(e).service(serviceId);
  if (!s) return { id: serviceId, engagement: e.id, name: serviceId, archived: true as const };
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
