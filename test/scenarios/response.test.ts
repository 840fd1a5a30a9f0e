/**
 * 24/7 response, as the stories in the issue tell it, on a virtual clock with
 * the demo engagement (Acme Payments, NightOwl MSP), real local peers for
 * every channel, on every database.
 */
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { databaseKinds } from '../support/databases.js';
import type { DatabaseKind } from '../support/databases.js';
import { startHarness } from '../support/harness.js';
import type { Harness } from '../support/harness.js';
import { DEMO } from '../support/paths.js';

const PAYMENTS = '9f1c2a7e5b3d4c6e8a0b1d2f3e4a5b6c';
const LAPTOPS = 'helpdesk-generic-1a9b';

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
  side: string | null;
  acknowledged_by: string | null;
  timeline: Entry[];
}

/** A variant of the demo engagement, for stories the demo file does not tell on its own. */
function variant(edit: (yaml: string) => string): string {
  const dir = mkdtempSync(join(tmpdir(), 'tandem-variant-'));
  const file = join(dir, 'acme.yaml');
  const yaml = readFileSync(DEMO, 'utf8');
  const edited = edit(yaml);
  if (edited === yaml) throw new Error('variant changed nothing');
  writeFileSync(file, edited);
  return file;
}

describe.each(databaseKinds())('24/7 response, on $name', (kind: DatabaseKind) => {
  let h: Harness;
  let viewer: string;
  afterEach(async () => h?.close());

  async function start(at: string, config?: string): Promise<void> {
    h = await startHarness(kind, { start: at, peers: true, ...(config ? { config: [config] } : {}) });
    viewer = await h.token('viewer');
  }
  async function trigger(key: string, summary: string, severity = 'critical'): Promise<Incident> {
    const body =
      key === LAPTOPS
        ? { summary, severity }
        : { routing_key: key, event_action: 'trigger', payload: { summary, source: 'monitor', severity } };
    const res = await h.ingest(key === LAPTOPS ? `/integrations/generic/${LAPTOPS}` : '/v2/enqueue', body);
    expect(res.statusCode, res.body).toBe(202);
    // One engine pass: the incident opens, routing decides, tier 1 is paged, the message goes out.
    await h.settle();
    const list = (await h.api('GET', '/incidents', viewer)).json<{ incidents: Array<{ id: number }> }>().incidents;
    return incident(list[0]?.id ?? 0);
  }
  async function incident(id: number): Promise<Incident> {
    return (await h.api('GET', `/incidents/${id}`, viewer)).json<{ incident: Incident }>().incident;
  }
  async function at(iso: string): Promise<void> {
    h.clock.set(iso);
    await h.settle();
  }
  const kinds = (i: Incident) => i.timeline.map((t) => t.kind);
  const messages = (i: Incident, kind: string) => i.timeline.filter((t) => t.kind === kind).map((t) => t.message);

  it('Tuesday 23:47, payments down: the partner NOC on-call is paged at once, the NOC team at +5m, Kim acknowledges by SMS link at 23:53 and escalation stops', async () => {
    await start('2026-11-25T04:47:00Z'); // Tuesday 2026-11-24 23:47 in New York
    const peers = h.peers;
    if (!peers) throw new Error('no peers');

    let i = await trigger(PAYMENTS, 'Payment API is down');
    expect(i.side).toBe('partner');
    expect(messages(i, 'routing')).toEqual(['Routing: after hours: partner owns infrastructure; policy partner-noc.']);
    // Ana Souza is on NightOwl's NOC rotation tonight; her rule is Teams at once. Same engine pass:
    expect(messages(i, 'escalation.paged')).toEqual(['Tier 1 of partner-noc (1st pass of 3): paging Ana Souza (teams).']);
    expect(peers.teams.requests).toHaveLength(1);
    expect(JSON.stringify(peers.teams.requests[0]?.body)).toContain('ACME-1');
    expect(messages(i, 'notification.delivered')).toEqual([
      'Paged Ana Souza by teams (https://nightowl.webhook.office.example/webhookb2/ana): delivered.',
    ]);

    // Nobody acknowledges. 23:52: tier 2, the whole NOC team and its address.
    await at('2026-11-25T04:51:59Z');
    expect(peers.twilio.messages).toHaveLength(0);
    await at('2026-11-25T04:52:00Z');
    i = await incident(i.id);
    expect(messages(i, 'escalation.paged')[1]).toBe(
      'Tier 2 of partner-noc (1st pass of 3): paging Sam Okafor (webhook), Kim Tan (sms), Ana Souza (teams), noc@nightowl.example.',
    );
    expect(peers.webhook.requests).toHaveLength(1);
    expect(peers.webhook.verified).toEqual([true]);
    expect(peers.twilio.messages.map((m) => m.to)).toEqual(['+15550100004']);
    expect(peers.teams.requests).toHaveLength(2);
    const mail = await peers.smtp.waitFor(1);
    expect(mail[0]?.envelope.to).toEqual(['noc@nightowl.example']);
    // The subject names the service as people know it, not its id in the engagement file.
    expect(mail[0]?.subject).toBe('[P1] ACME-1 Payment API is down — Payment processing API');

    // 23:53: Kim opens the acknowledge link from her text message.
    await at('2026-11-25T04:53:00Z');
    const sms = peers.twilio.messages[0]?.body ?? '';
    const links = [...sms.matchAll(/https?:\/\/\S+\/respond\/\S+/g)].map((m) => new URL(m[0]).pathname);
    expect(links).toHaveLength(2);
    const ackPath = links[0] ?? '';
    const page = await h.tandem.http.inject({ method: 'GET', url: ackPath });
    expect(page.statusCode).toBe(200);
    expect(page.body).toContain('Acknowledge ACME-1');
    expect(page.body).toContain('Kim Tan');
    // Opening the link changed nothing (mail scanners open links too); the button does it.
    expect((await incident(i.id)).status).toBe('triggered');
    const done = await h.tandem.http.inject({
      method: 'POST',
      url: ackPath,
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      payload: '',
    });
    expect(done.statusCode).toBe(200);
    expect(done.body).toContain('Acknowledged by Kim Tan');

    i = await incident(i.id);
    expect(i.status).toBe('acknowledged');
    expect(i.acknowledged_by).toBe('person:kim');
    expect(i.timeline.find((t) => t.kind === 'incident.acknowledged')).toMatchObject({
      actor: { type: 'person', id: 'kim' },
      at: '2026-11-25T04:53:00.000Z',
      message: 'Acknowledged by Kim Tan (acknowledge link in a sms message)',
    });

    // Escalation stops: at 00:02 (+15m) Mo is not paged, and never will be.
    await at('2026-11-25T05:02:00Z');
    await at('2026-11-25T06:30:00Z');
    i = await incident(i.id);
    expect(peers.twilio.messages.map((m) => m.to)).toEqual(['+15550100004']);
    expect(messages(i, 'escalation.stopped')).toEqual(['Escalation partner-noc stopped: the incident was acknowledged.']);
    expect(messages(i, 'escalation.paged')).toHaveLength(2);
    // The timeline tells the whole story, in order.
    expect(kinds(i).filter((k) => !k.startsWith('notification.'))).toEqual([
      'incident.triggered',
      'alert.triggered',
      'routing',
      'escalation.paged',
      'escalation.paged',
      'incident.acknowledged',
      'escalation.stopped',
    ]);
    expect(messages(i, 'notification.delivered')).toHaveLength(5);
  });

  it('Wednesday 10:00: internal-infra pages the acme-primary on-call; nobody acknowledges in 10m, so the partner policy starts (overflow)', async () => {
    await start('2026-11-25T15:00:00Z'); // Wednesday 10:00 New York
    const peers = h.peers;
    if (!peers) throw new Error('no peers');
    let i = await trigger(PAYMENTS, 'Payment API latency');
    expect(i.side).toBe('internal');
    expect(messages(i, 'routing')).toEqual(['Routing: business hours: internal owns infrastructure; policy internal-infra.']);
    // Lee Park has the acme-primary week; Slack at once, email a minute later.
    expect(messages(i, 'escalation.paged')).toEqual(['Tier 1 of internal-infra (1st pass of 2): paging Lee Park (slack, email after 1m).']);
    expect(peers.slack.requests).toHaveLength(1);
    await at('2026-11-25T15:01:00Z');
    expect((await peers.smtp.waitFor(1))[0]?.envelope.to).toEqual(['lee@acme.example']);

    await at('2026-11-25T15:05:00Z');
    i = await incident(i.id);
    expect(messages(i, 'escalation.paged')[1]).toBe(
      'Tier 2 of internal-infra (1st pass of 2): paging Dana Reyes (email, sms after 2m), Lee Park (slack, email after 1m).',
    );
    expect(messages(i, 'overflow')).toEqual([]);

    await at('2026-11-25T15:10:00Z');
    i = await incident(i.id);
    expect(messages(i, 'overflow')).toEqual([
      "Overflow: Acme IT did not acknowledge within 10m; NightOwl MSP's policy partner-noc starts.",
    ]);
    // The partner's NOC on-call (Ana) is paged in the same pass.
    expect(messages(i, 'escalation.paged')).toContain('Tier 1 of partner-noc (1st pass of 3): paging Ana Souza (teams).');
    expect(peers.teams.requests).toHaveLength(1);

    // The partner acknowledges; both escalations stop.
    const kim = await h.token('responder', ['acme'], 'kim');
    expect((await h.api('POST', `/incidents/${i.id}/acknowledge`, kim)).statusCode).toBe(200);
    await at('2026-11-25T16:00:00Z');
    i = await incident(i.id);
    expect(messages(i, 'escalation.stopped').sort()).toEqual([
      'Escalation internal-infra stopped: the incident was acknowledged.',
      'Escalation partner-noc stopped: the incident was acknowledged.',
    ]);
  });

  it('Thanksgiving (Thursday 2026-11-26) 10:00 and the 2026-12-24 closure 10:00 are holidays: the partner answers', async () => {
    await start('2026-11-26T15:00:00Z');
    let i = await trigger(PAYMENTS, 'Payments down on Thanksgiving');
    expect(i.side).toBe('partner');
    expect(messages(i, 'routing')).toEqual(['Routing: holiday (Thanksgiving Day): partner owns infrastructure; policy partner-noc.']);
    expect(messages(i, 'escalation.paged')[0]).toMatch(/^Tier 1 of partner-noc .*: paging Sam Okafor \(webhook\)\.$/);

    h.clock.set('2026-12-24T15:00:00Z');
    const list = await trigger(PAYMENTS, 'Payments down on Christmas Eve');
    i = await incident(list.id);
    expect(i.number).toBe('ACME-2');
    expect(i.side).toBe('partner');
    expect(messages(i, 'routing')).toEqual(['Routing: holiday (Company closure): partner owns infrastructure; policy partner-noc.']);
  });

  it('a schedule gap: tier 1 resolves to nobody, is skipped and recorded, and tier 2 is paged at once', async () => {
    // The helpdesk policy tries the acme-primary schedule first; it only covers weekdays 08:00-18:00.
    const file = variant((y) =>
      y.replace(
        '  - id: internal-helpdesk\n    tiers:\n      - { notify: ["team:acme-it"], after: 0m }',
        '  - id: internal-helpdesk\n    tiers:\n      - { notify: ["schedule:acme-primary"], after: 0m }\n      - { notify: ["team:acme-it"], after: 5m }',
      ),
    );
    await start('2026-11-28T16:00:00Z', file); // Saturday 11:00 New York
    const i = await trigger(LAPTOPS, 'Ransomware note on LAPTOP-042', 'critical');
    expect(messages(i, 'routing')).toEqual(['Routing: weekend: internal owns end_user; policy internal-helpdesk.']);
    expect(messages(i, 'escalation.skipped')).toEqual([
      'Tier 1 of internal-helpdesk: nobody to page (nobody on call in acme-primary); skipped, tier 2 paged now.',
    ]);
    expect(messages(i, 'escalation.paged')).toEqual([
      'Tier 2 of internal-helpdesk: paging Dana Reyes (email, sms after 2m), Lee Park (slack, email after 1m).',
    ]);
    const paged = i.timeline.find((t) => t.kind === 'escalation.paged');
    expect(paged?.at).toBe('2026-11-28T16:00:00.000Z');
  });

  it('a one-tier policy: the helpdesk team is paged at once, and the escalation finishes only when the tier has had its 5 minutes', async () => {
    await start('2026-11-28T16:00:00Z'); // Saturday 11:00 New York: internal-helpdesk, one tier (team:acme-it at 0m), no repeat
    let i = await trigger(LAPTOPS, 'Laptop fleet cannot sign in', 'critical');
    expect(messages(i, 'routing')).toEqual(['Routing: weekend: internal owns end_user; policy internal-helpdesk.']);
    expect(messages(i, 'escalation.paged')).toEqual([
      'Tier 1 of internal-helpdesk: paging Dana Reyes (email, sms after 2m), Lee Park (slack, email after 1m).',
    ]);
    // Just paged: nobody has had a chance to acknowledge, so nothing is "finished" yet.
    expect(kinds(i)).not.toContain('escalation.finished');
    await at('2026-11-28T16:04:59Z');
    expect(kinds(await incident(i.id))).not.toContain('escalation.finished');

    // A one-tier pass lasts max(0m, 5m): at 11:05 nobody has acknowledged.
    await at('2026-11-28T16:05:00Z');
    i = await incident(i.id);
    expect(messages(i, 'escalation.finished')).toEqual([
      'Escalation internal-helpdesk finished: every tier paged and nobody acknowledged.',
    ]);
    expect(i.timeline.find((t) => t.kind === 'escalation.finished')?.at).toBe('2026-11-28T16:05:00.000Z');

    // Another one, acknowledged within the 5 minutes: stopped, never "finished, nobody acknowledged".
    h.clock.set('2026-11-28T17:00:00Z');
    const second = await trigger(LAPTOPS, 'VPN client crashes on login', 'critical');
    await at('2026-11-28T17:02:00Z');
    const dana = await h.token('responder', ['acme'], 'dana');
    expect((await h.api('POST', `/incidents/${second.id}/acknowledge`, dana)).statusCode).toBe(200);
    await at('2026-11-28T18:00:00Z');
    i = await incident(second.id);
    expect(messages(i, 'escalation.stopped')).toEqual(['Escalation internal-helpdesk stopped: the incident was acknowledged.']);
    expect(kinds(i)).not.toContain('escalation.finished');
  });

  it('DST nights: rotations hand off at the wall-clock time in New York and in London', async () => {
    // NightOwl's NOC rotation follows London time in this variant (18:00 handoff).
    const file = variant((y) =>
      y.replace(
        '  - id: nightowl-noc-oncall        # partner NOC, follow-the-sun, 24x7\n    timezone: UTC',
        '  - id: nightowl-noc-oncall\n    timezone: Europe/London',
      ),
    );
    // New York springs forward on Sunday 2027-03-14. acme-primary hands off Mondays at 09:00 New York time:
    // on Monday 2027-03-15 that is 13:00 UTC (it was 14:00 UTC the Monday before).
    await start('2027-03-15T12:59:00Z', file);
    const before = await trigger(PAYMENTS, 'NY 08:59 EDT');
    h.clock.set('2027-03-15T13:01:00Z');
    const after = await trigger(PAYMENTS, 'NY 09:01 EDT');
    const pagedOf = async (id: number) => messages(await incident(id), 'escalation.paged')[0];
    // The rotation began Monday 2026-11-02 with Dana; 2027-03-15 09:00 starts its 20th week (turn 19): Dana until 09:00, then Lee.
    expect(await pagedOf(before.id)).toBe('Tier 1 of internal-infra (1st pass of 2): paging Dana Reyes (email, sms after 2m).');
    expect(await pagedOf(after.id)).toBe('Tier 1 of internal-infra (1st pass of 2): paging Lee Park (slack, email after 1m).');

    // London springs forward on Sunday 2027-03-28: the 18:00 handoff is at 17:00 UTC that evening.
    h.clock.set('2027-03-28T16:59:00Z');
    const london1 = await trigger(PAYMENTS, 'London 17:59 BST');
    h.clock.set('2027-03-28T17:01:00Z');
    const london2 = await trigger(PAYMENTS, 'London 18:01 BST');
    const first = await pagedOf(london1.id);
    const second = await pagedOf(london2.id);
    expect(first).toMatch(/^Tier 1 of partner-noc .*: paging (Sam Okafor|Kim Tan|Ana Souza)/);
    expect(second).not.toBe(first);
    // 2027-03-27 18:00 is turn 146 since 2026-11-01 18:00 (146 % 3 = 2: Ana); 2027-03-28 18:00 BST is turn 147 (Sam).
    expect(first).toContain('Ana Souza');
    expect(second).toContain('Sam Okafor');
  });
});
