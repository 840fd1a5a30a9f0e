/**
 * Engine module: applies accepted events, oldest first, to alerts and
 * incidents with PagerDuty's dedup semantics (shared/spec/ingest-contract.md):
 * a trigger for an open alert adds to its log and pages nobody; after resolve
 * the same key opens a new alert and incident; acknowledge or resolve with no
 * open alert changes nothing; keys of another service never meet.
 * One instance applies events at a time (an advisory lock on PostgreSQL), so
 * two triggers for one key can never open two incidents.
 */
import { sql } from 'kysely';
import { findOpenAlert, insertAlert, retriggerAlert, setAlertStatus } from '../alert/store.js';
import type { Executor } from '../db/executor.js';
import type { EventRow } from '../db/schema.js';
import type { Engagement, Service } from '../engagement/model.js';
import type { Actor } from '../incident/actor.js';
import { acknowledgeIncident, resolveIncident } from '../incident/commands.js';
import { adjustAlertCounts, findOpenIncidentByGroup, getIncident, insertIncident, updateIncident } from '../incident/store.js';
import { appendTimeline } from '../incident/timeline.js';
import type { AlertAction, ChangeAction, IngestAction } from '../ingest/event.js';
import { priorityFor } from '../priority/priority.js';
import type { EngineContext, EngineModule } from './engine.js';

/** Arbitrary constant naming the "apply events" lock on PostgreSQL. */
const EVENTS_LOCK = 7_243_501;
const BATCH = 500;

export interface ProcessStats {
  opened: number;
}

export function processEventsModule(onOpened: (count: number, engagementId: string) => void = () => {}): EngineModule {
  return {
    name: 'process-events',
    async step(ctx) {
      const { count, more } = await ctx.database.db.transaction().execute(async (trx) => {
        if (ctx.database.dialect === 'postgres') {
          const lock = await sql<{ ok: boolean }>`select pg_try_advisory_xact_lock(${EVENTS_LOCK}) as ok`.execute(trx);
          if (!lock.rows[0]?.ok) return { count: 0, more: false };
        }
        const events = await trx.selectFrom('events').selectAll().where('processed_at', 'is', null).orderBy('id', 'asc').limit(BATCH).execute();
        const at = ctx.clock.now();
        for (const event of events) await applyEvent(trx, ctx, event, at, onOpened);
        if (events.length > 0) {
          await trx.updateTable('events').set({ processed_at: at }).where('id', 'in', events.map((e) => e.id)).execute();
        }
        return { count: events.length, more: events.length === BATCH };
      });
      if (count > 0) ctx.log.debug({ count }, 'events applied');
      return more;
    },
  };
}

async function applyEvent(trx: Executor, ctx: EngineContext, event: EventRow, at: number, onOpened: (n: number, e: string) => void): Promise<void> {
  const actions = JSON.parse(event.actions) as IngestAction[];
  const engagement = ctx.deployment.engagement(event.engagement_id);
  const service = engagement?.services.find((s) => s.id === event.service_id);
  const actor: Actor = { type: 'integration', id: event.integration_type, name: `${event.integration_type} integration` };
  for (const action of actions) {
    if (action.type === 'change') await recordChange(trx, event, action);
    else {
      const opened = await applyAlertAction(trx, ctx, { event, action, engagement, service, actor, at });
      if (opened) onOpened(1, event.engagement_id);
    }
  }
}

async function recordChange(trx: Executor, event: EventRow, change: ChangeAction): Promise<void> {
  await trx
    .insertInto('changes')
    .values({
      engagement_id: event.engagement_id,
      service_id: event.service_id,
      at: change.occurredAt ?? event.received_at,
      summary: change.summary,
      source: change.source ?? null,
      data: change.details === undefined ? null : JSON.stringify(change.details),
      event_id: event.id,
    })
    .execute();
}

interface ActionContext {
  event: EventRow;
  action: AlertAction;
  engagement: Engagement | undefined;
  service: Service | undefined;
  actor: Actor;
  at: number;
}

/** Applies one alert action. Returns true when it opened an incident. */
async function applyAlertAction(trx: Executor, ctx: EngineContext, c: ActionContext): Promise<boolean> {
  const { event, action, actor } = c;
  // Incident times are when Tandem received the event: MTTA and SLAs must not trust a sender's clock.
  const at = event.received_at;
  const e = event.engagement_id;
  const scope = [e];
  const alert = await findOpenAlert(trx, e, event.service_id, action.dedupKey);
  const via = `${event.integration_type} event`;
  const base = { engagementId: e, at, actor, eventId: event.id };

  if (action.action === 'trigger') {
    if (alert) {
      await retriggerAlert(trx, alert.id, { summary: action.summary, details: action.details ?? null, at });
      await appendTimeline(trx, [
        {
          ...base,
          incidentId: alert.incident_id,
          alertId: alert.id,
          kind: 'alert.retriggered',
          message: `Trigger for the open alert "${action.dedupKey}" added to its log: ${action.summary ?? alert.summary}. Nobody paged again.`,
          data: { dedup_key: action.dedupKey, summary: action.summary ?? null },
        },
      ]);
      return false;
    }
    const severity = action.severity ?? 'error';
    const summary = action.summary ?? action.dedupKey;
    const details = { ...(action.details ?? {}), ...(action.source ? { source: action.source } : {}), ...(action.occurredAt ? { occurred_at: new Date(action.occurredAt).toISOString() } : {}) };
    if (action.groupKey) {
      const grouped = await findOpenIncidentByGroup(trx, e, event.service_id, action.groupKey);
      if (grouped) {
        const alertId = await newAlert(trx, c, grouped.id, severity, summary, details, at);
        await adjustAlertCounts(trx, grouped.id, at, { alerts: 1, open: 1 });
        await appendTimeline(trx, [
          { ...base, incidentId: grouped.id, alertId, kind: 'alert.triggered', message: `Alert "${action.dedupKey}" joined the incident (same ${event.integration_type} group): ${summary}`, data: { dedup_key: action.dedupKey, severity } },
        ]);
        return false;
      }
    }
    const criticality = c.service?.criticality ?? 3;
    const decision = c.engagement ? priorityFor(c.engagement, severity, criticality) : { priority: 'P3', pages: true, reason: `severity ${severity}; engagement not loaded` };
    const incident = await insertIncident(trx, {
      engagementId: e,
      serviceId: event.service_id,
      title: summary,
      severity,
      priority: decision.priority,
      groupKey: action.groupKey ?? null,
      side: null,
      at,
    });
    const alertId = await newAlert(trx, c, incident.id, severity, summary, details, at);
    await appendTimeline(trx, [
      {
        ...base,
        incidentId: incident.id,
        alertId,
        kind: 'incident.triggered',
        message: `Incident opened on ${c.service?.name ?? event.service_id}: ${summary}. Priority ${decision.priority} (${decision.reason})${decision.pages ? '' : `; ${decision.priority} pages nobody`}.`,
        data: { priority: decision.priority, severity, criticality, pages: decision.pages, service: event.service_id },
      },
      { ...base, incidentId: incident.id, alertId, kind: 'alert.triggered', message: `Alert "${action.dedupKey}" opened by a ${via}: ${summary}`, data: { dedup_key: action.dedupKey, severity } },
    ]);
    if (c.engagement) {
      for (const hook of ctx.hooks.opened) await hook(trx, { incident, engagement: c.engagement, service: c.service, pages: decision.pages }, at);
    }
    return true;
  }

  // acknowledge / resolve: with no open alert for the key, accepted and nothing changes.
  if (!alert) return false;
  const incident = await getIncident(trx, scope, alert.incident_id);
  if (!incident) return false;
  if (action.action === 'acknowledge') {
    if (alert.status === 'triggered') await setAlertStatus(trx, alert.id, 'acknowledged', at);
    await appendTimeline(trx, [
      { ...base, incidentId: incident.id, alertId: alert.id, kind: 'alert.acknowledged', message: `Acknowledge event for alert "${action.dedupKey}"`, data: { dedup_key: action.dedupKey } },
    ]);
    if (incident.status === 'triggered') await acknowledgeIncident(trx, incident, actor, at, { via, eventId: event.id, alertId: alert.id });
    return false;
  }
  await setAlertStatus(trx, alert.id, 'resolved', at);
  await adjustAlertCounts(trx, incident.id, at, { alerts: 0, open: -1 });
  await appendTimeline(trx, [
    { ...base, incidentId: incident.id, alertId: alert.id, kind: 'alert.resolved', message: `Resolve event for alert "${action.dedupKey}"`, data: { dedup_key: action.dedupKey } },
  ]);
  if (incident.open_alert_count - 1 <= 0) {
    await resolveIncident(trx, incident, actor, at, { via: `its last alert resolved by a ${via}`, eventId: event.id, alertId: alert.id });
  } else {
    await updateIncident(trx, incident.id, at, {});
  }
  return false;
}

async function newAlert(trx: Executor, c: ActionContext, incidentId: number, severity: string, summary: string, details: Record<string, unknown>, at: number): Promise<number> {
  return insertAlert(trx, {
    engagementId: c.event.engagement_id,
    serviceId: c.event.service_id,
    incidentId,
    dedupKey: c.action.dedupKey,
    summary,
    severity,
    source: c.action.source ?? null,
    details: Object.keys(details).length ? details : null,
    integrationType: c.event.integration_type,
    at,
  });
}
