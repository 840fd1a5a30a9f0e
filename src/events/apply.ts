/**
 * Engine module: applies accepted events, oldest first, to alerts and
 * incidents. What each action does is decided by plan.ts (pure); this module
 * reads what a decision needs, writes the plan through the stores, and keeps
 * the batch's view of open alerts current between events.
 *
 * Events are applied in batches inside one transaction: the open alerts the
 * batch names are read in one query, re-triggers (most of the traffic in an
 * alert storm) are folded into one update per alert, and timeline entries are
 * appended together, in order, at the end. Each partition of the events
 * (src/events/partition.ts: all of them on SQLite) has one applier at a time,
 * under its lock, so two triggers for one key can never open two incidents.
 */
import { applyRetriggers, findOpenAlerts, findRecentDetection, insertAlertRows, setAlertStatus } from '../alert/store.js';
import { insertChange } from '../change/store.js';
import { tryExclusive, tryExclusiveParts } from '../db/dialect.js';
import { isTransientDatabaseError } from '../db/errors.js';
import type { Executor } from '../db/executor.js';
import type { AlertRow, IncidentRow } from '../db/schema.js';
import { engineTransaction } from '../engine/engine.js';
import type { EngineContext, EngineModule } from '../engine/engine.js';
import type { IncidentHooks } from '../incident/hooks.js';

/** The engine's context and the incident hooks applying events runs. */
type HookedContext = EngineContext & { readonly hooks: IncidentHooks };
import { acknowledgeIncident, resolveIncident } from '../incident/commands.js';
import {
  IncidentNumbers,
  adjustAlertCounts,
  findOpenIncidentByGroup,
  getIncident,
  incidentRow,
  incidentsToChange,
  insertIncidentRows,
} from '../incident/store.js';
import type { TimelineEntry } from '../incident/timeline.js';
import { BufferedWriter } from '../incident/writer.js';
import type { Collector } from '../incident/writer.js';
import { RowIds } from '../db/ids.js';
import type { AlertAction, IngestAction } from './event.js';
import { normalizeJson } from './json-shape.js';
import { foldRetrigger, incidentToRead, planAlertAction, planChange } from './plan.js';
import type { AlertInput, AlertPlan, PlannedAlert, PlannedEntry, Retrigger } from './plan.js';
import { eventToApply, markApplied, nextEventsToApply, partitionsWaiting, quarantineEvent } from './store.js';
import { APPLY_PARTITIONS, partitionOrder, shareOut } from './partition.js';
import type { EventToApply, WaitingPartition } from './store.js';

/** Arbitrary constant naming the "apply events" lock family (PostgreSQL's advisory locks: one part per partition). */
const EVENTS_LOCK = 7_243_501;
const BATCH = 500;

export interface ProcessEventsOptions {
  /** What runs when incidents open or change (routing and escalation, SLA clocks). */
  readonly hooks: IncidentHooks;
  /**
   * PostgreSQL: how many partitions this instance applies at once, each in its
   * own transaction on its own connection (default 1). SQLite has one writer
   * and applies with one.
   */
  readonly workers?: number;
  /** Called after commit for each incident opened, with its engagement (metrics). */
  onOpened?: (count: number, engagementId: string) => void;
  /** Called after an event is set aside (metrics, logs). */
  onQuarantined?: (event: { id: number; engagementId: string; error: string }) => void;
  /**
   * Called after each batch commits on PostgreSQL, where one step applies many batches: to wake what the batch
   * queued (the escalation loop for the incidents it opened) without waiting for the step to end.
   */
  onBatch?: () => void;
}

/**
 * Applies the oldest waiting events. On SQLite one batch of the oldest. On
 * PostgreSQL the partitions with events waiting (src/events/partition.ts)
 * are shared out among `workers` transactions at once; each takes the
 * advisory locks of its share that no one else holds, applies one batch
 * of their oldest events and takes the next share as soon as it commits
 * (Appliers, below), so partitions another instance is applying are
 * skipped, and a partition whose instance died (its connection, and so its
 * lock, gone) is taken by the next one that looks. Many partitions per
 * transaction: under a steady storm each partition has only a few events
 * waiting at a time, and a transaction per partition would cost more round
 * trips than the events themselves.
 */
export function processEventsModule(options: ProcessEventsOptions): EngineModule {
  const appliers = new Appliers(Math.max(1, Math.floor(options.workers ?? 1)), options);
  return {
    name: 'process-events',
    async step(engine) {
      const ctx = { ...engine, hooks: options.hooks };
      if (ctx.database.dialect !== 'postgres') return (await applyPartitions(ctx, undefined, options)).more;
      return appliers.run(ctx, performance.now() + STEP_MS);
    },
  };
}

/**
 * How long one step applies on PostgreSQL before it returns, so the engine's
 * other modules get their turn in a storm that never lets the workers run dry.
 * Wall time, not the injected clock: it bounds how long the loop is busy, not
 * anything a user sees.
 */
const STEP_MS = 1000;

/**
 * This instance's workers on PostgreSQL. Each takes the next share of the
 * waiting partitions as soon as its last batch commits, rather than all of
 * them waiting for the slowest batch of a round before the next round is
 * planned (bench:ingest on PostgreSQL, five alternating pairs: more applied
 * and less CPU per event in each; docs/benchmarks.md). Shares come from one plan of the
 * waiting partitions (shareOut), made again when the queue runs out, by one
 * query however many workers ask at once, and never hand out a partition
 * another of these workers is applying. A worker that finds nothing to take
 * stops; the step ends when the last one does (nothing is left that it could
 * see: a worker plans again after each batch), or soon after STEP_MS.
 */
class Appliers {
  /** Where the next plan starts sharing out partitions: moves on each plan, so no partition is always last. */
  #start = 0;

  constructor(
    readonly workers: number,
    readonly options: ProcessEventsOptions,
  ) {}

  /** Applies until nothing waits that these workers can take, or `deadline` (performance.now()) passes; true if work may be left. */
  run(ctx: HookedContext, deadline: number): Promise<boolean> {
    return new ApplyRun(ctx, this.workers, this.options, deadline, (waiting) => this.#share(waiting)).done();
  }

  /** The waiting partitions as shares, from where the last plan left off. */
  #share(waiting: readonly WaitingPartition[]): number[][] {
    const byPart = new Map(waiting.map((w) => [w.part, w]));
    const order = partitionOrder([...byPart.keys()], this.#start).flatMap((p) => byPart.get(p) ?? []);
    this.#start = ((order[0]?.part ?? this.#start) + 1) % APPLY_PARTITIONS;
    return shareOut(order, this.workers, BATCH);
  }
}

/** One step's workers (see Appliers). */
class ApplyRun {
  /** Partitions one of these workers is applying now. */
  readonly #applying = new Set<number>();
  #queue: number[][] = [];
  #planning: Promise<void> | undefined;
  #more = false;
  #stopped = false;
  #failure: { err: unknown } | undefined;

  constructor(
    readonly ctx: HookedContext,
    readonly workers: number,
    readonly options: ProcessEventsOptions,
    readonly deadline: number,
    readonly share: (waiting: readonly WaitingPartition[]) => number[][],
  ) {}

  async done(): Promise<boolean> {
    await Promise.all(Array.from({ length: this.workers }, () => this.#worker()));
    if (this.#failure !== undefined) throw this.#failure.err;
    return this.#more;
  }

  /** One look at the waiting partitions for however many workers ask at once. */
  #plan(): Promise<void> {
    return (this.#planning ??= partitionsWaiting(this.ctx.database.db, BATCH)
      .then((waiting) => {
        this.#queue = this.share(waiting.filter((w) => !this.#applying.has(w.part)));
      })
      .finally(() => (this.#planning = undefined)));
  }

  async #worker(): Promise<void> {
    try {
      while (!this.#stopped) {
        if (this.#queue.length === 0) await this.#plan();
        const share = (this.#queue.shift() ?? []).filter((p) => !this.#applying.has(p));
        if (share.length === 0) {
          if (this.#queue.length > 0) continue;
          return;
        }
        for (const p of share) this.#applying.add(p);
        const applied = await applyPartitions(this.ctx, share, this.options).finally(() => {
          for (const p of share) this.#applying.delete(p);
        });
        // Nothing applied: another instance holds these partitions (or emptied them). Looking again at once would
        // only find them again; the next step, or that instance, takes them.
        if (applied.count === 0) return;
        this.options.onBatch?.();
        if (performance.now() >= this.deadline) {
          this.#more = true;
          this.#stopped = true;
        }
      }
    } catch (err) {
      this.#failure ??= { err };
      this.#stopped = true;
    }
  }
}

/**
 * One batch of some partitions (PostgreSQL) or of all events (SQLite). A batch
 * that fails is rolled back and its events are applied one at a time, each
 * in its own transaction, so one event that cannot be applied (bad input a
 * database refuses, a bug) is set aside with its error, and the rest of the
 * batch and every later event go on. A failure of the database itself
 * (connection lost, busy) quarantines nothing: the step fails and the loop
 * tries again. Returns whether more events are ready.
 */
async function applyPartitions(
  ctx: HookedContext,
  partitions: readonly number[] | undefined,
  options: ProcessEventsOptions,
): Promise<Applied> {
  let seen: number[] = [];
  let result: Applied;
  try {
    result = await applyEvents(
      ctx,
      partitions,
      (trx, mine) => nextEventsToApply(trx, BATCH, mine),
      (ids) => (seen = ids),
    );
  } catch (err) {
    if (isTransientDatabaseError(err) || seen.length === 0) throw err;
    ctx.log.warn(
      { err, events: seen.length, first: seen[0], partitions },
      'a batch of events could not be applied; applying them one at a time',
    );
    result = await applyOneByOne(ctx, partitions, seen, options);
    // The loop goes on at once with the events after this batch.
    result.more = true;
  }
  // Counted after commit, so a rolled-back batch is not counted twice.
  for (const engagementId of result.opened) options.onOpened?.(1, engagementId);
  if (result.count > 0) ctx.log.debug({ count: result.count, partitions }, 'events applied');
  return result;
}

interface Applied {
  count: number;
  opened: string[];
  more: boolean;
}

/**
 * One transaction: takes the lock of every partition given that no one else
 * holds (all events: the one lock), reads their events, applies them, marks
 * them applied.
 */
async function applyEvents(
  ctx: HookedContext,
  partitions: readonly number[] | undefined,
  read: (trx: Executor, mine: readonly number[] | undefined) => Promise<EventToApply[]>,
  onRead: (ids: number[]) => void = () => {},
): Promise<Applied> {
  return engineTransaction(ctx.database, async (trx) => {
    let mine: readonly number[] | undefined;
    if (partitions === undefined) {
      if (!(await tryExclusive(ctx.database.dialect, trx, EVENTS_LOCK))) return { count: 0, opened: [], more: false };
    } else {
      mine = await tryExclusiveParts(ctx.database.dialect, trx, EVENTS_LOCK, partitions);
      if (mine.length === 0) return { count: 0, opened: [], more: false };
    }
    const events = await read(trx, mine);
    onRead(events.map((e) => e.id));
    if (events.length === 0) return { count: 0, opened: [], more: false };
    const parsed = events.map((event) => ({ event, actions: readStoredActions(event.actions) }));
    const batch = new Batch(new BufferedWriter(trx, ctx.database, ctx.hooks), ctx);
    await batch.preload(parsed);
    for (const p of parsed) await batch.apply(p);
    // Before the batch's writes: they end with the engagement counters, which other partitions wait for until commit.
    await markApplied(
      trx,
      events.map((e) => e.id),
      ctx.clock.now(),
    );
    await batch.flush();
    return { count: events.length, opened: batch.opened, more: events.length === BATCH };
  });
}

/** The failed batch again, one event per transaction; an event that fails alone is quarantined. */
async function applyOneByOne(
  ctx: HookedContext,
  partitions: readonly number[] | undefined,
  ids: readonly number[],
  options: ProcessEventsOptions,
): Promise<Applied> {
  const total: Applied = { count: 0, opened: [], more: false };
  for (const id of ids) {
    try {
      const one = await applyEvents(ctx, partitions, async (trx, mine) => {
        // Only if its partition is still this worker's: another may have taken it since the batch failed.
        const event = await eventToApply(trx, id, mine);
        return event ? [event] : [];
      });
      total.count += one.count;
      total.opened.push(...one.opened);
    } catch (err) {
      if (isTransientDatabaseError(err)) throw err;
      const error = describeError(err);
      const engagementId = await quarantineEvent(ctx.database.db, id, ctx.clock.now(), error);
      if (engagementId === undefined) continue;
      ctx.log.error(
        { err, event: id, engagement: engagementId },
        'event could not be applied; quarantined (tandem events retry puts it back)',
      );
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

/**
 * The `events.actions` column read back, once per event: the stored actions,
 * with text repaired for events accepted before ingest did it. Anything else
 * wrong throws, and the event is quarantined.
 */
export function readStoredActions(json: string): IngestAction[] {
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

/** The plan's entries, about the incident and alert they were written as. */
function about(entries: readonly PlannedEntry[], incidentId: number, alertId: number): TimelineEntry[] {
  return entries.map((e) => ({ ...e, incidentId, alertId }));
}

interface Parsed {
  readonly event: EventToApply;
  readonly actions: readonly IngestAction[];
}

/**
 * The incidents and alerts a batch opens, written together (one multi-row
 * INSERT per table, ids taken ahead: db/ids.ts) when the writer writes what
 * it collected, before the rows that refer to them. Until then the batch
 * reads them here: an incident by id or by its Alertmanager group, an alert
 * its re-triggers and joins change in place. A writer that writes early
 * ({@link IncidentWriter.written}) drops this collector, and the next one
 * starts empty: what is not here is in the database.
 */
class NewRows implements Collector {
  readonly referenced = true;
  readonly incidents = new Map<number, IncidentRow>();
  readonly alerts = new Map<number, AlertRow>();
  /** Open incidents opened by the batch with a group key, by (engagement, service, group key). */
  readonly groups = new Map<string, IncidentRow>();

  /** Whether the incident, or an alert of it, is still only here. */
  holds(incidentId: number): boolean {
    if (this.incidents.has(incidentId)) return true;
    for (const a of this.alerts.values()) if (a.incident_id === incidentId) return true;
    return false;
  }

  async flush(ex: Executor): Promise<void> {
    await insertIncidentRows(ex, [...this.incidents.values()]);
    await insertAlertRows(ex, [...this.alerts.values()]);
  }
}

/** One batch of events in one transaction. */
class Batch {
  readonly #w: BufferedWriter;
  readonly #ctx: HookedContext;
  /** Open alerts by (engagement, service, dedup key), as the batch has left them; null = known to have none. */
  readonly #open = new Map<string, AlertRow | null>();
  readonly #numbers: IncidentNumbers;
  readonly #ids: RowIds;
  /** How many ids to take at once: the batch's triggers for keys with no open alert (each may open an incident). */
  #ahead = 1;
  /** Re-triggers by alert id, written as one update per alert at flush. */
  readonly #retriggers = new Map<number, Retrigger>();
  /**
   * Incidents the batch has read, as it has left them: those its acknowledges
   * and resolves name, read (and locked) at the start, and any read since.
   * Every change the batch makes to one goes through this copy too.
   */
  readonly #incidents = new Map<number, IncidentRow>();
  /** Engagement of each incident opened, for metrics. */
  readonly opened: string[] = [];

  constructor(w: BufferedWriter, ctx: HookedContext) {
    this.#w = w;
    this.#ctx = ctx;
    this.#numbers = new IncidentNumbers(w.ex);
    this.#ids = new RowIds(w.ex);
  }

  /** The rows opened and not written yet (asked for anew each time: an early write drops them). */
  #new(): NewRows {
    return this.#w.collector('new-rows', () => new NewRows());
  }

  /** Reads every open alert the batch's events name, one query per engagement. */
  async preload(events: readonly Parsed[]): Promise<void> {
    const wanted = new Map<string, Array<{ serviceId: string; dedupKey: string }>>();
    for (const { event, actions } of events) {
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
    let fresh = 0;
    const changing: number[] = [];
    for (const { event, actions } of events) {
      for (const a of actions) {
        if (a.type !== 'alert') continue;
        const open = this.#open.get(alertKey(event.engagement_id, event.service_id, a.dedupKey));
        if (a.action === 'trigger' && !open) fresh++;
        else if (a.action !== 'trigger' && open) changing.push(open.incident_id);
      }
    }
    this.#ahead = Math.max(1, fresh);
    // The incidents acknowledges and resolves change, in one read, locked as a command locks the one it changes.
    for (const [id, incident] of await incidentsToChange(this.#w.ex, changing)) this.#incidents.set(id, incident);
  }

  /** The batch's copy of an incident it has read, or `read` kept as its copy. */
  #known(read: IncidentRow | undefined): IncidentRow | undefined {
    if (read === undefined) return undefined;
    const known = this.#incidents.get(read.id);
    if (known) return known;
    this.#incidents.set(read.id, read);
    return read;
  }

  /** Counts an alert joining or leaving a written incident, in SQL and in the batch's copy. */
  async #count(incident: IncidentRow, at: number, delta: { alerts: number; open: number }): Promise<void> {
    await adjustAlertCounts(this.#w.ex, incident.id, at, delta);
    incident.alert_count += delta.alerts;
    incident.open_alert_count += delta.open;
    incident.updated_at = at;
  }

  async apply({ event, actions }: Parsed): Promise<void> {
    const on = {
      engagement: this.#ctx.deployment.engagement(event.engagement_id),
      service: this.#ctx.deployment.service(event.engagement_id, event.service_id),
    };
    for (const action of actions) {
      if (action.type === 'change') await insertChange(this.#w.ex, planChange(event, action).change);
      else await this.#alert(event, action, on);
    }
  }

  async flush(): Promise<void> {
    await applyRetriggers(
      this.#w.ex,
      this.#ctx.database.dialect,
      [...this.#retriggers].map(([id, r]) => ({ id, ...r })),
    );
    await this.#w.flush();
    // Last: an engagement's counter is shared with every other partition, so it is held as briefly as can be.
    await this.#numbers.flush();
  }

  /** Plans one alert action from what the batch knows and the incident it needs, then writes the plan. */
  async #alert(event: EventToApply, action: AlertAction, on: Pick<AlertInput, 'engagement' | 'service'>): Promise<void> {
    const key = alertKey(event.engagement_id, event.service_id, action.dedupKey);
    const alert = this.#open.get(key) ?? (await this.#suppressing(event, action));
    const wanted = incidentToRead(action, alert);
    let incident: IncidentRow | undefined;
    if (wanted && 'id' in wanted) {
      incident =
        this.#new().incidents.get(wanted.id) ??
        this.#incidents.get(wanted.id) ??
        this.#known(await getIncident(this.#w.ex, [event.engagement_id], wanted.id));
    } else if (wanted) {
      incident =
        this.#new().groups.get(alertKey(event.engagement_id, event.service_id, wanted.groupKey)) ??
        this.#known(await findOpenIncidentByGroup(this.#w.ex, event.engagement_id, event.service_id, wanted.groupKey));
    }
    await this.#write(key, planAlertAction({ event, action, alert, incident, ...on }), event.received_at);
  }

  /**
   * A security detection's trigger with no open alert: the detection of its
   * key opened within the suppress window (resolved since), which it joins.
   */
  async #suppressing(event: EventToApply, action: AlertAction): Promise<AlertRow | undefined> {
    const window = action.suppressMs ?? 0;
    if (action.action !== 'trigger' || window <= 0 || event.integration_type !== 'security') return undefined;
    return findRecentDetection(this.#w.ex, event.engagement_id, event.service_id, action.dedupKey, event.received_at - window);
  }

  async #write(key: string, plan: AlertPlan, at: number): Promise<void> {
    switch (plan.type) {
      case 'retrigger': {
        const row = this.#new().alerts.get(plan.alert.id);
        if (row) foldInto(row, plan.update);
        else this.#retriggers.set(plan.alert.id, foldRetrigger(this.#retriggers.get(plan.alert.id), plan.update));
        // A suppressed hit joins a resolved detection, which stays resolved (not open for later actions).
        this.#open.set(key, plan.alert.status === 'resolved' ? null : plan.alert);
        return this.#w.timeline(about(plan.timeline, plan.alert.incident_id, plan.alert.id));
      }
      case 'join': {
        const alert = await this.#newAlert({ ...plan.alert, incident_id: plan.incident.id });
        this.#open.set(key, alert);
        const unwritten = this.#new().incidents.get(plan.incident.id);
        if (unwritten) {
          unwritten.alert_count += 1;
          unwritten.open_alert_count += 1;
          unwritten.updated_at = at;
        } else {
          await this.#count(plan.incident, at, { alerts: 1, open: 1 });
        }
        return this.#w.timeline(about(plan.timeline, plan.incident.id, alert.id));
      }
      case 'open':
        return this.#openIncident(key, plan, at);
      case 'acknowledge':
        await this.#written(plan.incident.id);
        return this.#acknowledge(key, plan, at);
      case 'resolve':
        await this.#written(plan.incident.id);
        return this.#resolve(key, plan, at);
      case 'ignore':
        return;
    }
  }

  /** A new alert, with its id taken ahead, kept with the batch's new rows. */
  async #newAlert(planned: PlannedAlert & { incident_id: number }): Promise<AlertRow> {
    const alert: AlertRow = { id: await this.#ids.take('alerts', this.#ahead), ...planned };
    this.#new().alerts.set(alert.id, alert);
    return alert;
  }

  /** The incident's rows written now if the batch still holds them: acknowledge and resolve update them in SQL. */
  async #written(incidentId: number): Promise<void> {
    if (this.#new().holds(incidentId)) await this.#w.written();
  }

  async #openIncident(key: string, plan: Extract<AlertPlan, { type: 'open' }>, at: number): Promise<void> {
    const w = this.#w;
    const incident = incidentRow(plan.incident, await this.#ids.take('incidents', this.#ahead), this.#numbers.standIn());
    const rows = this.#new();
    rows.incidents.set(incident.id, incident);
    if (incident.group_key) rows.groups.set(alertKey(incident.engagement_id, incident.service_id, incident.group_key), incident);
    this.#numbers.opened(incident);
    const alert = await this.#newAlert({ ...plan.alert, incident_id: incident.id });
    this.#open.set(key, alert);
    await w.timeline(about(plan.timeline, incident.id, alert.id));
    this.opened.push(incident.engagement_id);
    if (plan.hooks) for (const hook of this.#ctx.hooks.opened) await hook(w, { incident, ...plan.hooks }, at);
  }

  async #acknowledge(key: string, plan: Extract<AlertPlan, { type: 'acknowledge' }>, at: number): Promise<void> {
    const { alert, incident } = plan;
    if (plan.alertChanged) await setAlertStatus(this.#w.ex, alert.id, 'acknowledged', at);
    this.#open.set(key, alert);
    await this.#w.timeline(about(plan.timeline, incident.id, alert.id));
    if (plan.acknowledgeIncident) await acknowledgeIncident(this.#w, incident, plan.actor, at, plan.acknowledgeIncident);
  }

  async #resolve(key: string, plan: Extract<AlertPlan, { type: 'resolve' }>, at: number): Promise<void> {
    const { alert, incident } = plan;
    this.#open.set(key, null);
    if (plan.resolveIncident && incident.status !== 'resolved') {
      // The incident's last open alert: the alert, any other still open and the incident in one statement.
      await this.#w.timeline(about(plan.timeline, incident.id, alert.id));
      await resolveIncident(this.#w, incident, plan.actor, at, { ...plan.resolveIncident, resolvesAlert: alert.id });
      return this.#resolvedWith(incident);
    }
    await setAlertStatus(this.#w.ex, alert.id, 'resolved', at);
    // The incident's last open alert: resolving the incident sets its open count to 0 below.
    if (!plan.resolveIncident) await this.#count(incident, at, { alerts: 0, open: -1 });
    await this.#w.timeline(about(plan.timeline, incident.id, alert.id));
    if (!plan.resolveIncident) return;
    await resolveIncident(this.#w, incident, plan.actor, at, plan.resolveIncident);
    this.#resolvedWith(incident);
  }

  /** After the incident was resolved: none of its alerts is open any more. */
  #resolvedWith(incident: IncidentRow): void {
    incident.open_alert_count = 0;
    // Any alert of the incident still cached as open was just resolved with it.
    for (const [k, a] of this.#open) if (a?.incident_id === incident.id) this.#open.set(k, null);
  }
}

/** A re-trigger of an alert the batch opened and has not written: folded into its row (as applyRetriggers does in SQL). */
function foldInto(row: AlertRow, update: Omit<Retrigger, 'count'>): void {
  row.summary = update.summary;
  row.updated_at = Math.max(row.updated_at, update.at);
  row.event_count += 1;
  if (update.details !== null) row.details = update.details;
}
