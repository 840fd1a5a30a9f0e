/**
 * The ConnectWise fake the ticketing sync is tested against must itself be trustworthy: a client that speaks
 * ConnectWise Manage as documented (clientId header, company+publicKey auth, board statuses looked up per board,
 * JSON-Patch updates, quoted conditions) gets real answers and leaves no violations, and each mistake a sync could make
 * is caught and named with ConnectWise's error body. Injected rate limits and outages answer as configured, and the
 * callback body the inbound side will receive is built the way ConnectWise posts it. No database is involved.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { startConnectWiseFake } from '../support/fakes/connectwise.js';
import type { ConnectWiseFake } from '../support/fakes/connectwise.js';

interface Answer {
  readonly status: number;
  readonly headers: Headers;
  readonly json: unknown;
}

/** A request as the sync would send it: auth, clientId and JSON, unless the test overrides them. */
async function call(
  fake: ConnectWiseFake,
  method: string,
  path: string,
  body?: unknown,
  headers: Record<string, string> = {},
): Promise<Answer> {
  const base = {
    authorization: fake.authorization,
    clientid: fake.clientId,
    accept: 'application/vnd.connectwise.com+json; version=2025.1',
  };
  const init: RequestInit = { method, headers: { ...base, ...headers } };
  if (body !== undefined) {
    init.body = JSON.stringify(body);
    init.headers = { 'content-type': 'application/json', ...init.headers };
  }
  const response = await fetch(`${fake.url}${path}`, init);
  const text = await response.text();
  return { status: response.status, headers: response.headers, json: text === '' ? undefined : (JSON.parse(text) as unknown) };
}

type Json = Record<string, unknown>;

async function createTicket(fake: ConnectWiseFake, xref = 'ACME-42', board = 'Service Desk'): Promise<Json> {
  const created = await call(fake, 'POST', '/service/tickets', {
    summary: '[ACME-42] Payments API 5xx above 2%',
    company: { identifier: 'AcmeCorp' },
    board: { name: board },
    priority: { name: 'Priority 1 - Emergency Response' },
    type: { name: 'Incident' },
    initialDescription: 'Service: payments. Priority: P1.',
    externalXRef: xref,
  });
  expect(created.status).toBe(201);
  return created.json as Json;
}

/** Looks a status up on a board by name, as the sync must (ids differ per board). */
async function statusId(fake: ConnectWiseFake, boardId: number, name: string): Promise<number> {
  const list = await call(fake, 'GET', `/service/boards/${boardId}/statuses?conditions=${encodeURIComponent(`name="${name}"`)}`);
  expect(list.status).toBe(200);
  const [status] = list.json as { id: number }[];
  if (status === undefined) throw new Error(`no status ${name}`);
  return status.id;
}

let fake: ConnectWiseFake;

beforeEach(async () => {
  fake = await startConnectWiseFake();
});

afterEach(async () => {
  await fake.close();
});

describe('a client that speaks ConnectWise Manage as documented', () => {
  it('creates a ticket, finds it by externalXRef, moves it by board status, notes and reprioritises, and closes it', async () => {
    const ticket = await createTicket(fake);
    expect(ticket).toMatchObject({
      id: 1001,
      recordType: 'ServiceTicket',
      externalXRef: 'ACME-42',
      closedFlag: false,
      status: { name: 'New' },
    });
    expect(ticket).not.toHaveProperty('initialDescription');
    await createTicket(fake, 'ACME-43');

    const conditions = encodeURIComponent('externalXRef="ACME-42" and closedFlag=false');
    const found = await call(fake, 'GET', `/service/tickets?conditions=${conditions}&fields=id,status&pageSize=2&page=1`);
    expect(found.status).toBe(200);
    expect((found.json as Json[]).map((t) => t.id)).toEqual([1001]);
    expect(Object.keys((found.json as Json[])[0] ?? {})).toEqual(['id', 'status']);

    const boards = await call(fake, 'GET', `/service/boards?conditions=${encodeURIComponent('name="Service Desk"')}`);
    expect(boards.json).toEqual([{ id: 1, name: 'Service Desk' }]);
    const inProgress = await statusId(fake, 1, 'In Progress');
    const moved = await call(fake, 'PATCH', '/service/tickets/1001', [{ op: 'replace', path: 'status', value: { id: inProgress } }]);
    expect(moved.status).toBe(200);
    expect(moved.json).toMatchObject({ status: { id: inProgress, name: 'In Progress' } });

    const note = await call(fake, 'POST', '/service/tickets/1001/notes', {
      text: 'Kim: rolled back the deploy.',
      internalAnalysisFlag: true,
    });
    expect(note.status).toBe(201);
    expect(note.json).toMatchObject({
      ticketId: 1001,
      text: 'Kim: rolled back the deploy.',
      internalAnalysisFlag: true,
      detailDescriptionFlag: false,
    });
    const notes = await call(fake, 'GET', '/service/tickets/1001/notes');
    // The initial description is the first note, as ConnectWise files it.
    expect((notes.json as Json[]).map((n) => n.text)).toEqual(['Service: payments. Priority: P1.', 'Kim: rolled back the deploy.']);

    const closed = await statusId(fake, 1, 'Closed');
    const patched = await call(fake, 'PATCH', '/service/tickets/1001', [
      { op: 'replace', path: '/priority', value: { id: 2 } },
      { op: 'replace', path: 'status', value: { id: closed } },
    ]);
    expect(patched.status).toBe(200);
    const got = await call(fake, 'GET', '/service/tickets/1001');
    expect(got.json).toMatchObject({
      closedFlag: true,
      status: { name: 'Closed' },
      priority: { id: 2, name: 'Priority 2 - Quick Response' },
    });
    fake.assertClean();
  });

  it('status ids differ per board (and per fake), so the same name must be looked up on each board', async () => {
    const other = await startConnectWiseFake();
    try {
      expect(await statusId(fake, 1, 'Closed')).not.toBe(await statusId(fake, 2, 'Closed'));
      expect(other.boards[0]?.statuses[0]?.id).not.toBe(fake.boards[0]?.statuses[0]?.id);
    } finally {
      await other.close();
    }
    const escalated = await createTicket(fake, 'ACME-44', 'Escalations');
    const serviceDeskClosed = await statusId(fake, 1, 'Closed');
    const wrong = await call(fake, 'PATCH', `/service/tickets/${String(escalated.id)}`, [
      { op: 'replace', path: 'status', value: { id: serviceDeskClosed } },
    ]);
    expect(wrong.status).toBe(400);
    expect(wrong.json).toMatchObject({ code: 'InvalidObject', errors: [{ field: 'status', resource: 'ticket' }] });
    expect(fake.violations.map((v) => v.what)).toEqual([`Status {"id":${serviceDeskClosed}} not found on board Escalations.`]);
  });

  it('builds the ticket callback body with the ticket as a JSON string in Entity', async () => {
    await createTicket(fake);
    fake.setStatus(1001, 'In Progress');
    const body = fake.callbackBody(1001, 'updated');
    expect(body).toMatchObject({ Type: 'ticket', Action: 'updated', ID: 1001, MemberId: 'KLee', CompanyId: 'acme' });
    expect(typeof body.Entity).toBe('string');
    expect(JSON.parse(String(body.Entity)) as Json).toMatchObject({ id: 1001, status: { name: 'In Progress' }, externalXRef: 'ACME-42' });
    expect(body.Metadata).toEqual({ key_url: `${fake.url}/service/tickets/1001` });
  });
});

describe('each mistake is caught and answered with the ConnectWise error body', () => {
  it('a missing clientId, or auth that is not company+publicKey:privateKey, is a 401', async () => {
    expect((await call(fake, 'GET', '/service/tickets', undefined, { clientid: '' })).status).toBe(401);
    const plain = `Basic ${Buffer.from('cwPublicKey1:cwPrivateKey1').toString('base64')}`;
    expect((await call(fake, 'GET', '/service/tickets', undefined, { authorization: plain })).status).toBe(401);
    expect(fake.violations.map((v) => v.where)).toEqual(['header.clientId', 'auth']);
    expect(() => fake.assertClean()).toThrow(/company\+publicKey:privateKey/);
  });

  it('a create without summary or with an unknown company names each field', async () => {
    const bad = await call(fake, 'POST', '/service/tickets', {
      company: { identifier: 'Nobody' },
      board: { name: 'Service Desk' },
      status: { name: 'Open' },
    });
    expect(bad.status).toBe(400);
    expect(bad.json).toMatchObject({ code: 'InvalidObject', message: 'ticket object is invalid' });
    expect((bad.json as { errors: { field: string }[] }).errors.map((e) => e.field)).toEqual(['summary', 'company', 'status']);
    const unknown = await call(fake, 'POST', '/service/tickets', { summary: 'x', company: { id: 250 }, correlationId: 'ACME-42' });
    expect(unknown.status).toBe(400);
    expect(fake.tickets.size).toBe(0);
    expect(fake.violations.map((v) => v.where)).toEqual(['body/summary', 'body/company', 'body/status', 'body/correlationId']);
  });

  it('a PATCH that is not a JSON-Patch array of known ops and paths is a 400 and changes nothing', async () => {
    await createTicket(fake);
    const cases: unknown[] = [
      { status: { name: 'Closed' } },
      [{ op: 'move', path: 'status', value: { name: 'Closed' } }],
      [{ op: 'replace', path: 'statusName', value: 'Closed' }],
      [{ op: 'replace', path: 'status' }],
      [
        { op: 'replace', path: 'summary', value: 'new' },
        { op: 'replace', path: 'closedFlag', value: 'yes' },
      ],
    ];
    for (const body of cases) expect((await call(fake, 'PATCH', '/service/tickets/1001', body)).status).toBe(400);
    expect(fake.tickets.get(1001)).toMatchObject({ summary: '[ACME-42] Payments API 5xx above 2%', closedFlag: false });
    expect(fake.violations.map((v) => v.where)).toEqual(['body/patch', 'body/status', 'body/statusName', 'body/status', 'body/closedFlag']);
    expect((await call(fake, 'PUT', '/service/tickets/1001', { summary: 'x' })).status).toBe(404);
  });

  it('unquoted strings in conditions, pageSize over 1000, a note without text or flag, an unknown ticket', async () => {
    expect((await call(fake, 'GET', `/service/tickets?conditions=${encodeURIComponent('externalXRef=ACME-42')}`)).status).toBe(400);
    expect((await call(fake, 'GET', `/service/tickets?conditions=${encodeURIComponent('correlation="ACME-42"')}`)).status).toBe(400);
    expect((await call(fake, 'GET', '/service/tickets?pageSize=5000')).status).toBe(400);
    await createTicket(fake);
    const note = await call(fake, 'POST', '/service/tickets/1001/notes', { text: 'hello' });
    expect(note.status).toBe(400);
    expect(fake.violations.map((v) => v.where)).toEqual([
      'query.conditions',
      'query.conditions',
      'query.pageSize',
      'body/detailDescriptionFlag',
    ]);
    const missing = await call(fake, 'GET', '/service/tickets/9999');
    expect(missing.status).toBe(404);
    expect(missing.json).toEqual({ code: 'NotFound', message: 'Ticket Id 9999 not found' });
  });
});

describe('injected faults', () => {
  it('a 429 with or without Retry-After, a 503, then normal answers; a delayed create still acts', async () => {
    fake.inject({ status: 429, retryAfter: '5' });
    fake.inject({ status: 429 });
    fake.inject({ status: 503 });
    const first = await call(fake, 'GET', '/service/tickets');
    expect(first.status).toBe(429);
    expect(first.headers.get('retry-after')).toBe('5');
    expect(first.json).toMatchObject({ code: 'TooManyRequests' });
    const second = await call(fake, 'GET', '/service/tickets');
    expect([second.status, second.headers.get('retry-after')]).toEqual([429, null]);
    expect((await call(fake, 'GET', '/service/tickets')).status).toBe(503);
    fake.inject({ delayMs: 20 });
    await createTicket(fake);
    expect(fake.tickets.size).toBe(1);
    expect(fake.requests).toHaveLength(4);
    fake.assertClean();
  });

  it('a hung request never answers and leaves no effect', async () => {
    fake.inject({ hang: true });
    const pending = call(fake, 'POST', '/service/tickets', { summary: 'x', company: { id: 250 } }).catch((error: unknown) => error);
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect(fake.tickets.size).toBe(0);
    await fake.close();
    expect(await pending).toBeInstanceOf(Error);
    fake = await startConnectWiseFake();
  });
});
