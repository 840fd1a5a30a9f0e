/**
 * The review's Tickets section, from the rows: per ticketing entry of the
 * engagement, the tickets of the month's incidents (how many got one, by
 * state, each key) and the operations that were retried or given up on.
 * Pure, so the figures are table-tested; build.ts reads the rows.
 */
import type { Ticketing } from '../engagement/model.js';
import type { PeriodTicket, PeriodTicketOp } from '../ticketing/store.js';
import type { ReviewTicketState, ReviewTicketing } from './model.js';

const STATES: readonly ReviewTicketState[] = ['pending', 'open', 'in_progress', 'done', 'failed'];

/**
 * One item per ticketing entry of the engagement, in the file's order (an
 * entry with no ticket this month is there with zeros); empty when it has
 * none. Rows of entries no longer in the file are left out.
 */
export function reviewTickets(
  engagement: { readonly ticketing: ReadonlyArray<Pick<Ticketing, 'id' | 'system' | 'side'>> },
  prefix: string,
  tickets: readonly PeriodTicket[],
  ops: readonly PeriodTicketOp[],
): ReviewTicketing[] {
  const ref = (n: number): string => `${prefix}-${n}`;
  return engagement.ticketing.map((entry) => {
    const mine = tickets.filter((t) => t.ticketingId === entry.id);
    const troubled = ops.filter((o) => o.ticketingId === entry.id);
    const byState = Object.fromEntries(STATES.map((s) => [s, 0])) as Record<ReviewTicketState, number>;
    for (const t of mine) if ((STATES as readonly string[]).includes(t.state)) byState[t.state as ReviewTicketState] += 1;
    const givenUp = troubled.filter((o) => o.status === 'failed');
    return {
      ticketing: entry.id,
      system: entry.system,
      side: entry.side,
      incidents: new Set(mine.filter((t) => t.externalKey !== null).map((t) => t.incidentNumber)).size,
      byState,
      opsRetried: troubled.filter((o) => o.attempts > 1).length,
      opsGivenUp: givenUp.length,
      failures: givenUp.map((o) => ({ incident: ref(o.incidentNumber), key: o.externalKey, operation: o.kind, error: o.lastError })),
      keys: mine.map((t) => ({ incident: ref(t.incidentNumber), key: t.externalKey, state: t.state })),
    };
  });
}
