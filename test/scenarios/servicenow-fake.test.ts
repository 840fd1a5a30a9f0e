/**
 * The ServiceNow fake the ticketing sync is tested against must itself be trustworthy: a client that uses the Table
 * API as a real instance expects gets real answers (strings everywhere, reference links, derived priority, journals
 * kept apart) and leaves no violations, and each mistake a sync could make (bad auth, a number instead of a string,
 * writing priority, resolving without resolution fields, a query term the instance would ignore) is caught and named.
 * The lookups the sync makes (its user, its assignment group, the choice lists) answer as an instance does, and an
 * assignment_group that is no group's sys_id is caught. Injected rate limits answer with ServiceNow's headers. No
 * database is involved.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { startServiceNowFake } from '../support/fakes/servicenow.js';
import type { ServiceNowFake } from '../support/fakes/servicenow.js';

interface Answer {
  readonly status: number;
  readonly headers: Headers;
  readonly json: unknown;
}

const TABLE = '/api/now/table/incident';

/** A request as the sync would send it: Basic auth and JSON, unless the test overrides them. */
async function call(
  fake: ServiceNowFake,
  method: string,
  path: string,
  body?: unknown,
  headers: Record<string, string> = {},
): Promise<Answer> {
  const init: RequestInit = { method, headers: { authorization: fake.authorization, accept: 'application/json', ...headers } };
  if (body !== undefined) {
    init.body = JSON.stringify(body);
    init.headers = { 'content-type': 'application/json', ...init.headers };
  }
  const response = await fetch(`${fake.url}${path}`, init);
  const text = await response.text();
  return { status: response.status, headers: response.headers, json: text === '' ? undefined : (JSON.parse(text) as unknown) };
}

type Result = Record<string, unknown>;

async function createIncident(fake: ServiceNowFake, correlation = 'tandem:ACME-42'): Promise<Result> {
  const created = await call(fake, 'POST', TABLE, {
    short_description: '[ACME-42] Payments API 5xx above 2%',
    description: 'Service: payments. Priority: P1.',
    impact: '1',
    urgency: '1',
    correlation_id: correlation,
    correlation_display: 'Tandem',
    assignment_group: 'a715cd759f2002002920bde8132e7018',
  });
  expect(created.status).toBe(201);
  const result = (created.json as { result: Result }).result;
  expect(created.headers.get('location')).toBe(`${fake.url}${TABLE}/${String(result.sys_id)}`);
  return result;
}

let fake: ServiceNowFake;

beforeEach(async () => {
  fake = await startServiceNowFake();
});

afterEach(async () => {
  await fake.close();
});

describe('a client that uses the ServiceNow Table API as an instance expects', () => {
  it('creates an incident, finds it by correlation_id, works it, resolves it with resolution fields, and reads its journal', async () => {
    const incident = await createIncident(fake);
    expect(incident).toMatchObject({ number: 'INC0010001', state: '1', impact: '1', urgency: '1', priority: '1', work_notes: '' });
    expect(incident.assignment_group).toEqual({
      link: `${fake.url}/api/now/table/sys_user_group/a715cd759f2002002920bde8132e7018`,
      value: 'a715cd759f2002002920bde8132e7018',
    });
    await createIncident(fake, 'tandem:ACME-43');
    const id = String(incident.sys_id);

    const found = await call(
      fake,
      'GET',
      `${TABLE}?sysparm_query=correlation_id=tandem:ACME-42&sysparm_fields=sys_id,state&sysparm_limit=1`,
    );
    expect(found.status).toBe(200);
    expect(found.json).toEqual({ result: [{ sys_id: id, state: '1' }] });
    expect(found.headers.get('x-total-count')).toBe('1');
    expect(found.headers.get('link')).toContain('rel="first"');

    const working = await call(fake, 'PATCH', `${TABLE}/${id}`, { state: '2', work_notes: 'Kim: rolled back the deploy.', urgency: '2' });
    expect(working.status).toBe(200);
    expect((working.json as { result: Result }).result).toMatchObject({ state: '2', priority: '2', work_notes: '' });
    const hold = await call(fake, 'PUT', `${TABLE}/${id}`, { state: '3', hold_reason: '4', comments: 'Waiting on the vendor.' });
    expect(hold.status).toBe(200);
    const resolved = await call(fake, 'PATCH', `${TABLE}/${id}`, {
      state: '6',
      close_code: 'Solution provided',
      close_notes: 'Deploy rolled back.',
    });
    expect(resolved.status).toBe(200);

    const journal = await call(fake, 'GET', `/api/now/table/sys_journal_field?sysparm_query=element_id=${id}^elementINwork_notes,comments`);
    expect((journal.json as { result: Result[] }).result.map((j) => [j.element, j.value])).toEqual([
      ['work_notes', 'Kim: rolled back the deploy.'],
      ['comments', 'Waiting on the vendor.'],
    ]);
    expect(fake.journal).toHaveLength(2);

    const shown = await call(
      fake,
      'GET',
      `/api/now/v2/table/incident/${id}?sysparm_display_value=true&sysparm_exclude_reference_link=true`,
    );
    expect((shown.json as { result: Result }).result).toMatchObject({
      state: 'Resolved',
      priority: '2 - High',
      work_notes: '',
      comments: '',
    });
    const all = await call(fake, 'GET', `${TABLE}/${id}?sysparm_display_value=all&sysparm_fields=state`);
    expect(all.json).toEqual({ result: { state: { display_value: 'Resolved', value: '6' } } });
    const plain = await call(fake, 'GET', `${TABLE}/${id}?sysparm_exclude_reference_link=true&sysparm_fields=assignment_group`);
    expect(plain.json).toEqual({ result: { assignment_group: 'a715cd759f2002002920bde8132e7018' } });
    fake.assertClean();
  });

  it('pages a list with sysparm_limit and sysparm_offset and a next link', async () => {
    for (const n of [1, 2, 3]) await createIncident(fake, `tandem:ACME-${n}`);
    const page = await call(
      fake,
      'GET',
      `${TABLE}?sysparm_query=correlation_idINtandem:ACME-1,tandem:ACME-3&sysparm_limit=1&sysparm_offset=0`,
    );
    expect((page.json as { result: Result[] }).result.map((r) => r.correlation_id)).toEqual(['tandem:ACME-1']);
    expect(page.headers.get('x-total-count')).toBe('2');
    expect(page.headers.get('link')).toContain('sysparm_limit=1&sysparm_offset=1>;rel="next"');
    fake.assertClean();
  });

  it('an update made on the instance by a person shows who made it (for echo suppression)', async () => {
    const id = String((await createIncident(fake)).sys_id);
    fake.update(id, { state: '2' });
    const got = await call(fake, 'GET', `${TABLE}/${id}?sysparm_fields=state,sys_updated_by`);
    expect(got.json).toEqual({ result: { state: '2', sys_updated_by: 'kim.lee' } });
    expect(fake.incidents.get(id)?.sys_updated_by).toBe('kim.lee');
  });
});

describe('each mistake is caught and answered with the instance error envelope', () => {
  it('bad or missing credentials are a 401', async () => {
    const wrong = await call(fake, 'GET', TABLE, undefined, { authorization: 'Basic bm9wZTpub3Bl' });
    expect(wrong.status).toBe(401);
    expect(wrong.json).toMatchObject({ error: { message: 'User Not Authenticated' }, status: 'failure' });
    expect(fake.violations.map((v) => v.where)).toEqual(['auth']);
    expect(() => fake.assertClean()).toThrow(/Authorization is not Basic/);
  });

  it('resolving or closing without close_code and close_notes is refused by the data policy; On Hold needs hold_reason', async () => {
    const id = String((await createIncident(fake)).sys_id);
    const resolve = await call(fake, 'PATCH', `${TABLE}/${id}`, { state: '6', close_notes: 'done' });
    expect(resolve.status).toBe(403);
    expect(resolve.json).toEqual({
      error: { message: 'Operation Failed', detail: 'Data Policy Exception: \n The following fields are mandatory: Resolution code' },
      status: 'failure',
    });
    expect((await call(fake, 'PATCH', `${TABLE}/${id}`, { state: '7' })).status).toBe(403);
    expect((await call(fake, 'PATCH', `${TABLE}/${id}`, { state: '3' })).status).toBe(403);
    expect((await call(fake, 'PATCH', `${TABLE}/${id}`, { state: '6', close_code: 'Fixed it', close_notes: 'x' })).status).toBe(400);
    expect(fake.incidents.get(id)?.state).toBe('1');
    expect(fake.violations.map((v) => v.what)).toEqual([
      'state 6 needs Resolution code',
      'state 7 needs Resolution code, Resolution notes',
      'state 3 needs On hold reason',
      "'Fixed it' is not a resolution code of the instance",
    ]);
  });

  it('priority is read-only, values are strings, choices are checked, unknown fields are named', async () => {
    const id = String((await createIncident(fake)).sys_id);
    const priority = await call(fake, 'PATCH', `${TABLE}/${id}`, { priority: '1' });
    expect(priority.status).toBe(403);
    expect((await call(fake, 'PATCH', `${TABLE}/${id}`, { impact: 2 })).status).toBe(400);
    expect((await call(fake, 'PATCH', `${TABLE}/${id}`, { state: '4' })).status).toBe(400);
    const unknown = await call(fake, 'PATCH', `${TABLE}/${id}`, { u_tandem_key: 'ACME-42' });
    expect(unknown.json).toMatchObject({ error: { detail: "'u_tandem_key' is not a writable field of incident" }, status: 'failure' });
    expect(fake.violations.map((v) => v.where)).toEqual(['body/priority', 'body/impact', 'body/state', 'body/u_tandem_key']);
  });

  it('a query term the instance would ignore, an unknown sysparm, a non-JSON body and an unknown sys_id are caught', async () => {
    expect((await call(fake, 'GET', `${TABLE}?sysparm_query=u_key=ACME-42`)).status).toBe(400);
    expect((await call(fake, 'GET', `${TABLE}?sysparm_query=correlation_idLIKEACME`)).status).toBe(400);
    expect((await call(fake, 'GET', `${TABLE}?sysparm_limits=1`)).status).toBe(400);
    expect((await call(fake, 'GET', `${TABLE}?sysparm_display_value=yes`)).status).toBe(400);
    const text = await fetch(`${fake.url}${TABLE}`, {
      method: 'POST',
      body: 'short_description=x',
      headers: { authorization: fake.authorization, 'content-type': 'text/plain' },
    });
    expect(text.status).toBe(415);
    expect(fake.violations.map((v) => v.where)).toEqual([
      'query.sysparm_query',
      'query.sysparm_query',
      'query.sysparm_limits',
      'query.sysparm_display_value',
      'header.content-type',
    ]);
    const missing = await call(fake, 'GET', `${TABLE}/0123456789abcdef0123456789abcdef`);
    expect(missing.status).toBe(404);
    expect(missing.json).toMatchObject({ error: { message: 'No Record found' }, status: 'failure' });
  });
});

describe('the tables the sync reads besides incident', () => {
  it('sys_user, sys_user_group and sys_choice answer lists; assignment_group takes a group sys_id, or its name as a display value', async () => {
    const group = await call(fake, 'GET', '/api/now/table/sys_user_group?sysparm_query=name=Network Operations&sysparm_fields=sys_id');
    expect(group.json).toEqual({ result: [{ sys_id: 'a715cd759f2002002920bde8132e7018' }] });
    const user = await call(fake, 'GET', `/api/now/table/sys_user?sysparm_query=user_name=${fake.user}&sysparm_fields=name`);
    expect(user.json).toEqual({ result: [{ name: 'Tandem Integration' }] });
    const choices = await call(
      fake,
      'GET',
      '/api/now/table/sys_choice?sysparm_query=name=incident^element=close_code&sysparm_fields=value',
    );
    expect((choices.json as { result: Result[] }).result).toContainEqual({ value: 'Solution provided' });

    const byName = await call(fake, 'POST', `${TABLE}?sysparm_input_display_value=true`, { assignment_group: 'Network Operations' });
    expect(byName.status).toBe(201);
    const id = String((byName.json as { result: Result }).result.sys_id);
    expect(fake.incidents.get(id)?.assignment_group).toBe('a715cd759f2002002920bde8132e7018');
    fake.assertClean();

    expect((await call(fake, 'POST', TABLE, { assignment_group: 'Network Operations' })).status).toBe(400);
    expect((await call(fake, 'PATCH', `${TABLE}/${id}`, { assignment_group: '0123456789abcdef0123456789abcdef' })).status).toBe(400);
    expect((await call(fake, 'POST', '/api/now/table/sys_user_group', { name: 'x' })).status).toBe(403);
    expect(fake.violations.map((v) => v.what)).toEqual([
      "'Network Operations' is not the sys_id of a sys_user_group (a name needs sysparm_input_display_value=true)",
      "'0123456789abcdef0123456789abcdef' is not the sys_id of a sys_user_group (no group has that sys_id or name)",
      'the sync reads sys_user_group by GET list only',
    ]);
  });

  it('a table the user has no read ACL on answers 403 (not a violation: the instance is set up so)', async () => {
    await fake.close();
    fake = await startServiceNowFake({ unreadable: ['sys_choice'] });
    const got = await call(fake, 'GET', '/api/now/table/sys_choice?sysparm_query=name=incident');
    expect(got.status).toBe(403);
    expect(got.json).toMatchObject({ error: { message: 'User Not Authorized' }, status: 'failure' });
    fake.assertClean();
  });
});

describe('injected faults', () => {
  it('a 429 carries Retry-After, X-RateLimit-Limit and X-RateLimit-Reset in unix seconds, or no Retry-After at all', async () => {
    const clock = { now: () => Date.UTC(2026, 10, 30, 7, 0, 0) };
    await fake.close();
    fake = await startServiceNowFake({ clock, rateLimit: 1000 });
    fake.inject({ status: 429, retryAfter: '5' });
    fake.inject({ status: 429 });
    const first = await call(fake, 'GET', TABLE);
    expect(first.status).toBe(429);
    expect(first.headers.get('retry-after')).toBe('5');
    expect(first.headers.get('x-ratelimit-limit')).toBe('1000');
    expect(first.headers.get('x-ratelimit-reset')).toBe(String(Date.UTC(2026, 10, 30, 7, 0, 5) / 1000));
    expect(first.json).toMatchObject({ error: { message: 'Too Many Requests' }, status: 'failure' });
    const second = await call(fake, 'GET', TABLE);
    expect(second.status).toBe(429);
    expect(second.headers.get('retry-after')).toBeNull();
    expect((await call(fake, 'GET', TABLE)).status).toBe(200);
    expect(fake.incidents.size).toBe(0);
  });

  it('a 503 for the next N requests, then normal answers; a delayed answer still acts', async () => {
    fake.inject({ status: 503 }, 2);
    expect((await call(fake, 'GET', TABLE)).status).toBe(503);
    expect((await call(fake, 'GET', TABLE)).status).toBe(503);
    fake.inject({ delayMs: 20 });
    await createIncident(fake);
    expect(fake.incidents.size).toBe(1);
    expect(fake.requests).toHaveLength(3);
  });

  it('a hung request never answers and leaves no effect', async () => {
    fake.inject({ hang: true });
    const pending = call(fake, 'POST', TABLE, { short_description: 'x' }).catch((error: unknown) => error);
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect(fake.incidents.size).toBe(0);
    await fake.close();
    expect(await pending).toBeInstanceOf(Error);
    fake = await startServiceNowFake();
  });
});
