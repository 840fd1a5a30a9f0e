/**
 * The ConnectWise client against the ConnectWise fake (a real HTTP server that
 * checks each request the way ConnectWise does): every call of the sync, the
 * board statuses looked up per board, the failures classified (429 with and
 * without Retry-After, 503 and timeouts come back later; 400 and 401 stop with
 * ConnectWise's own words), and `check()` passing and naming what is wrong.
 * The pure parts (status choice, summary cut, error line, UI link) by tables.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { startConnectWiseFake } from '../../test/support/fakes/connectwise.js';
import type { ConnectWiseFake } from '../../test/support/fakes/connectwise.js';
import type { ConnectWiseTicketing } from '../engagement/model.js';
import type { ClientOptions, ExternalTicket, TicketClient } from './client.js';
import { boardTargets, ConnectWiseClient, cwSummary, errorText, placeOf, quoted, SUMMARY_MAX, ticketUrl } from './connectwise.js';
import type { BoardStatus } from './connectwise.js';

const NOW = Date.parse('2026-11-30T08:00:00Z');

function entryFor(fake: ConnectWiseFake, change: Partial<ConnectWiseTicketing> = {}): ConnectWiseTicketing {
  return {
    id: 'acme-cw',
    system: 'connectwise',
    side: 'partner',
    url: fake.url,
    sync: { priorities: ['P1', 'P2'], functions: ['payments'] },
    priorities: { P1: 'Priority 1 - Emergency Response', P2: 'Priority 2 - Quick Response' },
    inboundKey: 'cw-inbound-key',
    auth: { company: 'acme', publicKeyEnv: 'CW_PUBLIC', privateKeyEnv: 'CW_PRIVATE', clientId: fake.clientId },
    board: 'Service Desk',
    company: 'AcmeCorp',
    ...change,
  };
}

function clientFor(
  fake: ConnectWiseFake,
  change: Partial<ConnectWiseTicketing> = {},
  keys = { publicKey: 'cwPublicKey1', privateKey: 'cwPrivateKey1' },
  timeoutMs = 5_000,
): TicketClient {
  const o: ClientOptions = { secret: () => undefined, timeoutMs, now: () => NOW };
  return new ConnectWiseClient(entryFor(fake, change), keys, o);
}

const NEW = {
  ref: 'ACME-42',
  summary: '[ACME-42] Payments API 5xx above 2%',
  description: ['Service: Payments API', 'Priority: P1', 'Owning side: Acme', 'Incident in Tandem: https://tandem.example/i/42'],
  priority: 'P1',
};

let fake: ConnectWiseFake;

beforeEach(async () => {
  fake = await startConnectWiseFake();
});

afterEach(async () => {
  await fake.close();
});

async function created(client: TicketClient, ticket = NEW): Promise<ExternalTicket> {
  const made = await client.create(ticket);
  if (made.kind !== 'delivered') throw new Error(made.error);
  return made.value;
}

/** A request the client made, by method and path under the API root. */
function sent(method: string, path: string): number {
  return fake.requests.filter((r) => r.method === method && r.path.endsWith(path)).length;
}

describe('ConnectWiseClient against the ConnectWise fake', () => {
  it('creates a ticket on the board under the company with the mapped priority, and finds it again instead of a duplicate', async () => {
    const client = clientFor(fake);
    expect(await client.find('ACME-42')).toEqual({ kind: 'delivered', value: undefined });
    const ticket = await created(client);
    const ui = fake.url.replace('/apis/3.0', '/services/system_io/Service/fv_sr100_request.rails');
    expect(ticket).toEqual({ id: '1001', key: '#1001', url: `${ui}?service_recid=1001&companyName=acme` });
    const kept = fake.tickets.get(1001);
    expect(kept).toMatchObject({
      summary: NEW.summary,
      externalXRef: 'ACME-42',
      initialDescription: NEW.description.join('\n'),
      board: { name: 'Service Desk' },
      company: { identifier: 'AcmeCorp' },
      priority: { name: 'Priority 1 - Emergency Response' },
      status: { name: 'New' },
    });
    expect(await client.find('ACME-42')).toEqual({ kind: 'delivered', value: ticket });
    expect(await client.find('ACME-43')).toEqual({ kind: 'delivered', value: undefined });
    const search = fake.requests.find((r) => r.method === 'GET' && r.path.endsWith('/service/tickets'));
    expect(search?.query.get('conditions')).toBe('externalXRef="ACME-42"');
    expect(search?.query.get('pageSize')).toBe('1');
    expect(fake.tickets.size).toBe(1);
    fake.assertClean();
  });

  it('cuts a summary longer than ConnectWise takes, and leaves the priority to the board when the entry maps none', async () => {
    const client = clientFor(fake);
    const long = `[ACME-42] ${'checkout latency above the agreed threshold in every region '.repeat(3)}`;
    await created(client, { ...NEW, summary: long, priority: 'P4' });
    const kept = fake.tickets.get(1001);
    expect(kept?.summary).toHaveLength(SUMMARY_MAX);
    expect(kept?.summary.startsWith('[ACME-42] checkout latency')).toBe(true);
    expect(kept?.priority.name).toBe('Priority 3 - Normal Response');
    expect(fake.requests.at(-1)?.body).not.toHaveProperty('priority');
    fake.assertClean();
  });

  it("moves a ticket by its board's statuses (ids differ per fake and per board), read once, and not again when it is there", async () => {
    const client = clientFor(fake);
    const ticket = await created(client);
    const board = fake.boards.find((b) => b.name === 'Service Desk');
    const inProgress = board?.statuses.find((s) => s.name === 'In Progress');
    expect(await client.transition(ticket, 'in_progress', 'Resolved in Tandem')).toEqual({ kind: 'delivered', value: true });
    expect(fake.tickets.get(1001)?.status).toEqual(inProgress);
    const patch = fake.requests.find((r) => r.method === 'PATCH');
    expect(patch?.body).toEqual([{ op: 'replace', path: 'status', value: { id: inProgress?.id } }]);
    expect(await client.transition(ticket, 'in_progress', 'Resolved in Tandem')).toEqual({ kind: 'delivered', value: false });
    expect(await client.transition(ticket, 'done', 'Resolved in Tandem')).toEqual({ kind: 'delivered', value: true });
    expect(fake.tickets.get(1001)).toMatchObject({ status: { name: 'Closed' }, closedFlag: true });
    expect(await client.transition(ticket, 'done', 'Resolved in Tandem')).toEqual({ kind: 'delivered', value: false });
    // A closed ticket is not reopened by an acknowledgement.
    expect(await client.transition(ticket, 'in_progress', 'Resolved in Tandem')).toEqual({ kind: 'delivered', value: false });
    expect(sent('GET', `/service/boards/${board?.id}/statuses`)).toBe(1);
    // No resolution note the sync would not recognise: only the initial description ConnectWise filed as the first note.
    expect(fake.tickets.get(1001)?.notes).toHaveLength(1);
    fake.assertClean();
  });

  it('moves a ticket a person put on another board by that board’s statuses', async () => {
    const client = clientFor(fake);
    const ticket = await created(client);
    const moved = await fetch(`${fake.url}/service/tickets/1001`, {
      method: 'PATCH',
      headers: { authorization: fake.authorization, clientid: fake.clientId, 'content-type': 'application/json' },
      body: JSON.stringify([{ op: 'replace', path: 'board', value: { name: 'Escalations' } }]),
    });
    expect(moved.status).toBe(200);
    expect(await client.transition(ticket, 'in_progress', 'x')).toEqual({ kind: 'delivered', value: true });
    const escalations = fake.boards.find((b) => b.name === 'Escalations');
    expect(fake.tickets.get(1001)?.status).toEqual(escalations?.statuses.find((s) => s.name === 'In Progress'));
    fake.assertClean();
  });

  it('adds a discussion note and answers its id; sets the mapped priority, and nothing for an unmapped one', async () => {
    const client = clientFor(fake);
    const ticket = await created(client);
    // Note 1 is the initial description, which ConnectWise files as the first note.
    expect(await client.comment(ticket, 'Dana: rolled back the deploy')).toEqual({ kind: 'delivered', value: '2' });
    expect(fake.tickets.get(1001)?.notes[1]).toMatchObject({ text: 'Dana: rolled back the deploy', detailDescriptionFlag: true });
    expect(await client.priority(ticket, 'P2')).toEqual({ kind: 'delivered', value: true });
    expect(fake.tickets.get(1001)?.priority.name).toBe('Priority 2 - Quick Response');
    const before = fake.requests.length;
    expect(await client.priority(ticket, 'P4')).toEqual({ kind: 'delivered', value: false });
    expect(fake.requests).toHaveLength(before);
    fake.assertClean();
  });

  it('reads a ticket back: state from its board status, who changed it, its notes oldest first; none for an unknown id', async () => {
    const client = clientFor(fake);
    const ticket = await created(client);
    await client.comment(ticket, 'first');
    await client.comment(ticket, 'second');
    const read = await client.read('1001');
    expect(read).toEqual({
      kind: 'delivered',
      value: {
        ticket,
        state: 'open',
        status: 'New',
        updatedBy: 'TandemAPI',
        notes: [
          { id: '1', text: expect.stringContaining('Service: Payments API'), author: 'TandemAPI' },
          { id: '2', text: 'first', author: 'TandemAPI' },
          { id: '3', text: 'second', author: 'TandemAPI' },
        ],
      },
    });
    fake.setStatus(1001, 'In Progress', 'KLee');
    expect(await client.read('1001')).toMatchObject({ value: { state: 'in_progress', status: 'In Progress', updatedBy: 'KLee' } });
    fake.setStatus(1001, 'Waiting Customer', 'KLee');
    expect(await client.read('1001')).toMatchObject({ value: { state: 'open', status: 'Waiting Customer' } });
    fake.setStatus(1001, 'Closed', 'KLee');
    expect(await client.read('1001')).toMatchObject({ value: { state: 'done', status: 'Closed' } });
    expect(await client.read('4242')).toEqual({ kind: 'delivered', value: undefined });
    fake.assertClean();
  });

  it('comes back later on 429 (with Retry-After as given, without it by backoff), 503 and a timeout', async () => {
    const client = clientFor(fake, {}, undefined, 300);
    fake.inject({ status: 429, retryAfter: '7' });
    expect(await client.find('ACME-42')).toEqual({
      kind: 'retryable',
      error: 'ConnectWise 429: Too many requests. Please retry later.',
      retryAfterMs: 7_000,
    });
    fake.inject({ status: 429 });
    expect(await client.create(NEW)).toEqual({ kind: 'retryable', error: 'ConnectWise 429: Too many requests. Please retry later.' });
    fake.inject({ status: 503 });
    expect(await client.comment({ id: '1001', key: '#1001', url: '' }, 'x')).toEqual({
      kind: 'retryable',
      error: 'ConnectWise 503: Service Unavailable: the fake was told to fail.',
    });
    fake.inject({ hang: true });
    const timedOut = await client.create(NEW);
    expect(timedOut).toMatchObject({ kind: 'retryable', error: expect.stringMatching(/^ConnectWise unreachable: /) as unknown });
    expect(fake.tickets.size).toBe(0);
    fake.assertClean();
  });

  it('stops on 401 and 400 with ConnectWise’s own words', async () => {
    const badKeys = clientFor(fake, {}, { publicKey: 'cwPublicKey1', privateKey: 'wrong' });
    expect(await badKeys.find('ACME-42')).toEqual({ kind: 'permanent', error: 'ConnectWise 401: Unauthorized' });
    const noCompany = clientFor(fake, { company: 'Nobody' });
    expect(await noCompany.create(NEW)).toEqual({
      kind: 'permanent',
      error: 'ConnectWise 400: ticket object is invalid; company: Company not found.',
    });
    const badPriority = clientFor(fake, { priorities: { P1: 'Critical' } });
    expect(await badPriority.create(NEW)).toEqual({
      kind: 'permanent',
      error: 'ConnectWise 400: ticket object is invalid; priority: Priority not found.',
    });
    expect(await clientFor(fake).transition({ id: '4242', key: '#4242', url: '' }, 'done', 'x')).toEqual({
      kind: 'permanent',
      error: 'ConnectWise 404: ticket 4242 not found',
    });
    expect(fake.violations.map((v) => v.where)).toEqual(['auth', 'body/company', 'body/priority']);
  });

  it('check() passes for a good entry and names the statuses and priorities it will use', async () => {
    const lines = await clientFor(fake).check();
    expect(lines).toEqual([
      { ok: true, what: 'credentials', detail: 'signed in to acme as its API member (ConnectWise v2025.1.10431)' },
      { ok: true, what: 'company AcmeCorp', detail: 'found: Acme Corp' },
      { ok: true, what: 'board Service Desk', detail: 'found' },
      { ok: true, what: 'status for in progress', detail: 'In Progress' },
      { ok: true, what: 'status for done', detail: 'Closed' },
      { ok: true, what: 'priority Priority 1 - Emergency Response', detail: 'found' },
      { ok: true, what: 'priority Priority 2 - Quick Response', detail: 'found' },
    ]);
    fake.assertClean();
  });

  it('check() fails on bad keys, an unknown company, an unknown board and an unknown priority, saying what to fix', async () => {
    const badKeys = await clientFor(fake, {}, { publicKey: 'other', privateKey: 'cwPrivateKey1' }).check();
    expect(badKeys).toEqual([
      {
        ok: false,
        what: 'credentials',
        detail: `ConnectWise 401: Unauthorized (check auth.company (acme), auth.clientId, CW_PUBLIC and CW_PRIVATE; clientId ${fake.clientId})`,
      },
    ]);
    const wrong = await clientFor(fake, { company: 'Acme Corp', board: 'NOC', priorities: { P1: 'Sev 1' } }).check();
    expect(wrong.filter((l) => !l.ok)).toEqual([
      {
        ok: false,
        what: 'company Acme Corp',
        detail: "no company has the identifier Acme Corp (the entry's company is its identifier, not its name)",
      },
      { ok: false, what: 'board NOC', detail: 'ConnectWise has no service board named NOC' },
      {
        ok: false,
        what: 'priority Sev 1',
        detail:
          'ConnectWise has no priority named Sev 1; it has Priority 1 - Emergency Response, Priority 2 - Quick Response, Priority 3 - Normal Response, Priority 4 - Schedule Maintenance',
      },
    ]);
    expect(fake.violations.map((v) => v.where)).toEqual(['auth']);
  });
});

describe('boardTargets', () => {
  const s = (id: number, name: string, closedStatus = false, more: Partial<BoardStatus> = {}): BoardStatus => ({
    id,
    name,
    closedStatus,
    ...more,
  });
  const cases: [string, BoardStatus[], number | undefined, number | undefined][] = [
    ['the named statuses', [s(1, 'New'), s(2, 'In Progress'), s(3, 'Waiting'), s(4, 'Closed', true)], 2, 4],
    ['names in any case and spelling', [s(1, 'New'), s(2, 'in-progress'), s(3, 'Resolved', true), s(4, 'Cancelled', true)], 2, 3],
    ['Closed preferred to another closed status', [s(1, 'New'), s(2, 'Cancelled', true), s(3, 'Closed', true)], undefined, 3],
    [
      'no In Progress: the first open status after the default',
      [s(1, 'Open', false, { defaultFlag: true }), s(2, 'Assigned'), s(3, 'Done', true)],
      2,
      3,
    ],
    ['no default flag: not the new one', [s(1, 'New (portal)'), s(2, 'Working'), s(3, 'Completed', true)], 2, 3],
    [
      'inactive statuses are never used',
      [s(1, 'New'), s(2, 'In Progress', false, { inactive: true }), s(3, 'Closed', true, { inactive: true })],
      undefined,
      undefined,
    ],
    ['a closed status named In Progress is not in progress', [s(1, 'New'), s(2, 'In Progress', true)], undefined, 2],
    ['only a new status', [s(1, 'New')], undefined, undefined],
    [
      'the board order, not the list order',
      [s(3, 'Waiting', false, { sortOrder: 2 }), s(2, 'Assigned', false, { sortOrder: 1 }), s(1, 'New', false, { sortOrder: 0 })],
      2,
      undefined,
    ],
  ];
  it.each(cases)('%s', (_, statuses, inProgress, done) => {
    const t = boardTargets(statuses);
    expect([t.inProgress?.id, t.done?.id]).toEqual([inProgress, done]);
  });

  it('places a ticket by its status: closed flag or status -> done, the in-progress status -> in_progress, else open', () => {
    const statuses = [s(1, 'New'), s(2, 'In Progress'), s(3, 'Waiting'), s(4, 'Closed', true)];
    const at = (id: number, closedFlag = false): string => placeOf({ status: { id, name: 'x' }, closedFlag }, statuses).state;
    expect([at(1), at(2), at(3), at(4), at(1, true)]).toEqual(['open', 'in_progress', 'open', 'done', 'done']);
  });
});

describe('the pure parts', () => {
  it.each([
    ['short', 'short'],
    ['  two\nlines  ', 'two lines'],
    ['x'.repeat(100), 'x'.repeat(100)],
    ['x'.repeat(101), `${'x'.repeat(99)}…`],
    [`${'x'.repeat(98)}😀😀`, `${'x'.repeat(98)}…`],
    [`${'x'.repeat(97)} ${'y'.repeat(10)}`, `${'x'.repeat(97)} ${'y'.repeat(1)}…`],
  ])('cwSummary(%j)', (text, want) => {
    expect(cwSummary(text)).toBe(want);
    expect(cwSummary(text).length).toBeLessThanOrEqual(SUMMARY_MAX);
  });

  it('quotes a condition value with its quotes and backslashes escaped', () => {
    expect(quoted('ACME-42')).toBe('"ACME-42"');
    expect(quoted('a"b\\c')).toBe('"a\\"b\\\\c"');
  });

  it.each([
    [
      'https://api-na.myconnectwise.net/v4_6_release/apis/3.0',
      'https://na.myconnectwise.net/v4_6_release/services/system_io/Service/fv_sr100_request.rails?service_recid=7&companyName=acme%20co',
    ],
    [
      'https://cw.example.com/v2025_1/apis/3.0/',
      'https://cw.example.com/v2025_1/services/system_io/Service/fv_sr100_request.rails?service_recid=7&companyName=acme%20co',
    ],
    ['https://cw.example.com/api', 'https://cw.example.com/api/service/tickets/7'],
  ])('ticketUrl(%s)', (api, want) => {
    expect(ticketUrl(api, 'acme co', 7)).toBe(want);
  });

  it('makes ConnectWise error bodies one line, and keeps the start of anything else', () => {
    const answer = (status: number, text: string): Parameters<typeof errorText>[0] => ({
      status,
      text,
      headers: new Headers(),
      json: ((): unknown => {
        try {
          return JSON.parse(text) as unknown;
        } catch {
          return undefined;
        }
      })(),
    });
    const body = {
      code: 'InvalidObject',
      message: 'ticket object is invalid',
      errors: [{ code: 'x', message: 'Board not found.', resource: 'ticket', field: 'board' }],
    };
    expect(errorText(answer(400, JSON.stringify(body)))).toBe('ConnectWise 400: ticket object is invalid; board: Board not found.');
    expect(errorText(answer(403, JSON.stringify({ code: 'Forbidden' })))).toBe('ConnectWise 403: Forbidden');
    expect(errorText(answer(502, '<html>\n<body>Bad gateway</body></html>'))).toBe(
      'ConnectWise 502: <html> <body>Bad gateway</body></html>',
    );
  });
});
