/**
 * Tandem keeps a Jira ticket in step with an incident (issue 10, outbound):
 * the 23:47 payments incident opens exactly one ticket in Acme's Jira, and
 * acknowledging, a note and resolving follow it there, through the durable
 * outbox, past rate limits, a lost answer and bad credentials. The Jira fake
 * checks every request against Atlassian's contract (assertClean).
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import type { IncidentDetailResponse, Ticket } from '../../src/api/types.js';
import type { TicketOpRow, TicketRow } from '../../src/db/schema.js';
import { databaseKinds } from '../support/databases.js';
import { startJiraFake } from '../support/fakes/jira.js';
import type { JiraFake } from '../support/fakes/jira.js';
import { startHarness } from '../support/harness.js';
import type { Harness } from '../support/harness.js';
import { demoWithTicketing, jiraEntry } from '../support/ticketing.js';

const PAYMENTS = '9f1c2a7e5b3d4c6e8a0b1d2f3e4a5b6c';

describe.each(databaseKinds())('Jira tickets for incidents, on $name', (kind) => {
  let h: Harness | undefined;
  let fake: JiraFake | undefined;
  let dir: string | undefined;
  afterEach(async () => {
    await h?.close();
    await fake?.close();
    if (dir) rmSync(dir, { recursive: true, force: true });
    h = undefined;
    fake = undefined;
    dir = undefined;
  });

  async function start(token?: string, timeoutMs = 10_000): Promise<{ h: Harness; fake: JiraFake }> {
    fake = await startJiraFake();
    dir = mkdtempSync(join(tmpdir(), 'tandem-jira-'));
    h = await startHarness(kind, {
      start: '2026-11-25T04:47:00Z', // Tuesday 2026-11-24 23:47 in New York
      config: [demoWithTicketing(dir, [jiraEntry(fake)])],
      env: { ACME_JIRA_TOKEN: token ?? fake.token },
      extraArgs: ['--ticketing-timeout-ms', String(timeoutMs)],
    });
    return { h, fake };
  }
  async function paymentsDown(t: Harness): Promise<number> {
    const body = {
      routing_key: PAYMENTS,
      event_action: 'trigger',
      payload: { summary: 'Payments API 5xx above 2%', source: 'monitor', severity: 'critical' },
    };
    expect((await t.ingest('/v2/enqueue', body)).statusCode).toBe(202);
    await t.settle();
    const viewer = await t.token('viewer');
    const list = (await t.api('GET', '/incidents', viewer)).json<{ incidents: Array<{ id: number }> }>().incidents;
    return list[0]?.id ?? 0;
  }
  const tickets = (t: Harness): Promise<TicketRow[]> => t.tandem.database.db.selectFrom('tickets').selectAll().execute();
  const ops = (t: Harness): Promise<TicketOpRow[]> => t.tandem.database.db.selectFrom('ticket_ops').selectAll().orderBy('id').execute();
  /** The incident's tickets as GET /incidents/:id shows them (the harness checks the answer against its schema). */
  async function incidentTickets(t: Harness, id: number): Promise<Ticket[]> {
    const res = await t.api('GET', `/incidents/${id}`, await t.token('viewer'));
    expect(res.statusCode).toBe(200);
    return res.json<IncidentDetailResponse>().incident.tickets;
  }
  const created = (f: JiraFake) => f.requests.filter((r) => r.method === 'POST' && r.path === '/rest/api/3/issue');

  it('23:47, payments down: one ticket opens; Kim acknowledges (In Progress), her note becomes a comment, resolving moves it to Done', async () => {
    const { h, fake } = await start();
    const id = await paymentsDown(h);
    expect([...fake.issues.keys()]).toEqual(['OPS-1']);
    const issue = created(fake)[0]?.body;
    expect(issue).toMatchObject({
      fields: { summary: '[ACME-1] Payments API 5xx above 2%', labels: ['tandem-ACME-1'], priority: { name: 'Highest' } },
    });
    expect(JSON.stringify(issue)).toContain('/incidents/1');
    expect(JSON.stringify(issue)).toContain('Payment processing API');
    expect(fake.requests[0]?.path).toBe('/rest/api/3/search/jql');
    expect(await tickets(h)).toMatchObject([
      { ticketing_id: 'acme-jira', system: 'jira', external_key: 'OPS-1', state: 'open', last_error: null },
    ]);

    const kim = await h.token('responder', ['acme'], 'kim');
    expect((await h.api('POST', `/incidents/${id}/acknowledge`, kim)).statusCode).toBe(200);
    await h.settle();
    expect(fake.issues.get('OPS-1')?.status.name).toBe('In Progress');

    expect((await h.api('POST', `/incidents/${id}/notes`, kim, { text: 'Rolled back the 23:30 deploy.' })).statusCode).toBe(201);
    await h.settle();
    const comment = fake.requests.find((r) => r.path === '/rest/api/3/issue/OPS-1/comment');
    expect(JSON.stringify(comment?.body)).toContain('Rolled back the 23:30 deploy.');
    expect(fake.issues.get('OPS-1')?.comments).toHaveLength(1);
    expect(comment?.body).toMatchObject({ body: { type: 'doc', version: 1 } });

    expect((await h.api('POST', `/incidents/${id}/resolve`, kim)).statusCode).toBe(200);
    await h.settle();
    expect(fake.issues.get('OPS-1')?.status.name).toBe('Done');
    expect(await tickets(h)).toMatchObject([{ external_key: 'OPS-1', state: 'done', last_error: null }]);
    const shown = await incidentTickets(h, id);
    expect(shown).toEqual([
      {
        ticketing: 'acme-jira',
        system: 'jira',
        side: 'internal',
        key: 'OPS-1',
        url: `${fake.url.replace(/\/$/, '')}/browse/OPS-1`,
        state: 'done',
        last_error: null,
        updated_at: expect.any(String),
      },
    ]);
    expect((await ops(h)).map((o) => `${o.kind}:${o.status}`)).toEqual([
      'create:done',
      'transition:done',
      'comment:done',
      'transition:done',
    ]);
    expect(fake.issues.size).toBe(1);
    fake.assertClean();
  });

  it('a 429 with Retry-After 0 and one without, then success, still makes exactly one ticket', async () => {
    const { h, fake } = await start();
    fake.inject({ status: 429, retryAfter: '0' });
    fake.inject({ status: 429 });
    await paymentsDown(h);
    expect(fake.issues.size).toBe(0);
    const [waiting] = await ops(h);
    expect(waiting).toMatchObject({ kind: 'create', status: 'pending', attempts: 2 });
    expect(waiting?.last_error).toContain('429');
    h.clock.set(h.clock.now() + 5 * 60_000);
    await h.settle();
    expect([...fake.issues.keys()]).toEqual(['OPS-1']);
    expect(fake.duplicateLabels()).toEqual([]);
    expect(await tickets(h)).toMatchObject([{ external_key: 'OPS-1', state: 'open', last_error: null }]);
    fake.assertClean();
  });

  it('a 429 whose body is an HTML page (a proxy in front of Jira) is retried, its text kept as the error, and makes one ticket', async () => {
    const { h, fake } = await start();
    fake.inject({ status: 429, html: true });
    await paymentsDown(h);
    const [waiting] = await ops(h);
    expect(waiting).toMatchObject({ kind: 'create', status: 'pending', attempts: 1 });
    expect(waiting?.last_error).toMatch(/^Jira 429: /);
    h.clock.set(h.clock.now() + 5 * 60_000);
    await h.settle();
    expect([...fake.issues.keys()]).toEqual(['OPS-1']);
    expect(await tickets(h)).toMatchObject([{ external_key: 'OPS-1', state: 'open', last_error: null }]);
    fake.assertClean();
  });

  it('changes made while Jira is rate-limiting the create wait for it and then reach the ticket in order', async () => {
    const { h, fake } = await start();
    fake.inject({ status: 429, retryAfter: '5' });
    const id = await paymentsDown(h);
    const kim = await h.token('responder', ['acme'], 'kim');
    expect((await h.api('POST', `/incidents/${id}/acknowledge`, kim)).statusCode).toBe(200);
    expect((await h.api('POST', `/incidents/${id}/priority`, kim, { priority: 'P2' })).statusCode).toBe(200);
    await h.settle();
    expect(fake.requests).toHaveLength(1); // the create waits out Retry-After; the changes wait for the create
    expect((await ops(h)).map((o) => `${o.kind}:${o.status}`)).toEqual(['create:pending', 'transition:pending', 'priority:pending']);

    h.clock.set(h.clock.now() + 5_000);
    await h.settle();
    expect(fake.issues.get('OPS-1')?.status.name).toBe('In Progress');
    expect(fake.issues.get('OPS-1')?.priority).toBe('High');
    const writes = fake.requests
      .filter((r) => r.method !== 'GET' && r.path !== '/rest/api/3/search/jql')
      .map((r) => `${r.method} ${r.path}`);
    expect(writes).toEqual(['POST /rest/api/3/issue', 'POST /rest/api/3/issue/OPS-1/transitions', 'PUT /rest/api/3/issue/OPS-1']);
    expect(fake.requests.at(-1)?.body).toEqual({ fields: { priority: { name: 'High' } } });
    expect(await tickets(h)).toMatchObject([{ external_key: 'OPS-1', state: 'in_progress', last_error: null }]);
    fake.assertClean();
  });

  it('a crash between create and record (the answer is lost) finds the ticket by its label and makes no second one', async () => {
    const { h, fake } = await start(undefined, 500);
    // A first search, so the fake has loaded Jira's contract before the timings below matter.
    const warm = await fetch(`${fake.url}/rest/api/3/search/jql`, {
      method: 'POST',
      headers: { authorization: fake.authorization, 'content-type': 'application/json', accept: 'application/json' },
      body: JSON.stringify({ jql: 'project = OPS', maxResults: 1 }),
    });
    expect(warm.status).toBe(200);
    fake.inject({ delayMs: 0 }); // the search answers at once
    fake.inject({ delayMs: 1_500 }); // the create: Jira makes the issue, but Tandem has given up waiting (500 ms)
    await paymentsDown(h);
    for (let i = 0; i < 250 && fake.issues.size === 0; i++) await new Promise((r) => setTimeout(r, 20));
    expect(fake.issues.size).toBe(1);
    const [waiting] = await ops(h);
    expect(waiting).toMatchObject({ kind: 'create', status: 'pending' });
    expect(waiting?.last_error).toContain('unreachable');
    expect((await tickets(h))[0]?.external_key).toBeNull();

    h.clock.set(h.clock.now() + 5 * 60_000);
    await h.settle();
    expect([...fake.issues.keys()]).toEqual(['OPS-1']);
    expect(created(fake)).toHaveLength(1);
    expect(await tickets(h)).toMatchObject([{ external_key: 'OPS-1', state: 'open', last_error: null }]);
    fake.assertClean();
  });

  it('a 401 is permanent: nothing is retried and the error shows on the ticket', async () => {
    const { h, fake } = await start('not-the-token');
    const id = await paymentsDown(h);
    h.clock.set(h.clock.now() + 60 * 60_000);
    await h.settle();
    expect(fake.requests).toHaveLength(1);
    expect(await ops(h)).toMatchObject([{ kind: 'create', status: 'failed', attempts: 1 }]);
    const [ticket] = await tickets(h);
    expect(ticket).toMatchObject({ state: 'failed', external_key: null });
    expect(ticket?.last_error).toContain('Jira 401');
    expect(fake.issues.size).toBe(0);
    const [shown] = await incidentTickets(h, id);
    expect(shown).toMatchObject({ ticketing: 'acme-jira', system: 'jira', side: 'internal', key: null, url: null, state: 'failed' });
    expect(shown?.last_error).toContain('Jira 401');
  });
});
