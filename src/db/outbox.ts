/**
 * What the durable outboxes share (pages in `notifications`, ticket
 * operations in `ticket_ops`, ticket webhooks in `ticket_inbound`, status
 * page mails in `status_mails`): rows pending until they are due, or held by
 * an instance until `lease_until`. One query says when the next one comes
 * due; one marks claimed rows held; one records a result only while the
 * instance still holds the row.
 */
import { sql } from 'kysely';
import { chunked } from './dialect.js';
import type { Executor } from './executor.js';

/** Every table with a lease: the outboxes, and status page mails (due at `due_at`). */
export type LeasedTable = OutboxTable | 'status_mails';

/** A table with the outbox columns, and the status its held rows have. */
export type OutboxTable = 'notifications' | 'ticket_ops' | 'ticket_inbound';

/**
 * When the next row comes due: a pending one at its next attempt, a held one
 * (here or on another instance) only when its lease runs out.
 */
export async function nextOutboxDue(ex: Executor, table: OutboxTable, held: 'sending' | 'running'): Promise<number | null> {
  // The three tables have the same columns; the builder is typed on one of them.
  const row = await ex
    .selectFrom(table as 'ticket_ops')
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
    .where('status', 'in', [sql.lit('pending'), sql.lit(held)])
    .executeTakeFirst();
  return row?.next === null || row?.next === undefined ? null : Number(row.next);
}

/**
 * Marks rows just claimed (selected with claimRows in this transaction) as
 * held by this instance until `leaseUntil`, counting the attempt. Returns
 * the rows as they now are (attempts + 1).
 */
export async function markHeld<R extends { readonly id: number; readonly attempts: number }>(
  trx: Executor,
  table: LeasedTable,
  held: 'sending' | 'running',
  rows: readonly R[],
  c: { readonly leaseUntil: number; readonly instanceId: string },
): Promise<R[]> {
  for (const ids of chunked(rows.map((r) => r.id))) {
    // The tables have the same lease columns; the builder is typed on one of them.
    await trx
      .updateTable(table as 'ticket_ops')
      .set((eb) => ({ status: held, lease_until: c.leaseUntil, claimed_by: c.instanceId, attempts: eb('attempts', '+', 1) }))
      .where('id', 'in', ids)
      .execute();
  }
  return rows.map((r) => ({ ...r, attempts: r.attempts + 1 }));
}
