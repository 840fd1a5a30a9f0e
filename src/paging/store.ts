/**
 * The outbox: every query paging and delivery run on `notifications`, in one
 * place. Rows are written in chunks that stay inside both databases'
 * parameter limits; due rows are claimed with `claimRows` (SKIP LOCKED on
 * PostgreSQL) and a lease, so two instances never send the same message and
 * a crashed instance's claims come back when their lease runs out; results
 * and lease renewals change only the rows this instance still holds. The
 * delivery module decides (plan.ts); this file only reads and writes rows.
 */
import { markHeld, nextOutboxDue } from '../db/outbox.js';
import { sql } from 'kysely';
import type { Dialect } from '../db/connect.js';
import { chunked, claimRows } from '../db/dialect.js';
import type { Executor } from '../db/executor.js';
import type { NotificationRow } from '../db/schema.js';
import type { NotificationInsert } from './page.js';

/** A change to claimed messages: their new state; `undoAttempt` when they go back unsent (the claim's attempt does not count). */
export interface NotificationUpdate {
  readonly ids: readonly number[];
  readonly set: Partial<NotificationRow>;
  readonly undoAttempt?: boolean;
}

/** One address on one channel: what the per-contact rate limit counts. */
export interface Contact {
  readonly channel: string;
  readonly address: string;
}

/** Values each inserted row binds, for `chunked`. */
const NOTIFICATION_COLUMNS = 21;

/** Writes outbox rows. */
export async function insertNotifications(ex: Executor, rows: readonly NotificationInsert[]): Promise<void> {
  for (const chunk of chunked(rows, NOTIFICATION_COLUMNS)) await ex.insertInto('notifications').values(chunk).execute();
}

/**
 * Claims up to `limit` messages due at `now` for `instanceId`: pending ones,
 * and those whose holder's lease ran out. They become `sending` until
 * `leaseUntil`, and the attempt is counted. Returns them as claimed (with the
 * attempt counted). Run it in a transaction.
 *
 * A send recorded by an earlier attempt (rows sharing a `bundle_id`: a retry,
 * or a claim whose holder stopped before recording the result) is claimed
 * whole, through its carrier (the row whose id is the `bundle_id`): the
 * carrier's row lock decides who re-sends it, so two claims never split it,
 * and its other rows come with it, also past `limit`. Every write changes a
 * send's rows together, so they share their state and due time.
 */
export async function claimDue(
  trx: Executor,
  dialect: Dialect,
  c: { now: number; limit: number; leaseUntil: number; instanceId: string },
): Promise<NotificationRow[]> {
  const carriers = await trx
    .selectFrom('notifications')
    .selectAll()
    .where('next_attempt_at', '<=', c.now)
    // Literal statuses: SQLite uses a partial index only when the query names its condition
    // as written, not through a bound parameter.
    .where('status', 'in', [sql.lit('pending'), sql.lit('sending')])
    .where((eb) => eb.or([eb('status', '=', sql.lit('pending')), eb('lease_until', '<=', c.now)]))
    .where((eb) => eb.or([eb('bundle_id', 'is', null), eb('bundle_id', '=', eb.ref('id'))]))
    .orderBy('next_attempt_at')
    .orderBy('id')
    .limit(c.limit)
    .$call((q) => claimRows(dialect, q))
    .execute();
  const rows = [...carriers];
  for (const ids of chunked(carriers.flatMap((r) => (r.bundle_id === null ? [] : [r.id])))) {
    const members = await trx
      .selectFrom('notifications')
      .selectAll()
      .where('bundle_id', 'in', ids)
      .where('status', 'in', [sql.lit('pending'), sql.lit('sending')])
      .orderBy('id')
      .execute();
    rows.push(...members.filter((m) => m.id !== m.bundle_id));
  }
  return markHeld(trx, 'notifications', 'sending', rows, c);
}

/** When the sends to `contact` delivered after `since` were delivered, oldest first. A bundle is one send (its carrier row). */
export async function recentSends(ex: Executor, contact: Contact, since: number): Promise<number[]> {
  const rows = await ex
    .selectFrom('notifications')
    .select(['delivered_at'])
    .where('channel', '=', contact.channel)
    .where('address', '=', contact.address)
    .where('status', '=', 'delivered')
    .where('delivered_at', '>', since)
    .where((eb) => eb.or([eb('bundle_id', 'is', null), eb('bundle_id', '=', eb.ref('id'))]))
    .orderBy('delivered_at')
    .execute();
  return rows.flatMap((r) => (r.delivered_at === null ? [] : [r.delivered_at]));
}

/**
 * Writes claimed messages' new state. Only the claim holder records: rows
 * another instance took over (our lease ran out) keep its result. Returns
 * the ids written.
 */
export async function recordUpdates(ex: Executor, instanceId: string, updates: readonly NotificationUpdate[]): Promise<Set<number>> {
  const recorded = new Set<number>();
  for (const u of updates) {
    for (const ids of chunked(u.ids)) {
      const rows = await ex
        .updateTable('notifications')
        .set((eb) => ({ ...u.set, ...(u.undoAttempt ? { attempts: eb('attempts', '-', 1) } : {}) }))
        .where('id', 'in', ids)
        .where('claimed_by', '=', instanceId)
        .where('status', '=', 'sending')
        .returning('id')
        .execute();
      for (const r of rows) recorded.add(r.id);
    }
  }
  return recorded;
}

/** Sets a new lease on the claimed rows this instance still holds; returns the ids it holds. */
export async function extendLease(ex: Executor, instanceId: string, ids: readonly number[], until: number): Promise<Set<number>> {
  const held = new Set<number>();
  for (const chunk of chunked(ids)) {
    const rows = await ex
      .updateTable('notifications')
      .set({ lease_until: until })
      .where('id', 'in', chunk)
      .where('claimed_by', '=', instanceId)
      .where('status', '=', 'sending')
      .returning('id')
      .execute();
    for (const r of rows) held.add(r.id);
  }
  return held;
}

/** When the next message comes due: a pending one at its next attempt, one being sent (here or elsewhere) only when its lease runs out. */
export async function nextDue(ex: Executor): Promise<number | null> {
  return nextOutboxDue(ex, 'notifications', 'sending');
}

/** One notification by id, in whatever engagement (a provider callback's token names it). */
export async function getNotification(ex: Executor, id: number): Promise<NotificationRow | undefined> {
  return ex.selectFrom('notifications').selectAll().where('id', '=', id).executeTakeFirst();
}

/** The notifications one send carried: the carrier and the rows bundled into it. */
export async function notificationsOfSend(ex: Executor, carrierId: number): Promise<NotificationRow[]> {
  return ex
    .selectFrom('notifications')
    .selectAll()
    .where((eb) => eb.or([eb('id', '=', carrierId), eb('bundle_id', '=', carrierId)]))
    .orderBy('id')
    .execute();
}

/**
 * Records a provider's report on the rows of one send, unless a report
 * already there is this one or a final one (`keep`): Twilio may repeat a
 * callback, or send them out of order. `fail` also turns rows the provider
 * had accepted (`delivered`) into `failed` with that error. Returns the ids
 * written: the caller acts on the report only when there are some.
 */
export async function recordProviderStatus(
  ex: Executor,
  r: { ids: readonly number[]; status: string; at: number; keep: readonly string[]; fail?: string },
): Promise<number[]> {
  const written: number[] = [];
  for (const ids of chunked(r.ids)) {
    const rows = await ex
      .updateTable('notifications')
      .set({ provider_status: r.status, provider_status_at: r.at })
      .where('id', 'in', ids)
      .where((eb) => eb.or([eb('provider_status', 'is', null), eb('provider_status', 'not in', [...r.keep, r.status])]))
      .returning('id')
      .execute();
    written.push(...rows.map((row) => row.id));
  }
  if (r.fail !== undefined && written.length > 0) {
    for (const ids of chunked(written)) {
      await ex
        .updateTable('notifications')
        .set({ status: 'failed', last_error: r.fail })
        .where('id', 'in', ids)
        .where('status', '=', 'delivered')
        .execute();
    }
  }
  return written;
}

/**
 * Brings the recipient's next notify rule of the same page forward to `now`:
 * the earliest message still pending for the same incident, step and
 * recipient that was due after `after`. Returns it as it was (its channel
 * and address, for the timeline), or undefined when none waits.
 */
export async function advanceNextRule(
  ex: Executor,
  row: Pick<NotificationRow, 'incident_id' | 'step_id' | 'recipient_kind' | 'recipient_id' | 'kind'>,
  after: number,
  now: number,
): Promise<NotificationRow | undefined> {
  const next = await ex
    .selectFrom('notifications')
    .selectAll()
    .where('incident_id', '=', row.incident_id)
    .where((eb) => (row.step_id === null ? eb('step_id', 'is', null) : eb('step_id', '=', row.step_id)))
    .where('recipient_kind', '=', row.recipient_kind)
    .where('recipient_id', '=', row.recipient_id)
    .where('kind', '=', row.kind)
    .where('status', '=', 'pending')
    .where('due_at', '>', after)
    .orderBy('due_at')
    .orderBy('id')
    .limit(1)
    .executeTakeFirst();
  if (!next) return undefined;
  // A message waiting to retry a recorded send moves with the rest of that send (they share their next
  // attempt); it was due already when first sent, so only its next attempt moves.
  const moved = await ex
    .updateTable('notifications')
    .set(
      next.bundle_id === null
        ? { due_at: Math.min(next.due_at, now), next_attempt_at: Math.min(next.next_attempt_at, now) }
        : { next_attempt_at: Math.min(next.next_attempt_at, now) },
    )
    .where((eb) => (next.bundle_id === null ? eb('id', '=', next.id) : eb('bundle_id', '=', next.bundle_id)))
    .where('status', '=', 'pending')
    .returning('id')
    .execute();
  return moved.length > 0 ? next : undefined;
}
