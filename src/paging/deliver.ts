/**
 * Delivery: the outbox worker. Each step claims due messages (store.ts:
 * SKIP LOCKED on PostgreSQL, with a lease, so two instances never send the
 * same message and a crashed instance's claims are picked up when their
 * lease runs out), asks the plan what to do with them (plan.ts: cancel pages
 * whose incident was acknowledged meanwhile, hold back contacts over their
 * rate limit, bundle several due pages to one contact, keep within the
 * lease), sends through the channel providers, and records every result and
 * its timeline entries through the store.
 *
 * The claim, the plan's decisions and each new send's rows (which names its
 * delivery id) commit in one transaction before anything is sent, so a send
 * that must be made again (a retry, or a re-send after its instance stopped
 * before recording the result) is the same message under the same id.
 *
 * A claim never outlives its lease while it is being worked: it holds no more
 * sends than the lease covers at the worst case (every send taking the full
 * provider timeout), each result is committed as it arrives (group commit),
 * and the lease of the messages still open is renewed while they are worked
 * (lease-keeper.ts). So another instance takes a message over only when its
 * holder stopped (crashed or hung), never while it is still sending.
 */
import type { IncidentRow, NotificationRow } from '../db/schema.js';
import { keepCommitDurable } from '../db/dialect.js';
import type { Executor } from '../db/executor.js';
import { engineTransaction } from '../engine/engine.js';
import type { EngineContext, EngineModule } from '../engine/engine.js';
import type { ChangeHooks } from '../incident/changes.js';

/** The engine's context and the incident hooks the module's writes report changes to. */
type HookedContext = EngineContext & { readonly hooks: ChangeHooks };
import type { TimelineEntry } from '../incident/timeline.js';
import { withWriter } from '../incident/writer.js';
import { isChannelName } from '../notify/channel.js';
import type { ChannelRegistry, DeliveryResult } from '../notify/channel.js';
import type { LinkSigner } from '../respond/links.js';
import { GroupCommit } from './group-commit.js';
import { LeaseKeeper } from './lease-keeper.js';
import type { Renewal } from './lease-keeper.js';
import * as say from './messages.js';
import { deliveryId, outboundMessage } from './outbound.js';
import { RATE_WINDOW_MS, beforeSend, contactKey, contactsToCheck, notificationOf, planDelivery, settle } from './plan.js';
import type { DeliveryOutcome, DeliveryRules, Send, Settled } from './plan.js';
import { claimDue, extendLease, nextDue, recentSends, recordUpdates } from './store.js';
import { incidentsById } from '../incident/store.js';
import type { NotificationUpdate } from './store.js';

export type { DeliveryOutcome } from './plan.js';

/** What the delivery module sends through, and its limits (each has a default). */
export interface DeliveryOptions {
  /** Who follows incident changes written here (the engine's hooks). */
  readonly hooks: ChangeHooks;
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

/** The options with their defaults filled in. */
interface Settings extends Omit<DeliveryRules, 'recipientName'> {
  readonly leaseMs: number;
  readonly claimLimit: number;
  readonly concurrency: number;
  readonly onResult: (outcome: DeliveryOutcome) => void;
}

/** One step's sends and what they need. */
interface Run {
  readonly ctx: HookedContext;
  readonly options: DeliveryOptions;
  readonly settings: Settings;
  readonly rules: DeliveryRules;
  readonly incidents: ReadonlyMap<number, IncidentRow>;
  /** When the step began: the signed links' lifetime starts here. */
  readonly now: number;
}

function settingsOf(options: DeliveryOptions): Settings {
  const leaseMs = options.leaseMs ?? 60_000;
  const concurrency = options.concurrency ?? 16;
  const sendTimeoutMs = options.sendTimeoutMs ?? 10_000;
  return {
    maxAttempts: options.maxAttempts ?? 6,
    backoffMs: options.backoffMs ?? 10_000,
    perContactPerMinute: options.perContactPerMinute ?? 10,
    // Worst case of a claim: ceil(sends / concurrency) rounds of a full timeout each; it must fit in the lease.
    sendsPerClaim: concurrency * Math.max(1, Math.floor(leaseMs / sendTimeoutMs)),
    leaseMs,
    claimLimit: options.claimLimit ?? 200,
    concurrency,
    onResult: options.onResult ?? (() => {}),
  };
}

/** The outbox worker as an engine module: each step claims a batch of due messages and works it to the end. */
export function deliveryModule(options: DeliveryOptions): EngineModule {
  const settings = settingsOf(options);
  return {
    name: 'delivery',
    step: (ctx) => step({ ...ctx, hooks: options.hooks }, options, settings),
    nextDue: (ctx) => nextDue(ctx.database.db),
  };
}

/**
 * Claim, plan, and record the plan (each new send's rows, what is not sent) in
 * one transaction; then send. True when more messages may be due right now.
 */
async function step(ctx: HookedContext, options: DeliveryOptions, settings: Settings): Promise<boolean> {
  const now = ctx.clock.now();
  const { database } = ctx;
  const claim = { now, limit: settings.claimLimit, leaseUntil: now + settings.leaseMs, instanceId: ctx.instanceId };
  const rules: DeliveryRules = {
    ...settings,
    recipientName: (row) => say.recipientName(ctx.deployment.engagement(row.engagement_id), row),
  };
  const taken = await engineTransaction(database, async (trx) => {
    const claimed = await claimDue(trx, database.dialect, claim);
    if (claimed.length === 0) return undefined;
    const incidents = await incidentsById(trx, [...new Set(claimed.map((r) => r.incident_id))]);
    const recent = new Map<string, number[]>();
    for (const c of contactsToCheck(claimed, incidents)) recent.set(contactKey(c), await recentSends(trx, c, now - RATE_WINDOW_MS));
    const plan = planDelivery(claimed, incidents, recent, now, rules);
    const writes = beforeSend(plan, now, rules);
    // A send's record must outlive the send: losing it to a database crash after the message left would
    // let the next attempt send other rows under its id. So this commit waits for the WAL flush.
    if (plan.send.length > 0) await keepCommitDurable(database.dialect, trx);
    if (writes.updates.length > 0) await write(trx, ctx, writes.updates, writes.timeline);
    return { claimed: claimed.length, plan, incidents };
  });
  if (!taken) return false;
  await sendAll({ ctx, options, settings, rules, incidents: taken.incidents, now }, taken.plan.send);
  // Past the limit when recorded sends brought their other rows along.
  return taken.claimed >= settings.claimLimit || taken.plan.release.length > 0;
}

/** Writes claimed messages' new state and, for the rows written, their timeline entries; returns the ids written. */
async function write(
  trx: Executor,
  ctx: HookedContext,
  updates: readonly NotificationUpdate[],
  timeline: readonly TimelineEntry[],
): Promise<Set<number>> {
  const recorded = await recordUpdates(trx, ctx.instanceId, updates);
  await withWriter(trx, ctx.database, ctx.hooks, (w) => w.timeline(timeline.filter((t) => recorded.has(notificationOf(t)))));
  return recorded;
}

/**
 * Writes results in one transaction, with a lease renewal when one is due.
 * Only the claim holder records: if our lease ran out and another instance
 * took over, its result stands, and timeline entries are written only for
 * the rows this call recorded.
 */
async function record(
  ctx: HookedContext,
  updates: readonly NotificationUpdate[],
  timeline: readonly TimelineEntry[],
  renew?: Renewal,
): Promise<{ recorded: Set<number>; held: Set<number> | undefined }> {
  return engineTransaction(ctx.database, async (trx) => {
    const recorded = await write(trx, ctx, updates, timeline);
    const held = renew && renew.ids.length > 0 ? await extendLease(trx, ctx.instanceId, renew.ids, renew.until) : undefined;
    return { recorded, held };
  });
}

/** Sends `sends`, `concurrency` at a time, each result committed as it arrives, the claim's lease kept alive meanwhile. */
async function sendAll(run: Run, sends: readonly Send[]): Promise<void> {
  const { ctx } = run;
  const lease = new LeaseKeeper(
    ctx,
    run.settings.leaseMs,
    sends.flatMap((s) => s.rows.map((r) => r.id)),
  );
  // Results are committed as they arrive; those that arrive while a commit is in flight ride in
  // the next one (group commit), so a storm of fast answers is not one transaction per message.
  // Each commit also renews the lease of the messages still open (until their own record's turn).
  const results = new GroupCommit<Settled, Set<number>>((batch) =>
    lease.serial(async () => {
      lease.done(batch.flatMap((b) => b.update.ids));
      const renew = lease.renewal();
      const written = await record(
        ctx,
        batch.map((b) => b.update),
        batch.flatMap((b) => b.timeline),
        renew,
      );
      if (renew && written.held) lease.update(renew.ids, written.held);
      return written.recorded;
    }),
  );
  try {
    await mapLimit(sends, run.settings.concurrency, (s) => sendOne(run, s, lease, results));
  } finally {
    await lease.stop();
  }
}

async function sendOne(run: Run, s: Send, lease: LeaseKeeper, results: GroupCommit<Settled, Set<number>>): Promise<void> {
  const ids = s.rows.map((r) => r.id);
  // Taken over by another instance (this one stalled past the lease): its send stands.
  if (!ids.every((id) => lease.holds(id))) return;
  try {
    const carrier = s.rows[0];
    if (!carrier) return;
    const settled = settle(s, deliveryId(carrier), await send(run, s, carrier), run.ctx.clock.now(), run.rules);
    const recorded = await results.submit(settled);
    if (ids.some((id) => recorded.has(id))) run.settings.onResult(settled.metric);
  } catch (err) {
    // Left as claimed: the lease runs out and the message is tried again.
    lease.done(ids);
    run.ctx.log.error({ err, notifications: ids }, 'delivery failed to send or record; retried after the lease');
  }
}

/** One send through its channel's provider; a channel this server does not run fails for good. */
async function send(run: Run, s: Send, carrier: NotificationRow): Promise<DeliveryResult> {
  const name = s.channel;
  const channel = isChannelName(name) ? run.options.channels.get(name) : undefined;
  if (!channel) return { status: 'permanent', error: say.channelNotConfigured(name) };
  const engagement = run.ctx.deployment.engagement(carrier.engagement_id);
  const context = {
    engagement,
    incidents: run.incidents,
    links: run.options.links,
    publicUrl: run.options.publicUrl,
    recipientName: run.rules.recipientName(carrier),
    now: run.now,
  };
  return channel.send(outboundMessage(s, channel.name, context));
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
