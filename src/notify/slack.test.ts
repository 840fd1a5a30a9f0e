import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { blockKitProblem, slackReceiver } from '../../test/support/receivers/http.js';
import type { SlackReceiver } from '../../test/support/receivers/http.js';
import { SlackChannel, slackPayload } from './slack.js';
import { bundleMessage, incident, pageMessage, testClock } from './test-fixtures.js';

const HOOK = 'https://hooks.slack.com/services/T000/B000/lee';

describe('Slack channel against a Slack-faithful receiver', () => {
  let slack: SlackReceiver;
  let channel: SlackChannel;
  const clock = testClock();

  beforeAll(async () => {
    slack = await slackReceiver();
    // The contact's real hooks.slack.com URL, rebased onto the local receiver.
    channel = new SlackChannel({ clock, timeoutMs: 2_000, userAgent: 'Tandem/test', baseUrl: slack.url });
  });
  afterEach(() => {
    slack.requests.length = 0;
  });
  afterAll(async () => {
    await slack.close();
  });

  const message = (overrides = {}) =>
    pageMessage({ channel: 'slack', to: HOOK, recipient: { kind: 'person', id: 'lee', name: 'Lee Park' }, ...overrides });

  it('posts { text, blocks } to the webhook path; Slack answers ok', async () => {
    expect(await channel.send(message())).toEqual({ status: 'delivered', detail: 'ok' });
    const [request] = slack.requests;
    expect(request?.method).toBe('POST');
    expect(request?.path).toBe('/services/T000/B000/lee');
    expect(request?.headers['content-type']).toBe('application/json; charset=utf-8');
    expect(slack.lastProblem).toBeUndefined();
  });

  it('page: header, facts, reason, Acknowledge (primary) and Resolve (danger) link buttons', () => {
    const ref = incident(42);
    const payload = slackPayload(message());
    expect(payload.text).toBe('[P1] ACME-42 Payment API down — Payment processing API');
    expect(blockKitProblem(payload.blocks)).toBeUndefined();
    expect(payload.blocks[0]).toEqual({ type: 'header', text: { type: 'plain_text', text: 'ACME-42 Payment API down', emoji: true } });
    const section = payload.blocks[1];
    expect(JSON.stringify(section)).toContain('*Priority*\\nP1');
    expect(JSON.stringify(section)).toContain('Payment processing API (payments-api)');
    expect(JSON.stringify(payload.blocks)).toContain('Why you: Tier 1 of partner-noc (after hours: partner owns infrastructure)');
    const actions = payload.blocks.find((b) => b['type'] === 'actions');
    expect(actions?.['elements']).toEqual([
      {
        type: 'button',
        text: { type: 'plain_text', text: 'Acknowledge', emoji: true },
        url: ref.acknowledgeUrl,
        action_id: 'acknowledge',
        style: 'primary',
      },
      {
        type: 'button',
        text: { type: 'plain_text', text: 'Resolve', emoji: true },
        url: ref.resolveUrl,
        action_id: 'resolve',
        style: 'danger',
      },
    ]);
  });

  it('escapes mrkdwn control characters in titles', () => {
    const payload = slackPayload(message({ incidents: [incident(42, { title: '<!channel> disk & db > 90%' })] }));
    expect(JSON.stringify(payload.blocks[1])).toContain('&lt;!channel&gt; disk &amp; db &gt; 90%');
  });

  it('bundle: lists 10 incidents with their own Acknowledge buttons, says how many more, stays valid Block Kit', async () => {
    const bundle = bundleMessage(37, { channel: 'slack', to: HOOK });
    const payload = slackPayload(bundle);
    expect(blockKitProblem(payload.blocks)).toBeUndefined();
    expect(payload.text).toBe('[Tandem] 37 incidents on Acme Payments');
    const listed = payload.blocks.filter((b) => b['type'] === 'section' && b['accessory'] !== undefined);
    expect(listed).toHaveLength(10);
    expect(JSON.stringify(payload.blocks)).toContain('…and 27 more');
    expect(JSON.stringify(payload.blocks)).toContain(bundle.acknowledgeAllUrl ?? 'missing');
    expect(await channel.send(bundle)).toMatchObject({ status: 'delivered' });
  });

  it('a very long title still makes a header Slack accepts (150 characters)', async () => {
    expect(await channel.send(message({ incidents: [incident(42, { title: 'x'.repeat(400) })] }))).toMatchObject({ status: 'delivered' });
  });

  it('the receiver refuses malformed blocks with invalid_payload, which is permanent', async () => {
    const bad = {
      text: 'x',
      blocks: [{ type: 'actions', elements: [{ type: 'button', text: { type: 'mrkdwn', text: 'Ack' }, url: 'https://x.example' }] }],
    };
    const response = await fetch(slack.urlFor('/services/T/B/X'), {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(bad),
    });
    expect(response.status).toBe(400);
    expect(await response.text()).toBe('invalid_payload');
  });

  it.each([
    [404, 'no_service'],
    [410, 'channel_is_archived'],
    [403, 'action_prohibited'],
    [400, 'invalid_payload'],
  ])("%i %s is permanent with Slack's code", async (status, code) => {
    slack.failNext(1, status, code);
    expect(await channel.send(message())).toEqual({ status: 'permanent', error: `Slack HTTP ${status} ${code}` });
  });

  it('429 with Retry-After is retryable after that long', async () => {
    slack.failNext(1, 429, 'rate_limited', { 'retry-after': '30' });
    expect(await channel.send(message())).toEqual({ status: 'retryable', error: 'Slack HTTP 429 rate_limited', retryAfterMs: 30_000 });
  });

  it('503 twice, then ok', async () => {
    slack.failNext(2, 503, 'service unavailable');
    expect((await channel.send(message())).status).toBe('retryable');
    expect((await channel.send(message())).status).toBe('retryable');
    expect((await channel.send(message())).status).toBe('delivered');
  });

  it('no answer within the timeout is retryable', async () => {
    const impatient = new SlackChannel({ clock, timeoutMs: 150, userAgent: 'Tandem/test', baseUrl: slack.url });
    slack.hangNext();
    expect(await impatient.send(message())).toEqual({ status: 'retryable', error: 'timed out after 150 ms' });
  });

  it('a contact URL that is not a URL is permanent', async () => {
    expect(await channel.send(message({ to: 'lee-slack' }))).toMatchObject({ status: 'permanent' });
  });
});

describe('Slack buttons when the Slack app posts clicks to Tandem (interactive)', () => {
  it('page: Acknowledge and Resolve carry the incident id as value and open no link; still valid Block Kit', () => {
    const payload = slackPayload(pageMessage({ channel: 'slack', to: HOOK }), { interactive: true });
    expect(blockKitProblem(payload.blocks)).toBeUndefined();
    const actions = payload.blocks.find((b) => b['type'] === 'actions');
    expect(actions?.['block_id']).toBe('tandem-42');
    expect(actions?.['elements']).toEqual([
      {
        type: 'button',
        text: { type: 'plain_text', text: 'Acknowledge', emoji: true },
        value: '42',
        action_id: 'acknowledge',
        style: 'primary',
      },
      { type: 'button', text: { type: 'plain_text', text: 'Resolve', emoji: true }, value: '42', action_id: 'resolve', style: 'danger' },
    ]);
  });

  it("bundle: each incident's Acknowledge is interactive; Acknowledge all and Open in Tandem stay links", () => {
    const bundle = bundleMessage(3, { channel: 'slack', to: HOOK });
    const payload = slackPayload(bundle, { interactive: true });
    expect(blockKitProblem(payload.blocks)).toBeUndefined();
    const accessories = payload.blocks.map((b) => b['accessory'] as Record<string, unknown> | undefined).filter((a) => a !== undefined);
    expect(accessories.map((a) => [a['action_id'], a['value'], a['url']])).toEqual(
      bundle.incidents.map((i) => [`acknowledge-${i.id}`, String(i.id), undefined]),
    );
    const links = payload.blocks.find((b) => b['block_id'] === 'tandem-bundle')?.['elements'] as Array<Record<string, unknown>>;
    expect(links.map((l) => l['url'])).toEqual([bundle.acknowledgeAllUrl, bundle.overviewUrl]);
  });

  it('the channel sends interactive buttons when told to', async () => {
    const slack = await slackReceiver();
    try {
      const channel = new SlackChannel({
        clock: testClock(),
        timeoutMs: 2_000,
        userAgent: 'Tandem/test',
        baseUrl: slack.url,
        interactive: true,
      });
      expect(await channel.send(pageMessage({ channel: 'slack', to: HOOK }))).toEqual({ status: 'delivered', detail: 'ok' });
      expect(JSON.stringify(slack.requests[0]?.body)).toContain('"value":"42"');
      expect(JSON.stringify(slack.requests[0]?.body)).not.toContain('/a/0042');
    } finally {
      await slack.close();
    }
  });
});
