/**
 * SLAs on live incidents, on a virtual clock: warnings at each threshold
 * exactly once to the current responders, the breach recorded with its
 * credit, pauses while waiting on the customer, re-targeting on a priority
 * change, and a business-hours clock across Thanksgiving.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { databaseKinds } from '../support/databases.js';
import { startHarness } from '../support/harness.js';
import type { Harness } from '../support/harness.js';

const PAYMENTS = '9f1c2a7e5b3d4c6e8a0b1d2f3e4a5b6c';
const MIN = 60_000;

interface Clock {
  sla: string;
  kind: string;
  status: string;
  target_s: number | null;
  remaining_s: number | null;
  percent_used: number | null;
  deadline: string | null;
  breached_at: string | null;
}
interface Incident {
  id: number;
  priority: string;
  sla: Clock[];
  timeline: Array<{ kind: string; message: string; at: string }>;
}

describe.each(databaseKinds())('SLA clocks on incidents, on $name', (kind) => {
  let h: Harness;
  let admin: string;
  afterEach(async () => h?.close());

  async function start(at: string) {
    h = await startHarness(kind, { start: at, peers: true });
    admin = await h.token('admin');
  }
  async function open(severity = 'critical'): Promise<number> {
    expect(
      (
        await h.ingest('/v2/enqueue', {
          routing_key: PAYMENTS,
          event_action: 'trigger',
          payload: { summary: 'Payments down', source: 'p', severity },
        })
      ).statusCode,
    ).toBe(202);
    await h.settle();
    return (await h.api('GET', '/incidents', admin)).json<{ incidents: Array<{ id: number }> }>().incidents[0]?.id ?? 0;
  }
  const get = async (id: number) => (await h.api('GET', `/incidents/${id}`, admin)).json<{ incident: Incident }>().incident;
  const clockOf = (i: Incident, sla: string, k: string) => i.sla.find((c) => c.sla === sla && c.kind === k);
  const of = (i: Incident, kind: string) => i.timeline.filter((t) => t.kind === kind);
  async function at(ms: number) {
    h.clock.set(ms);
    await h.settle();
  }

  it('a partner P1 at night: warnings at 50, 75 and 90% once each to the responders, then the breach and its credit', async () => {
    await start('2026-11-25T04:47:00Z');
    const t0 = h.clock.now();
    const id = await open();
    let i = await get(id);
    expect(i.sla.map((c) => `${c.sla}/${c.kind}:${c.status}`)).toEqual(['partner-sla/respond:running', 'partner-sla/resolve:running']);
    expect(clockOf(i, 'partner-sla', 'respond')).toMatchObject({ target_s: 900, deadline: '2026-11-25T05:02:00.000Z' });

    await at(t0 + 7.5 * MIN - 1);
    expect(of(await get(id), 'sla.warning')).toHaveLength(0);
    await at(t0 + 7.5 * MIN);
    for (let k = 0; k < 3; k++) await h.settle();
    i = await get(id);
    expect(of(i, 'sla.warning').map((t) => t.message)).toEqual([
      'SLA warning: partner-sla respond target for P1 (15m) is 50% used; 7m 30s left, due by 2026-11-25T05:02:00.000Z. Notifying Sam Okafor, Kim Tan, Ana Souza.',
    ]);
    // The warning went out like a page, to the people paged last (tier 2: Sam, Kim, Ana).
    expect(h.peers?.twilio.messages.some((m) => m.body.includes('50%'))).toBe(true);

    await at(t0 + 11.25 * MIN);
    await at(t0 + 13.5 * MIN);
    await at(t0 + 14 * MIN);
    i = await get(id);
    expect(of(i, 'sla.warning').map((t) => t.message.split(' is ')[1]?.slice(0, 8))).toEqual(['50% used', '75% used', '90% used']);
    expect(clockOf(i, 'partner-sla', 'respond')).toMatchObject({ status: 'running', remaining_s: 60, percent_used: 93.3 });

    await at(t0 + 15 * MIN);
    expect(of(await get(id), 'sla.breached')).toHaveLength(0);
    await at(t0 + 15 * MIN + 1);
    await at(t0 + 20 * MIN);
    i = await get(id);
    expect(of(i, 'sla.breached').map((t) => t.message)).toEqual([
      'SLA breached: partner-sla respond target for P1 (15m) was due by 2026-11-25T05:02:00.000Z. Service credit: 5% of the monthly fee.',
    ]);
    expect(clockOf(i, 'partner-sla', 'respond')).toMatchObject({ status: 'breached', breached_at: '2026-11-25T05:02:00.000Z' });
    // Acknowledging later does not undo a breach; the resolve clock keeps running.
    expect((await h.api('POST', `/incidents/${id}/acknowledge`, admin)).statusCode).toBe(200);
    await h.settle();
    i = await get(id);
    expect(clockOf(i, 'partner-sla', 'respond')?.status).toBe('breached');
    expect(clockOf(i, 'partner-sla', 'resolve')?.status).toBe('running');
    const metrics = (await h.tandem.http.inject({ url: '/metrics' })).body;
    expect(metrics).toMatch(/tandem_sla_breaches_total\{engagement="acme",sla="partner-sla",kind="respond"\} 1/);
  });

  it('waiting on the customer pauses the resolve clock; resolving inside the extended target is met', async () => {
    await start('2026-11-25T04:47:00Z');
    const t0 = h.clock.now();
    const id = await open();
    await at(t0 + 5 * MIN);
    expect((await h.api('POST', `/incidents/${id}/acknowledge`, admin)).statusCode).toBe(200);
    await at(t0 + 60 * MIN);
    expect((await h.api('POST', `/incidents/${id}/status`, admin, { status: 'waiting_on_customer' })).statusCode).toBe(200);
    await at(t0 + 61 * MIN);
    let i = await get(id);
    expect(clockOf(i, 'partner-sla', 'respond')?.status).toBe('met');
    expect(clockOf(i, 'partner-sla', 'resolve')).toMatchObject({ status: 'paused', deadline: null });
    await at(t0 + 180 * MIN);
    expect((await h.api('POST', `/incidents/${id}/status`, admin, { status: 'acknowledged' })).statusCode).toBe(200);
    await at(t0 + 181 * MIN);
    i = await get(id);
    // 4h target, 2h paused: due 6h after opening.
    expect(clockOf(i, 'partner-sla', 'resolve')).toMatchObject({ status: 'running', deadline: new Date(t0 + 360 * MIN).toISOString() });
    await at(t0 + 330 * MIN);
    expect((await h.api('POST', `/incidents/${id}/resolve`, admin)).statusCode).toBe(200);
    await at(t0 + 400 * MIN);
    i = await get(id);
    expect(clockOf(i, 'partner-sla', 'resolve')?.status).toBe('met');
    expect(of(i, 'sla.breached')).toHaveLength(0);
  });

  it('raising P2 to P1 after 20 minutes re-targets: the 15-minute respond target was already missed', async () => {
    await start('2026-11-25T04:47:00Z');
    const t0 = h.clock.now();
    const id = await open('warning'); // warning x criticality 1 = P2: respond 30m
    let i = await get(id);
    expect(i.priority).toBe('P2');
    expect(clockOf(i, 'partner-sla', 'respond')).toMatchObject({ target_s: 1800 });
    await at(t0 + 20 * MIN);
    expect(of(await get(id), 'sla.breached')).toHaveLength(0);
    expect((await h.api('POST', `/incidents/${id}/priority`, admin, { priority: 'P1' })).statusCode).toBe(200);
    await h.settle();
    i = await get(id);
    expect(of(i, 'incident.priority').map((t) => t.message)).toEqual([expect.stringMatching(/^Priority P2 -> P1 by /)]);
    expect(clockOf(i, 'partner-sla', 'respond')).toMatchObject({
      status: 'breached',
      target_s: 900,
      breached_at: '2026-11-25T05:02:00.000Z',
    });
    expect(of(i, 'sla.breached')[0]?.message).toContain('Service credit: 5%');
    expect((await h.api('POST', `/incidents/${id}/priority`, admin, { priority: 'P9' })).json()).toMatchObject({
      error: { code: 'INVALID_BODY', field: 'priority' },
    });
  });

  it('the internal OLA counts business hours only: opened Wednesday 17:30 before Thanksgiving, it breaches Friday at opening time', async () => {
    await start('2026-11-25T22:30:00Z'); // Wednesday 17:30 New York
    const id = await open(); // internal P1: respond 30m of business time
    let i = await get(id);
    expect(i.sla.map((c) => c.sla)).toEqual(['internal-ola', 'internal-ola']);
    // 30 business minutes run out at 18:00 exactly; acknowledging any time before the next business
    // minute is still met, so the deadline is Friday 08:00 (Thursday is Thanksgiving).
    expect(clockOf(i, 'internal-ola', 'respond')).toMatchObject({ target_s: 1800, deadline: '2026-11-27T13:00:00.000Z' });
    await at(Date.parse('2026-11-27T12:59:59Z')); // Friday 07:59:59: the clock has not moved since Wednesday 18:00
    i = await get(id);
    expect(clockOf(i, 'internal-ola', 'respond')).toMatchObject({ status: 'running', remaining_s: 0 });
    expect(of(i, 'sla.breached')).toHaveLength(0);
    await at(Date.parse('2026-11-27T13:00:01Z')); // Friday 08:00:01
    i = await get(id);
    expect(clockOf(i, 'internal-ola', 'respond')?.status).toBe('breached');
    expect(of(i, 'sla.breached')[0]?.message).toBe(
      'SLA breached: internal-ola respond target for P1 (30m) was due by 2026-11-27T13:00:00.000Z.',
    );
  });
});

describe.each(databaseKinds())('priority and SLA details seen through the API, on $name', (kind) => {
  let h: Harness;
  let admin: string;
  afterEach(async () => h?.close());

  it('raising a P5 that paged nobody to P2 starts paging at once; a resolved incident keeps its priority (409)', async () => {
    h = await startHarness(kind, { start: '2026-11-25T04:47:00Z' });
    admin = await h.token('admin');
    // info x criticality 2 (storefront) = P5: opens, pages nobody.
    expect(
      (
        await h.ingest('/v2/enqueue', {
          routing_key: '0a1b2c3d4e5f60718293a4b5c6d7e8f9',
          event_action: 'trigger',
          payload: { summary: 'Cart slow', source: 'shop', severity: 'info' },
        })
      ).statusCode,
    ).toBe(202);
    await h.settle();
    type I = {
      id: number;
      priority: string;
      timeline: Array<{ kind: string; message: string }>;
      sla: Array<{ kind: string; status: string }>;
    };
    const get = async () => (await h.api('GET', '/incidents/ACME-1', admin)).json<{ incident: I }>().incident;
    let i = await get();
    expect(i.priority).toBe('P5');
    expect(i.timeline.filter((t) => t.kind === 'escalation.paged')).toHaveLength(0);
    h.clock.advance(3 * MIN);
    expect((await h.api('POST', '/incidents/ACME-1/priority', admin, { priority: 'P2' })).statusCode).toBe(200);
    await h.settle();
    i = await get();
    expect(i.timeline.filter((t) => t.kind === 'escalation.paged').map((t) => t.message)).toEqual([
      'Tier 1 of partner-noc (1st pass of 3): paging Ana Souza (teams).',
    ]);
    // Acknowledging shows the respond clock met in the same response, before the engine looks again.
    const acked = (await h.api('POST', '/incidents/ACME-1/acknowledge', admin, undefined)).json<{ incident: I }>().incident;
    expect(acked.sla.find((c) => c.kind === 'respond')?.status).toBe('met');
    expect((await h.api('POST', '/incidents/ACME-1/resolve', admin)).statusCode).toBe(200);
    const late = await h.api('POST', '/incidents/ACME-1/priority', admin, { priority: 'P1' });
    expect(late.statusCode).toBe(409);
    expect(late.json()).toMatchObject({ error: { code: 'INVALID_TRANSITION' } });
  });

  it('as docs/api.md says: a raise into paging pages every tier whose time has passed at once; lowering does not stop a running escalation, and raising again does not start a second', async () => {
    h = await startHarness(kind, { start: '2026-11-25T04:47:00Z' });
    admin = await h.token('admin');
    type I = {
      priority: string;
      timeline: Array<{ kind: string; message: string; at: string }>;
      sla: Array<{ sla: string; kind: string; status: string; target_s: number | null }>;
    };
    const get = async (n: string) => (await h.api('GET', `/incidents/${n}`, admin)).json<{ incident: I }>().incident;
    const messages = (i: I, kind: string) => i.timeline.filter((t) => t.kind === kind).map((t) => t.message);
    const setPriority = async (n: string, priority: string) => {
      expect((await h.api('POST', `/incidents/${n}/priority`, admin, { priority })).statusCode).toBe(200);
      await h.settle();
    };

    // ACME-1: a P5 (pages nobody) raised to P2 six minutes after it opened. partner-noc's tiers count from
    // the opening: tier 1 (0m) and tier 2 (5m) are both overdue and are paged at once.
    expect(
      (
        await h.ingest('/v2/enqueue', {
          routing_key: '0a1b2c3d4e5f60718293a4b5c6d7e8f9',
          event_action: 'trigger',
          payload: { summary: 'Cart slow', source: 'shop', severity: 'info' },
        })
      ).statusCode,
    ).toBe(202);
    await h.settle();
    h.clock.advance(6 * MIN);
    await setPriority('ACME-1', 'P2');
    let i = await get('ACME-1');
    expect(messages(i, 'routing')).toEqual([
      'Routing: after hours: partner owns cloud; policy partner-noc. P5 pages nobody (priorities.page).',
      'Routing: after hours: partner owns cloud; policy partner-noc.',
    ]);
    expect(messages(i, 'escalation.paged').map((m) => m.split(':')[0])).toEqual([
      'Tier 1 of partner-noc (1st pass of 3)',
      'Tier 2 of partner-noc (1st pass of 3)',
    ]);
    expect(i.timeline.filter((t) => t.kind === 'escalation.paged').map((t) => t.at)).toEqual([
      '2026-11-25T04:53:00.000Z',
      '2026-11-25T04:53:00.000Z',
    ]);
    expect(i.sla.find((c) => c.sla === 'partner-sla' && c.kind === 'respond')).toMatchObject({ status: 'running', target_s: 1800 });

    // Lowered to P5: no SLA target any more, but the escalation already running goes on (tier 3 at +15m).
    await setPriority('ACME-1', 'P5');
    i = await get('ACME-1');
    expect(i.sla.find((c) => c.sla === 'partner-sla' && c.kind === 'respond')?.status).toBe('not_applicable');
    h.clock.set('2026-11-25T05:02:00Z');
    await h.settle();
    expect(messages(await get('ACME-1'), 'escalation.paged').map((m) => m.split(':')[0])).toEqual([
      'Tier 1 of partner-noc (1st pass of 3)',
      'Tier 2 of partner-noc (1st pass of 3)',
      'Tier 3 of partner-noc (1st pass of 3)',
    ]);

    // Raised again: the escalation is already running, so nothing new starts (one routing decision that pages).
    await setPriority('ACME-1', 'P1');
    i = await get('ACME-1');
    expect(messages(i, 'routing')).toHaveLength(2);
    expect(messages(i, 'escalation.paged')).toHaveLength(3);
  });

  it('an empty JSON body is an empty object; a non-JSON body is 415; the engagement shows business hours as written', async () => {
    h = await startHarness(kind, { start: '2026-11-25T04:47:00Z' });
    admin = await h.token('admin');
    await h.ingest('/v2/enqueue', {
      routing_key: PAYMENTS,
      event_action: 'trigger',
      payload: { summary: 'x', source: 's', severity: 'critical' },
    });
    await h.settle();
    const empty = await h.tandem.http.inject({
      method: 'POST',
      url: '/api/v1/incidents/ACME-1/acknowledge',
      headers: { authorization: `Bearer ${admin}`, 'content-type': 'application/json' },
      payload: '',
    });
    expect(empty.statusCode).toBe(200);
    const text = await h.tandem.http.inject({
      method: 'POST',
      url: '/api/v1/incidents/ACME-1/notes',
      headers: { authorization: `Bearer ${admin}`, 'content-type': 'text/plain' },
      payload: 'hello',
    });
    expect(text.statusCode).toBe(415);
    expect(text.json()).toMatchObject({ error: { code: 'UNSUPPORTED_MEDIA_TYPE' } });
    const e = (await h.api('GET', '/engagements/acme', admin)).json<{ engagement: { coverage: { business_hours: unknown } } }>().engagement;
    expect(e.coverage.business_hours).toEqual({ days: ['mon', 'tue', 'wed', 'thu', 'fri'], from: '08:00', to: '18:00' });
  });
});
