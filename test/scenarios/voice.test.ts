/**
 * Voice calls, SMS replies and delivery reports (issue 13), as the on-call
 * night goes: Acme's payments API fails at 23:47 on a Tuesday, NightOwl's
 * NOC on-call (Ana Souza) is called first and texted 3 minutes later; the
 * NOC team is paged at 23:52. Twilio is a local fake that checks every
 * request as Twilio does and calls Tandem back with real signed requests
 * (X-Twilio-Signature) over HTTP, through Tandem's public URL
 * (https://tandem.acme.example, sent on to the local port as a reverse
 * proxy would).
 */
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { databaseKinds } from '../support/databases.js';
import type { DatabaseKind } from '../support/databases.js';
import { fakeTwilio } from '../support/fakes/twilio.js';
import type { FakeCall, FakeTwilio } from '../support/fakes/twilio.js';
import { startHarness } from '../support/harness.js';
import type { Harness } from '../support/harness.js';
import { DEMO } from '../support/paths.js';
import { EDR_KEY, ISSUE_SCOPE_YAML } from '../support/scope.js';

const PAYMENTS = '9f1c2a7e5b3d4c6e8a0b1d2f3e4a5b6c';
const PUBLIC = 'https://tandem.acme.example';
const ANA = '+15550100005';
const KIM = '+15550100004';
const SMS_WEBHOOK = `${PUBLIC}/integrations/twilio/sms`;

interface Entry {
  kind: string;
  message: string;
  at: string;
  actor: { type: string; id: string | null };
  data: Record<string, unknown> | null;
}
interface Incident {
  id: number;
  number: string;
  status: string;
  acknowledged_by: string | null;
  timeline: Entry[];
}

/** The demo, with Ana called first and texted after 3 minutes (and any more text, e.g. a scope section). */
function voiceDemo(more = ''): string {
  const yaml = readFileSync(DEMO, 'utf8');
  const ana = `    contact: { email: ana@nightowl.example, teams: "https://nightowl.webhook.office.example/webhookb2/ana" }
    notify:
      - { channel: teams, after: 0m }`;
  if (!yaml.includes(ana)) throw new Error('the demo changed: update voiceDemo()');
  const dir = mkdtempSync(join(tmpdir(), 'tandem-voice-'));
  const file = join(dir, 'acme.yaml');
  writeFileSync(
    file,
    yaml.replace(
      ana,
      `    contact: { email: ana@nightowl.example, sms: "${ANA}" }
    notify:
      - { channel: voice, after: 0m }
      - { channel: sms, after: 3m }`,
    ) + more,
  );
  return file;
}

describe.each(databaseKinds())('voice calls and SMS replies through Twilio, on $name', (kind: DatabaseKind) => {
  let h: Harness;
  let twilio: FakeTwilio;
  let viewer: string;
  afterEach(async () => {
    await h?.close();
    await twilio?.close();
  });

  async function start(more = ''): Promise<void> {
    twilio = await fakeTwilio({ accountSid: 'AC0123456789abcdef0123456789abcdef', authToken: 'voice-test-auth-token' });
    h = await startHarness(kind, {
      start: '2026-11-25T04:47:00Z', // Tuesday 23:47 in New York: after hours, the partner's NOC owns infrastructure
      config: [voiceDemo(more)],
      peers: true,
      listen: true,
      extraArgs: ['--twilio-url', twilio.url, '--public-url', PUBLIC],
      env: { TANDEM_TWILIO_ACCOUNT_SID: twilio.accountSid, TANDEM_TWILIO_AUTH_TOKEN: twilio.authToken },
    });
    if (h.tandem.url === undefined) throw new Error('Tandem does not listen');
    twilio.target = h.tandem.url;
    viewer = await h.token('viewer');
  }
  async function trigger(summary = 'Payment API is down'): Promise<Incident> {
    const res = await h.ingest('/v2/enqueue', {
      routing_key: PAYMENTS,
      event_action: 'trigger',
      dedup_key: summary,
      payload: { summary, source: 'monitor', severity: 'critical' },
    });
    expect(res.statusCode, res.body).toBe(202);
    await h.settle();
    const list = (await h.api('GET', '/incidents', viewer)).json<{ incidents: Array<{ id: number; title: string }> }>().incidents;
    return incident(list.find((i) => i.title === summary)?.id ?? 0);
  }
  async function incident(id: number): Promise<Incident> {
    return (await h.api('GET', `/incidents/${id}`, viewer)).json<{ incident: Incident }>().incident;
  }
  async function at(iso: string): Promise<void> {
    h.clock.set(iso);
    await h.settle();
  }
  const messages = (i: Incident, kind: string) => i.timeline.filter((t) => t.kind === kind).map((t) => t.message);
  function onlyCall(): FakeCall {
    expect(twilio.calls).toHaveLength(1);
    const call = twilio.calls[0];
    if (!call) throw new Error('no call');
    return call;
  }

  it('P1 at 23:47: Ana is called, hears the incident, presses 1, and the incident is acknowledged as hers; her SMS never goes out', async () => {
    await start();
    let i = await trigger();
    const call = onlyCall();
    expect(call.to).toBe(ANA);
    expect(call.from).toBe('+15550009999');
    expect(call.spoken[0]).toBe(
      'This is Tandem, paging Ana Souza for Acme Payments. Priority P1 incident ACME-1 on Payment processing API: Payment API is down. ' +
        'Press 1 to acknowledge. Press 2 to escalate to the next tier now.',
    );
    expect(call.gatherAction).toMatch(/^https:\/\/tandem\.acme\.example\/integrations\/twilio\/voice\/cv~/);
    expect(call.statusCallback).toMatch(/^https:\/\/tandem\.acme\.example\/integrations\/twilio\/status\/cv~/);
    expect(call.statusEvents).toEqual(['answered', 'completed']);
    expect(messages(i, 'notification.delivered')).toEqual([
      `Paged Ana Souza by voice (${ANA}): accepted by the provider; its delivery report follows.`,
    ]);

    // 23:48: she picks up.
    h.clock.set('2026-11-25T04:48:00Z');
    expect((await twilio.callStatus(call, 'in-progress')).status).toBe(204);
    const answer = await twilio.press(call, '1');
    expect(answer.status).toBe(200);
    expect(answer.contentType).toContain('text/xml');
    expect(answer.body).toBe(
      '<?xml version="1.0" encoding="UTF-8"?><Response><Say>ACME 1 is acknowledged. Escalation stops. Goodbye.</Say></Response>',
    );
    expect((await twilio.callStatus(call, 'completed')).status).toBe(204);

    i = await incident(i.id);
    expect(i.status).toBe('acknowledged');
    expect(i.acknowledged_by).toBe('person:ana');
    expect(i.timeline.find((t) => t.kind === 'incident.acknowledged')).toMatchObject({
      actor: { type: 'person', id: 'ana' },
      at: '2026-11-25T04:48:00.000Z',
      message: 'Acknowledged by Ana Souza (voice call)',
    });
    expect(messages(i, 'notification.status')).toEqual([
      `Call to Ana Souza (${ANA}) answered: delivered.`,
      `Call to Ana Souza (${ANA}) ended (Twilio: completed).`,
    ]);

    // 23:50, her SMS rule: not sent, the incident is acknowledged. 23:52: tier 2 is not paged.
    await at('2026-11-25T04:50:00Z');
    await at('2026-11-25T04:52:00Z');
    expect(twilio.messages).toEqual([]);
    expect(twilio.calls).toHaveLength(1);
  });

  it('Ana presses 2: the NOC team (tier 2) is paged at once instead of at 23:52; a key that does nothing is asked again', async () => {
    await start();
    let i = await trigger();
    const call = onlyCall();
    h.clock.set('2026-11-25T04:48:00Z');
    const wrong = await twilio.press(call, '7');
    expect(wrong.body).toContain(
      '<Say loop="2">That key does nothing. Press 1 to acknowledge. Press 2 to escalate to the next tier now.</Say>',
    );
    expect(wrong.body).toContain(`action="${call.gatherAction?.replaceAll('&', '&amp;') ?? ''}"`);
    const answer = await twilio.press(call, '2');
    expect(answer.body).toContain('Escalating ACME 1 to the next tier now.');
    await h.settle();
    i = await incident(i.id);
    expect(i.status).toBe('triggered');
    expect(messages(i, 'escalation.requested')).toEqual([
      'Ana Souza asked on a page call to escalate now: tier 2 is paged now instead of at 2026-11-25T04:52:00.000Z.',
    ]);
    expect(messages(i, 'escalation.paged')[1]).toMatch(
      /^Tier 2 of partner-noc \(1st pass of 3\): paging Sam Okafor \(webhook\), Kim Tan \(sms\), Ana Souza \(voice, sms after 3m\)/,
    );
    expect(twilio.messages.map((m) => m.to)).toEqual([KIM]);

    // Ana hangs up; the incident still waits, so her own next rule (SMS, due 23:50) goes now as well.
    expect((await twilio.callStatus(call, 'completed')).status).toBe(204);
    await h.settle();
    expect(twilio.messages.map((m) => m.to)).toEqual([KIM, ANA]);
    i = await incident(i.id);
    expect(messages(i, 'notification.status')).toContain(
      `Call to Ana Souza (${ANA}) ended without an acknowledgement (Twilio: completed). The next notify rule is due now.`,
    );
  });

  it('a call nobody answers moves Ana to her next rule at once (the SMS goes at 23:48, not 23:50); the same report twice acts once', async () => {
    await start();
    let i = await trigger();
    const call = onlyCall();
    await at('2026-11-25T04:48:00Z');
    expect(twilio.messages).toEqual([]);
    expect((await twilio.callStatus(call, 'no-answer')).status).toBe(204);
    await h.settle();
    expect(twilio.messages.map((m) => m.to)).toEqual([ANA]);
    i = await incident(i.id);
    expect(messages(i, 'notification.status')).toEqual([
      `Call to Ana Souza (${ANA}) not answered (Twilio: no-answer). The next notify rule is due now.`,
    ]);
    expect(messages(i, 'notification.advanced')).toEqual([
      `Ana Souza did not get the call: their next rule, sms to ${ANA}, goes out now instead of at 2026-11-25T04:50:00.000Z.`,
    ]);
    // Twilio repeats the callback: nothing new.
    expect((await twilio.callStatus(call, 'no-answer')).status).toBe(204);
    await h.settle();
    expect(twilio.messages).toHaveLength(1);
    i = await incident(i.id);
    expect(messages(i, 'notification.status')).toHaveLength(1);
    const row = await h.tandem.database.db.selectFrom('notifications').selectAll().where('channel', '=', 'voice').executeTakeFirstOrThrow();
    expect(row).toMatchObject({ status: 'failed', provider_status: 'no-answer', last_error: 'Twilio: no-answer', provider_id: call.sid });
  });

  it('forged callbacks are refused with 403 and change nothing: no signature, the wrong auth token, another URL, a forged token', async () => {
    await start();
    let i = await trigger();
    const call = onlyCall();
    const forged = [
      await twilio.press(call, '1', { signature: null }),
      await twilio.press(call, '1', { token: 'not-the-auth-token' }),
      await twilio.press(call, '1', { signedUrl: `${PUBLIC}/integrations/twilio/voice/other` }),
      await twilio.callStatus(call, 'no-answer', { token: 'not-the-auth-token' }),
      await twilio.inboundSms(SMS_WEBHOOK, ANA, 'ACK 1', { signature: 'AAAAAAAAAAAAAAAAAAAAAAAAAAA=' }),
    ];
    expect(forged.map((f) => f.status)).toEqual([403, 403, 403, 403, 403]);
    expect(JSON.parse(forged[1]?.body ?? '{}')).toMatchObject({ error: { code: 'TWILIO_SIGNATURE_INVALID', field: 'X-Twilio-Signature' } });
    // A token Tandem did not sign, even with Twilio's signature over it, names no delivery.
    const action = call.gatherAction ?? '';
    const other = await twilio.press({ ...call, gatherAction: `${action.slice(0, action.lastIndexOf('~'))}~AAAAAAAAAAAAAAAAAAAAAA` }, '1');
    expect(other.status).toBe(404);
    await h.settle();
    i = await incident(i.id);
    expect(i.status).toBe('triggered');
    expect(messages(i, 'notification.status')).toEqual([]);
    // Request logs never carry the token: the route is logged with it redacted.
    const { redactUrl } = await import('../../src/server/http.js');
    expect(redactUrl(new URL(action).pathname)).toBe('/integrations/twilio/voice/[redacted]');
  });

  it('SMS replies: "ack acme-1" from Ana acknowledges as Ana; anything else gets help; an unknown number changes nothing', async () => {
    await start();
    let i = await trigger();
    const unknown = await twilio.inboundSms(SMS_WEBHOOK, '+15557770000', 'ACK 1');
    expect(unknown.status).toBe(200);
    expect(unknown.body).toBe('<?xml version="1.0" encoding="UTF-8"?><Response></Response>');
    const chat = await twilio.inboundSms(SMS_WEBHOOK, ANA, 'on my way');
    expect(chat.body).toBe(
      '<?xml version="1.0" encoding="UTF-8"?><Response><Message>Tandem: reply ACK and the incident number to acknowledge it, e.g. &quot;ACK ACME-42&quot;.</Message></Response>',
    );
    const missing = await twilio.inboundSms(SMS_WEBHOOK, ANA, 'ACK 99');
    expect(missing.body).toContain('<Message>Tandem: there is no incident ACME-99.</Message>');
    expect((await incident(i.id)).status).toBe('triggered');

    h.clock.set('2026-11-25T04:49:00Z');
    const ack = await twilio.inboundSms(SMS_WEBHOOK, ANA, '  ack acme-1 ');
    expect(ack.status).toBe(200);
    expect(ack.body).toContain('<Message>Tandem: ACME-1 acknowledged by Ana Souza. Escalation stops.</Message>');
    i = await incident(i.id);
    expect(i.status).toBe('acknowledged');
    expect(i.acknowledged_by).toBe('person:ana');
    expect(messages(i, 'incident.acknowledged')).toEqual(['Acknowledged by Ana Souza (SMS reply)']);
    const again = await twilio.inboundSms(SMS_WEBHOOK, ANA, 'ACK 1');
    expect(again.body).toContain('<Message>Tandem: ACME-1 was already acknowledged.</Message>');
  });

  it('two incidents at once reach Ana in one call; pressing 1 acknowledges both', async () => {
    await start();
    for (const summary of ['Payment API is down', 'Card authorisations failing']) {
      const res = await h.ingest('/v2/enqueue', {
        routing_key: PAYMENTS,
        event_action: 'trigger',
        dedup_key: summary,
        payload: { summary, source: 'monitor', severity: 'critical' },
      });
      expect(res.statusCode).toBe(202);
    }
    await h.settle();
    const call = onlyCall();
    expect(call.spoken[0]).toContain('2 incidents wait for you.');
    expect(call.spoken[0]).toContain('Press 1 to acknowledge all 2.');
    const answer = await twilio.press(call, '1');
    expect(answer.body).toContain('ACME 1 is acknowledged. Escalation stops. ACME 2 is acknowledged. Escalation stops. Goodbye.');
    const list = (await h.api('GET', '/incidents', viewer)).json<{
      incidents: Array<{ status: string; acknowledged_by: string | null }>;
    }>();
    expect(list.incidents.map((i) => [i.status, i.acknowledged_by])).toEqual([
      ['acknowledged', 'person:ana'],
      ['acknowledged', 'person:ana'],
    ]);
  });

  it('scope: Dana (internal) texting ACK for a security incident is refused and nothing changes; Kim (the partner SOC) may', async () => {
    await start(`\n${ISSUE_SCOPE_YAML}\n`);
    const res = await h.ingest(`/integrations/generic/${EDR_KEY}`, { summary: 'Web shell on web-01', severity: 'critical' });
    expect(res.statusCode, res.body).toBe(202);
    await h.settle();
    const id = (await h.api('GET', '/incidents?service=edr', viewer)).json<{ incidents: Array<{ id: number; number: string }> }>()
      .incidents[0];
    if (!id) throw new Error('no security incident');
    const refused = await twilio.inboundSms(SMS_WEBHOOK, '+15550100001', `ACK ${id.number}`);
    expect(refused.body).toContain(
      `<Message>Tandem: you may not acknowledge ${id.number}: the engagement&apos;s scope does not give the internal side security_response on security incidents: held by partner (R).</Message>`,
    );
    expect((await incident(id.id)).status).toBe('triggered');
    const allowed = await twilio.inboundSms(SMS_WEBHOOK, KIM, `ack ${id.number}`);
    expect(allowed.body).toContain(`acknowledged by Kim Tan`);
    expect((await incident(id.id)).acknowledged_by).toBe('person:kim');
  });

  it('SMS delivery reports: accepted, then delivered to the phone or not (30003) on the timeline; the failed one is marked failed', async () => {
    await start();
    const i = await trigger();
    // 23:52: tier 2 texts Kim; Ana's own SMS rule went out at 23:50.
    await at('2026-11-25T04:50:00Z');
    await at('2026-11-25T04:52:00Z');
    expect(twilio.messages.map((m) => m.to)).toEqual([ANA, KIM]);
    const [ana, kim] = twilio.messages;
    if (!ana || !kim) throw new Error('messages');
    expect(ana.statusCallback).toMatch(/^https:\/\/tandem\.acme\.example\/integrations\/twilio\/status\/cs~/);
    expect((await twilio.messageStatus(ana, 'sent')).status).toBe(204);
    expect((await twilio.messageStatus(ana, 'delivered')).status).toBe(204);
    expect((await twilio.messageStatus(kim, 'undelivered', '30003')).status).toBe(204);
    // A late "sent" after "delivered" changes nothing.
    expect((await twilio.messageStatus(ana, 'sent')).status).toBe(204);
    const t = await incident(i.id);
    expect(messages(t, 'notification.delivered').filter((m) => m.includes('by sms'))).toEqual([
      `Paged Ana Souza by sms (${ANA}): accepted by the provider; its delivery report follows.`,
      `Paged Kim Tan by sms (${KIM}): accepted by the provider; its delivery report follows.`,
    ]);
    expect(messages(t, 'notification.status')).toEqual([
      `SMS to Ana Souza (${ANA}) delivered to the phone (Twilio: delivered).`,
      `SMS to Kim Tan (${KIM}) not delivered (Twilio: undelivered, error 30003). The next notify rule is due now.`,
    ]);
    expect(messages(t, 'notification.advanced')).toEqual([
      'Kim Tan did not get the SMS and has no later notify rule for this page; escalation continues as the policy says.',
    ]);
    const rows = await h.tandem.database.db
      .selectFrom('notifications')
      .select(['address', 'status', 'provider_status', 'last_error'])
      .where('channel', '=', 'sms')
      .where('provider_status', 'is not', null)
      .orderBy('id')
      .execute();
    expect(rows).toEqual([
      { address: ANA, status: 'delivered', provider_status: 'delivered', last_error: null },
      { address: KIM, status: 'failed', provider_status: 'undelivered', last_error: 'Twilio: undelivered, error 30003' },
    ]);
  });
});
