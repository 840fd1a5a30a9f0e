/**
 * The ServiceNow client against the ServiceNow fake (a real HTTP server that
 * records every request a real instance would refuse): an incident is
 * created once and found again by its correlation id, assigned by the
 * group's sys_id, moved to In Progress and resolved with the mandatory
 * resolution fields, given work notes and a new impact/urgency, and read
 * back with its journal. Refusals are classified: a 429 waits for
 * Retry-After, else for X-RateLimit-Reset, else for the outbox's backoff; a
 * 503 and a timeout are retried; a 401 is permanent and says why. The
 * set-up check passes, and fails on a wrong password or an unknown group.
 * No database is involved.
 */
import { afterEach, describe, expect, it } from 'vitest';
import type { ServiceNowTicketing } from '../../src/engagement/model.js';
import type { CallResult, ExternalTicket } from '../../src/ticketing/client.js';
import { clientFor } from '../../src/ticketing/clients.js';
import { ServiceNowClient } from '../../src/ticketing/servicenow.js';
import { DEFAULT_GROUPS, startServiceNowFake } from '../support/fakes/servicenow.js';
import type { ServiceNowFake, ServiceNowFakeOptions } from '../support/fakes/servicenow.js';

const PASSWORD = 'servicenow-fake-password';
const NOW = Date.UTC(2026, 10, 30, 7, 0, 0);
const clock = { now: () => NOW };
const GROUP = DEFAULT_GROUPS[0];

let fake: ServiceNowFake | undefined;

afterEach(async () => {
  await fake?.close();
  fake = undefined;
});

function entryFor(f: ServiceNowFake, overrides: Partial<ServiceNowTicketing> = {}): ServiceNowTicketing {
  return {
    id: 'acme-snow',
    system: 'servicenow',
    side: 'internal',
    url: `${f.url}/`,
    auth: { user: f.user, passwordEnv: 'ACME_SN_PASSWORD' },
    assignmentGroup: GROUP.name,
    sync: { priorities: ['P1', 'P2'], functions: ['network'] },
    priorities: {},
    inboundKey: 'sn-in-3f1a9b',
    ...overrides,
  };
}

async function setUp(
  options: ServiceNowFakeOptions = {},
  entry: Partial<ServiceNowTicketing> = {},
  password = PASSWORD,
  timeoutMs = 5_000,
): Promise<{ f: ServiceNowFake; client: ServiceNowClient }> {
  const f = await startServiceNowFake({ clock, ...options });
  fake = f;
  return { f, client: new ServiceNowClient(entryFor(f, entry), password, { secret: () => password, timeoutMs, now: clock.now }) };
}

function value<T>(result: CallResult<T>): T {
  if (result.kind !== 'delivered') throw new Error(`expected delivered, got ${result.kind}: ${result.error}`);
  return result.value;
}

const NEW = {
  ref: 'ACME-42',
  summary: '[ACME-42] Payments API 5xx above 2%',
  description: ['Service: payments', 'Priority: P1', 'Owning side: Acme', 'Incident in Tandem: https://tandem.example/i/42'],
  priority: 'P1',
};

describe('a ServiceNow ticket through its life', () => {
  it('is created once (find sees it, by correlation id), assigned by group sys_id, with impact/urgency from the priority', async () => {
    const { f, client } = await setUp();
    expect(value(await client.find('ACME-42'))).toBeUndefined();
    const ticket = value(await client.create(NEW));
    const sysId = [...f.incidents.keys()][0] ?? '';
    expect(ticket).toEqual({ id: sysId, key: 'INC0010001', url: `${f.url}/nav_to.do?uri=incident.do?sys_id=${sysId}` });
    expect(f.incidents.get(sysId)).toMatchObject({
      short_description: NEW.summary,
      description: NEW.description.join('\n'),
      correlation_id: 'tandem:ACME-42',
      correlation_display: 'Tandem',
      assignment_group: GROUP.sys_id,
      impact: '1',
      urgency: '1',
      priority: '1',
      state: '1',
    });
    expect(value(await client.find('ACME-42'))).toEqual(ticket);
    expect(value(await client.find('ACME-43'))).toBeUndefined();
    expect(f.incidents.size).toBe(1);
    const find = f.requests.find((r) => r.method === 'GET' && r.path === '/api/now/table/incident');
    expect(find?.query.get('sysparm_query')).toBe('correlation_id=tandem:ACME-42');
    f.assertClean();
  });

  it('an entry priority map picks the pair; an unmapped priority leaves the instance default', async () => {
    const { f, client } = await setUp({}, { priorities: { P1: '2 - High' } });
    const mapped = value(await client.create(NEW));
    const unmapped = value(await client.create({ ...NEW, ref: 'ACME-43', priority: 'SEV9' }));
    expect(f.incidents.get(mapped.id)).toMatchObject({ impact: '1', urgency: '2', priority: '2' });
    expect(f.incidents.get(unmapped.id)).toMatchObject({ impact: '3', urgency: '3', priority: '5' });
    expect(value(await client.priority(unmapped, 'SEV9'))).toBe(false);
    f.assertClean();
  });

  it('moves to In Progress, then Resolved with the resolution code and notes; a second move is not delivered again', async () => {
    const { f, client } = await setUp();
    const ticket = value(await client.create(NEW));
    expect(value(await client.transition(ticket, 'in_progress', ''))).toBe(true);
    expect(f.incidents.get(ticket.id)?.state).toBe('2');
    expect(value(await client.transition(ticket, 'in_progress', ''))).toBe(false);
    expect(value(await client.transition(ticket, 'done', 'Resolved in Tandem'))).toBe(true);
    expect(f.incidents.get(ticket.id)).toMatchObject({ state: '6', close_code: 'Solution provided', close_notes: 'Resolved in Tandem' });
    expect(value(await client.transition(ticket, 'done', 'again'))).toBe(false);
    expect(value(await client.transition(ticket, 'in_progress', ''))).toBe(false);
    expect(f.incidents.get(ticket.id)?.state).toBe('6');
    f.assertClean();
  });

  it('resolves straight from New (an empty note still fills close_notes) and from On Hold', async () => {
    const { f, client } = await setUp();
    const a = value(await client.create(NEW));
    expect(value(await client.transition(a, 'done', ' '))).toBe(true);
    expect(f.incidents.get(a.id)?.close_notes).toBe('Resolved in Tandem');
    const b = value(await client.create({ ...NEW, ref: 'ACME-43' }));
    f.update(b.id, { state: '3', hold_reason: '4' });
    expect(value(await client.transition(b, 'in_progress', ''))).toBe(true);
    expect(f.incidents.get(b.id)?.state).toBe('2');
    f.assertClean();
  });

  it('adds work notes (no id in the answer), changes impact/urgency, and reads the incident back with its journal', async () => {
    const { f, client } = await setUp();
    const ticket = value(await client.create({ ...NEW, priority: 'P3' }));
    expect(value(await client.comment(ticket, 'Kim: rolled back the deploy.'))).toBeNull();
    expect(value(await client.priority(ticket, 'P2'))).toBe(true);
    expect(f.incidents.get(ticket.id)).toMatchObject({ impact: '1', urgency: '2', priority: '2' });
    await client.transition(ticket, 'in_progress', '');
    f.update(ticket.id, { comments: 'Customer: still failing for some.' }, 'kim.lee');
    const snapshot = value(await client.read(ticket.id));
    expect(snapshot).toEqual({
      ticket,
      state: 'in_progress',
      status: 'In Progress',
      updatedBy: 'kim.lee',
      notes: [
        { id: f.journal[0]?.sys_id, text: 'Kim: rolled back the deploy.', author: f.user },
        { id: f.journal[1]?.sys_id, text: 'Customer: still failing for some.', author: 'kim.lee' },
      ],
    });
    expect(f.journal.map((j) => j.element)).toEqual(['work_notes', 'comments']);
    expect(value(await client.read('0123456789abcdef0123456789abcdef'))).toBeUndefined();
    f.assertClean();
  });

  it('is made by clientFor from the entry and its password variable, or says which variable is missing', async () => {
    const f = await startServiceNowFake({ clock });
    fake = f;
    const entry = entryFor(f);
    const options = { timeoutMs: 5_000, now: clock.now };
    expect(clientFor(entry, { ...options, secret: () => undefined })).toBe('environment variable ACME_SN_PASSWORD is not set');
    const client = clientFor(entry, { ...options, secret: (name) => (name === 'ACME_SN_PASSWORD' ? PASSWORD : undefined) });
    if (typeof client === 'string') throw new Error(client);
    expect(value(await client.create(NEW)).key).toBe('INC0010001');
    f.assertClean();
  });
});

describe('refusals and failures', () => {
  it('a 429 with Retry-After waits that long; without it, until X-RateLimit-Reset; with neither, the outbox backs off', async () => {
    const { f, client } = await setUp({ rateLimit: 1000 });
    f.inject({ status: 429, retryAfter: '5' });
    expect(await client.find('ACME-42')).toEqual({
      kind: 'retryable',
      error: 'ServiceNow 429: Too Many Requests: Rate limit of 1000 requests per hour exceeded for this user',
      retryAfterMs: 5_000,
    });
    f.inject({ status: 429 });
    expect(await client.create(NEW)).toMatchObject({ kind: 'retryable', retryAfterMs: 60_000 });
    expect(f.incidents.size).toBe(0);
    f.assertClean();

    const bare = await setUp({ rateLimitHeaders: false });
    await f.close();
    bare.f.inject({ status: 429 });
    const result = await bare.client.find('ACME-42');
    expect(result).toEqual({ kind: 'retryable', error: 'ServiceNow 429: Too Many Requests: Rate limit exceeded for this user' });
    bare.f.assertClean();
  });

  it('a 503 is retryable; the next call goes through', async () => {
    const { f, client } = await setUp();
    f.inject({ status: 503 });
    expect(await client.create(NEW)).toEqual({
      kind: 'retryable',
      error: 'ServiceNow 503: Service Unavailable: the fake was told to fail',
    });
    expect(value(await client.create(NEW)).key).toBe('INC0010001');
    f.assertClean();
  });

  it('a call with no answer times out and is retryable', async () => {
    const { f, client } = await setUp({}, {}, PASSWORD, 200);
    f.inject({ hang: true });
    const result = await client.find('ACME-42');
    expect(result.kind).toBe('retryable');
    expect(result.kind === 'retryable' ? result.error : '').toMatch(/^ServiceNow unreachable: /);
    f.assertClean();
  });

  it('a wrong password is a permanent 401 with the instance error text', async () => {
    const { f, client } = await setUp({}, {}, 'wrong');
    expect(await client.create(NEW)).toEqual({
      kind: 'permanent',
      error: 'ServiceNow 401: User Not Authenticated: Required to provide Auth information',
    });
    expect(f.violations.map((v) => v.where)).toEqual(['auth']);
  });

  it('an assignment group the instance does not have is a permanent error, and nothing is created', async () => {
    const { f, client } = await setUp({}, { assignmentGroup: 'Netwrok Operations' });
    expect(await client.create(NEW)).toEqual({
      kind: 'permanent',
      error: "ServiceNow has no assignment group named 'Netwrok Operations' (check assignment_group)",
    });
    expect(f.incidents.size).toBe(0);
    f.assertClean();
  });

  it('a refusal by the data policy is permanent and keeps its detail on one line', async () => {
    const { f, client } = await setUp();
    const ticket: ExternalTicket = value(await client.create(NEW));
    f.update(ticket.id, { state: '3', hold_reason: '4' });
    // A person on the instance cleared the hold reason through a path the fake does not check: the next write is refused.
    const incident = f.incidents.get(ticket.id);
    if (incident !== undefined) incident.hold_reason = '';
    const result = await client.comment(ticket, 'note');
    expect(result).toEqual({
      kind: 'permanent',
      error: 'ServiceNow 403: Operation Failed: Data Policy Exception: The following fields are mandatory: On hold reason',
    });
  });
});

describe('check', () => {
  it('passes on a stock instance: credentials, incident table, group, choices, mapped priorities', async () => {
    const { f, client } = await setUp({}, { priorities: { P1: '1 - Critical', P2: '2' } });
    expect(await client.check()).toEqual([
      { ok: true, what: 'credentials', detail: `signed in as Tandem Integration (${f.user})` },
      { ok: true, what: 'incident table', detail: 'readable' },
      { ok: true, what: `assignment group ${GROUP.name}`, detail: `found (sys_id ${GROUP.sys_id})` },
      { ok: true, what: 'incident states', detail: 'In Progress (2) and Resolved (6) exist' },
      { ok: true, what: 'resolution code Solution provided', detail: 'exists' },
      { ok: true, what: 'priority P1', detail: '1 - Critical (impact 1, urgency 1)' },
      { ok: true, what: 'priority P2', detail: '2 - High (impact 1, urgency 2)' },
    ]);
    f.assertClean();
  });

  it('a user that may not read sys_user or sys_choice is still signed in; the choices are not checked', async () => {
    const { f, client } = await setUp({ unreadable: ['sys_user', 'sys_choice'] });
    const lines = await client.check();
    expect(lines.every((l) => l.ok)).toBe(true);
    expect(lines[0]?.detail).toBe(`signed in as ${f.user} (it may not read sys_user)`);
    expect(lines.at(-1)?.detail).toMatch(/^not checked: the user cannot read sys_choice \(ServiceNow 403: User Not Authorized/);
    f.assertClean();
  });

  it('fails on a wrong password, naming the variable', async () => {
    const { client } = await setUp({}, {}, 'wrong');
    expect(await client.check()).toEqual([
      {
        ok: false,
        what: 'credentials',
        detail: 'ServiceNow 401: User Not Authenticated: Required to provide Auth information (check auth.user and ACME_SN_PASSWORD)',
      },
    ]);
  });

  it('fails on an unknown group and a priority that is not a ServiceNow priority', async () => {
    const { f, client } = await setUp({}, { assignmentGroup: 'Netwrok Operations', priorities: { P1: 'Highest' } });
    const failed = (await client.check()).filter((l) => !l.ok);
    expect(failed).toEqual([
      {
        ok: false,
        what: 'assignment group Netwrok Operations',
        detail: "no sys_user_group is named 'Netwrok Operations'; check assignment_group",
      },
      { ok: false, what: 'priority P1', detail: `'Highest' is not a ServiceNow priority; write 1..5 or e.g. "1 - Critical"` },
    ]);
    f.assertClean();
  });
});
