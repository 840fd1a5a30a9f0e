import { describe, expect, it } from 'vitest';
import type { TicketOpsTally } from './store.js';
import { summarizeTicketing } from './health.js';

const NOW = Date.parse('2026-11-25T12:00:00Z');
const JIRA = { engagement: 'acme', ticketing: 'acme-jira', system: 'jira' };

/** A tally row of acme-jira; counted with the 24 h window and the 3-attempt limit. */
function tally(status: string, count: number, more: Partial<TicketOpsTally> = {}): TicketOpsTally {
  return {
    engagementId: 'acme',
    ticketingId: 'acme-jira',
    system: 'jira',
    status,
    count,
    oldestCreatedAt: NOW - 60_000,
    overAttempts: 0,
    changedSince: 0,
    ...more,
  };
}

describe('summarizeTicketing: whether an integration is failing', () => {
  it.each([
    { why: 'no operation at all', rows: [], failing: false },
    { why: 'everything delivered', rows: [tally('done', 40, { changedSince: 40 })], failing: false },
    { why: 'operations waiting, each tried at most 3 times', rows: [tally('pending', 5)], failing: false },
    { why: 'one given up on within 24 h', rows: [tally('failed', 1, { changedSince: 1 })], failing: true },
    { why: 'given up on more than 24 h ago only', rows: [tally('failed', 3, { changedSince: 0 })], failing: false },
    { why: 'one pending after more than 3 attempts', rows: [tally('pending', 2, { overAttempts: 1 })], failing: true },
    { why: 'one running after more than 3 attempts', rows: [tally('running', 1, { overAttempts: 1 })], failing: true },
    // A done operation that took 5 attempts got through: nothing is failing now.
    { why: 'delivered after more than 3 attempts', rows: [tally('done', 1, { overAttempts: 1, changedSince: 1 })], failing: false },
  ])('$why: failing $failing', ({ rows, failing }) => {
    const [health] = summarizeTicketing([JIRA], rows, NOW);
    expect(health?.failing).toBe(failing);
  });
});

describe('summarizeTicketing: the figures', () => {
  it('counts the outbox by status and ages the oldest waiting operation', () => {
    const rows = [
      tally('pending', 3, { oldestCreatedAt: NOW - 90_000, overAttempts: 1 }),
      tally('running', 1, { oldestCreatedAt: NOW - 30_000 }),
      tally('done', 12, { oldestCreatedAt: NOW - 86_400_000 }),
      tally('failed', 2, { changedSince: 1 }),
    ];
    expect(summarizeTicketing([JIRA], rows, NOW)).toEqual([
      {
        ...JIRA,
        ops: { pending: 3, running: 1, done: 12, failed: 2 },
        recentlyFailed: 1,
        retrying: 1,
        oldestPendingAgeSeconds: 90,
        failing: true,
      },
    ]);
  });

  it('lists every declared integration (zeros when it never had an operation) and any other with operations waiting, sorted', () => {
    const snow = { engagement: 'acme', ticketing: 'acme-snow', system: 'servicenow' };
    const gone = tally('pending', 1, { engagementId: 'beta', ticketingId: 'old-jira' });
    const finished = tally('done', 9, { engagementId: 'beta', ticketingId: 'older-jira' });
    const list = summarizeTicketing([snow, JIRA], [gone, finished], NOW);
    expect(list.map((h) => `${h.engagement}/${h.ticketing}`)).toEqual(['acme/acme-jira', 'acme/acme-snow', 'beta/old-jira']);
    expect(list[0]).toMatchObject({ ops: { pending: 0, running: 0, done: 0, failed: 0 }, oldestPendingAgeSeconds: null, failing: false });
    expect(list[2]).toMatchObject({ system: 'jira', ops: { pending: 1 }, oldestPendingAgeSeconds: 60 });
  });
});
