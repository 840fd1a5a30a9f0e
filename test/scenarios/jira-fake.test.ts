/**
 * The Jira fake the ticketing sync is tested against must itself be trustworthy: a client that speaks real Jira
 * Cloud (per Atlassian's OpenAPI description) gets real answers and leaves no violations, and each kind of mistake a
 * sync could make (a wrong type, a missing field, an operation Jira does not have, bad credentials, the removed search
 * API, JQL Jira would reject) is caught and named. Injected rate limits and outages are answered as configured, for the
 * soak test. No database is involved.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { startJiraFake } from '../support/fakes/jira.js';
import type { JiraFake } from '../support/fakes/jira.js';

interface Answer {
  readonly status: number;
  readonly headers: Headers;
  readonly text: string;
  readonly json: unknown;
}

const adf = (text: string): object => ({ type: 'doc', version: 1, content: [{ type: 'paragraph', content: [{ type: 'text', text }] }] });

/** A request as the sync would send it: Basic auth and JSON, unless the test overrides them. */
async function call(
  fake: JiraFake,
  method: string,
  path: string,
  body?: unknown,
  headers: Record<string, string> = {},
  signal?: AbortSignal,
): Promise<Answer> {
  const init: RequestInit = { method, signal, headers: { authorization: fake.authorization, accept: 'application/json', ...headers } };
  if (body !== undefined) {
    init.body = typeof body === 'string' ? body : JSON.stringify(body);
    init.headers = { 'content-type': 'application/json', ...init.headers };
  }
  const response = await fetch(`${fake.url}${path}`, init);
  const text = await response.text();
  let json: unknown;
  try {
    json = text === '' ? undefined : (JSON.parse(text) as unknown);
  } catch {
    json = undefined;
  }
  return { status: response.status, headers: response.headers, text, json };
}

async function createTicket(fake: JiraFake, label = 'tandem-ACME-42'): Promise<{ id: string; key: string; self: string }> {
  const created = await call(fake, 'POST', '/rest/api/3/issue', {
    fields: {
      project: { key: 'OPS' },
      issuetype: { name: 'Incident' },
      summary: '[ACME-42] Payments API 5xx above 2%',
      description: adf('Service: payments. Priority: P1. Owning side: Acme IT.'),
      labels: [label],
      priority: { name: 'Highest' },
    },
  });
  expect(created.status).toBe(201);
  return created.json as { id: string; key: string; self: string };
}

interface TransitionList {
  transitions: { id: string; name: string; to: { name: string; statusCategory: { key: string } } }[];
}

async function transitionTo(fake: JiraFake, key: string, category: string): Promise<number> {
  const list = await call(fake, 'GET', `/rest/api/3/issue/${key}/transitions`);
  expect(list.status).toBe(200);
  const transition = (list.json as TransitionList).transitions.find((t) => t.to.statusCategory.key === category);
  if (transition === undefined) throw new Error(`no transition to ${category}`);
  return (await call(fake, 'POST', `/rest/api/3/issue/${key}/transitions`, { transition: { id: transition.id } })).status;
}

let fake: JiraFake;

beforeEach(async () => {
  fake = await startJiraFake();
});

afterEach(async () => {
  await fake.close();
});

describe('a client that speaks real Jira Cloud', () => {
  it('creates a ticket, finds it again by its correlation label, moves it through the workflow by category, comments and reprioritises', async () => {
    const ticket = await createTicket(fake);
    expect(ticket).toEqual({ id: '10001', key: 'OPS-1', self: `${fake.url}/rest/api/3/issue/10001` });
    await createTicket(fake, 'tandem-ACME-43');

    const search = await call(fake, 'POST', '/rest/api/3/search/jql', {
      jql: 'project = OPS AND labels = "tandem-ACME-42"',
      fields: ['status', 'labels'],
      maxResults: 2,
    });
    expect(search.status).toBe(200);
    const found = search.json as { issues: { key: string; fields: { labels: string[] } }[]; isLast: boolean };
    expect(found.issues.map((i) => i.key)).toEqual(['OPS-1']);
    expect(found.isLast).toBe(true);

    expect(await transitionTo(fake, 'OPS-1', 'indeterminate')).toBe(204);
    expect(fake.issues.get('OPS-1')?.status.name).toBe('In Progress');
    expect(await transitionTo(fake, 'OPS-1', 'done')).toBe(204);

    const comment = await call(fake, 'POST', '/rest/api/3/issue/OPS-1/comment', { body: adf('Kim: rolled back the deploy.') });
    expect(comment.status).toBe(201);
    expect(comment.json).toMatchObject({ id: '10000', body: adf('Kim: rolled back the deploy.') });

    expect((await call(fake, 'PUT', '/rest/api/3/issue/OPS-1', { fields: { priority: { name: 'High' } } })).status).toBe(204);
    expect((await call(fake, 'PUT', '/rest/api/3/issue/OPS-1', { update: { labels: [{ add: 'tandem' }] } })).status).toBe(204);

    const issue = await call(fake, 'GET', '/rest/api/3/issue/OPS-1');
    expect(issue.status).toBe(200);
    expect(issue.json).toMatchObject({
      key: 'OPS-1',
      fields: {
        priority: { name: 'High' },
        labels: ['tandem-ACME-42', 'tandem'],
        status: { name: 'Done', statusCategory: { key: 'done' } },
        comment: { total: 1 },
      },
    });
    expect(fake.requests.map((r) => `${r.method} ${r.path}`)).toContain('POST /rest/api/3/issue/OPS-1/comment');
    expect(fake.requests[0]?.headers.authorization).toBe(fake.authorization);
    expect(fake.requests[0]?.body).toMatchObject({ fields: { summary: '[ACME-42] Payments API 5xx above 2%' } });
    fake.assertClean();
  });

  it('gets transition ids that differ from one fake to the next, so only a lookup by category works', async () => {
    const other = await startJiraFake({ transitionIds: { new: '7', indeterminate: '8', done: '9' } });
    try {
      expect(other.transitionIds).not.toEqual(fake.transitionIds);
      await createTicket(other);
      expect(await transitionTo(other, 'OPS-1', 'done')).toBe(204);
      const stale = await call(other, 'POST', '/rest/api/3/issue/OPS-1/transitions', {
        transition: { id: fake.transitionIds.indeterminate },
      });
      expect(stale.status).toBe(400);
      expect(stale.json).toEqual({
        errorMessages: [`Transition id '${fake.transitionIds.indeterminate}' is not valid for this issue.`],
        errors: {},
      });
    } finally {
      await other.close();
    }
  });

  it('follows only To Do -> In Progress -> Done when the workflow is linear', async () => {
    const linear = await startJiraFake({ linear: true });
    try {
      await createTicket(linear);
      const list = await call(linear, 'GET', '/rest/api/3/issue/OPS-1/transitions');
      expect((list.json as TransitionList).transitions.map((t) => t.to.statusCategory.key)).toEqual(['indeterminate']);
      expect(await transitionTo(linear, 'OPS-1', 'indeterminate')).toBe(204);
      expect(await transitionTo(linear, 'OPS-1', 'done')).toBe(204);
      linear.assertClean();
    } finally {
      await linear.close();
    }
  });

  it('answers 404 with Jira’s error body for an issue it does not have, without calling it a violation', async () => {
    const missing = await call(fake, 'GET', '/rest/api/3/issue/OPS-99');
    expect(missing.status).toBe(404);
    expect(missing.json).toEqual({ errorMessages: ['Issue does not exist or you do not have permission to see it.'], errors: {} });
    fake.assertClean();
  });
});

describe('what tandem ticketing check reads', () => {
  it('answers the signed-in user, the project with its issue types, each issue type’s statuses and the priorities', async () => {
    const me = await call(fake, 'GET', '/rest/api/3/myself');
    expect(me.status).toBe(200);
    expect(me.json).toMatchObject({ emailAddress: 'tandem@acme.example', displayName: 'Tandem integration', active: true });

    const project = await call(fake, 'GET', '/rest/api/3/project/OPS');
    expect(project.status).toBe(200);
    expect(project.json).toMatchObject({ id: '10000', key: 'OPS' });
    expect((project.json as { issueTypes: { name: string }[] }).issueTypes.map((t) => t.name)).toEqual(['Incident', 'Task', 'Bug']);

    const statuses = await call(fake, 'GET', '/rest/api/3/project/OPS/statuses');
    expect(statuses.status).toBe(200);
    const incident = (statuses.json as { name: string; statuses: { name: string; statusCategory: { key: string } }[] }[]).find(
      (t) => t.name === 'Incident',
    );
    expect(incident?.statuses.map((st) => `${st.name}/${st.statusCategory.key}`)).toEqual([
      'To Do/new',
      'In Progress/indeterminate',
      'Done/done',
    ]);

    const priorities = await call(fake, 'GET', '/rest/api/3/priority');
    expect(priorities.status).toBe(200);
    expect((priorities.json as { name: string }[]).map((p) => p.name)).toEqual(['Highest', 'High', 'Medium', 'Low', 'Lowest']);
    fake.assertClean();
  });

  it('answers 404 with Jira’s error body for a project it does not have, without calling it a violation', async () => {
    for (const path of ['/rest/api/3/project/NOPE', '/rest/api/3/project/NOPE/statuses']) {
      const missing = await call(fake, 'GET', path);
      expect(missing.status).toBe(404);
      expect(missing.json).toEqual({ errorMessages: ["No project could be found with key 'NOPE'."], errors: {} });
    }
    fake.assertClean();
  });

  it('is set up with other issue types, priorities and a workflow without a done status', async () => {
    const other = await startJiraFake({
      project: 'SUP',
      issueTypes: ['Task', 'Bug'],
      priorities: ['Blocker', 'Major', 'Minor'],
      workflows: { Task: ['new', 'indeterminate'] },
      displayName: 'Support bot',
    });
    try {
      expect((await call(other, 'GET', '/rest/api/3/myself')).json).toMatchObject({ displayName: 'Support bot' });
      const project = (await call(other, 'GET', '/rest/api/3/project/sup')).json as { key: string; issueTypes: { name: string }[] };
      expect([project.key, ...project.issueTypes.map((t) => t.name)]).toEqual(['SUP', 'Task', 'Bug']);
      const statuses = (await call(other, 'GET', '/rest/api/3/project/SUP/statuses')).json as {
        name: string;
        statuses: { name: string }[];
      }[];
      expect(statuses.map((t) => `${t.name}: ${t.statuses.map((st) => st.name).join(', ')}`)).toEqual([
        'Task: To Do, In Progress',
        'Bug: To Do, In Progress, Done',
      ]);
      expect(((await call(other, 'GET', '/rest/api/3/priority')).json as { name: string }[]).map((p) => p.name)).toEqual([
        'Blocker',
        'Major',
        'Minor',
      ]);
      other.assertClean();
    } finally {
      await other.close();
    }
  });
});

describe('requests real Jira would reject', () => {
  it('catches a body field of the wrong type against the operation’s schema', async () => {
    await createTicket(fake);
    const answer = await call(fake, 'POST', '/rest/api/3/issue/OPS-1/transitions', { transition: { id: 21 } });
    expect(answer.status).toBe(400);
    expect(fake.violations).toEqual([
      {
        operation: 'POST /rest/api/3/issue/{issueIdOrKey}/transitions (doTransition)',
        where: 'body/transition/id',
        what: 'must be string',
      },
    ]);
    expect(() => fake.assertClean()).toThrow(/body\/transition\/id: must be string/);
  });

  it('catches unknown properties and wrong types in a search (the new API has no startAt)', async () => {
    const answer = await call(fake, 'POST', '/rest/api/3/search/jql', { jql: 'labels = "tandem-ACME-42"', startAt: 0, maxResults: '50' });
    expect(answer.status).toBe(400);
    expect(fake.violations.map((v) => `${v.where}: ${v.what}`)).toEqual([
      'body: unknown property "startAt"',
      'body/maxResults: must be integer',
    ]);
    expect((answer.json as { errorMessages: string[] }).errorMessages).toContain('body: unknown property "startAt"');
  });

  it('catches a missing required body and a create without the fields Jira requires', async () => {
    expect((await call(fake, 'POST', '/rest/api/3/issue')).status).toBe(400);
    const noSummary = await call(fake, 'POST', '/rest/api/3/issue', {
      fields: { project: { key: 'OPS' }, issuetype: { name: 'Incident' } },
    });
    expect(noSummary.status).toBe(400);
    expect(noSummary.json).toEqual({ errorMessages: [], errors: { summary: 'You must specify a summary of the issue.' } });
    expect(fake.violations.map((v) => `${v.operation} ${v.where}: ${v.what}`)).toEqual([
      'POST /rest/api/3/issue (createIssue) body: required request body missing',
      'POST /rest/api/3/issue (createIssue) body/fields/summary: You must specify a summary of the issue.',
    ]);
  });

  it('catches a comment or description that is not Atlassian Document Format', async () => {
    await createTicket(fake);
    const answer = await call(fake, 'POST', '/rest/api/3/issue/OPS-1/comment', { body: 'plain text' });
    expect(answer.status).toBe(400);
    expect(fake.violations.map((v) => v.where)).toEqual(['body/body']);
  });

  it('catches a query parameter of the wrong type', async () => {
    await createTicket(fake);
    const answer = await call(fake, 'PUT', '/rest/api/3/issue/OPS-1?notifyUsers=no', { fields: { priority: { name: 'Low' } } });
    expect(answer.status).toBe(400);
    expect(fake.violations.map((v) => `${v.where}: ${v.what}`)).toEqual(['query.notifyUsers: must be true or false, got "no"']);
    expect(fake.issues.get('OPS-1')?.priority).toBe('Highest');
  });

  it('catches an operation Jira does not have', async () => {
    const answer = await call(fake, 'POST', '/rest/api/3/issue/OPS-1/resolve', { resolution: 'Fixed' });
    expect(answer.status).toBe(400);
    expect(fake.violations).toEqual([
      {
        operation: 'POST /rest/api/3/issue/OPS-1/resolve',
        where: 'operation',
        what: 'no operation in the contract has this method and path',
      },
    ]);
  });

  it('answers 401 with Jira’s error body to a wrong token or no credentials', async () => {
    const wrong = `Basic ${Buffer.from(`${fake.email}:not-the-token`).toString('base64')}`;
    const answer = await call(fake, 'GET', '/rest/api/3/issue/OPS-1', undefined, { authorization: wrong });
    expect(answer.status).toBe(401);
    expect(answer.json).toEqual({ errorMessages: ['Client must be authenticated to access this resource.'], errors: {} });
    const none = await fetch(`${fake.url}/rest/api/3/issue/OPS-1`);
    expect(none.status).toBe(401);
    expect(fake.violations.map((v) => `${v.where}: ${v.what}`)).toEqual([
      'auth: Authorization is not Basic base64(email:token) of the fake',
      'auth: no Authorization header',
    ]);
  });

  it('answers 410 to the removed /rest/api/3/search and records it', async () => {
    const answer = await call(fake, 'POST', '/rest/api/3/search', { jql: 'labels = "tandem-ACME-42"' });
    expect(answer.status).toBe(410);
    expect((answer.json as { errorMessages: string[] }).errorMessages[0]).toMatch(/migrate to the \/rest\/api\/3\/search\/jql API/);
    expect(fake.violations.map((v) => v.what)).toEqual(['removed API (410)']);
  });

  it('answers 400 with Jira’s error body to JQL it cannot parse', async () => {
    const answer = await call(fake, 'POST', '/rest/api/3/search/jql', { jql: 'labels ~ tandem OR summary = x' });
    expect(answer.status).toBe(400);
    expect(answer.json).toEqual({
      errorMessages: ['Error in the JQL Query: the fake cannot parse "labels ~ tandem OR summary = x".'],
      errors: {},
    });
    expect(fake.violations.map((v) => v.where)).toEqual(['body/jql']);
  });
});

describe('injected faults', () => {
  it('answers 429 with and without Retry-After, and with an HTML body, then serves normally', async () => {
    fake.inject({ status: 429, retryAfter: '0' });
    fake.inject({ status: 429 });
    fake.inject({ status: 429, retryAfter: '5', html: true });
    const zero = await call(fake, 'GET', '/rest/api/3/issue/OPS-1');
    expect(zero.status).toBe(429);
    expect(zero.headers.get('retry-after')).toBe('0');
    expect(zero.json).toEqual({ errorMessages: ['Rate limit exceeded.'], errors: {} });
    const bare = await call(fake, 'GET', '/rest/api/3/issue/OPS-1');
    expect(bare.status).toBe(429);
    expect(bare.headers.get('retry-after')).toBeNull();
    expect(bare.headers.get('x-ratelimit-remaining')).toBe('0');
    const html = await call(fake, 'GET', '/rest/api/3/issue/OPS-1');
    expect(html.status).toBe(429);
    expect(html.headers.get('retry-after')).toBe('5');
    expect(html.headers.get('content-type')).toMatch(/^text\/html/);
    expect(html.text).toMatch(/Too Many Requests/);
    expect((await call(fake, 'GET', '/rest/api/3/issue/OPS-1')).status).toBe(404);
    fake.assertClean();
  });

  it('answers 503 for the next N requests, delays an answer without changing it, and still validates faulted requests', async () => {
    fake.inject({ status: 503 }, 2);
    fake.inject({ delayMs: 20 });
    expect((await call(fake, 'GET', '/rest/api/3/issue/OPS-1')).status).toBe(503);
    expect((await call(fake, 'POST', '/rest/api/3/issue/OPS-1/resolve', {})).status).toBe(503);
    const ticket = await createTicket(fake);
    expect(ticket.key).toBe('OPS-1');
    expect(fake.requests).toHaveLength(3);
    expect(fake.violations.map((v) => v.where)).toEqual(['operation']);
  });

  it('never answers a hung request and leaves no effect, until the client gives up', async () => {
    fake.inject({ hang: true });
    const gaveUp = new AbortController();
    const pending = call(fake, 'POST', '/rest/api/3/issue', { fields: {} }, {}, gaveUp.signal);
    await expect.poll(() => fake.requests.length).toBe(1);
    gaveUp.abort();
    await expect(pending).rejects.toThrow();
    expect(fake.issues.size).toBe(0);
    await createTicket(fake);
    await createTicket(fake);
    expect(fake.duplicateLabels()).toEqual(['tandem-ACME-42']);
  });
});
