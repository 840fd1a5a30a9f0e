/**
 * Delivery, against real local peers on a virtual clock: a failing receiver
 * is retried with backoff and then marked failed on the timeline; an alert
 * storm reaches the on-call as one summary message; a contact over its rate
 * limit waits and gets the rest in one bundle.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { databaseKinds } from '../support/databases.js';
import { startHarness } from '../support/harness.js';
import type { Harness } from '../support/harness.js';

const PAYMENTS = '9f1c2a7e5b3d4c6e8a0b1d2f3e4a5b6c';
const NIGHT = '2026-11-25T04:47:00Z'; // Tuesday 23:47 New York: Ana (Teams) is the NOC on-call

interface Entry {
  kind: string;
  message: string;
  data: { notification?: number } | null;
}

describe.each(databaseKinds())('delivery, on $name', (kind) => {
  let h: Harness;
  let viewer: string;
  afterEach(async () => h?.close());

  async function start(extraArgs: string[] = []) {
    h = await startHarness(kind, { start: NIGHT, peers: true, extraArgs });
    viewer = await h.token('viewer');
  }
  async function trigger(summary: string, dedup = summary) {
    expect(
      (
        await h.ingest('/v2/enqueue', {
          routing_key: PAYMENTS,
          event_action: 'trigger',
          dedup_key: dedup,
          payload: { summary, source: 'probe', severity: 'critical' },
        })
      ).statusCode,
    ).toBe(202);
  }
  async function timeline(number: string): Promise<Entry[]> {
    return (await h.api('GET', `/incidents/${number}`, viewer)).json<{ incident: { timeline: Entry[] } }>().incident.timeline;
  }
  const notes = (t: Entry[]) => t.filter((e) => e.kind.startsWith('notification.')).map((e) => e.message);
  /** The attempts of the first message the incident sent (later tiers and passes page others too). */
  const firstMessage = (t: Entry[]) => {
    const id = t.find((e) => e.kind.startsWith('notification.'))?.data?.notification;
    return t.filter((e) => e.kind.startsWith('notification.') && e.data?.notification === id).map((e) => e.message);
  };
  const peers = () => {
    if (!h.peers) throw new Error('no peers');
    return h.peers;
  };

  it('a receiver that fails twice with 503 is retried with backoff and delivered on attempt 3', async () => {
    await start();
    peers().teams.failNext(2, 503, 'Service Unavailable');
    await trigger('Payment API down');
    await h.settle();
    expect(notes(await timeline('ACME-1'))).toEqual([
      expect.stringMatching(/^Paging Ana Souza by teams \(.*\): attempt 1 failed \(.*503.*\); retrying in 10s\.$/),
    ]);
    h.clock.advance(9_999);
    await h.settle();
    expect(peers().teams.requests).toHaveLength(1);
    h.clock.advance(1);
    await h.settle();
    expect(notes(await timeline('ACME-1'))[1]).toMatch(/attempt 2 failed .*; retrying in 20s\.$/);
    h.clock.advance(20_000);
    await h.settle();
    const t = notes(await timeline('ACME-1'));
    expect(t[2]).toBe('Paged Ana Souza by teams (https://nightowl.webhook.office.example/webhookb2/ana): delivered on attempt 3.');
    expect(peers().teams.requests).toHaveLength(3);
  });

  it('a receiver that keeps failing is marked failed on the timeline after the last attempt', async () => {
    await start();
    peers().teams.failNext(100, 502, 'Bad Gateway');
    await trigger('Payment API down');
    for (let i = 0; i < 8; i++) {
      await h.settle();
      h.clock.advance(11 * 60_000);
    }
    const t = firstMessage(await timeline('ACME-1'));
    expect(t).toHaveLength(6);
    expect(t[5]).toMatch(/failed after 6 attempts: .*502/);
    expect(t.slice(0, 5).every((m) => /attempt \d failed/.test(m))).toBe(true);
  });

  it('a permanent refusal (410 Gone) is not retried', async () => {
    await start();
    peers().teams.failNext(1, 410, 'Gone');
    await trigger('Payment API down');
    await h.settle();
    h.clock.advance(60 * 60_000);
    await h.settle();
    expect(firstMessage(await timeline('ACME-1'))).toEqual([
      expect.stringMatching(/^Paging Ana Souza by teams .* failed permanently: .*410/),
    ]);
  });

  it('an alert storm: twenty incidents in one second reach the on-call as one summary message', async () => {
    await start();
    for (let i = 1; i <= 20; i++) await trigger(`Node ${i} unreachable`);
    await h.settle();
    expect(peers().teams.requests).toHaveLength(1);
    const card = JSON.stringify(peers().teams.requests[0]?.body);
    expect(card).toContain('20 incidents');
    for (const n of [1, 7, 20]) {
      expect(notes(await timeline(`ACME-${n}`))).toEqual([
        'Paged Ana Souza by teams (https://nightowl.webhook.office.example/webhookb2/ana) in a bundle of 20 incidents: delivered.',
      ]);
    }
  });

  it("a bundle keeps each page's reason: a new incident's tier 1 and an older one's tier 2 reach Ana in one message", async () => {
    await start();
    await trigger('Payment API down');
    await h.settle();
    expect(peers().teams.requests).toHaveLength(1);
    // 23:52: ACME-1's tier 2 pages the NOC team (Ana is in it) as ACME-2 opens and its tier 1 pages Ana, the on-call.
    h.clock.set('2026-11-25T04:52:00Z');
    await trigger('Card terminals offline');
    await h.settle();
    expect(peers().teams.requests).toHaveLength(2);
    const card = JSON.stringify(peers().teams.requests[1]?.body);
    expect(card).toContain('2 incidents on Acme Payments');
    expect(card).toContain('Why you: each incident below says why you are paged for it.');
    expect(card).toContain('Why you: Tier 2 of partner-noc (1st pass of 3), NightOwl MSP');
    expect(card).toContain('Why you: Tier 1 of partner-noc (1st pass of 3), NightOwl MSP');
  });

  it('a contact over its rate limit waits, then gets the rest in one bundle', async () => {
    await start(['--contact-rate', '3']);
    for (let i = 1; i <= 5; i++) {
      await trigger(`Disk ${i} full`);
      await h.settle();
      h.clock.advance(5_000);
    }
    // Three messages in the first minute, one per incident; incidents 4 and 5 wait.
    expect(peers().teams.requests).toHaveLength(3);
    h.clock.set('2026-11-25T04:48:00.001Z');
    await h.settle();
    expect(peers().teams.requests).toHaveLength(4);
    expect(JSON.stringify(peers().teams.requests[3]?.body)).toContain('2 incidents');
    expect(notes(await timeline('ACME-5'))).toEqual([
      'Paged Ana Souza by teams (https://nightowl.webhook.office.example/webhookb2/ana) in a bundle of 2 incidents: delivered.',
    ]);
  });

  it('/metrics counts pages sent and failed per channel, delivery latency and escalation lateness', async () => {
    await start();
    const metrics = async () => (await h.tandem.http.inject({ url: '/metrics' })).body;
    // Ana's Teams hook fails once with 503: delivered on the retry 10 s after the page was due.
    peers().teams.failNext(1, 503, 'Service Unavailable');
    await trigger('Payment API down');
    await h.settle();
    h.clock.advance(10_000);
    await h.settle();
    // The next page to her is refused for good.
    peers().teams.failNext(1, 410, 'Gone');
    await trigger('Card network timeouts');
    await h.settle();
    let text = await metrics();
    expect(text).toContain('\ntandem_pages_sent_total{channel="teams"} 1\n');
    expect(text).toContain('\ntandem_pages_failed_total{channel="teams"} 1\n');
    expect(text).toContain('\ntandem_delivery_latency_seconds_count{channel="teams"} 1\n');
    expect(text).toContain('\ntandem_delivery_latency_seconds_bucket{le="5",channel="teams"} 0\n');
    expect(text).toContain('\ntandem_delivery_latency_seconds_bucket{le="10",channel="teams"} 1\n');
    // Both first tiers fired the moment they were due.
    expect(text).toContain('\ntandem_escalation_lateness_seconds_bucket{le="0.05",kind="tier"} 2\n');
    // Tier 2 of both incidents comes due at +5 min; the engine looks again only at +5 min 30 s.
    h.clock.advance(5 * 60_000 + 20_000);
    await h.settle();
    text = await metrics();
    expect(text).toContain('\ntandem_escalation_lateness_seconds_count{kind="tier"} 4\n');
    expect(text).toContain('\ntandem_escalation_lateness_seconds_bucket{le="10",kind="tier"} 2\n');
    expect(text).toContain('\ntandem_escalation_lateness_seconds_bucket{le="30",kind="tier"} 4\n');
  });

  it('a page due after the incident was acknowledged is not sent, and the timeline says so', async () => {
    await start();
    await trigger('Payment API down');
    await h.settle();
    // Tier 2 at +5m pages Kim by SMS; acknowledge just before.
    const responder = await h.token('responder', ['acme'], 'sam');
    h.clock.advance(4 * 60_000);
    expect((await h.api('POST', '/incidents/ACME-1/acknowledge', responder)).statusCode).toBe(200);
    h.clock.advance(60_000);
    await h.settle();
    expect(peers().twilio.messages).toHaveLength(0);
    const t = await timeline('ACME-1');
    expect(t.filter((e) => e.kind === 'escalation.paged')).toHaveLength(1);
  });
});
