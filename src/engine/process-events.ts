/**
 * Engine module: applies accepted events, oldest first, to alerts and
 * incidents with PagerDuty's dedup semantics (shared/spec/ingest-contract.md):
 * a trigger for an open alert adds to its log and pages nobody; after resolve
 * the same key opens a new alert and incident; acknowledge or resolve with no
 * open alert changes nothing; keys of another service never meet.
 *
 * Events are applied in batches inside one transaction: the open alerts the
 * batch names are read in one query, re-triggers (most of the traffic in an
 * alert storm) are folded into one update per alert, and timeline entries are
 * appended together, in order, at the end. One instance applies events at a
 * time (an advisory lock on PostgreSQL), so two triggers for one key can never
 * open two incidents.
 */
import { sql } from 'kysely';
import { applyRetriggers, findOpenAlerts, insertAlert, setAlertStatus } from '../alert/store.js';
import type { RetriggerUpdate } from '../alert/store.js';
import type { AlertRow } from '../db/schema.js';
import type { Executor } from '../db/executor.js';
import { isTransientDatabaseError } from '../db/errors.js';
import { eventToApply, markApplied, nextEventsToApply, quarantineEvent } from '../events/store.js';
import type { EventToApply } from '../events/store.js';
import type { Engagement, Service } from '../engagement/model.js';
import type { Actor } from '../incident/actor.js';
import { acknowledgeIncident, resolveIncident } from '../incident/commands.js';
import { IncidentNumbers, adjustAlertCounts, findOpenIncidentByGroup, getIncident, insertIncident } from '../incident/store.js';
import { routeIncident } from '../routing/route.js';
import { BufferedWriter } from '../incident/writer.js';
import type { AlertAction, ChangeAction, IngestAction } from '../ingest/event.js';
import { normalizeJson } from '../ingest/json-shape.js';
import { priorityFor } from '../priority/priority.js';
import { engineTransaction } from './engine.js';
import type { EngineContext, EngineModule } from './engine.js';

/** Arbitrary constant naming the "apply events" lock on PostgreSQL. */
const EVENTS_LOCK = 7_243_501;
const BATCH = 500;

type EventRow = EventToApply;

export interface ProcessEventsOptions {
  /** Called after commit for each incident opened, with its engagement (metrics). */
  onOpened?: (count: number, engagementId: string) => void;
  /** Called after an event is set aside (metrics, logs). */
  onQuarantined?: (event: { id: number; engagementId: string; error: string }) => void;
}

/**
 * Applies the oldest waiting events. A batch that fails is rolled back and
 * its events are applied one at a time, each in its own transaction, so one
 * event that cannot be applied (bad input a database refuses, a bug) is set
 * aside with its error, and the rest of the batch and every later event go
 * on. A failure of the database itself (connection lost, busy) quarantines
 * nothing: the step fails and the loop tries again.
 */
export function processEventsModule(options: ProcessEventsOptions = {}): EngineModule {
  const onOpened = options.onOpened ?? (() => {});
  return {
    name: 'process-events',
    async step(ctx) {
      let seen: number[] = [];
      let result: Applied;
      try {
        result = await applyEvents(ctx, (trx) => nextEventsToApply(trx, BATCH), (ids) => (seen = ids));
      } catch (err) {
        if (isTransientDatabaseError(err) || seen.length === 0) throw err;
        ctx.log.warn({ err, events: seen.length, first: seen[0] }, 'a batch of events could not be applied; applying them one at a time');
        result = await applyOneByOne(ctx, seen, options);
        // The loop goes on at once with the events after this batch.
        result.more = true;
      }
      // Counted after commit, so a rolled-back batch is not counted twice.
      for (const engagementId of result.opened) onOpened(1, engagementId);
      if (result.count > 0) ctx.log.debug({ count: result.count }, 'events applied');
      return result.more;
    },
  };
}

interface Applied {
  count: number;
  opened: string[];
  more: boolean;
}

/** One transaction: takes the events lock, reads events, applies them, marks them applied. */
async function applyEvents(ctx: EngineContext, read: (trx: Executor) => Promise<EventRow[]>, onRead: (ids: number[]) => void = () => {}): Promise<Applied> {
  return engineTransaction(ctx.database, async (trx) => {
    if (ctx.database.dialect === 'postgres') {
      const lock = await sql<{ ok: boolean }>`select pg_try_advisory_xact_lock(${EVENTS_LOCK}) as ok`.execute(trx);
      if (!lock.rows[0]?.ok) return { count: 0, opened: [], more: false };
    }
    const events = await read(trx);
    onRead(events.map((e) => e.id));
    if (events.length === 0) return { count: 0, opened: [], more: false };
    const batch = new Batch(new BufferedWriter(trx, ctx.database, ctx.hooks), ctx);
    await batch.preload(events);
    for (const event of events) await batch.apply(event);
    await batch.flush();
    await markApplied(trx, events.map((e) => e.id), ctx.clock.now());
    return { count: events.length, opened: batch.opened, more: events.length === BATCH };
  });
}

/** The failed batch again, one event per transaction; an event that fails alone is quarantined. */
async function applyOneByOne(ctx: EngineContext, ids: readonly number[], options: ProcessEventsOptions): Promise<Applied> {
  const total: Applied = { count: 0, opened: [], more: false };
  for (const id of ids) {
    try {
      const one = await applyEvents(ctx, async (trx) => {
        const event = await eventToApply(trx, id);
        return event ? [event] : [];
      });
      total.count += one.count;
      total.opened.push(...one.opened);
    } catch (err) {
      if (isTransientDatabaseError(err)) throw err;
      const error = describeError(err);
      const engagementId = await quarantineEvent(ctx.database.db, id, ctx.clock.now(), error);
      if (engagementId === undefined) continue;
      ctx.log.error({ err, event: id, engagement: engagementId }, 'event could not be applied; quarantined (tandem events retry puts it back)');
      options.onQuarantined?.({ id, engagementId, error });
    }
  }
  return total;
}

/**
 * A NUL or a lone surrogate in stored actions, as JSON.stringify writes them
 * (`\u0000`, `\udfff`). Ingest already makes text storable; only events
 * accepted by an older version can hold one, so the repair walk runs for them
 * alone, not for every event twice.
 */
const UNSTORABLE_ESCAPE = /\\u(0000|d[89a-f])/i;

/** The stored actions (text repaired for events accepted before ingest did it). Anything else wrong throws, and the event is quarantined. */
function parseActions(json: string): IngestAction[] {
  let value: unknown = JSON.parse(json);
  if (UNSTORABLE_ESCAPE.test(json)) {
    const shaped = normalizeJson(value, { depth: Number.POSITIVE_INFINITY, members: Number.POSITIVE_INFINITY });
    if (shaped.ok) value = shaped.value;
  }
  if (!Array.isArray(value)) throw new Error('the stored actions are not a list');
  return value as IngestAction[];
}

function describeError(err: unknown): string {
  if (err instanceof Error) return `${err.name}: ${err.message}`;
  return String(err);
}

const alertKey = (engagementId: string, serviceId: string, dedupKey: string) => `${engagementId}\u0000${serviceId}\u0000${dedupKey}`;

interface Parsed {
  event: EventRow;
  actions: IngestAction[];
}

/** One batch of events in one transaction. */
class Batch {
  readonly #w: BufferedWriter;
  readonly #ctx: EngineContext;
  /** Open alerts by (engagement, service, dedup key); null = known to have none. */
  readonly #open = new Map<string, AlertRow | null>();
  readonly #numbers: IncidentNumbers;
  readonly #retriggers = new Map<number, { count: number; summary: string; details: string | null; at: number }>();
  #parsed = new Map<number, IngestAction[]>();
  /** Engagement of each incident opened, for metrics. */
  readonly opened: string[] = [];

  constructor(w: BufferedWriter, ctx: EngineContext) {
    this.#w = w;
    this.#ctx = ctx;
    this.#numbers = new IncidentNumbers(w.ex);
  }

  /** Reads every open alert the batch's events name, one query per engagement. */
  async preload(events: readonly EventRow[]): Promise<void> {
    const wanted = new Map<string, Array<{ serviceId: string; dedupKey: string }>>();
    const parsed: Parsed[] = events.map((event) => ({ event, actions: parseActions(event.actions) }));
    for (const { event, actions } of parsed) {
      this.#parsed.set(event.id, actions);
      for (const a of actions) {
        if (a.type !== 'alert') continue;
        const k = alertKey(event.engagement_id, event.service_id, a.dedupKey);
        if (this.#open.has(k)) continue;
        this.#open.set(k, null);
        let list = wanted.get(event.engagement_id);
        if (!list) wanted.set(event.engagement_id, (list = []));
        list.push({ serviceId: event.service_id, dedupKey: a.dedupKey });
      }
    }
    for (const [engagementId, keys] of wanted) {
      for (const alert of await findOpenAlerts(this.#w.ex, engagementId, keys)) {
        this.#open.set(alertKey(alert.engagement_id, alert.service_id, alert.dedup_key), alert);
      }
    }
  }

  async apply(event: EventRow): Promise<void> {
    const actions = this.#parsed.get(event.id) ?? parseActions(event.actions);
    const engagement = this.#ctx.deployment.engagement(event.engagement_id);
    const service = engagement?.services.find((s) => s.id === event.service_id);
    const actor: Actor = { type: 'integration', id: event.integration_type, name: `${event.integration_type} integration` };
    for (const action of actions) {
      if (action.type === 'change') await this.#change(event, action);
      else await this.#alert({ event, action, engagement, service, actor });
    }
  }

  async flush(): Promise<void> {
    await this.#numbers.flush();
    const updates: RetriggerUpdate[] = [...this.#retriggers].map(([id, u]) => ({ id, ...u }));
    await applyRetriggers(this.#w.ex, this.#ctx.database.dialect, updates);
    await this.#w.flush();
  }

  async #change(event: EventRow, change: ChangeAction): Promise<void> {
    await this.#w.ex
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

  async #alert(c: { event: EventRow; action: AlertAction; engagement: Engagement | undefined; service: Service | undefined; actor: Actor }): Promise<void> {
    const { event, action, actor } = c;
    const w = this.#w;
    // Incident times are when Tandem received the event: MTTA and SLAs must not trust a sender's clock.
    const at = event.received_at;
    const e = event.engagement_id;
    const key = alertKey(e, event.service_id, action.dedupKey);
    const alert = this.#open.get(key) ?? null;
    const via = `${event.integration_type} event`;
    const base = { engagementId: e, at, actor, eventId: event.id };

    if (action.action === 'trigger') {
      if (alert) {
        const summary = action.summary ?? alert.summary;
        const prior = this.#retriggers.get(alert.id);
        this.#retriggers.set(alert.id, {
          count: (prior?.count ?? 0) + 1,
          summary,
          details: action.details === undefined ? (prior?.details ?? null) : JSON.stringify(action.details),
          at,
        });
        alert.summary = summary;
        await w.timeline([
          {
            ...base,
            incidentId: alert.incident_id,
            alertId: alert.id,
            kind: 'alert.retriggered',
            message: `Trigger for the open alert "${action.dedupKey}" added to its log: ${summary}. Nobody paged again.`,
            data: { dedup_key: action.dedupKey, summary },
          },
        ]);
        return;
      }
      const severity = action.severity ?? 'error';
      const summary = action.summary ?? action.dedupKey;
      const details = { ...(action.details ?? {}), ...(action.source ? { source: action.source } : {}), ...(action.occurredAt ? { occurred_at: new Date(action.occurredAt).toISOString() } : {}) };
      const newAlert = async (incidentId: number): Promise<AlertRow> => {
        const fields = {
          engagement_id: e,
          service_id: event.service_id,
          incident_id: incidentId,
          dedup_key: action.dedupKey,
          status: 'triggered',
          summary,
          severity,
          source: action.source ?? null,
          details: Object.keys(details).length ? JSON.stringify(details) : null,
          integration_type: event.integration_type,
          created_at: at,
          updated_at: at,
          resolved_at: null,
          event_count: 1,
        };
        const id = await insertAlert(w.ex, {
          engagementId: e,
          serviceId: event.service_id,
          incidentId,
          dedupKey: action.dedupKey,
          summary,
          severity,
          source: fields.source,
          details: Object.keys(details).length ? details : null,
          integrationType: event.integration_type,
          at,
        });
        const row: AlertRow = { id, ...fields };
        this.#open.set(key, row);
        return row;
      };

      if (action.groupKey) {
        const grouped = await findOpenIncidentByGroup(w.ex, e, event.service_id, action.groupKey);
        if (grouped) {
          const row = await newAlert(grouped.id);
          await adjustAlertCounts(w.ex, grouped.id, at, { alerts: 1, open: 1 });
          await w.timeline([
            { ...base, incidentId: grouped.id, alertId: row.id, kind: 'alert.triggered', message: `Alert "${action.dedupKey}" joined the incident (same ${event.integration_type} group): ${summary}`, data: { dedup_key: action.dedupKey, severity } },
          ]);
          return;
        }
      }
      const criticality = c.service?.criticality ?? 3;
      const decision = c.engagement ? priorityFor(c.engagement, severity, criticality) : { priority: 'P3', pages: true, reason: `severity ${severity}; engagement not loaded` };
      // Who owns it is decided at the instant it opens; the routing hook records why.
      const route = c.engagement && c.service ? routeIncident(c.engagement, c.service, at) : undefined;
      const incident = await insertIncident(w.ex, {
        engagementId: e,
        serviceId: event.service_id,
        title: summary,
        severity,
        priority: decision.priority,
        groupKey: action.groupKey ?? null,
        side: route?.side ?? null,
        at,
        number: await this.#numbers.next(e),
      });
      const row = await newAlert(incident.id);
      await w.timeline([
        {
          ...base,
          incidentId: incident.id,
          alertId: row.id,
          kind: 'incident.triggered',
          message: `Incident opened on ${c.service?.name ?? event.service_id}: ${summary}. Priority ${decision.priority} (${decision.reason})${decision.pages ? '' : `; ${decision.priority} pages nobody`}.`,
          data: { priority: decision.priority, severity, criticality, pages: decision.pages, service: event.service_id },
        },
        { ...base, incidentId: incident.id, alertId: row.id, kind: 'alert.triggered', message: `Alert "${action.dedupKey}" opened by a ${via}: ${summary}`, data: { dedup_key: action.dedupKey, severity } },
      ]);
      this.opened.push(e);
      if (c.engagement) {
        for (const hook of this.#ctx.hooks.opened) await hook(w, { incident, engagement: c.engagement, service: c.service, pages: decision.pages, ...(route ? { route } : {}) }, at);
      }
      return;
    }

    // acknowledge / resolve: with no open alert for the key, accepted and nothing changes.
    if (!alert) return;
    const incident = await getIncident(w.ex, [e], alert.incident_id);
    if (!incident) return;
    if (action.action === 'acknowledge') {
      if (alert.status === 'triggered') {
        await setAlertStatus(w.ex, alert.id, 'acknowledged', at);
        alert.status = 'acknowledged';
      }
      await w.timeline([
        { ...base, incidentId: incident.id, alertId: alert.id, kind: 'alert.acknowledged', message: `Acknowledge event for alert "${action.dedupKey}"`, data: { dedup_key: action.dedupKey } },
      ]);
      if (incident.status === 'triggered') await acknowledgeIncident(w, incident, actor, at, { via, eventId: event.id, alertId: alert.id });
      return;
    }
    await setAlertStatus(w.ex, alert.id, 'resolved', at);
    this.#open.set(key, null);
    await adjustAlertCounts(w.ex, incident.id, at, { alerts: 0, open: -1 });
    await w.timeline([
      { ...base, incidentId: incident.id, alertId: alert.id, kind: 'alert.resolved', message: `Resolve event for alert "${action.dedupKey}"`, data: { dedup_key: action.dedupKey } },
    ]);
    if (incident.open_alert_count - 1 <= 0) {
      await resolveIncident(w, incident, actor, at, { via: `its last alert resolved by a ${via}`, eventId: event.id, alertId: alert.id });
      // Any alert of the incident still cached as open was just resolved with it.
      for (const [k, a] of this.#open) if (a?.incident_id === incident.id) this.#open.set(k, null);
    }
  }
}
