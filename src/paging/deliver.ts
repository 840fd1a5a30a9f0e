/**
 * Delivery: the outbox worker. Claims due messages (SKIP LOCKED on
 * PostgreSQL, with a lease, so two instances never send the same message and
 * a crashed instance's claims are picked up when their lease runs out),
 * drops pages whose incident was acknowledged meanwhile, holds back contacts
 * over their rate limit, folds several due pages to one contact into one
 * bundle ("37 incidents on Acme Payments" instead of thirty-seven texts),
 * sends through the channel providers, and records every attempt and its
 * result on each incident's timeline. Retryable failures back off
 * exponentially; permanent ones, or too many attempts, mark it failed.
 *
 * A claim never outlives its lease while it is being worked: it holds no more
 * sends than the lease covers at the worst case (every send taking the full
 * provider timeout), each result is committed as it arrives, and the lease of
 * the messages still open is renewed while they are worked. So another
 * instance takes a message over only when its holder stopped (crashed or
 * hung), never while it is still sending.
 */
import { sql } from 'kysely';
import { claimRows } from '../db/dialect.js';
import type { Executor } from '../db/executor.js';
import type { IncidentRow, NotificationRow } from '../db/schema.js';
import { incidentPrefix } from '../deployment/deployment.js';
import type { Engagement } from '../engagement/model.js';
import { engineTransaction } from '../engine/engine.js';
import type { EngineContext, EngineModule } from '../engine/engine.js';
import { SYSTEM } from '../incident/actor.js';
import type { TimelineEntry } from '../incident/timeline.js';
import { BufferedWriter } from '../incident/writer.js';
import type { ChannelName, ChannelRegistry, DeliveryResult, IncidentRef, OutboundMessage } from '../notify/channel.js';
import type { LinkSigner } from '../respond/links.js';
import { LINK_TTL_MS } from '../respond/links.js';

/** One recorded send, for metrics. */
export interface DeliveryOutcome {
  readonly channel: string;
  /** `failed` is final (permanent, or out of attempts); `retrying` will be tried again. */
  readonly status: 'delivered' | 'failed' | 'retrying';
  /** Delivered only: for each message the send carried (several in a bundle), ms from when it was due to the provider accepting it. */
  readonly latenciesMs: readonly number[];
}

export interface DeliveryOptions {
  readonly channels: ChannelRegistry;
  readonly links: LinkSigner;
  readonly publicUrl: string;
  /** Attempts before a retryable failure becomes final. */
  readonly maxAttempts?: number;
  /** First retry delay; doubles each attempt, capped at 10 minutes. */
  readonly backoffMs?: number;
  /** How long a claim is held before another instance may take the message over; renewed while the claim is worked. */
  readonly leaseMs?: number;
  /** Messages claimed per step (before the lease budget below). */
  readonly claimLimit?: number;
  /** Sends in flight at once. */
  readonly concurrency?: number;
  /**
   * The longest one send can take (the providers' per-attempt timeout). A
   * claim keeps at most `concurrency x floor(lease / timeout)` sends, so its
   * worst case fits in the lease; the rest go back to the outbox at once.
   */
  readonly sendTimeoutMs?: number;
  /** Messages one contact (channel + address) may receive per minute; more wait and are bundled. */
  readonly perContactPerMinute?: number;
  /** Told after each send's result is committed (metrics). */
  readonly onResult?: (outcome: DeliveryOutcome) => void;
}

const MAX_BACKOFF_MS = 10 * 60_000;
const WINDOW_MS = 60_000;

interface Group {
  readonly channel: string;
  readonly address: string;
  readonly rows: NotificationRow[];
}

interface Final {
  readonly ids: number[];
  readonly set: Partial<NotificationRow>;
  readonly undoAttempt?: boolean;
}

export function deliveryModule(options: DeliveryOptions): EngineModule {
  const maxAttempts = options.maxAttempts ?? 6;
  const backoffMs = options.backoffMs ?? 10_000;
  const leaseMs = options.leaseMs ?? 60_000;
  const claimLimit = options.claimLimit ?? 200;
  const concurrency = options.concurrency ?? 16;
  const sendTimeoutMs = options.sendTimeoutMs ?? 10_000;
  const perMinute = options.perContactPerMinute ?? 10;
  // Worst case of a claim: ceil(sends / concurrency) rounds of a full timeout each; it must fit in the lease.
  const sendsPerClaim = concurrency * Math.max(1, Math.floor(leaseMs / sendTimeoutMs));
  const onResult = options.onResult ?? (() => {});

  /**
   * Writes results in one transaction. Only the claim holder records: if our
   * lease ran out and another instance took over, its result stands. Timeline
   * entries are written only for the rows this call recorded. Returns the ids
   * recorded.
   */
  async function record(ctx: EngineContext, finals: readonly Final[], timeline: readonly TimelineEntry[], renew?: { ids: number[]; until: number }): Promise<{ recorded: Set<number>; held: Set<number> | undefined }> {
    return engineTransaction(ctx.database, async (trx) => {
      const recorded = new Set<number>();
      for (const f of finals) {
        const rows = await trx
          .updateTable('notifications')
          .set((eb) => ({ ...f.set, ...(f.undoAttempt ? { attempts: eb('attempts', '-', 1) } : {}) }))
          .where('id', 'in', f.ids)
          .where('claimed_by', '=', ctx.instanceId)
          .where('status', '=', 'sending')
          .returning('id')
          .execute();
        for (const r of rows) recorded.add(r.id);
      }
      const held = renew && renew.ids.length > 0 ? await extendLease(trx, ctx, renew.ids, renew.until) : undefined;
      const w = new BufferedWriter(trx, ctx.database, ctx.hooks);
      await w.timeline(timeline.filter((t) => recorded.has(Number(t.data?.['notification']))));
      await w.flush();
      return { recorded, held };
    });
  }

  /** What one send's result writes: the rows' new state, the timeline, and what metrics are told. */
  function outcomeOf(ctx: EngineContext, g: Group, message: OutboundMessage, result: DeliveryResult, doneAt: number): { final: Final; timeline: TimelineEntry[]; metric: DeliveryOutcome } {
    const carrier = g.rows[0];
    if (!carrier) throw new Error('empty group');
    const ids = g.rows.map((r) => r.id);
    const bundle = g.rows.length > 1 ? ` in a bundle of ${g.rows.length} incidents` : '';
    const who = `${recipientName(ctx, carrier)} by ${g.channel} (${g.address})`;
    const attempt = carrier.attempts;
    if (result.status === 'delivered') {
      return {
        final: { ids, set: { status: 'delivered', delivered_at: doneAt, provider_id: result.providerId ?? null, bundle_id: g.rows.length > 1 ? carrier.id : null, lease_until: null, last_error: null } },
        timeline: g.rows.map((r) => entry(ctx, r, doneAt, 'notification.delivered', `Paged ${who}${bundle}: delivered${attempt > 1 ? ` on attempt ${attempt}` : ''}.`, { message: message.id, attempt, provider_id: result.providerId ?? null })),
        metric: { channel: g.channel, status: 'delivered', latenciesMs: g.rows.map((r) => Math.max(0, doneAt - r.due_at)) },
      };
    }
    if (result.status === 'permanent' || attempt >= maxAttempts) {
      const why = result.status === 'permanent' ? 'failed permanently' : `failed after ${attempt} attempts`;
      return {
        final: { ids, set: { status: 'failed', last_error: result.error.slice(0, 1000), lease_until: null } },
        timeline: g.rows.map((r) => entry(ctx, r, doneAt, 'notification.failed', `Paging ${who}${bundle} ${why}: ${result.error}`, { message: message.id, attempt, error: result.error })),
        metric: { channel: g.channel, status: 'failed', latenciesMs: [] },
      };
    }
    const delay = Math.max(Math.min(backoffMs * 2 ** (attempt - 1), MAX_BACKOFF_MS), result.retryAfterMs ?? 0);
    return {
      final: { ids, set: { status: 'pending', next_attempt_at: doneAt + delay, last_error: result.error.slice(0, 1000), lease_until: null } },
      timeline: g.rows.map((r) =>
        entry(ctx, r, doneAt, 'notification.retrying', `Paging ${who}${bundle}: attempt ${attempt} failed (${result.error}); retrying in ${Math.round(delay / 1000)}s.`, { message: message.id, attempt, error: result.error, retry_in_ms: delay }),
      ),
      metric: { channel: g.channel, status: 'retrying', latenciesMs: [] },
    };
  }

  return {
    name: 'delivery',
    async step(ctx) {
      const now = ctx.clock.now();
      const db = ctx.database.db;
      const claimed = await engineTransaction(ctx.database, async (trx) => {
        const rows = await trx
          .selectFrom('notifications')
          .selectAll()
          .where('next_attempt_at', '<=', now)
          // Literal statuses: SQLite uses a partial index only when the query names its condition
          // as written, not through a bound parameter.
          .where('status', 'in', [sql.lit('pending'), sql.lit('sending')])
          .where((eb) => eb.or([eb('status', '=', sql.lit('pending')), eb('lease_until', '<=', now)]))
          .orderBy('next_attempt_at')
          .orderBy('id')
          .limit(claimLimit)
          .$call((q) => claimRows(ctx.database.dialect, q))
          .execute();
        if (rows.length > 0) {
          await trx
            .updateTable('notifications')
            .set((eb) => ({ status: 'sending', lease_until: now + leaseMs, claimed_by: ctx.instanceId, attempts: eb('attempts', '+', 1) }))
            .where('id', 'in', rows.map((r) => r.id))
            .execute();
        }
        return rows.map((r) => ({ ...r, attempts: r.attempts + 1 }));
      });
      if (claimed.length === 0) return false;

      const incidents = new Map<number, IncidentRow>();
      for (const i of await db.selectFrom('incidents').selectAll().where('id', 'in', [...new Set(claimed.map((r) => r.incident_id))]).execute()) incidents.set(i.id, i);

      const timeline: TimelineEntry[] = [];
      const finals: Final[] = [];
      const groups = new Map<string, Group>();
      for (const row of claimed) {
        const incident = incidents.get(row.incident_id);
        // A page is about getting someone to acknowledge: once someone has, it is not sent.
        if (row.kind === 'page' && incident?.status !== 'triggered') {
          finals.push({ ids: [row.id], set: { status: 'cancelled', lease_until: null } });
          timeline.push(entry(ctx, row, now, 'notification.cancelled', `Not sent to ${recipientName(ctx, row)} by ${row.channel}: the incident was ${incident?.status ?? 'deleted'} first.`));
          continue;
        }
        const key = `${row.channel}\u0000${row.address}`;
        let g = groups.get(key);
        if (!g) groups.set(key, (g = { channel: row.channel, address: row.address, rows: [] }));
        g.rows.push(row);
      }

      // Per-contact rate limit: over it, messages wait (and are then bundled) instead of flooding a phone.
      const sendable: Group[] = [];
      for (const g of groups.values()) {
        const recent = await db
          .selectFrom('notifications')
          .select(['delivered_at'])
          .where('channel', '=', g.channel)
          .where('address', '=', g.address)
          .where('status', '=', 'delivered')
          .where('delivered_at', '>', now - WINDOW_MS)
          .where((eb) => eb.or([eb('bundle_id', 'is', null), eb('bundle_id', '=', eb.ref('id'))]))
          .orderBy('delivered_at')
          .execute();
        if (recent.length >= perMinute) {
          const freeAt = (recent[recent.length - perMinute]?.delivered_at ?? now) + WINDOW_MS;
          finals.push({ ids: g.rows.map((r) => r.id), set: { status: 'pending', next_attempt_at: Math.max(freeAt, now + 1000), lease_until: null }, undoAttempt: true });
          continue;
        }
        sendable.push(g);
      }

      // No more sends than the lease covers at the worst case; the rest go straight back (another
      // instance, or this one's next step, takes them), unchanged.
      const sending = sendable.slice(0, sendsPerClaim);
      const released = sendable.slice(sendsPerClaim);
      for (const g of released) finals.push({ ids: g.rows.map((r) => r.id), set: { status: 'pending', lease_until: null }, undoAttempt: true });
      if (finals.length > 0) await record(ctx, finals, timeline);

      const lease = new LeaseKeeper(ctx, leaseMs, sending.flatMap((g) => g.rows.map((r) => r.id)));
      // Results are committed as they arrive; those that arrive while a commit is in flight ride in
      // the next one (group commit), so a storm of fast answers is not one transaction per message.
      // Each commit also renews the lease of the messages still open (until their own record's turn).
      const results = new GroupCommit<{ ids: number[]; final: Final; timeline: TimelineEntry[] }, Set<number>>((batch) =>
        lease.serial(async () => {
          lease.done(batch.flatMap((b) => b.ids));
          const renew = lease.renewal();
          const r = await record(ctx, batch.map((b) => b.final), batch.flatMap((b) => b.timeline), renew);
          if (renew && r.held) lease.update(renew.ids, r.held);
          return r.recorded;
        }),
      );
      try {
        await mapLimit(sending, concurrency, async (g) => {
          const ids = g.rows.map((r) => r.id);
          // Taken over by another instance (this one stalled past the lease): its send stands.
          if (!ids.every((id) => lease.holds(id))) return;
          try {
            const message = buildMessage(ctx, options, g, incidents, now);
            const channel = options.channels.get(g.channel as ChannelName);
            const result: DeliveryResult = channel ? await channel.send(message) : { status: 'permanent', error: `channel ${g.channel} is not configured on this server` };
            const outcome = outcomeOf(ctx, g, message, result, ctx.clock.now());
            const recorded = await results.submit({ ids, final: outcome.final, timeline: outcome.timeline });
            if (ids.some((id) => recorded.has(id))) onResult(outcome.metric);
          } catch (err) {
            // Left as claimed: the lease runs out and the message is tried again.
            lease.done(ids);
            ctx.log.error({ err, notifications: ids }, 'delivery failed to send or record; retried after the lease');
          }
        });
      } finally {
        await lease.stop();
      }
      return claimed.length === claimLimit || released.length > 0;
    },
    nextDue: async (ctx) => {
      // A message being sent (by this instance or another) is due again only if its lease runs out.
      const row = await ctx.database.db
        .selectFrom('notifications')
        .select((eb) => eb.fn.min(eb.case().when('status', '=', sql.lit('pending')).then(eb.ref('next_attempt_at')).else(eb.fn.coalesce('lease_until', 'next_attempt_at')).end()).as('next'))
        .where('status', 'in', [sql.lit('pending'), sql.lit('sending')])
        .executeTakeFirst();
      return row?.next === null || row?.next === undefined ? null : Number(row.next);
    },
  };
}

function engagementOf(ctx: EngineContext, row: NotificationRow): Engagement | undefined {
  return ctx.deployment.engagement(row.engagement_id);
}

function recipientName(ctx: EngineContext, row: NotificationRow): string {
  if (row.recipient_kind === 'team') return `team ${row.recipient_id}`;
  return engagementOf(ctx, row)?.people.find((p) => p.id === row.recipient_id)?.name ?? row.recipient_id;
}

function entry(ctx: EngineContext, row: NotificationRow, at: number, kind: string, message: string, data?: Record<string, unknown>): TimelineEntry {
  return {
    engagementId: row.engagement_id,
    incidentId: row.incident_id,
    at,
    kind,
    actor: SYSTEM,
    message,
    data: { notification: row.id, channel: row.channel, recipient: `${row.recipient_kind}:${row.recipient_id}`, ...data },
  };
}

function buildMessage(ctx: EngineContext, o: DeliveryOptions, g: Group, incidents: Map<number, IncidentRow>, now: number): OutboundMessage {
  const carrier = g.rows[0];
  if (!carrier) throw new Error('empty group');
  const engagement = engagementOf(ctx, carrier);
  const responder = `${carrier.recipient_kind}:${carrier.recipient_id}`;
  const refs: IncidentRef[] = [];
  for (const row of g.rows) {
    const i = incidents.get(row.incident_id);
    if (!i) continue;
    const number = `${incidentPrefix(i.engagement_id)}-${i.number}`;
    const claims = { incident: i.id, responder, expires: now + LINK_TTL_MS, via: g.channel };
    refs.push({
      id: i.id,
      number,
      title: i.title,
      priority: i.priority,
      status: i.status,
      severity: i.severity,
      service: { id: i.service_id, name: engagement?.services.find((s) => s.id === i.service_id)?.name ?? i.service_id },
      createdAt: i.created_at,
      url: `${o.publicUrl}/incidents/${number}`,
      acknowledgeUrl: o.links.url({ ...claims, action: 'acknowledge' }),
      resolveUrl: o.links.url({ ...claims, action: 'resolve' }),
      // A bundle keeps each page's own reason (tier, policy, side): they may differ.
      ...(g.rows.length > 1 ? { reason: row.reason } : {}),
    });
  }
  return {
    // Stable across retries: receivers drop duplicates by it (Tandem-Delivery, Message-ID).
    id: `tandem-${carrier.engagement_id}-${carrier.id}`,
    channel: g.channel as ChannelName,
    to: g.address,
    recipient: { kind: carrier.recipient_kind === 'team' ? 'team' : 'person', id: carrier.recipient_id, name: recipientName(ctx, carrier) },
    engagement: { id: carrier.engagement_id, name: engagement?.name ?? carrier.engagement_id },
    kind: g.rows.length > 1 ? 'bundle' : carrier.kind === 'sla_warning' ? 'sla_warning' : 'page',
    incidents: refs,
    reason: carrier.reason,
    ...(carrier.note ? { note: carrier.note } : {}),
    ...(g.rows.length > 1 ? { overviewUrl: `${o.publicUrl}/incidents?status=triggered` } : {}),
  };
}

async function mapLimit<T, R>(items: readonly T[], limit: number, fn: (item: T) => Promise<R>): Promise<R[]> {
  const out: R[] = new Array<R>(items.length);
  let next = 0;
  const workers = Array.from({ length: Math.min(limit, items.length) }, async () => {
    while (next < items.length) {
      const i = next++;
      const item = items[i];
      if (item !== undefined) out[i] = await fn(item);
    }
  });
  await Promise.all(workers);
  return out;
}

/** Sets a new lease on the claimed rows this instance still holds; returns the ids it holds. */
async function extendLease(db: Executor, ctx: EngineContext, ids: readonly number[], until: number): Promise<Set<number>> {
  const held = new Set<number>();
  for (let i = 0; i < ids.length; i += 1000) {
    const rows = await db
      .updateTable('notifications')
      .set({ lease_until: until })
      .where('id', 'in', ids.slice(i, i + 1000))
      .where('claimed_by', '=', ctx.instanceId)
      .where('status', '=', 'sending')
      .returning('id')
      .execute();
    for (const r of rows) held.add(r.id);
  }
  return held;
}

/**
 * Writes items as they come: the first is written at once, and every item
 * submitted while a write is in flight is written with the others in the next
 * one. Each submitter waits for the write that carries its item.
 */
class GroupCommit<T, R> {
  readonly #write: (batch: T[]) => Promise<R>;
  #queue: Array<{ item: T; resolve: (r: R) => void; reject: (err: unknown) => void }> = [];
  #writing = false;

  constructor(write: (batch: T[]) => Promise<R>) {
    this.#write = write;
  }

  submit(item: T): Promise<R> {
    return new Promise<R>((resolve, reject) => {
      this.#queue.push({ item, resolve, reject });
      void this.#drain();
    });
  }

  async #drain(): Promise<void> {
    if (this.#writing) return;
    this.#writing = true;
    try {
      while (this.#queue.length > 0) {
        const batch = this.#queue.splice(0);
        try {
          const r = await this.#write(batch.map((b) => b.item));
          for (const b of batch) b.resolve(r);
        } catch (err) {
          for (const b of batch) b.reject(err);
        }
      }
    } finally {
      this.#writing = false;
    }
  }
}

/**
 * Keeps a claim's lease alive while it is worked: renewed with the result
 * records once a quarter of it is used, and by a timer when no result comes
 * in (every send hanging to its timeout). Records and renewals run one at a
 * time, so a renewal that finds a message no longer held means another
 * instance took it over; that message is then not sent here.
 */
class LeaseKeeper {
  readonly #ctx: EngineContext;
  readonly #leaseMs: number;
  readonly #open: Set<number>;
  readonly #lost = new Set<number>();
  #renewedAt: number;
  #chain: Promise<unknown> = Promise.resolve();
  readonly #timer: NodeJS.Timeout | undefined;

  constructor(ctx: EngineContext, leaseMs: number, ids: readonly number[]) {
    this.#ctx = ctx;
    this.#leaseMs = leaseMs;
    this.#open = new Set(ids);
    this.#renewedAt = ctx.clock.now();
    if (ids.length > 0) {
      this.#timer = setInterval(() => void this.serial(() => this.#heartbeat()), Math.max(1000, Math.floor(leaseMs / 3)));
      this.#timer.unref();
    }
  }

  holds(id: number): boolean {
    return !this.#lost.has(id);
  }

  /** These messages have their result: no more renewals for them. */
  done(ids: readonly number[]): void {
    for (const id of ids) this.#open.delete(id);
  }

  /** The renewal to write with the next record: once a quarter of the lease is used, every message still open. */
  renewal(): { ids: number[]; until: number } | undefined {
    const now = this.#ctx.clock.now();
    if (this.#open.size === 0 || now - this.#renewedAt < this.#leaseMs / 4) return undefined;
    this.#renewedAt = now;
    return { ids: [...this.#open], until: now + this.#leaseMs };
  }

  /** A renewal asked for `asked` and still held `held`: the rest were taken over. */
  update(asked: readonly number[], held: ReadonlySet<number>): void {
    const lost = asked.filter((id) => !held.has(id));
    for (const id of lost) this.#lost.add(id);
    if (lost.length > 0) this.#ctx.log.warn({ notifications: lost }, 'delivery lease lost: another instance took these messages over');
  }

  /** Runs database work for this claim one piece at a time. */
  serial<T>(fn: () => Promise<T>): Promise<T> {
    const run = this.#chain.then(fn, fn);
    this.#chain = run.catch(() => undefined);
    return run;
  }

  async #heartbeat(): Promise<void> {
    const renew = this.renewal();
    if (!renew) return;
    try {
      this.update(renew.ids, await extendLease(this.#ctx.database.db, this.#ctx, renew.ids, renew.until));
    } catch (err) {
      this.#ctx.log.error({ err }, 'delivery lease renewal failed; will retry');
    }
  }

  async stop(): Promise<void> {
    if (this.#timer) clearInterval(this.#timer);
    await this.#chain;
  }
}
