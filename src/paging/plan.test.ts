/**
 * The delivery decisions as tables, without a database: outbox rows as the
 * store returns them once claimed (the attempt counted), their incidents,
 * the recent sends per contact, and what the step does with each: cancel,
 * hold back, send (bundled per contact), put back, and how a result settles.
 * A send recorded by an earlier attempt (its rows share a `bundle_id`) goes
 * again as it was.
 */
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import type { IncidentRow, NotificationRow } from '../db/schema.js';
import { loadEngagementText } from '../engagement/index.js';
import type { DeliveryResult } from '../notify/channel.js';
import { recipientName } from './messages.js';
import {
  MAX_BACKOFF_MS,
  RATE_WINDOW_MS,
  contactKey,
  beforeSend,
  contactsToCheck,
  planDelivery,
  rateLimitedUntil,
  retryDelay,
  settle,
} from './plan.js';
import type { DeliveryRules, Send } from './plan.js';
import { incidentRow } from '../incident/test-fixtures.js';

const NOW = Date.parse('2026-11-25T04:47:00Z');
const S = 1000;

const rules: DeliveryRules = {
  maxAttempts: 6,
  backoffMs: 10 * S,
  perContactPerMinute: 3,
  sendsPerClaim: 2,
  recipientName: (row) => (row.recipient_kind === 'team' ? `team ${row.recipient_id}` : row.recipient_id.toUpperCase()),
};

function row(id: number, o: Partial<NotificationRow> = {}): NotificationRow {
  return {
    id,
    engagement_id: 'acme',
    incident_id: 1,
    step_id: null,
    recipient_kind: 'person',
    recipient_id: 'sam',
    channel: 'sms',
    address: '+15550100009',
    kind: 'page',
    reason: 'Tier 1 of partner-noc, NightOwl MSP',
    note: null,
    created_at: NOW - 5 * S,
    due_at: NOW - 2 * S,
    next_attempt_at: NOW - 2 * S,
    status: 'pending',
    attempts: 1,
    last_error: null,
    lease_until: null,
    claimed_by: null,
    delivered_at: null,
    provider_id: null,
    bundle_id: null,
    provider_status: null,
    provider_status_at: null,
    ...o,
  };
}

function incident(id: number, status: string): IncidentRow {
  return incidentRow({
    id,
    number: id,
    service_id: 'payments',
    title: `Incident ${id}`,
    status,
    created_at: NOW - 60 * S,
    updated_at: NOW - 60 * S,
  });
}

function incidents(...list: IncidentRow[]): Map<number, IncidentRow> {
  return new Map(list.map((i) => [i.id, i]));
}

const ids = (rows: readonly NotificationRow[]): number[] => rows.map((r) => r.id);

describe('planDelivery: what a claim does', () => {
  const open = incidents(incident(1, 'triggered'), incident(2, 'acknowledged'), incident(3, 'resolved'));

  it.each([
    { what: 'a page for a triggered incident is sent', r: row(1), cancelled: undefined },
    { what: 'a page for an acknowledged incident is cancelled', r: row(1, { incident_id: 2 }), cancelled: 'acknowledged' },
    { what: 'a page for a resolved incident is cancelled', r: row(1, { incident_id: 3 }), cancelled: 'resolved' },
    { what: 'a page whose incident is gone is cancelled', r: row(1, { incident_id: 99 }), cancelled: 'deleted' },
    { what: 'an SLA warning is sent whatever the status', r: row(1, { incident_id: 2, kind: 'sla_warning' }), cancelled: undefined },
  ])('$what', ({ r, cancelled }) => {
    const plan = planDelivery([r], open, new Map(), NOW, rules);
    if (cancelled === undefined) {
      expect(plan.cancel).toEqual([]);
      expect(plan.send.map((s) => ids(s.rows))).toEqual([[1]]);
    } else {
      expect(plan.cancel).toEqual([{ row: r, incidentStatus: cancelled }]);
      expect(plan.send).toEqual([]);
    }
  });

  it('due messages to one contact go as one send (a bundle), contacts in claim order', () => {
    const claimed = [row(1), row(2, { channel: 'email', address: 'sam@nightowl.example' }), row(3), row(4, { incident_id: 2 }), row(5)];
    const plan = planDelivery(claimed, open, new Map(), NOW, { ...rules, sendsPerClaim: 10 });
    expect(plan.send.map((s) => [s.channel, s.address, ids(s.rows)])).toEqual([
      ['sms', '+15550100009', [1, 3, 5]],
      ['email', 'sam@nightowl.example', [2]],
    ]);
    expect(plan.cancel.map((c) => c.row.id)).toEqual([4]);
  });

  it('a contact at its limit waits until its oldest send in the window leaves it, then gets one bundle', () => {
    const recent = new Map([[contactKey(row(1)), [NOW - 50 * S, NOW - 20 * S, NOW - 10 * S]]]);
    const plan = planDelivery([row(1), row(2)], open, recent, NOW, rules);
    expect(plan.send).toEqual([]);
    expect(plan.defer).toEqual([{ rows: [row(1), row(2)], until: NOW - 50 * S + RATE_WINDOW_MS }]);
  });

  it('a contact under its limit is sent to; another contact is not held back by it', () => {
    const recent = new Map([
      [contactKey(row(1)), [NOW - 20 * S, NOW - 10 * S]],
      [contactKey({ channel: 'email', address: 'x@y' }), [NOW - 30 * S, NOW - 20 * S, NOW - 10 * S]],
    ]);
    const plan = planDelivery([row(1), row(2, { channel: 'email', address: 'x@y' })], open, recent, NOW, rules);
    expect(plan.send.map((s) => ids(s.rows))).toEqual([[1]]);
    expect(plan.defer.map((d) => ids(d.rows))).toEqual([[2]]);
  });

  it('no more sends than the lease covers; the rest go back', () => {
    const claimed = [1, 2, 3, 4].map((id) => row(id, { address: `+1555010000${id}` }));
    const plan = planDelivery(claimed, open, new Map(), NOW, rules);
    expect(plan.send.map((s) => ids(s.rows))).toEqual([[1], [2]]);
    expect(plan.release.map((s) => ids(s.rows))).toEqual([[3], [4]]);
  });

  it('a new send names its carrier, the first row by id, on every row: what the claim records before sending', () => {
    const plan = planDelivery([row(5), row(3)], open, new Map(), NOW, rules);
    expect(plan.send).toEqual([
      { channel: 'sms', address: '+15550100009', formed: true, rows: [row(3, { bundle_id: 3 }), row(5, { bundle_id: 3 })] },
    ]);
  });

  it('a recorded send goes again as it was, pages acknowledged since included; new pages to the contact go in a send of their own', () => {
    const claimed = [row(1, { bundle_id: 1, incident_id: 2 }), row(6), row(2, { bundle_id: 1 })];
    const plan = planDelivery(claimed, open, new Map(), NOW, { ...rules, sendsPerClaim: 10 });
    expect(plan.cancel).toEqual([]);
    expect(plan.send.map((s) => [s.formed, ids(s.rows), s.rows.map((r) => r.bundle_id)])).toEqual([
      [false, [1, 2], [1, 1]],
      [true, [6], [6]],
    ]);
  });

  it('a recorded send none of whose pages is wanted any more is cancelled whole', () => {
    const claimed = [row(1, { bundle_id: 1, incident_id: 2 }), row(2, { bundle_id: 1, incident_id: 3 })];
    const plan = planDelivery(claimed, open, new Map(), NOW, rules);
    expect(plan.send).toEqual([]);
    expect(plan.cancel.map((c) => [c.row.id, c.incidentStatus])).toEqual([
      [1, 'acknowledged'],
      [2, 'resolved'],
    ]);
  });

  it('the rate limit counts each send to a contact: a recorded one and a new one', () => {
    const recent = new Map([[contactKey(row(1)), [NOW - 20 * S]]]);
    const claimed = [row(1, { bundle_id: 1 }), row(2)];
    expect(planDelivery(claimed, open, recent, NOW, rules).send.map((s) => ids(s.rows))).toEqual([[1], [2]]);
    recent.set(contactKey(row(1)), [NOW - 20 * S, NOW - 10 * S]);
    const plan = planDelivery(claimed, open, recent, NOW, rules);
    expect(plan.send.map((s) => ids(s.rows))).toEqual([[1]]);
    expect(plan.defer).toEqual([{ rows: [row(2)], until: NOW - 20 * S + RATE_WINDOW_MS }]);
  });

  it('asks for the recent sends of the contacts it may send to, each once', () => {
    const claimed = [row(1), row(2, { incident_id: 2, address: 'gone' }), row(3), row(4, { channel: 'email', address: 'x@y' })];
    expect(contactsToCheck(claimed, open)).toEqual([
      { channel: 'sms', address: '+15550100009' },
      { channel: 'email', address: 'x@y' },
    ]);
  });
});

describe('rateLimitedUntil', () => {
  it.each([
    { what: 'under the limit', recent: [NOW - 10 * S, NOW - 5 * S], until: undefined },
    {
      what: 'at the limit: when the oldest counted send leaves the window',
      recent: [NOW - 40 * S, NOW - 10 * S, NOW - 5 * S],
      until: NOW + 20 * S,
    },
    {
      what: 'over it: the send that frees a slot counts',
      recent: [NOW - 50 * S, NOW - 40 * S, NOW - 10 * S, NOW - 5 * S],
      until: NOW + 20 * S,
    },
    { what: 'never sooner than a second from now', recent: [NOW - 59.9 * S, NOW - 10 * S, NOW - 5 * S], until: NOW + S },
  ])('$what', ({ recent, until }) => {
    expect(rateLimitedUntil(recent, 3, NOW)).toBe(until);
  });
});

describe('beforeSend: what the claim writes before anything is sent', () => {
  it("each new send's rows and carrier; a cancelled page says why; held and released messages go back with the attempt not counted", () => {
    const open = incidents(incident(1, 'triggered'), incident(2, 'acknowledged'));
    const recent = new Map([[contactKey({ channel: 'email', address: 'x@y' }), [NOW - 30 * S, NOW - 20 * S, NOW - 10 * S]]]);
    const claimed = [
      row(1, { incident_id: 2 }),
      row(2, { channel: 'email', address: 'x@y' }),
      row(3, { address: 'a' }),
      row(4, { address: 'b' }),
      row(5, { address: 'c' }),
    ];
    const { updates, timeline } = beforeSend(planDelivery(claimed, open, recent, NOW, rules), NOW, rules);
    expect(updates).toEqual([
      { ids: [3], set: { bundle_id: 3 } },
      { ids: [4], set: { bundle_id: 4 } },
      { ids: [1], set: { status: 'cancelled', lease_until: null } },
      { ids: [2], set: { status: 'pending', next_attempt_at: NOW + 30 * S, lease_until: null }, undoAttempt: true },
      { ids: [5], set: { status: 'pending', lease_until: null }, undoAttempt: true },
    ]);
    expect(timeline).toEqual([
      {
        engagementId: 'acme',
        incidentId: 2,
        at: NOW,
        kind: 'notification.cancelled',
        actor: expect.objectContaining({ type: 'system' }),
        message: 'Not sent to SAM by sms: the incident was acknowledged first.',
        data: { notification: 1, channel: 'sms', recipient: 'person:sam' },
      },
    ]);
  });
});

describe('settle: how a send ends', () => {
  const single: Send = { channel: 'sms', address: '+15550100009', formed: true, rows: [row(7, { due_at: NOW - 3 * S, bundle_id: 7 })] };
  const bundle: Send = {
    channel: 'sms',
    address: '+15550100009',
    formed: true,
    rows: [row(7, { due_at: NOW - 3 * S, bundle_id: 7 }), row(8, { incident_id: 2, due_at: NOW - S, bundle_id: 7 })],
  };
  const retryable = (error: string, retryAfterMs?: number): DeliveryResult =>
    retryAfterMs === undefined ? { status: 'retryable', error } : { status: 'retryable', error, retryAfterMs };

  it('delivered: one message', () => {
    const s = settle(single, 'tandem-acme-7', { status: 'delivered', providerId: 'SM1' }, NOW, rules);
    expect(s.update).toEqual({
      ids: [7],
      set: { status: 'delivered', delivered_at: NOW, provider_id: 'SM1', lease_until: null, last_error: null },
    });
    expect(s.timeline.map((t) => [t.kind, t.message, t.data])).toEqual([
      [
        'notification.delivered',
        'Paged SAM by sms (+15550100009): delivered.',
        { notification: 7, channel: 'sms', recipient: 'person:sam', message: 'tandem-acme-7', attempt: 1, provider_id: 'SM1' },
      ],
    ]);
    expect(s.metric).toEqual({ channel: 'sms', status: 'delivered', latenciesMs: [3 * S] });
  });

  it('delivered: a bundle is carried by its first row, and every incident hears of it', () => {
    const s = settle(bundle, 'tandem-acme-7', { status: 'delivered' }, NOW, rules);
    // Which rows the send carried was recorded before it left (beforeSend); the result does not change it.
    expect(s.update).toMatchObject({ ids: [7, 8], set: { provider_id: null } });
    expect(s.update.set).not.toHaveProperty('bundle_id');
    expect(s.timeline.map((t) => [t.incidentId, t.message])).toEqual([
      [1, 'Paged SAM by sms (+15550100009) in a bundle of 2 incidents: delivered.'],
      [2, 'Paged SAM by sms (+15550100009) in a bundle of 2 incidents: delivered.'],
    ]);
    expect(s.metric.latenciesMs).toEqual([3 * S, S]);
  });

  it('delivered on a later attempt says which', () => {
    const s = settle({ ...single, rows: [row(7, { attempts: 3 })] }, 'm', { status: 'delivered' }, NOW, rules);
    expect(s.timeline[0]?.message).toBe('Paged SAM by sms (+15550100009): delivered on attempt 3.');
  });

  it('a permanent failure is final at once', () => {
    const s = settle(single, 'm', { status: 'permanent', error: 'HTTP 404 no_service' }, NOW, rules);
    expect(s.update).toEqual({ ids: [7], set: { status: 'failed', last_error: 'HTTP 404 no_service', lease_until: null } });
    expect(s.timeline[0]?.message).toBe('Paging SAM by sms (+15550100009) failed permanently: HTTP 404 no_service');
    expect(s.metric.status).toBe('failed');
  });

  it('a retryable failure on the last attempt is final', () => {
    const s = settle({ ...single, rows: [row(7, { attempts: 6 })] }, 'm', retryable('timed out after 10000 ms'), NOW, rules);
    expect(s.update.set.status).toBe('failed');
    expect(s.timeline[0]?.message).toBe('Paging SAM by sms (+15550100009) failed after 6 attempts: timed out after 10000 ms');
  });

  it('a retryable failure backs off and says when the next attempt comes', () => {
    const s = settle({ ...single, rows: [row(7, { attempts: 2 })] }, 'm', retryable('HTTP 503'), NOW, rules);
    expect(s.update).toEqual({
      ids: [7],
      set: { status: 'pending', next_attempt_at: NOW + 20 * S, last_error: 'HTTP 503', lease_until: null },
    });
    expect(s.timeline[0]?.message).toBe('Paging SAM by sms (+15550100009): attempt 2 failed (HTTP 503); retrying in 20s.');
    expect(s.timeline[0]?.data).toMatchObject({ attempt: 2, error: 'HTTP 503', retry_in_ms: 20 * S });
    expect(s.metric.status).toBe('retrying');
  });

  it('the stored error is cut; the timeline keeps it whole', () => {
    const long = 'x'.repeat(1500);
    const s = settle(single, 'm', retryable(long), NOW, rules);
    expect(s.update.set.last_error).toHaveLength(1000);
    expect(s.timeline[0]?.message).toContain(long);
  });
});

describe('retryDelay', () => {
  it.each([
    { attempt: 1, retryAfter: undefined, delay: 10 * S },
    { attempt: 2, retryAfter: undefined, delay: 20 * S },
    { attempt: 5, retryAfter: undefined, delay: 160 * S },
    { attempt: 10, retryAfter: undefined, delay: MAX_BACKOFF_MS },
    { attempt: 1, retryAfter: 30 * S, delay: 30 * S },
    { attempt: 3, retryAfter: 5 * S, delay: 40 * S },
  ])('attempt $attempt, Retry-After $retryAfter: $delay ms', ({ attempt, retryAfter, delay }) => {
    expect(retryDelay(attempt, 10 * S, retryAfter)).toBe(delay);
  });
});

describe('recipientName', () => {
  const path = fileURLToPath(new URL('../../demo/acme.yaml', import.meta.url));
  const acme = loadEngagementText(readFileSync(path, 'utf8'), 'demo/acme.yaml').engagement;

  it.each([
    { kind: 'person', id: 'dana', name: 'Dana Reyes' },
    { kind: 'person', id: 'left-the-company', name: 'left-the-company' },
    { kind: 'team', id: 'helpdesk', name: 'team helpdesk' },
  ])('$kind $id is $name', ({ kind, id, name }) => {
    expect(recipientName(acme, { recipient_kind: kind, recipient_id: id })).toBe(name);
  });

  it('a person of an engagement no longer loaded goes by their id', () => {
    expect(recipientName(undefined, { recipient_kind: 'person', recipient_id: 'dana' })).toBe('dana');
  });
});
