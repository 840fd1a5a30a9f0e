/**
 * What happens in Acme's Jira comes back to Tandem (issue 10, inbound): Sam
 * moves OPS-1 to Done and the incident resolves; his comment reaches the
 * timeline and is not pushed back to Jira; Tandem's own comment and its own
 * transition, reported back, act on nothing; Jira's retry of a delivery acts
 * once; a wrong key, a malformed body and another engagement's ticket act on
 * nothing at all.
 */
import { createHmac } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { databaseKinds } from '../support/databases.js';
import { startJiraFake } from '../support/fakes/jira.js';
import type { JiraFake } from '../support/fakes/jira.js';
import { commentCreated, deliveryHeaders, issueUpdated } from '../support/fakes/jira-webhooks.js';
import type { WebhookUser } from '../support/fakes/jira-webhooks.js';
import { startHarness } from '../support/harness.js';
import type { Harness } from '../support/harness.js';
import { JIRA_INBOUND, demoWithTicketing, incidentDetail, jiraEntry, paymentsDown } from '../support/ticketing.js';

const SAM: WebhookUser = { accountId: '712020:5e8d7c', displayName: 'Sam Okafor' };
const HOOK = `/integrations/ticketing/${JIRA_INBOUND}`;

describe.each(databaseKinds())('Jira changes reach the incident, on $name', (kind) => {
  let h: Harness | undefined;
  let fake: JiraFake | undefined;
  let dir: string | undefined;
  afterEach(async () => {
    await h?.close();
    await fake?.close();
    if (dir) rmSync(dir, { recursive: true, force: true });
    h = fake = dir = undefined;
  });

  /** 23:47: payments is down and OPS-1 is open for it; `signed`: the webhooks are signed with this secret. */
  async function paymentsTicket(signed?: string): Promise<{ h: Harness; fake: JiraFake; id: number }> {
    fake = await startJiraFake();
    dir = mkdtempSync(join(tmpdir(), 'tandem-jira-in-'));
    const extra = signed === undefined ? [] : ['inbound_secret_env: ACME_JIRA_WEBHOOK_SECRET'];
    h = await startHarness(kind, {
      start: '2026-11-25T04:47:00Z',
      config: [demoWithTicketing(dir, [jiraEntry(fake, extra)])],
      env: { ACME_JIRA_TOKEN: fake.token, ...(signed === undefined ? {} : { ACME_JIRA_WEBHOOK_SECRET: signed }) },
    });
    const id = await paymentsDown(h);
    expect([...fake.issues.keys()]).toEqual(['OPS-1']);
    return { h, fake, id };
  }
  const incident = incidentDetail;
  const issue = (f: JiraFake) => {
    const i = f.issues.get('OPS-1');
    if (i === undefined) throw new Error('OPS-1 is missing');
    return i;
  };

  it('Sam moves OPS-1 to Done in Jira: the incident resolves, and the timeline names Sam and Jira', async () => {
    const { h, fake, id } = await paymentsTicket();
    fake.setStatus('OPS-1', 'done');
    const res = await h.ingest(HOOK, issueUpdated(fake.url, issue(fake), SAM, 'To Do'), deliveryHeaders());
    expect(res.statusCode).toBe(202);
    await h.settle();
    const now = await incident(h, id);
    expect(now.status).toBe('resolved');
    expect(now.timeline.map((e) => e.message)).toContain('Resolved by Sam Okafor in Jira (ticket OPS-1)');
    expect(now.tickets[0]?.state).toBe('done');
    // Not pushed back: Jira already has it, and the change came from Jira.
    expect(fake.requests.filter((r) => r.path.endsWith('/transitions'))).toEqual([]);
    fake.assertClean();
  });

  it('Sam moves it to In Progress: the incident is acknowledged by Sam, in Jira', async () => {
    const { h, fake, id } = await paymentsTicket();
    fake.setStatus('OPS-1', 'indeterminate');
    expect((await h.ingest(HOOK, issueUpdated(fake.url, issue(fake), SAM, 'To Do'), deliveryHeaders())).statusCode).toBe(202);
    await h.settle();
    const now = await incident(h, id);
    expect(now.status).toBe('acknowledged');
    expect(now.timeline.find((e) => e.kind === 'incident.acknowledged')).toMatchObject({
      message: 'Acknowledged by Sam Okafor in Jira (ticket OPS-1)',
      actor: { type: 'integration', id: 'ticketing:acme-jira' },
    });
  });

  it("Sam's comment becomes a note on the timeline, and is not sent back to Jira as a comment", async () => {
    const { h, fake, id } = await paymentsTicket();
    const body = commentCreated(fake.url, issue(fake), SAM, { id: '10077', body: 'Card processor confirms an outage on their side.' });
    expect((await h.ingest(HOOK, body, deliveryHeaders())).statusCode).toBe(202);
    await h.settle();
    const note = (await incident(h, id)).timeline.find((e) => e.kind === 'note');
    expect(note).toMatchObject({ message: 'Card processor confirms an outage on their side.', data: { via: 'ticket OPS-1' } });
    expect(fake.requests.filter((r) => r.path.endsWith('/comment'))).toEqual([]);
    expect(issue(fake).comments).toEqual([]);
  });

  it("Jira reporting back Tandem's own comment and transition acts on nothing", async () => {
    const { h, fake, id } = await paymentsTicket();
    const kim = await h.token('responder', ['acme'], 'kim');
    expect((await h.api('POST', `/incidents/${id}/notes`, kim, { text: 'Rolled back the 23:30 deploy.' })).statusCode).toBe(201);
    expect((await h.api('POST', `/incidents/${id}/acknowledge`, kim)).statusCode).toBe(200);
    await h.settle();
    const ours = issue(fake).comments[0];
    expect(ours).toBeDefined();
    const tandemUser: WebhookUser = { accountId: '5b10a2844c20165700ede21g', displayName: 'Tandem integration' };
    const echoes = [
      commentCreated(fake.url, issue(fake), tandemUser, { id: ours?.id ?? '', body: 'Kim Tan: Rolled back the 23:30 deploy.' }),
      issueUpdated(fake.url, issue(fake), tandemUser, 'To Do'),
    ];
    for (const echo of echoes) expect((await h.ingest(HOOK, echo, deliveryHeaders())).statusCode).toBe(202);
    await h.settle();
    const notes = (await incident(h, id)).timeline.filter((e) => e.kind === 'note');
    expect(notes).toHaveLength(1);
    expect(issue(fake).comments).toHaveLength(1);
    const results = await h.tandem.database.db
      .selectFrom('ticket_inbound')
      .select(['status', 'result'])
      .where('dedupe_key', 'like', 'jira:%')
      .orderBy('id')
      .execute();
    expect(results).toEqual([
      { status: 'done', result: `an echo: note ${ours?.id} was written by Tandem` },
      { status: 'done', result: 'the ticket was already in progress' },
    ]);
  });

  it("Jira's retry of a delivery (same X-Atlassian-Webhook-Identifier) acts once", async () => {
    const { h, fake, id } = await paymentsTicket();
    const body = commentCreated(fake.url, issue(fake), SAM, { id: '10078', body: 'Vendor ticket VN-553 opened.' });
    const headers = deliveryHeaders('e3d1a2b4-8c1f-4b7e-9a55-0d6f2c9e1a77');
    expect((await h.ingest(HOOK, body, headers)).statusCode).toBe(202);
    const again = await h.ingest(HOOK, body, headers);
    expect(again.statusCode).toBe(200);
    expect(again.json()).toMatchObject({ status: 'duplicate' });
    await h.settle();
    expect((await incident(h, id)).timeline.filter((e) => e.kind === 'note')).toHaveLength(1);
  });

  it('an unknown key is a 404, a malformed body a 400 naming the field, and neither stores anything', async () => {
    const { h, fake } = await paymentsTicket();
    const unknown = await h.ingest('/integrations/ticketing/not-a-key', { webhookEvent: 'jira:issue_updated' });
    expect(unknown.statusCode).toBe(404);
    const noIssue = await h.ingest(HOOK, { webhookEvent: 'jira:issue_updated', user: SAM });
    expect(noIssue.statusCode).toBe(400);
    expect(noIssue.json<{ errors: string[] }>().errors).toEqual(["'issue' is required"]);
    const badComment = await h.ingest(HOOK, { webhookEvent: 'comment_created', issue: { key: 'OPS-1' }, comment: { id: 5, body: ['x'] } });
    expect(badComment.statusCode).toBe(400);
    expect(badComment.json<{ errors: string[] }>().errors).toEqual(["'comment.body' must be a string or an ADF document"]);
    expect((await h.ingest(HOOK, '{"webhookEvent": ')).statusCode).toBe(400);
    const ignored = await h.ingest(HOOK, { webhookEvent: 'jira:issue_created', issue: { key: 'OPS-9' } });
    expect(ignored.statusCode).toBe(200);
    expect(ignored.json()).toMatchObject({ status: 'ignored' });
    expect(await h.tandem.database.db.selectFrom('ticket_inbound').selectAll().execute()).toEqual([]);
    expect(fake.issues.size).toBe(1);
  });

  it("a change to a ticket Tandem did not open (another project's, another engagement's) touches no incident", async () => {
    const { h, fake, id } = await paymentsTicket();
    const stranger = { ...issue(fake), key: 'OPS-404', id: '99999' };
    expect(
      (
        await h.ingest(
          HOOK,
          issueUpdated(fake.url, { ...stranger, status: { id: '3', name: 'Done', category: 'done' } }, SAM, 'To Do'),
          deliveryHeaders(),
        )
      ).statusCode,
    ).toBe(202);
    await h.settle();
    expect((await incident(h, id)).status).toBe('triggered');
    const row = await h.tandem.database.db.selectFrom('ticket_inbound').select(['status', 'result']).executeTakeFirst();
    expect(row).toEqual({ status: 'done', result: 'no Tandem incident has Jira ticket OPS-404' });
  });

  it('with inbound_secret_env, only deliveries signed with the secret (X-Hub-Signature, as Jira signs) are taken', async () => {
    const secret = 'jira-webhook-secret-5b1e';
    const { h, fake, id } = await paymentsTicket(secret);
    fake.setStatus('OPS-1', 'done');
    const text = JSON.stringify(issueUpdated(fake.url, issue(fake), SAM, 'To Do'));
    const sign = (key: string) => `sha256=${createHmac('sha256', key).update(text).digest('hex')}`;
    const unsigned = await h.ingest(HOOK, text, deliveryHeaders());
    expect(unsigned.statusCode).toBe(401);
    expect(unsigned.json<{ errors: string[] }>().errors[0]).toContain("'X-Hub-Signature' is required");
    const forged = await h.ingest(HOOK, text, { ...deliveryHeaders(), 'x-hub-signature': sign('guessed') });
    expect(forged.statusCode).toBe(401);
    expect(forged.json<{ errors: string[] }>().errors[0]).toContain('does not match the body');
    expect(await h.tandem.database.db.selectFrom('ticket_inbound').selectAll().execute()).toEqual([]);
    expect((await h.ingest(HOOK, text, { ...deliveryHeaders(), 'x-hub-signature': sign(secret) })).statusCode).toBe(202);
    await h.settle();
    expect((await incident(h, id)).status).toBe('resolved');
  });
});
