/**
 * The engagement's written scope, enforced (issue 12), with the scope the
 * issue shows: Kim (partner) acknowledges the payments incident but cannot
 * re-prioritise it (403 OUT_OF_SCOPE naming change_priority and who holds
 * it); Dana (internal) cannot acknowledge the EDR's security incident but adds
 * a note; the incident API says what each caller may do; a token bound to no
 * person is not restricted; respond links refuse out of scope; a Jira
 * transition from the internal side is refused on the delivery while its
 * comment still lands as a note; `tandem route` shows the scope that applies.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import type { IncidentDetailResponse } from '../../src/api/types.js';
import { recordingIo } from '../../src/cli/io.js';
import { main } from '../../src/cli/main.js';
import { databaseKinds } from '../support/databases.js';
import { startJiraFake } from '../support/fakes/jira.js';
import type { JiraFake } from '../support/fakes/jira.js';
import { commentCreated, deliveryHeaders, issueUpdated } from '../support/fakes/jira-webhooks.js';
import { startHarness } from '../support/harness.js';
import type { Harness } from '../support/harness.js';
import { EDR_KEY, scopedDemo } from '../support/scope.js';
import { JIRA_INBOUND, jiraEntry, paymentsDown } from '../support/ticketing.js';

describe.each(databaseKinds())('scope enforcement, on $name', (kind) => {
  let h: Harness | undefined;
  let fake: JiraFake | undefined;
  let dir: string | undefined;
  afterEach(async () => {
    await h?.close();
    await fake?.close();
    if (dir) rmSync(dir, { recursive: true, force: true });
    h = fake = dir = undefined;
  });

  async function start(more = '', env: NodeJS.ProcessEnv = {}): Promise<Harness> {
    dir = mkdtempSync(join(tmpdir(), 'tandem-scope-'));
    h = await startHarness(kind, { start: '2026-11-25T04:47:00Z', config: [scopedDemo(dir, more)], env });
    return h;
  }

  /** The EDR reports a web shell: a security incident; returns its id. */
  async function edrAlert(hh: Harness): Promise<number> {
    const res = await hh.ingest(`/integrations/generic/${EDR_KEY}`, { summary: 'Web shell on web-01', severity: 'critical' });
    expect(res.statusCode, res.body).toBe(202);
    await hh.settle();
    const list = (await hh.api('GET', '/incidents?service=edr', await hh.token('viewer'))).json<{ incidents: Array<{ id: number }> }>();
    return list.incidents[0]?.id ?? 0;
  }

  const detail = async (hh: Harness, id: number, token: string) =>
    (await hh.api('GET', `/incidents/${id}`, token)).json<IncidentDetailResponse>().incident;

  it('a partner responder acknowledges an infrastructure incident but cannot change its priority', async () => {
    const hh = await start();
    const id = await paymentsDown(hh);
    const kim = await hh.token('responder', ['acme'], 'kim');
    const refused = await hh.api('POST', `/incidents/${id}/priority`, kim, { priority: 'P3' });
    expect(refused.statusCode).toBe(403);
    expect(refused.json()).toEqual({
      error: {
        code: 'OUT_OF_SCOPE',
        message: "the engagement's scope does not give the partner side change_priority on infrastructure incidents: held by internal (A)",
      },
    });
    expect((await hh.api('POST', `/incidents/${id}/acknowledge`, kim)).statusCode).toBe(200);
    const now = await detail(hh, id, kim);
    expect(now.status).toBe('acknowledged');
    expect(now.priority).toBe('P1');
    expect(now.scope).toEqual({
      side: 'partner',
      actions: {
        acknowledge: null,
        resolve: null,
        status: null,
        priority: "the engagement's scope does not give the partner side change_priority on infrastructure incidents: held by internal (A)",
        note: null,
      },
      activities: [
        { id: 'incident_response', internal: 'A', partner: 'R' },
        { id: 'change_priority', internal: 'A', partner: 'C' },
      ],
    });
    // The accountable side may.
    const dana = await hh.token('responder', ['acme'], 'dana');
    expect((await hh.api('POST', `/incidents/${id}/priority`, dana, { priority: 'P2' })).statusCode).toBe(200);
  });

  it('an internal responder cannot acknowledge a security incident but can add a note', async () => {
    const hh = await start();
    const id = await edrAlert(hh);
    const dana = await hh.token('responder', ['acme'], 'dana');
    for (const [path, body] of [
      ['acknowledge', undefined],
      ['resolve', undefined],
      ['status', { status: 'waiting_on_vendor' }],
    ] as const) {
      const res = await hh.api('POST', `/incidents/${id}/${path}`, dana, body);
      expect(res.statusCode, path).toBe(403);
      expect(res.json<{ error: { code: string; message: string } }>().error).toEqual({
        code: 'OUT_OF_SCOPE',
        message: "the engagement's scope does not give the internal side security_response on security incidents: held by partner (R)",
      });
    }
    expect((await hh.api('POST', `/incidents/${id}/notes`, dana, { text: 'web-01 is the old marketing site.' })).statusCode).toBe(201);
    const now = await detail(hh, id, dana);
    expect(now.status).toBe('triggered');
    expect(now.timeline.filter((e) => e.kind === 'note').map((e) => e.message)).toEqual(['web-01 is the old marketing site.']);
    expect(now.scope.side).toBe('internal');
    expect(now.scope.actions.note).toBeNull();
    // The partner's SOC may.
    const mo = await hh.token('responder', ['acme'], 'mo');
    expect((await hh.api('POST', `/incidents/${id}/acknowledge`, mo)).statusCode).toBe(200);
  });

  it('a token bound to no person is not restricted by scope', async () => {
    const hh = await start();
    const id = await edrAlert(hh);
    const admin = await hh.token('admin');
    expect((await detail(hh, id, admin)).scope.side).toBeNull();
    expect((await hh.api('POST', `/incidents/${id}/acknowledge`, admin)).statusCode).toBe(200);
  });

  it('a respond link for a side out of scope shows why and refuses', async () => {
    const hh = await start();
    const id = await edrAlert(hh);
    const link = hh.tandem.links.token({
      incident: id,
      action: 'acknowledge',
      responder: 'person:dana',
      via: 'email',
      expires: hh.clock.now() + 3_600_000,
    });
    const page = await hh.tandem.http.inject({ method: 'GET', url: `/respond/${link}` });
    expect(page.statusCode).toBe(200);
    expect(page.body).toContain('Out of scope');
    expect(page.body).not.toContain('<form');
    const post = await hh.tandem.http.inject({ method: 'POST', url: `/respond/${link}` });
    expect(post.statusCode).toBe(403);
    expect((await detail(hh, id, await hh.token('viewer'))).status).toBe('triggered');
  });

  it('a Jira change from the internal side: the transition is refused on the delivery, the comment lands as a note', async () => {
    fake = await startJiraFake();
    const hh = await start(`ticketing:\n${jiraEntry(fake).join('\n')}\n`, { ACME_JIRA_TOKEN: fake.token });
    const id = await edrAlert(hh);
    await hh.settle();
    const issue = fake.issues.get('OPS-1');
    if (issue === undefined) throw new Error('OPS-1 is missing');
    const sam = { accountId: '712020:5e8d7c', displayName: 'Sam Okafor' };
    fake.setStatus('OPS-1', 'done');
    const hook = `/integrations/ticketing/${JIRA_INBOUND}`;
    expect((await hh.ingest(hook, issueUpdated(fake.url, issue, sam, 'To Do'), deliveryHeaders())).statusCode).toBe(202);
    const comment = commentCreated(fake.url, issue, sam, { id: '10090', body: 'Marketing says web-01 can be switched off.' });
    expect((await hh.ingest(hook, comment, deliveryHeaders())).statusCode).toBe(202);
    await hh.settle();
    const now = await detail(hh, id, await hh.token('viewer'));
    expect(now.status).toBe('triggered');
    expect(now.timeline.find((e) => e.kind === 'note')).toMatchObject({ message: 'Marketing says web-01 can be switched off.' });
    const results = await hh.tandem.database.db
      .selectFrom('ticket_inbound')
      .select(['status', 'result'])
      .where('dedupe_key', 'like', 'jira:%')
      .orderBy('id')
      .execute();
    expect(results[0]?.result).toBe(
      "refused resolve (OUT_OF_SCOPE): the engagement's scope does not give the internal side security_response on security incidents: held by partner (R)",
    );
    expect(results[1]?.result).toBe('note added');
  });
});

describe('tandem route shows the scope that applies', () => {
  it("names the activities and letters of the service's function, or that none binds it", async () => {
    const dir = mkdtempSync(join(tmpdir(), 'tandem-scope-route-'));
    try {
      const file = scopedDemo(dir);
      const route = async (service: string, json: string[] = []) => {
        const io = recordingIo();
        expect(await main(['route', '--config', file, '--service', service, '--at', '2026-11-24T23:47:00-05:00', ...json], io)).toBe(0);
        return io.stdout.join('\n');
      };
      expect(await route('payments-api')).toContain(
        '  scope (infrastructure): incident_response internal A, partner R; change_priority internal A, partner C',
      );
      expect(await route('edr')).toContain('  scope (security): security_response internal I, partner R');
      expect(await route('laptops')).toContain('  scope (end_user): no activity binds this function: both sides may act');
      expect(JSON.parse(await route('edr', ['--json'])).scope).toEqual([{ activity: 'security_response', internal: 'I', partner: 'R' }]);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
