import { describe, expect, it } from 'vitest';
import type { Ticketing } from '../engagement/model.js';
import type { PeriodTicket, PeriodTicketOp } from '../ticketing/store.js';
import { reviewTickets } from './tickets.js';

const entry = (id: string, system: Ticketing['system'], side: Ticketing['side']) => ({ id, system, side });
const ENGAGEMENT = { ticketing: [entry('acme-jira', 'jira', 'internal'), entry('nightowl-snow', 'servicenow', 'partner')] };

const ticket = (n: number, state: string, key: string | null, ticketingId = 'acme-jira'): PeriodTicket => ({
  ticketingId,
  system: ticketingId === 'acme-jira' ? 'jira' : 'servicenow',
  incidentNumber: n,
  externalKey: key,
  state,
  lastError: null,
});
const op = (
  n: number,
  kind: string,
  status: string,
  attempts: number,
  lastError: string | null,
  key: string | null = null,
): PeriodTicketOp => ({
  ticketingId: 'acme-jira',
  incidentNumber: n,
  externalKey: key,
  kind,
  status,
  attempts,
  lastError,
});

describe('reviewTickets', () => {
  it('counts, per entry in the file order, the incidents with a ticket, the tickets by state and the operations in trouble', () => {
    const tickets = [
      ticket(1, 'done', 'OPS-1'),
      ticket(2, 'in_progress', 'OPS-2'),
      ticket(3, 'failed', null),
      ticket(4, 'pending', null),
      ticket(2, 'open', 'INC0010001', 'nightowl-snow'),
      ticket(9, 'open', 'OLD-9', 'removed-entry'),
    ];
    const ops = [
      op(1, 'create', 'done', 3, null, 'OPS-1'),
      op(2, 'comment', 'failed', 20, 'Jira 503: unavailable', 'OPS-2'),
      op(3, 'create', 'failed', 1, 'Jira 401: unauthorized'),
    ];
    const [jira, snow, ...rest] = reviewTickets(ENGAGEMENT, 'ACME', tickets, ops);
    expect(rest).toEqual([]);
    expect(jira).toEqual({
      ticketing: 'acme-jira',
      system: 'jira',
      side: 'internal',
      incidents: 2,
      byState: { pending: 1, open: 0, in_progress: 1, done: 1, failed: 1 },
      opsRetried: 2,
      opsGivenUp: 2,
      failures: [
        { incident: 'ACME-2', key: 'OPS-2', operation: 'comment', error: 'Jira 503: unavailable' },
        { incident: 'ACME-3', key: null, operation: 'create', error: 'Jira 401: unauthorized' },
      ],
      keys: [
        { incident: 'ACME-1', key: 'OPS-1', state: 'done' },
        { incident: 'ACME-2', key: 'OPS-2', state: 'in_progress' },
        { incident: 'ACME-3', key: null, state: 'failed' },
        { incident: 'ACME-4', key: null, state: 'pending' },
      ],
    });
    expect(snow).toMatchObject({ ticketing: 'nightowl-snow', side: 'partner', incidents: 1, opsRetried: 0, opsGivenUp: 0 });
  });

  it('has an entry with zeros when no incident got a ticket, and nothing without ticketing', () => {
    const [jira] = reviewTickets(ENGAGEMENT, 'ACME', [], []);
    expect(jira).toMatchObject({
      incidents: 0,
      byState: { pending: 0, open: 0, in_progress: 0, done: 0, failed: 0 },
      keys: [],
      failures: [],
    });
    expect(reviewTickets({ ticketing: [] }, 'ACME', [ticket(1, 'open', 'OPS-1')], [])).toEqual([]);
  });
});
