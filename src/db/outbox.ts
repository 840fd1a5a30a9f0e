/**
 * What the durable outboxes share (pages in `notifications`, ticket
 * operations in `ticket_ops`, ticket webhooks in `ticket_inbound`): rows
 * pending until `next_attempt_at`, or held by an instance until
 * `lease_until`. One query says when the next one comes due.
 */
import { sql } from 'kysely';
import type { Executor } from './executor.js';

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
