/**
 * Acknowledge from Slack (issue 13), as the on-call story goes: Monday 23:47
 * in New York the payments API goes down, Kim Tan (NightOwl's NOC on call)
 * gets the page in Slack, presses Acknowledge at 23:49, and the message in
 * her channel changes in place to "Acknowledged by Kim Tan"; escalation
 * stops. Slack is a local fake that receives the page through the incoming
 * webhook, sends the click to Tandem signed as Slack signs it (v0) and takes
 * Tandem's update at the click's response_url, checking its Block Kit.
 * Also: forged and stale requests are refused (401), a member Tandem does not
 * know gets an answer only they see and nothing changes, scope applies to
 * Slack clicks, a click on one incident of a bundle changes that incident
 * and its line only, and a click delivered twice acts once. On every database.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { VirtualClock } from '../../src/clock/clock.js';
import { blockKitProblem } from '../support/receivers/http.js';
import { databaseKinds } from '../support/databases.js';
import type { DatabaseKind } from '../support/databases.js';
import { startSlackFake } from '../support/fakes/slack.js';
import type { SlackFake, SlackMessage } from '../support/fakes/slack.js';
import { KIM, LEE, SLACK_SIGNING_SECRET, STRANGER, slackDemo } from '../support/chat.js';
import { startHarness } from '../support/harness.js';
import type { Harness } from '../support/harness.js';
import { EDR_KEY } from '../support/scope.js';

const PAYMENTS = '9f1c2a7e5b3d4c6e8a0b1d2f3e4a5b6c';
const STOREFRONT = '0a1b2c3d4e5f60718293a4b5c6d7e8f9';
const SECRET = SLACK_SIGNING_SECRET;

interface Entry {
  kind: string;
  message: string;
  actor: { type: string; id: string | null };
}
interface Incident {
  id: number;
  number: string;
  status: string;
  acknowledged_by: string | null;
  resolved_by: string | null;
  timeline: Entry[];
}

describe.each(databaseKinds())('acknowledge from Slack, on $name', (kind: DatabaseKind) => {
  let running: { harness?: Harness; fake?: SlackFake } = {};
  let viewer: string;
  let interactions: string;

  afterEach(async () => {
    await running.harness?.close();
    await running.fake?.close();
    running = {};
  });

  async function start(at: string, more: string[] = []): Promise<{ h: Harness; slack: SlackFake }> {
    const clock = new VirtualClock(at);
    const fake = await startSlackFake({ clock, signingSecret: SECRET });
    running.fake = fake;
    const harness = await startHarness(kind, {
      virtualClock: clock,
      config: [slackDemo()],
      listen: true,
      extraArgs: ['--notify', 'live', '--slack-url', fake.url, '--teams-url', fake.url, '--webhook-url', fake.url, ...more],
      env: { TANDEM_SLACK_SIGNING_SECRET: SECRET },
    });
    running.harness = harness;
    viewer = await harness.token('viewer');
    interactions = `${harness.tandem.url ?? ''}/integrations/slack/interactions`;
    return { h: harness, slack: fake };
  }

  async function trigger(harness: Harness, summary: string, key = PAYMENTS): Promise<Incident> {
    const res =
      key === PAYMENTS || key === STOREFRONT
        ? await harness.ingest('/v2/enqueue', {
            routing_key: key,
            event_action: 'trigger',
            payload: { summary, source: 'monitor', severity: 'critical' },
          })
        : await harness.ingest(`/integrations/generic/${key}`, { summary, severity: 'critical' });
    expect(res.statusCode, res.body).toBe(202);
    await harness.settle();
    const list = (await harness.api('GET', '/incidents', viewer)).json<{ incidents: Array<{ id: number; title: string }> }>().incidents;
    const found = list.find((i) => i.title === summary);
    if (found === undefined) throw new Error(`no incident "${summary}"`);
    return incident(harness, found.id);
  }

  async function incident(harness: Harness, id: number): Promise<Incident> {
    return (await harness.api('GET', `/incidents/${id}`, viewer)).json<{ incident: Incident }>().incident;
  }

  const acknowledgements = (i: Incident) => i.timeline.filter((t) => t.kind === 'incident.acknowledged').map((t) => t.message);
  const actionIds = (m: SlackMessage) =>
    m.blocks
      .flatMap((b) => [...(Array.isArray(b['elements']) ? b['elements'] : []), ...(b['accessory'] ? [b['accessory']] : [])])
      .map((e) => (e as Record<string, unknown>)['action_id'])
      .filter((a) => a !== undefined);
  const contextText = (m: SlackMessage) =>
    m.blocks
      .filter((b) => b['type'] === 'context')
      .map((b) => JSON.stringify(b['elements']))
      .join('\n');

  it('Monday 23:47, payments down: Kim is paged in Slack, presses Acknowledge at 23:49, the message updates in place and escalation stops; Resolve later', async () => {
    const { h, slack } = await start('2026-11-24T04:47:00Z'); // Monday 2026-11-23 23:47 in New York
    let i = await trigger(h, 'Payment API is down');
    expect(i.timeline.filter((t) => t.kind === 'escalation.paged').map((t) => t.message)).toEqual([
      'Tier 1 of partner-noc (1st pass of 3): paging Kim Tan (slack).',
    ]);
    // The page reached Kim's incoming webhook, with buttons Slack posts back to Tandem (no respond link in them).
    expect(slack.messages).toHaveLength(1);
    const page = slack.messages[0] as SlackMessage;
    expect(page.webhook).toBe('/services/T0ACME0001/B0NOC00001/kimtanhookxyz');
    const actions = page.blocks.find((b) => b['type'] === 'actions');
    expect(actions?.['block_id']).toBe(`tandem-${i.id}`);
    expect(actions?.['elements']).toEqual([
      expect.objectContaining({ action_id: 'acknowledge', value: String(i.id), style: 'primary' }),
      expect.objectContaining({ action_id: 'resolve', value: String(i.id), style: 'danger' }),
    ]);
    expect(JSON.stringify(actions)).not.toContain('/respond/');

    // 23:49: Kim presses Acknowledge. Slack gets its 200 at once (empty), the rest follows.
    h.clock.set('2026-11-24T04:49:00Z');
    const click = await slack.click(page, 'acknowledge', KIM, interactions);
    expect(click.status).toBe(200);
    expect(click.body).toBe('');
    await slack.waitForResponses(1);

    i = await incident(h, i.id);
    expect(i.status).toBe('acknowledged');
    expect(i.acknowledged_by).toBe('person:kim');
    expect(acknowledgements(i)).toEqual(['Acknowledged by Kim Tan (acknowledge button in Slack)']);
    expect(i.timeline.find((t) => t.kind === 'incident.acknowledged')?.actor).toMatchObject({ type: 'person', id: 'kim' });

    // The message changed in place: the buttons gave way to who acknowledged and when; Resolve stays; Status follows.
    expect(slack.problems).toEqual([]);
    expect(page.history).toHaveLength(1);
    expect(blockKitProblem(page.blocks)).toBeUndefined();
    expect(actionIds(page)).toEqual(['resolve']);
    const at2349 = Math.floor(Date.parse('2026-11-24T04:49:00Z') / 1000);
    expect(contextText(page)).toContain(
      `:eyes: *Acknowledged* by Kim Tan <!date^${at2349}^{date_short_pretty} at {time}|2026-11-24 04:49 UTC>`,
    );
    expect(JSON.stringify(page.blocks)).toContain('*Status*\\nacknowledged');
    // Everything else is as it was: the header and the incident's line.
    expect(page.blocks[0]).toEqual(page.history[0]?.blocks[0]);
    expect(page.text).toBe(page.history[0]?.text);
    expect(slack.ephemerals).toEqual([]);

    // Escalation stopped: at +5m nobody else is paged.
    h.clock.set('2026-11-24T04:52:00Z');
    await h.settle();
    h.clock.set('2026-11-24T05:10:00Z');
    await h.settle();
    i = await incident(h, i.id);
    expect(i.timeline.filter((t) => t.kind === 'escalation.paged')).toHaveLength(1);
    expect(i.timeline.filter((t) => t.kind === 'escalation.stopped').map((t) => t.message)).toEqual([
      'Escalation partner-noc stopped: the incident was acknowledged.',
    ]);
    expect(slack.messages).toHaveLength(1);

    // 00:10: fixed; Kim presses Resolve on the updated message: no button is left.
    const resolved = await slack.click(page, 'resolve', KIM, interactions);
    expect(resolved.status).toBe(200);
    await slack.waitForResponses(2);
    i = await incident(h, i.id);
    expect(i.status).toBe('resolved');
    expect(i.resolved_by).toBe('person:kim');
    expect(i.timeline.find((t) => t.kind === 'incident.resolved')?.message).toBe('Resolved by Kim Tan (resolve button in Slack)');
    expect(actionIds(page)).toEqual([]);
    expect(contextText(page)).toContain(':white_check_mark: *Resolved* by Kim Tan');
    expect(contextText(page)).not.toContain('Acknowledged');
    expect(blockKitProblem(page.blocks)).toBeUndefined();
    expect(slack.problems).toEqual([]);
  });

  it('refuses a forged signature, a stale or missing timestamp (401, nothing changes); a captured click replayed after 5 minutes is stale', async () => {
    const { h, slack } = await start('2026-11-24T04:47:00Z');
    let i = await trigger(h, 'Payment API is down');
    const page = slack.messages[0] as SlackMessage;

    const forged = await slack.click(page, 'acknowledge', KIM, interactions, { secret: 'not-the-signing-secret' });
    expect(forged.status).toBe(401);
    expect(JSON.parse(forged.body)).toMatchObject({ error: { code: 'SLACK_SIGNATURE_INVALID', field: 'X-Slack-Signature' } });

    const stale = await slack.click(page, 'acknowledge', KIM, interactions, { skewSeconds: -301 });
    expect(stale.status).toBe(401);
    expect(JSON.parse(stale.body)).toMatchObject({ error: { code: 'SLACK_REQUEST_STALE', field: 'X-Slack-Request-Timestamp' } });
    const future = await slack.click(page, 'acknowledge', KIM, interactions, { skewSeconds: 400 });
    expect(JSON.parse(future.body)).toMatchObject({ error: { code: 'SLACK_REQUEST_STALE' } });

    const unsigned = await fetch(interactions, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: 'payload=%7B%7D',
    });
    expect(unsigned.status).toBe(401);
    expect(await unsigned.json()).toMatchObject({ error: { code: 'SLACK_SIGNATURE_INVALID', field: 'X-Slack-Request-Timestamp' } });
    const garbled = await slack.click(page, 'acknowledge', KIM, interactions, { signature: 'v0=abc' });
    expect(JSON.parse(garbled.body)).toMatchObject({ error: { code: 'SLACK_SIGNATURE_INVALID', field: 'X-Slack-Signature' } });

    // A genuine click, captured and replayed six minutes later, is refused too.
    const genuine = await slack.click(page, 'resolve', KIM, interactions, { skewSeconds: -10 });
    expect(genuine.status).toBe(200);
    await slack.waitForResponses(1);
    h.clock.set('2026-11-24T04:53:00Z');
    const replayed = await slack.redeliver(interactions, genuine);
    expect(replayed.status).toBe(401);
    expect(JSON.parse(replayed.body)).toMatchObject({ error: { code: 'SLACK_REQUEST_STALE' } });

    i = await incident(h, i.id);
    expect(i.timeline.filter((t) => t.kind === 'incident.resolved')).toHaveLength(1);
    expect(acknowledgements(i)).toEqual([]);
    expect(slack.responseCount()).toBe(1);
    // Operators see refusals in /metrics: a rising "forged" is a wrong signing secret, "stale" a clock.
    const metrics = (await h.tandem.http.inject({ url: '/metrics' })).body;
    expect(metrics).toContain('tandem_slack_interactions_total{outcome="forged"} 3');
    expect(metrics).toContain('tandem_slack_interactions_total{outcome="stale"} 3');
    expect(metrics).toContain('tandem_slack_interactions_total{outcome="resolved"} 1');
  });

  it('a member Tandem does not know is told so, only they see it, and nothing changes; scope applies to Slack clicks', async () => {
    const { h, slack } = await start('2026-11-24T04:47:00Z');
    const i = await trigger(h, 'Payment API is down');
    const page = slack.messages[0] as SlackMessage;

    const stranger = await slack.click(page, 'acknowledge', STRANGER, interactions);
    expect(stranger.status).toBe(200);
    await slack.waitForResponses(1);
    expect(slack.ephemerals).toEqual([
      {
        user: STRANGER.id,
        channel: page.channel,
        text: `You are not a responder of Acme Payments in Tandem, so ${i.number} is unchanged. If you should be, ask its administrator to add \`slack_user: ${STRANGER.id}\` to your contact in the engagement file.`,
      },
    ]);
    expect((await incident(h, i.id)).status).toBe('triggered');
    expect(page.history).toHaveLength(0);
    expect(actionIds(page)).toEqual(['acknowledge', 'resolve']);

    // An EDR detection pages Kim (NightOwl's SOC on call this week). Lee (Acme IT) sees the message in the shared
    // channel and presses Acknowledge: security response is the partner's (internal: I), so Lee is told why, and nothing changes.
    const edr = await trigger(h, 'Ransomware behaviour on FIN-LAPTOP-7', EDR_KEY);
    const security = slack.messages.find((m) => m.text.includes('Ransomware')) as SlackMessage;
    expect(security).toBeDefined();
    const lee = await slack.click(security, 'acknowledge', LEE, interactions);
    expect(lee.status).toBe(200);
    await slack.waitForResponses(2);
    expect(slack.ephemerals[1]).toEqual({
      user: LEE.id,
      channel: security.channel,
      text: `You cannot acknowledge ${edr.number}: the engagement's scope does not give the internal side security_response on security incidents: held by partner (R). Nothing changed.`,
    });
    expect((await incident(h, edr.id)).status).toBe('triggered');
    expect(security.history).toHaveLength(0);

    // Lee may acknowledge the payments incident (incident_response on infrastructure: internal A).
    await slack.click(page, 'acknowledge', LEE, interactions);
    await slack.waitForResponses(3);
    const after = await incident(h, i.id);
    expect(after.acknowledged_by).toBe('person:lee');
    expect(contextText(page)).toContain('*Acknowledged* by Lee Park');
    expect(slack.problems).toEqual([]);
    const metrics = (await h.tandem.http.inject({ url: '/metrics' })).body;
    for (const outcome of ['unknown_member', 'out_of_scope', 'acknowledged'])
      expect(metrics).toContain(`tandem_slack_interactions_total{outcome="${outcome}"} 1`);
  });

  it('a storm: Kim gets a page, then a bundle; Acknowledge on one incident of the bundle acknowledges that one and changes its line only', async () => {
    // One message a minute to Kim's Slack: the second and third pages wait and go out together.
    const { h, slack } = await start('2026-11-24T04:47:00Z', ['--contact-rate', '1']);
    await trigger(h, 'Payment API is down');
    const second = await trigger(h, 'Storefront returns 502', STOREFRONT);
    const third = await trigger(h, 'Storefront checkout slow', STOREFRONT);
    expect(slack.messages).toHaveLength(1);
    h.clock.set('2026-11-24T04:48:00Z');
    await h.settle();
    expect(slack.messages).toHaveLength(2);
    const bundle = slack.messages[1] as SlackMessage;
    expect(bundle.text).toBe('[Tandem] 2 incidents on Acme Payments');
    expect(actionIds(bundle)).toEqual([`acknowledge-${second.id}`, `acknowledge-${third.id}`, 'open']);

    h.clock.set('2026-11-24T04:49:00Z');
    expect((await slack.click(bundle, `acknowledge-${second.id}`, KIM, interactions)).status).toBe(200);
    await slack.waitForResponses(1);
    expect((await incident(h, second.id)).acknowledged_by).toBe('person:kim');
    expect((await incident(h, third.id)).status).toBe('triggered');
    // That incident's button gave way to who acknowledged; the other incident and the links are as they were.
    expect(actionIds(bundle)).toEqual([`acknowledge-${third.id}`, 'open']);
    const line = bundle.blocks.find((b) => JSON.stringify(b).includes(second.number));
    expect(JSON.stringify(line)).toContain('*Acknowledged* by Kim Tan');
    expect(bundle.blocks).toHaveLength(bundle.history[0]?.blocks.length ?? 0);
    expect(blockKitProblem(bundle.blocks)).toBeUndefined();

    // "Open in Tandem" is a link: Slack reports its click too, Tandem answers 200 and leaves it to the browser.
    const open = await slack.click(bundle, 'open', KIM, interactions);
    expect(open.status).toBe(200);
    expect((await incident(h, third.id)).status).toBe('triggered');
    expect(slack.problems).toEqual([]);
  });

  it('the same click delivered twice acts once; a click after someone else acted shows who did', async () => {
    const { h, slack } = await start('2026-11-24T04:47:00Z');
    const i = await trigger(h, 'Payment API is down');
    const page = slack.messages[0] as SlackMessage;
    const first = await slack.click(page, 'acknowledge', KIM, interactions);
    const again = await slack.redeliver(interactions, first);
    expect([first.status, again.status]).toEqual([200, 200]);
    await slack.waitForResponses(2);
    let now = await incident(h, i.id);
    expect(acknowledgements(now)).toEqual(['Acknowledged by Kim Tan (acknowledge button in Slack)']);
    expect(page.history).toHaveLength(2);
    // Both updates say the same; the second was made from Slack's copy before the first, and still says who acted.
    expect(page.blocks).toEqual(page.history[1]?.blocks);
    expect(contextText(page)).toContain('*Acknowledged* by Kim Tan');

    // Lee presses Acknowledge on an older copy of the message (before it changed): nothing more happens, it shows Kim.
    const older = { ...page, blocks: page.history[0]?.blocks ?? [], history: [] };
    await slack.click(older, 'acknowledge', LEE, interactions);
    await slack.waitForResponses(3);
    now = await incident(h, i.id);
    expect(acknowledgements(now)).toHaveLength(1);
    expect(now.acknowledged_by).toBe('person:kim');
    expect(contextText(older)).toContain('*Acknowledged* by Kim Tan');
    expect(slack.problems).toEqual([]);
  });
});
