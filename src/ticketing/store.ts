/**
 * Every query of the ticketing sync: tickets (one per incident and ticketing
 * entry) and the `ticket_ops` outbox. Due operations are claimed with
 * `claimRows` and a lease; an operation is claimable only when no earlier
 * operation of the same ticket is still pending or running, so each ticket's
 * operations reach the system in order. Results change only rows this
 * instance still holds.
 */
import { markHeld, nextOutboxDue } from '../db/outbox.js';
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
  return markHeld(trx, 'ticket_ops', 'running', rows, c);
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
  return nextOutboxDue(ex, 'ticket_ops', 'running');
}

/** A ticket of an incident opened in a period, as the monthly review lists it. */
export interface PeriodTicket {
  readonly ticketingId: string;
  readonly system: string;
  /** The incident's number in its engagement (ACME-42 is 42). */
  readonly incidentNumber: number;
  readonly externalKey: string | null;
  readonly state: string;
  readonly lastError: string | null;
}

/** The tickets of the engagement's incidents opened in [from, to), by incident number. */
export async function ticketsOfIncidentsOpened(ex: Executor, engagementId: string, from: number, to: number): Promise<PeriodTicket[]> {
  const rows = await ex
    .selectFrom('tickets as t')
    .innerJoin('incidents as i', 'i.id', 't.incident_id')
    .select(['t.ticketing_id', 't.system', 'i.number', 't.external_key', 't.state', 't.last_error'])
    .where('t.engagement_id', '=', engagementId)
    .where('i.engagement_id', '=', engagementId)
    .where('i.created_at', '>=', from)
    .where('i.created_at', '<', to)
    .orderBy('i.number')
    .orderBy('t.id')
    .execute();
  return rows.map((r) => ({
    ticketingId: r.ticketing_id,
    system: r.system,
    incidentNumber: Number(r.number),
    externalKey: r.external_key,
    state: r.state,
    lastError: r.last_error,
  }));
}

/** An operation that needed more than one attempt or was given up, on a ticket of an incident opened in the period. */
export interface PeriodTicketOp {
  readonly ticketingId: string;
  readonly incidentNumber: number;
  readonly externalKey: string | null;
  readonly kind: string;
  readonly status: string;
  readonly attempts: number;
  readonly lastError: string | null;
}

/**
 * The operations on the tickets of the engagement's incidents opened in
 * [from, to) that were retried (more than one attempt) or given up, by
 * incident number: the review counts them and lists what was given up.
 */
export async function troubledOpsOfIncidentsOpened(
  ex: Executor,
  engagementId: string,
  from: number,
  to: number,
): Promise<PeriodTicketOp[]> {
  const rows = await ex
    .selectFrom('ticket_ops as o')
    .innerJoin('tickets as t', 't.id', 'o.ticket_id')
    .innerJoin('incidents as i', 'i.id', 't.incident_id')
    .select(['t.ticketing_id', 'i.number', 't.external_key', 'o.kind', 'o.status', 'o.attempts', 'o.last_error'])
    .where('t.engagement_id', '=', engagementId)
    .where('i.engagement_id', '=', engagementId)
    .where('i.created_at', '>=', from)
    .where('i.created_at', '<', to)
    .where((eb) => eb.or([eb('o.attempts', '>', 1), eb('o.status', '=', 'failed')]))
    .orderBy('i.number')
    .orderBy('o.id')
    .execute();
  return rows.map((r) => ({
    ticketingId: r.ticketing_id,
    incidentNumber: Number(r.number),
    externalKey: r.external_key,
    kind: r.kind,
    status: r.status,
    attempts: Number(r.attempts),
    lastError: r.last_error,
  }));
}

/** One ticketing entry's operations in one status, counted (for /readyz and /metrics). */
export interface TicketOpsTally {
  readonly engagementId: string;
  readonly ticketingId: string;
  readonly system: string;
  /** pending | running | done | failed. */
  readonly status: string;
  readonly count: number;
  /** When the oldest of them was queued (epoch ms). */
  readonly oldestCreatedAt: number | null;
  /** How many of them have had more than `attempts` attempts. */
  readonly overAttempts: number;
  /** How many of them last changed at or after `since`. */
  readonly changedSince: number;
}

/** Every ticketing entry's outbox, counted by status, in one pass. */
export async function ticketOpsTally(ex: Executor, c: { since: number; attempts: number }): Promise<TicketOpsTally[]> {
  const rows = await ex
    .selectFrom('ticket_ops as o')
    .innerJoin('tickets as t', 't.id', 'o.ticket_id')
    .select((eb) => [
      't.engagement_id',
      't.ticketing_id',
      't.system',
      'o.status',
      eb.fn.countAll().as('n'),
      eb.fn.min('o.created_at').as('oldest'),
      eb.fn.sum(eb.case().when('o.attempts', '>', c.attempts).then(1).else(0).end()).as('over'),
      eb.fn.sum(eb.case().when('o.updated_at', '>=', c.since).then(1).else(0).end()).as('recent'),
    ])
    .groupBy(['t.engagement_id', 't.ticketing_id', 't.system', 'o.status'])
    .execute();
  return rows.map((r) => ({
    engagementId: r.engagement_id,
    ticketingId: r.ticketing_id,
    system: r.system,
    status: r.status,
    count: Number(r.n),
    oldestCreatedAt: r.oldest === null ? null : Number(r.oldest),
    overAttempts: Number(r.over ?? 0),
    changedSince: Number(r.recent ?? 0),
  }));
}

/**
 * The latest error of a ticketing entry's failing operations: given up at
 * or after `since`, or still pending or running after more than `attempts`
 * attempts.
 */
export async function latestTicketOpError(
  ex: Executor,
  c: { engagementId: string; ticketingId: string; since: number; attempts: number },
): Promise<string | null> {
  const row = await ex
    .selectFrom('ticket_ops as o')
    .innerJoin('tickets as t', 't.id', 'o.ticket_id')
    .select('o.last_error')
    .where('t.engagement_id', '=', c.engagementId)
    .where('t.ticketing_id', '=', c.ticketingId)
    .where('o.last_error', 'is not', null)
    .where((eb) =>
      eb.or([
        eb.and([eb('o.status', '=', 'failed'), eb('o.updated_at', '>=', c.since)]),
        eb.and([eb('o.status', 'in', ['pending', 'running']), eb('o.attempts', '>', c.attempts)]),
      ]),
    )
    .orderBy('o.updated_at', 'desc')
    .orderBy('o.id', 'desc')
    .limit(1)
    .executeTakeFirst();
  return row?.last_error ?? null;
}

/** Accepted webhooks per ticketing entry and status (pending, running, done, failed), counted. */
export async function ticketInboundTally(
  ex: Executor,
): Promise<Array<{ engagementId: string; ticketingId: string; status: string; count: number }>> {
  const rows = await ex
    .selectFrom('ticket_inbound')
    .select((eb) => ['engagement_id', 'ticketing_id', 'status', eb.fn.countAll().as('n')])
    .groupBy(['engagement_id', 'ticketing_id', 'status'])
    .execute();
  return rows.map((r) => ({ engagementId: r.engagement_id, ticketingId: r.ticketing_id, status: r.status, count: Number(r.n) }));
}

/** The comment operations of a ticket before `beforeId` that were delivered: their payloads and the note ids they made. */
export async function deliveredCommentsBefore(
  ex: Executor,
  ticketId: number,
  beforeId: number,
): Promise<Array<Pick<TicketOpRow, 'payload' | 'external_ref'>>> {
  return ex
    .selectFrom('ticket_ops')
    .select(['payload', 'external_ref'])
    .where('ticket_id', '=', ticketId)
    .where('kind', '=', 'comment')
    .where('status', '=', 'done')
    .where('id', '<', beforeId)
    .execute();
}
