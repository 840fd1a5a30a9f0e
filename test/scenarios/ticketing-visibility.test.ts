/**
 * Operators and the monthly review see how the ticketing sync is doing
 * (issue 10, point 4). Acme mirrors incidents into its own Jira and into
 * the ops team's Jira, whose token is wrong. /readyz stays ready but lists
 * the failing integration, /metrics shows it down, and when Acme's Jira
 * answers 503 for a while its retries show too; a day later both are well
 * again. The November review lists the tickets, the retries and what was
 * given up, with the error.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { databaseKinds } from '../support/databases.js';
import { startJiraFake } from '../support/fakes/jira.js';
import { deliveryHeaders, issueUpdated } from '../support/fakes/jira-webhooks.js';
import type { JiraFake } from '../support/fakes/jira.js';
import { startHarness } from '../support/harness.js';
import type { Harness } from '../support/harness.js';
import { DEMO } from '../support/paths.js';

const PAYMENTS = '9f1c2a7e5b3d4c6e8a0b1d2f3e4a5b6c';
const PROMTOOL = ['/usr/bin/promtool', '/usr/local/bin/promtool'].find((p) => existsSync(p));

/** The demo engagement with two Jira entries: Acme's own (acme-jira) and the ops team's (ops-jira). */
function configWithTwoJiras(dir: string, acme: JiraFake, ops: JiraFake): string {
  const entry = (id: string, side: string, fake: JiraFake, env: string, inbound: string): string[] => [
    `  - id: ${id}`,
    '    system: jira',
    `    side: ${side}`,
    `    url: ${fake.url}`,
    `    auth: { user: ${fake.email}, token_env: ${env} }`,
    `    project: ${fake.project}`,
    '    issue_type: Incident',
    '    priorities: { P1: Highest, P2: High, P3: Medium, P4: Low, P5: Lowest }',
    `    inbound_key: "${inbound}"`,
  ];
  const file = join(dir, 'acme.yaml');
  const section = [
    'ticketing:',
    ...entry('acme-jira', 'internal', acme, 'ACME_JIRA_TOKEN', 'jira-in-7c2e0d'),
    ...entry('ops-jira', 'partner', ops, 'OPS_JIRA_TOKEN', 'jira-in-91ab4f'),
    '',
  ];
  writeFileSync(file, `${readFileSync(DEMO, 'utf8')}\n${section.join('\n')}`);
  return file;
}

interface Problem {
  engagement: string;
  ticketing: string;
  system: string;
  failed_ops: number;
  retrying_ops: number;
  oldest_pending_age_s: number | null;
  last_error: string | null;
}

describe.each(databaseKinds())('ticketing in /readyz, /metrics and the monthly review, on $name', (kind) => {
  let h: Harness;
  let acme: JiraFake;
  let ops: JiraFake;
  let dir: string;
  beforeAll(async () => {
    acme = await startJiraFake();
    ops = await startJiraFake();
    dir = mkdtempSync(join(tmpdir(), 'tandem-ticketing-'));
    h = await startHarness(kind, {
      start: '2026-11-25T04:47:00Z', // Tuesday 2026-11-24 23:47 in New York
      config: [configWithTwoJiras(dir, acme, ops)],
      env: { ACME_JIRA_TOKEN: acme.token, OPS_JIRA_TOKEN: 'not-the-token' },
    });
  });
  afterAll(async () => {
    await h.close();
    await acme.close();
    await ops.close();
    rmSync(dir, { recursive: true, force: true });
  });

  async function trigger(summary: string, dedup: string): Promise<void> {
    const body = {
      routing_key: PAYMENTS,
      event_action: 'trigger',
      dedup_key: dedup,
      payload: { summary, source: 'monitor', severity: 'critical' },
    };
    expect((await h.ingest('/v2/enqueue', body)).statusCode).toBe(202);
    await h.settle();
  }
  async function readyz(): Promise<{ status: number; body: { status: string; database: string; ticketing?: Problem[] } }> {
    const res = await h.tandem.http.inject({ method: 'GET', url: '/readyz' });
    return { status: res.statusCode, body: res.json() };
  }
  const metrics = async (): Promise<string> => (await h.tandem.http.inject({ method: 'GET', url: '/metrics' })).body;
  const labels = (ticketing: string): string => `engagement="acme",ticketing="${ticketing}",system="jira"`;

  it("23:47: Acme's ticket opens after one retry; the ops team's Jira refuses the token: /readyz stays ready and names it, /metrics shows it down", async () => {
    acme.inject({ status: 429, retryAfter: '0' });
    await trigger('Payments API 5xx above 2%', 'payments-5xx');
    expect([...acme.issues.keys()]).toEqual(['OPS-1']);
    expect(ops.issues.size).toBe(0);

    const ready = await readyz();
    expect(ready.status).toBe(200);
    expect(ready.body).toMatchObject({ status: 'ready', database: 'ok' });
    expect(ready.body.ticketing).toEqual([
      {
        engagement: 'acme',
        ticketing: 'ops-jira',
        system: 'jira',
        failed_ops: 1,
        retrying_ops: 0,
        oldest_pending_age_s: null,
        last_error: expect.stringContaining('Jira 401'),
      },
    ]);

    const text = await metrics();
    expect(text).toContain(`tandem_ticketing_up{${labels('acme-jira')}} 1`);
    expect(text).toContain(`tandem_ticketing_up{${labels('ops-jira')}} 0`);
    expect(text).toContain(`tandem_ticket_ops_delivered_total{${labels('acme-jira')}} 1`);
    expect(text).toContain(`tandem_ticket_ops_failed_total{${labels('ops-jira')}} 1`);
    expect(text).toContain(`tandem_ticket_ops{${labels('ops-jira')},status="failed"} 1`);
    expect(text).toContain(`tandem_ticket_ops{${labels('acme-jira')},status="pending"} 0`);
    if (PROMTOOL) {
      const run = spawnSync(PROMTOOL, ['check', 'metrics'], { input: text, encoding: 'utf8' });
      expect({ status: run.status, problems: `${run.stdout}${run.stderr}`.trim() }).toEqual({ status: 0, problems: '' });
    }
  });

  it("23:48: Acme's Jira answers 503 four times: after the 4th attempt its integration is failing too, with the waiting operation's age", async () => {
    h.clock.set(h.clock.now() + 60_000);
    acme.inject({ status: 503 }, 4);
    await trigger('Card authorization failures above 5%', 'card-auth');
    for (let i = 0; i < 3; i++) {
      h.clock.set(h.clock.now() + 60_000);
      await h.settle();
    }
    expect(acme.issues.size).toBe(1);
    const ready = await readyz();
    expect(ready.status).toBe(200);
    const [acmeJira, opsJira] = ready.body.ticketing ?? [];
    expect(acmeJira).toMatchObject({ ticketing: 'acme-jira', failed_ops: 0, retrying_ops: 1, oldest_pending_age_s: 180 });
    expect(acmeJira?.last_error).toContain('503');
    expect(opsJira).toMatchObject({ ticketing: 'ops-jira', failed_ops: 2, retrying_ops: 0 });
    const text = await metrics();
    expect(text).toContain(`tandem_ticketing_up{${labels('acme-jira')}} 0`);
    expect(text).toContain(`tandem_ticket_ops{${labels('acme-jira')},status="pending"} 1`);
  });

  it('a day later the create gets through and the refusals are over 24 h old: nothing is listed and both are up', async () => {
    h.clock.set(h.clock.now() + 25 * 3_600_000);
    await h.settle();
    expect([...acme.issues.keys()]).toEqual(['OPS-1', 'OPS-2']);
    expect((await readyz()).body).toEqual({ status: 'ready', database: 'ok' });
    const text = await metrics();
    expect(text).toContain(`tandem_ticketing_up{${labels('acme-jira')}} 1`);
    expect(text).toContain(`tandem_ticketing_up{${labels('ops-jira')}} 1`);
    expect(text).toContain(`tandem_ticket_ops_delivered_total{${labels('acme-jira')}} 2`);
    expect(text).toContain(`tandem_ticket_ops_failed_total{${labels('ops-jira')}} 2`);
    acme.assertClean();
  });

  it("the November review lists each entry's tickets, the retries, and what was given up with the error", async () => {
    const res = await h.api('GET', '/engagements/acme/reports/monthly?month=2026-11', await h.token('admin'));
    expect(res.statusCode).toBe(200);
    const section = /<section id="tickets"[\s\S]*?<\/section>/.exec(res.body)?.[0] ?? '';
    expect(section).toContain('<span class="num">10&nbsp;</span>Tickets</h2>');
    expect(section).toContain(
      'Of 2 incidents opened in November 2026, 2 got a ticket in Jira (acme-jira); 2 ticket operations were given up, listed below.',
    );
    const rows = [
      ...section.matchAll(/<tr>\s*<th scope="row">([^<]+)<br><span class="muted mono regular">([^<]+)<\/span>[\s\S]*?<\/tr>/g),
    ].map((m) => [m[2], ...[...m[0].matchAll(/<td class="num[^"]*">([^<]+)<\/td>/g)].map((c) => c[1])].join(' '));
    // Incidents with a ticket, open, in progress, done, not created yet, failed, operations retried, given up.
    expect(rows).toEqual(['acme-jira 2 2 0 0 0 0 2 0', 'ops-jira 0 0 0 0 0 2 0 2']);
    for (const n of [1, 2]) {
      expect(section).toContain(`<span class="pair"><span class="mono">ACME-${n}</span> → <span class="mono">OPS-${n}</span></span>`);
      expect(section).toMatch(
        new RegExp(
          `<th scope="row" class="mono regular">ACME-${n}</th>\\s*<td>Jira \\(ops-jira\\)</td>\\s*<td class="mono"><span class="muted">not created</span></td>\\s*<td>create</td>\\s*<td>Jira 401`,
        ),
      );
    }
    expect(res.body).toContain('2 ticket operations given up in Jira (ops-jira)');
  });

  it("a webhook from Acme's Jira that changes nothing is counted once applied", async () => {
    const ops1 = acme.issues.get('OPS-1');
    if (ops1 === undefined) throw new Error('OPS-1 is missing');
    const sam = { accountId: '712020:5e8d7c', displayName: 'Sam Okafor' };
    const res = await h.ingest('/integrations/ticketing/jira-in-7c2e0d', issueUpdated(acme.url, ops1, sam, 'To Do'), deliveryHeaders());
    expect(res.statusCode).toBe(202);
    expect(await metrics()).toContain('tandem_ticket_inbound_total{engagement="acme",ticketing="acme-jira",result="pending"} 1');
    await h.settle();
    const text = await metrics();
    expect(text).toContain('tandem_ticket_inbound_total{engagement="acme",ticketing="acme-jira",result="done"} 1');
    expect(text).not.toContain('result="pending"');
    expect((await readyz()).body).toEqual({ status: 'ready', database: 'ok' });
  });
});
