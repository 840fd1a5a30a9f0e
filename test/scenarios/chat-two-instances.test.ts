/**
 * A Slack click delivered twice, to two Tandem instances on one database at
 * the same moment (a retry behind a load balancer): it acts once. Each click
 * is sent to both instances at once, for ten incidents; each incident ends
 * with one acknowledgement on its timeline, and both answers update the
 * message to the same "Acknowledged by Kim Tan". On every database (two
 * instances share SQLite's file as they share PostgreSQL).
 */
import { afterAll, describe, expect, it } from 'vitest';
import { VirtualClock } from '../../src/clock/clock.js';
import { KIM, SLACK_SIGNING_SECRET, slackDemo } from '../support/chat.js';
import { databaseKinds } from '../support/databases.js';
import type { TestDatabase } from '../support/databases.js';
import { startSlackFake } from '../support/fakes/slack.js';
import type { SlackFake, SlackMessage } from '../support/fakes/slack.js';
import { startHarness } from '../support/harness.js';
import type { Harness } from '../support/harness.js';

const STOREFRONT = '0a1b2c3d4e5f60718293a4b5c6d7e8f9';
const INCIDENTS = 10;

describe.each(databaseKinds())('one Slack click delivered to two instances, on $name', (kind) => {
  let db: TestDatabase | undefined;
  let a: Harness | undefined;
  let b: Harness | undefined;
  let slack: SlackFake | undefined;
  afterAll(async () => {
    await a?.close();
    await b?.close();
    await slack?.close();
    await db?.drop();
  });

  it('acts once', async () => {
    db = await kind.create();
    const clock = new VirtualClock('2026-11-24T04:47:00Z');
    slack = await startSlackFake({ clock, signingSecret: SLACK_SIGNING_SECRET });
    const options = {
      config: [slackDemo()],
      db,
      virtualClock: clock,
      listen: true,
      env: { TANDEM_SLACK_SIGNING_SECRET: SLACK_SIGNING_SECRET },
      extraArgs: [
        '--notify',
        'live',
        '--slack-url',
        slack.url,
        '--teams-url',
        slack.url,
        '--webhook-url',
        slack.url,
        '--contact-rate',
        '1000',
      ],
    };
    a = await startHarness(kind, options);
    b = await startHarness(kind, options);
    const urls = [a, b].map((h) => `${h.tandem.url ?? ''}/integrations/slack/interactions`);
    for (let k = 0; k < INCIDENTS; k++) {
      const res = await a.ingest('/v2/enqueue', {
        routing_key: STOREFRONT,
        event_action: 'trigger',
        dedup_key: `storefront-${k}`,
        payload: { summary: `Checkout ${k} failing`, source: 'shop', severity: 'critical' },
      });
      expect(res.statusCode).toBe(202);
      // One page each (pages due together would go out as one bundle).
      await a.settle();
    }
    expect(slack.messages).toHaveLength(INCIDENTS);

    clock.set('2026-11-24T04:49:00Z');
    for (const message of slack.messages) {
      const answers = await slack.clickEach(message, 'acknowledge', KIM, urls);
      expect(answers.map((r) => r.status)).toEqual([200, 200]);
    }
    await slack.waitForResponses(2 * INCIDENTS);

    const viewer = await a.token('viewer');
    const list = (await a.api('GET', '/incidents?limit=100', viewer)).json<{ incidents: Array<{ id: number }> }>().incidents;
    expect(list).toHaveLength(INCIDENTS);
    for (const { id } of list) {
      const incident = (await a.api('GET', `/incidents/${id}`, viewer)).json<{
        incident: { status: string; acknowledged_by: string; timeline: Array<{ kind: string }> };
      }>().incident;
      expect(incident.status).toBe('acknowledged');
      expect(incident.acknowledged_by).toBe('person:kim');
      expect(incident.timeline.filter((t) => t.kind === 'incident.acknowledged')).toHaveLength(1);
    }
    for (const message of slack.messages as SlackMessage[]) {
      expect(message.history).toHaveLength(2);
      expect(JSON.stringify(message.blocks)).toContain('*Acknowledged* by Kim Tan');
    }
    expect(slack.problems).toEqual([]);
  });
});
