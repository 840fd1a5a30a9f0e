import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { adaptiveCardProblem, teamsReceiver } from '../../test/support/receivers/http.js';
import type { HttpReceiver } from '../../test/support/receivers/http.js';
import { TeamsChannel, teamsPayload } from './teams.js';
import { bundleMessage, incident, pageMessage, testClock } from './test-fixtures.js';

const HOOK = 'https://nightowl.webhook.office.com/webhookb2/ana';

describe('Teams channel against a Teams-faithful receiver', () => {
  let teams: HttpReceiver;
  let workflows: HttpReceiver;
  let channel: TeamsChannel;
  const clock = testClock();

  beforeAll(async () => {
    teams = await teamsReceiver();
    workflows = await teamsReceiver({ workflows: true });
    channel = new TeamsChannel({ clock, timeoutMs: 2_000, userAgent: 'Tandem/test', baseUrl: teams.url });
  });
  afterEach(() => {
    teams.requests.length = 0;
  });
  afterAll(async () => {
    await teams.close();
    await workflows.close();
  });

  const message = (overrides = {}) =>
    pageMessage({ channel: 'teams', to: HOOK, recipient: { kind: 'person', id: 'ana', name: 'Ana Souza' }, ...overrides });

  it('posts an Adaptive Card message; the classic connector answers 200 "1"', async () => {
    expect(await channel.send(message())).toEqual({ status: 'delivered', detail: '1' });
    const [request] = teams.requests;
    expect(request?.path).toBe('/webhookb2/ana');
    expect(adaptiveCardProblem(request?.body)).toBeUndefined();
  });

  it('a Workflows webhook answers 202', async () => {
    const viaWorkflows = new TeamsChannel({ clock, timeoutMs: 2_000, userAgent: 'Tandem/test', baseUrl: workflows.url });
    expect(await viaWorkflows.send(message())).toEqual({ status: 'delivered', detail: 'accepted' });
  });

  it('card: the documented envelope, title, FactSet, reason, Acknowledge and Resolve actions', () => {
    const ref = incident(42);
    const payload = teamsPayload(message());
    expect(payload.type).toBe('message');
    expect(payload.attachments).toHaveLength(1);
    const [attachment] = payload.attachments;
    expect(attachment?.contentType).toBe('application/vnd.microsoft.card.adaptive');
    expect(attachment?.contentUrl).toBeNull();
    const card = attachment?.content;
    expect(card?.$schema).toBe('http://adaptivecards.io/schemas/adaptive-card.json');
    expect(card?.type).toBe('AdaptiveCard');
    expect(card?.version).toBe('1.4');
    expect(card?.body[0]).toMatchObject({ type: 'TextBlock', text: 'ACME-42 Payment API down', weight: 'Bolder' });
    expect(card?.body).toContainEqual({
      type: 'FactSet',
      facts: [
        { title: 'Priority', value: 'P1' },
        { title: 'Severity', value: 'critical' },
        { title: 'Status', value: 'triggered' },
        { title: 'Service', value: 'Payment processing API (payments-api)' },
        { title: 'Opened', value: '2026-11-24 23:47 UTC' },
      ],
    });
    expect(JSON.stringify(card?.body)).toContain('Why you: Tier 1 of partner-noc');
    expect(card?.actions.slice(0, 2)).toEqual([
      { type: 'Action.OpenUrl', title: 'Acknowledge', url: ref.acknowledgeUrl, style: 'positive' },
      { type: 'Action.OpenUrl', title: 'Resolve', url: ref.resolveUrl, style: 'destructive' },
    ]);
  });

  it('an event title cannot add Markdown (a link beside the real buttons, bold) to the card', () => {
    const hostile = incident(42, {
      title: 'Login page [click](https://evil.example) **bold** _now_',
      service: { id: 'payments-api', name: '[Pay here](https://evil.example)' },
    });
    const card = teamsPayload(message({ incidents: [hostile], note: '- list item' })).attachments[0]?.content;
    expect(card?.body[0]).toMatchObject({ text: 'ACME-42 Login page \\[click\\](https://evil.example) \\*\\*bold\\*\\* \\_now\\_' });
    expect(card?.body).toContainEqual({ type: 'TextBlock', text: '\\- list item', wrap: true, color: 'Warning', weight: 'Bolder' });
    const facts = card?.body.find((e) => e['type'] === 'FactSet')?.['facts'] as Array<{ title: string; value: string }>;
    expect(facts).toContainEqual({ title: 'Service', value: '\\[Pay here\\](https://evil.example) (payments-api)' });
    // In a bundle the priority stays bold (Tandem's own Markdown) and the title is escaped.
    const bundle = teamsPayload(bundleMessage(2, { channel: 'teams', to: HOOK, incidents: [hostile, incident(43)] })).attachments[0]
      ?.content;
    expect(JSON.stringify(bundle?.body)).toContain(
      JSON.stringify('**P1** ACME-42 Login page \\[click\\](https://evil.example) \\*\\*bold\\*\\* \\_now\\_'),
    );
    // No unescaped link syntax anywhere in what either card renders (`speak` is read aloud, not rendered).
    for (const c of [card, bundle]) expect(JSON.stringify([c?.body, c?.actions])).not.toMatch(/[^\\\\]\[click/);
  });

  it('bundle: one container per listed incident, "and N more", acknowledge-all', async () => {
    const bundle = bundleMessage(12, { channel: 'teams', to: HOOK });
    const card = teamsPayload(bundle).attachments[0]?.content;
    expect(card?.body.filter((e) => e['type'] === 'Container')).toHaveLength(10);
    expect(JSON.stringify(card?.body)).toContain('…and 2 more');
    expect(card?.actions[0]).toMatchObject({ title: 'Acknowledge all', url: bundle.acknowledgeAllUrl });
    expect(await channel.send(bundle)).toMatchObject({ status: 'delivered' });
  });

  it('a throttled classic connector (200 with "HTTP error 429" in the body) is retryable', async () => {
    teams.failNext(
      1,
      200,
      'Webhook message delivery failed with error: Microsoft Teams endpoint returned HTTP error 429 with ContextId tcid=0,server=msgapi-production-eus-azsc2-4-170,cv=deadbeef.0..',
    );
    expect(await channel.send(message())).toMatchObject({ status: 'retryable', error: expect.stringContaining('HTTP error 429') });
  });

  it('429 with an HTTP-date Retry-After is retryable after that long', async () => {
    const at = new Date(clock.now() + 45_000).toUTCString();
    teams.failNext(1, 429, 'Too many requests', { 'retry-after': at });
    expect(await channel.send(message())).toEqual({ status: 'retryable', error: 'Teams HTTP 429 Too many requests', retryAfterMs: 45_000 });
  });

  it('400 bad payload and 404 are permanent, 503 retryable', async () => {
    teams.failNext(1, 400, 'Bad payload received by generic incoming webhook.');
    expect(await channel.send(message())).toEqual({
      status: 'permanent',
      error: 'Teams HTTP 400 Bad payload received by generic incoming webhook.',
    });
    teams.failNext(1, 404, '');
    expect(await channel.send(message())).toEqual({ status: 'permanent', error: 'Teams HTTP 404' });
    teams.failNext(1, 503, 'unavailable');
    expect(await channel.send(message())).toEqual({ status: 'retryable', error: 'Teams HTTP 503 unavailable' });
  });

  it('no answer within the timeout is retryable', async () => {
    const impatient = new TeamsChannel({ clock, timeoutMs: 150, userAgent: 'Tandem/test', baseUrl: teams.url });
    teams.hangNext();
    expect(await impatient.send(message())).toEqual({ status: 'retryable', error: 'timed out after 150 ms' });
  });
});
