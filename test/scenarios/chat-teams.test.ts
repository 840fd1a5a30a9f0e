/**
 * Acknowledge from Microsoft Teams (issue 13): Tuesday 23:47 in New York,
 * Ana Souza (NightOwl's NOC on call tonight) gets the page as an Adaptive
 * Card through her Teams incoming webhook (a local receiver that checks the
 * card as Teams does). Its Acknowledge and Resolve are `Action.OpenUrl`
 * actions on the signed one-click respond links: Teams opens the link, the
 * page shows the incident and one button, and pressing it acts as Ana (the
 * link is bound to her and to the incident), within the engagement's scope;
 * the timeline says it came from a Teams message and escalation stops.
 * Without a Slack signing secret the Slack interactions endpoint is off (404).
 * On every database.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { adaptiveCardProblem } from '../support/receivers/http.js';
import { databaseKinds } from '../support/databases.js';
import type { DatabaseKind } from '../support/databases.js';
import { startHarness } from '../support/harness.js';
import type { Harness } from '../support/harness.js';

const PAYMENTS = '9f1c2a7e5b3d4c6e8a0b1d2f3e4a5b6c';

interface Incident {
  id: number;
  number: string;
  status: string;
  acknowledged_by: string | null;
  resolved_by: string | null;
  timeline: Array<{ kind: string; message: string; actor: { type: string; id: string | null } }>;
}

type Card = { body: unknown[]; actions: Array<{ type: string; title: string; url: string }> };

describe.each(databaseKinds())('acknowledge from Teams, on $name', (kind: DatabaseKind) => {
  let h: Harness | undefined;
  afterEach(async () => {
    await h?.close();
    h = undefined;
  });

  it('Ana presses Acknowledge on the Teams card: the respond link opens, one press acknowledges as Ana, escalation stops; Resolve likewise', async () => {
    const harness = await startHarness(kind, { start: '2026-11-25T04:47:00Z', peers: true });
    h = harness;
    const peers = harness.peers;
    if (!peers) throw new Error('no peers');
    const viewer = await harness.token('viewer');
    const res = await harness.ingest('/v2/enqueue', {
      routing_key: PAYMENTS,
      event_action: 'trigger',
      payload: { summary: 'Payment API is down', source: 'monitor', severity: 'critical' },
    });
    expect(res.statusCode).toBe(202);
    await harness.settle();
    const incident = async (): Promise<Incident> => {
      const list = (await harness.api('GET', '/incidents', viewer)).json<{ incidents: Array<{ id: number }> }>().incidents;
      return (await harness.api('GET', `/incidents/${list[0]?.id ?? 0}`, viewer)).json<{ incident: Incident }>().incident;
    };

    // The card Teams received: valid, with Acknowledge and Resolve opening Ana's signed links.
    expect(peers.teams.requests).toHaveLength(1);
    const message = peers.teams.requests[0]?.body;
    expect(adaptiveCardProblem(message)).toBeUndefined();
    const card = (message as { attachments: Array<{ content: Card }> }).attachments[0]?.content as Card;
    const action = (title: string) => card.actions.find((a) => a.title === title);
    expect(action('Acknowledge')).toMatchObject({ type: 'Action.OpenUrl', style: 'positive' });
    expect(action('Resolve')).toMatchObject({ type: 'Action.OpenUrl', style: 'destructive' });
    const ackPath = new URL(action('Acknowledge')?.url ?? '').pathname;
    const resolvePath = new URL(action('Resolve')?.url ?? '').pathname;
    expect(ackPath).toMatch(/^\/respond\//);

    // 23:49: Teams opens the link (and so may its link preview): a GET changes nothing and shows one button.
    harness.clock.set('2026-11-25T04:49:00Z');
    const opened = await harness.tandem.http.inject({ method: 'GET', url: ackPath });
    expect(opened.statusCode).toBe(200);
    expect(opened.body).toContain('Acknowledge ACME-1');
    expect(opened.body).toContain('Ana Souza');
    expect((await incident()).status).toBe('triggered');

    const pressed = await harness.tandem.http.inject({
      method: 'POST',
      url: ackPath,
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      payload: '',
    });
    expect(pressed.statusCode).toBe(200);
    expect(pressed.body).toContain('Acknowledged by Ana Souza.');
    let i = await incident();
    expect(i.status).toBe('acknowledged');
    expect(i.acknowledged_by).toBe('person:ana');
    expect(i.timeline.find((t) => t.kind === 'incident.acknowledged')).toMatchObject({
      actor: { type: 'person', id: 'ana' },
      message: 'Acknowledged by Ana Souza (acknowledge link in a teams message)',
    });

    // A second press (a double click, or the link opened again) acts once.
    const again = await harness.tandem.http.inject({
      method: 'POST',
      url: ackPath,
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      payload: '',
    });
    expect(again.body).toContain('Nothing to do');
    harness.clock.set('2026-11-25T05:10:00Z');
    await harness.settle();
    i = await incident();
    expect(i.timeline.filter((t) => t.kind === 'incident.acknowledged')).toHaveLength(1);
    expect(i.timeline.filter((t) => t.kind === 'escalation.stopped').map((t) => t.message)).toEqual([
      'Escalation partner-noc stopped: the incident was acknowledged.',
    ]);
    expect(peers.teams.requests).toHaveLength(1);

    // Fixed: Resolve from the same card.
    await harness.tandem.http.inject({
      method: 'POST',
      url: resolvePath,
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      payload: '',
    });
    i = await incident();
    expect(i.status).toBe('resolved');
    expect(i.resolved_by).toBe('person:ana');
    expect(i.timeline.find((t) => t.kind === 'incident.resolved')?.message).toBe('Resolved by Ana Souza (resolve link in a teams message)');

    // No Slack signing secret on this server: Slack buttons are links, and the interactions endpoint is off.
    const slack = await harness.tandem.http.inject({
      method: 'POST',
      url: '/integrations/slack/interactions',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      payload: 'payload=%7B%7D',
    });
    expect(slack.statusCode).toBe(404);
    expect(slack.json()).toMatchObject({ error: { code: 'NOT_FOUND', message: expect.stringContaining('TANDEM_SLACK_SIGNING_SECRET') } });
  });
});
