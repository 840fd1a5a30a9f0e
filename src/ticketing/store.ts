/**
 * Every query of the ticketing sync: tickets (one per incident and ticketing
 * entry) and the `ticket_ops` outbox. Due operations are claimed with
 * `claimRows` and a lease; an operation is claimable only when no earlier
 * operation of the same ticket is still pending or running, so each ticket's
 * operations reach the system in order. Results change only rows this
 * instance still holds.
 */
import { sql } from 'kysely';
import type { Dialect } from '../db/connect.js';
import { chunked, claimRows } from '../db/dialect.js';
import type { Executor } from '../db/executor.js';
import type { TicketOpRow, TicketRow } from '../db/schema.js';
import type { TicketOp } from './plan.js';

/** A new ticket row (not created in the system yet) and its create operation. */
export async function insertTicket(
  ex: Executor,
  t: { engagementId: string; incidentId: number; ticketingId: string; system: string; at: number },
): Promise<void> {
  const row = await ex
    .insertInto('tickets')
    .values({
      engagement_id: t.engagementId,
      incident_id: t.incidentId,
      ticketing_id: t.ticketingId,
      system: t.system,
      external_key: null,
      external_id: null,
      external_url: null,
      state: 'pending',
      last_error: null,
      created_at: t.at,
      updated_at: t.at,
    })
    .returning('id')
    .executeTakeFirstOrThrow();
  await insertOps(ex, [{ engagementId: t.engagementId, ticketId: Number(row.id), op: { kind: 'create' } }], t.at);
}

/** Queues operations, due now. */
export async function insertOps(
  ex: Executor,
  ops: ReadonlyArray<{ engagementId: string; ticketId: number; op: TicketOp }>,
  at: number,
): Promise<void> {
  const rows = ops.map((o) => ({
    engagement_id: o.engagementId,
    ticket_id: o.ticketId,
    kind: o.op.kind,
    payload: JSON.stringify(o.op),
    status: 'pending',
    attempts: 0,
    next_attempt_at: at,
    lease_until: null,
    claimed_by: null,
    last_error: null,
    external_ref: null,
    created_at: at,
    updated_at: at,
  }));
  for (const chunk of chunked(rows, 12)) await ex.insertInto('ticket_ops').values(chunk).execute();
}

/** The tickets of an incident, oldest first (the API's incident detail and the sync hooks read them). */
export async function ticketsOfIncident(ex: Executor, incidentId: number): Promise<TicketRow[]> {
  return ex.selectFrom('tickets').selectAll().where('incident_id', '=', incidentId).orderBy('id').execute();
}

/** One ticket. */
export async function ticketById(ex: Executor, id: number): Promise<TicketRow | undefined> {
  return ex.selectFrom('tickets').selectAll().where('id', '=', id).executeTakeFirst();
}

/**
 * Claims up to `limit` due operations for `instanceId` (pending ones, and
 * running ones whose lease ran out) whose ticket has no earlier unfinished
 * operation. Counts the attempt. Run it in a transaction.
 */
export async function claimDueOps(
  trx: Executor,
  dialect: Dialect,
  c: { now: number; limit: number; leaseUntil: number; instanceId: string },
): Promise<TicketOpRow[]> {
  const rows = await trx
    .selectFrom('ticket_ops as o')
    .selectAll('o')
    .where('o.next_attempt_at', '<=', c.now)
    .where('o.status', 'in', [sql.lit('pending'), sql.lit('running')])
    .where((eb) => eb.or([eb('o.status', '=', sql.lit('pending')), eb('o.lease_until', '<=', c.now)]))
    .where(({ not, exists, selectFrom }) =>
      not(
        exists(
          selectFrom('ticket_ops as e')
            .select('e.id')
            .whereRef('e.ticket_id', '=', 'o.ticket_id')
            .whereRef('e.id', '<', 'o.id')
            .where('e.status', 'in', [sql.lit('pending'), sql.lit('running')]),
        ),
      ),
    )
    .orderBy('o.next_attempt_at')
    .orderBy('o.id')
    .limit(c.limit)
    .$call((q) => claimRows(dialect, q))
    .execute();
  for (const ids of chunked(rows.map((r) => r.id))) {
    await trx
      .updateTable('ticket_ops')
      .set((eb) => ({ status: 'running', lease_until: c.leaseUntil, claimed_by: c.instanceId, attempts: eb('attempts', '+', 1) }))
      .where('id', 'in', ids)
      .execute();
  }
  return rows.map((r) => ({ ...r, attempts: r.attempts + 1 }));
}

/** Records an operation's result, if this instance still holds it; returns whether it did. */
export async function recordOp(
  ex: Executor,
  instanceId: string,
  id: number,
  set: { status: 'pending' | 'done' | 'failed'; nextAttemptAt?: number; lastError: string | null; at: number; externalRef?: string | null },
): Promise<boolean> {
  const rows = await ex
    .updateTable('ticket_ops')
    .set({
      status: set.status,
      last_error: set.lastError,
      updated_at: set.at,
      lease_until: null,
      claimed_by: null,
      ...(set.nextAttemptAt === undefined ? {} : { next_attempt_at: set.nextAttemptAt }),
      ...(set.externalRef === undefined ? {} : { external_ref: set.externalRef }),
    })
    .where('id', '=', id)
    .where('claimed_by', '=', instanceId)
    .where('status', '=', 'running')
    .returning('id')
    .execute();
  return rows.length > 0;
}

/** Updates what Tandem knows of a ticket. */
export async function updateTicket(
  ex: Executor,
  id: number,
  set: Partial<Pick<TicketRow, 'external_id' | 'external_key' | 'external_url' | 'state' | 'last_error'>> & { updated_at: number },
): Promise<void> {
  await ex.updateTable('tickets').set(set).where('id', '=', id).execute();
}

/** When the next operation comes due (a running one when its lease runs out). */
export async function nextDueOp(ex: Executor): Promise<number | null> {
  const row = await ex
    .selectFrom('ticket_ops')
    .select((eb) =>
      eb.fn
        .min(
          eb
            .case()
            .when('status', '=', sql.lit('pending'))
            .then(eb.ref('next_attempt_at'))
            .else(eb.fn.coalesce('lease_until', 'next_attempt_at'))
            .end(),
        )
        .as('next'),
    )
    .where('status', 'in', [sql.lit('pending'), sql.lit('running')])
    .executeTakeFirst();
  return row?.next === null || row?.next === undefined ? null : Number(row.next);
}
