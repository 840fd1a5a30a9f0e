/**
 * Every query of the inbound half of the ticket sync: webhooks accepted into
 * `ticket_inbound` (once per delivery: a second one with the same dedupe key
 * is a duplicate), claimed with a lease and recorded; the Tandem ticket a
 * delivery is about; the notes Tandem itself put on a ticket (their echo acts
 * on nothing); and "seen" markers, rows whose dedupe key is `note:<id>`, so a
 * note read back twice reaches the timeline once.
 */
import { markHeld, nextOutboxDue } from '../../db/outbox.js';
import { sql } from 'kysely';
import type { Dialect } from '../../db/connect.js';
import type { Database } from '../../db/connect.js';
import { claimRows, durably } from '../../db/dialect.js';
import type { Executor } from '../../db/executor.js';
import type { TicketInboundRow, TicketRow } from '../../db/schema.js';

/** Stores an accepted delivery durably; 'duplicate' when this entry already has one with the same key. */
export async function storeInbound(
  database: Database,
  d: { engagementId: string; ticketingId: string; dedupeKey: string; payload: string; at: number },
): Promise<'stored' | 'duplicate'> {
  const rows = await durably(database, (ex) =>
    ex
      .insertInto('ticket_inbound')
      .values({
        engagement_id: d.engagementId,
        ticketing_id: d.ticketingId,
        dedupe_key: d.dedupeKey,
        payload: d.payload,
        status: 'pending',
        result: null,
        attempts: 0,
        next_attempt_at: d.at,
        lease_until: null,
        claimed_by: null,
        received_at: d.at,
        updated_at: d.at,
      })
      .onConflict((oc) => oc.columns(['engagement_id', 'ticketing_id', 'dedupe_key']).doNothing())
      .returning('id')
      .execute(),
  );
  return rows.length > 0 ? 'stored' : 'duplicate';
}

/** Claims due deliveries (pending ones, and running ones whose lease ran out), oldest first; counts the attempt. */
export async function claimInbound(
  trx: Executor,
  dialect: Dialect,
  c: { now: number; limit: number; leaseUntil: number; instanceId: string },
): Promise<TicketInboundRow[]> {
  const rows = await trx
    .selectFrom('ticket_inbound')
    .selectAll()
    .where('next_attempt_at', '<=', c.now)
    .where('status', 'in', [sql.lit('pending'), sql.lit('running')])
    .where((eb) => eb.or([eb('status', '=', sql.lit('pending')), eb('lease_until', '<=', c.now)]))
    .orderBy('id')
    .limit(c.limit)
    .$call((q) => claimRows(dialect, q))
    .execute();
  return markHeld(trx, 'ticket_inbound', 'running', rows, c);
}

/** Records what became of a delivery, if this instance still holds it; returns whether it did. */
export async function recordInbound(
  ex: Executor,
  instanceId: string,
  id: number,
  set: { status: 'pending' | 'done' | 'failed'; result: string; at: number; nextAttemptAt?: number },
): Promise<boolean> {
  const rows = await ex
    .updateTable('ticket_inbound')
    .set({
      status: set.status,
      result: set.result,
      updated_at: set.at,
      lease_until: null,
      claimed_by: null,
      ...(set.nextAttemptAt === undefined ? {} : { next_attempt_at: set.nextAttemptAt }),
    })
    .where('id', '=', id)
    .where('claimed_by', '=', instanceId)
    .where('status', '=', 'running')
    .returning('id')
    .execute();
  return rows.length > 0;
}

/** The Tandem ticket of an entry with this id (or key) in the system. */
export async function ticketByExternal(
  ex: Executor,
  t: { engagementId: string; ticketingId: string; id: string; key: string },
): Promise<TicketRow | undefined> {
  return ex
    .selectFrom('tickets')
    .selectAll()
    .where('engagement_id', '=', t.engagementId)
    .where('ticketing_id', '=', t.ticketingId)
    .where((eb) => eb.or([eb('external_id', '=', t.id), eb('external_key', '=', t.key)]))
    .orderBy('id')
    .executeTakeFirst();
}

/** The ids of the notes Tandem's own operations created on a ticket. */
export async function notesByTandem(ex: Executor, ticketId: number): Promise<Set<string>> {
  const rows = await ex
    .selectFrom('ticket_ops')
    .select('external_ref')
    .where('ticket_id', '=', ticketId)
    .where('external_ref', 'is not', null)
    .execute();
  return new Set(rows.flatMap((r) => (r.external_ref === null ? [] : [r.external_ref])));
}

/** Marks `key` seen for an entry (a note read back); false when it was seen before. */
export async function markSeen(ex: Executor, t: { engagementId: string; ticketingId: string; key: string; at: number }): Promise<boolean> {
  const rows = await ex
    .insertInto('ticket_inbound')
    .values({
      engagement_id: t.engagementId,
      ticketing_id: t.ticketingId,
      dedupe_key: t.key,
      payload: '{}',
      status: 'done',
      result: 'seen',
      attempts: 0,
      next_attempt_at: t.at,
      lease_until: null,
      claimed_by: null,
      received_at: t.at,
      updated_at: t.at,
    })
    .onConflict((oc) => oc.columns(['engagement_id', 'ticketing_id', 'dedupe_key']).doNothing())
    .returning('id')
    .execute();
  return rows.length > 0;
}

/** Sets what Tandem knows of where a ticket is. */
export async function setTicketState(ex: Executor, id: number, state: string, at: number): Promise<void> {
  await ex.updateTable('tickets').set({ state, updated_at: at }).where('id', '=', id).execute();
}

/** When the next delivery comes due (a running one when its lease runs out). */
export async function nextDueInbound(ex: Executor): Promise<number | null> {
  return nextOutboxDue(ex, 'ticket_inbound', 'running');
}
