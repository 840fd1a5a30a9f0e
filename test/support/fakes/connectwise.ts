/**
 * A ConnectWise PSA (Manage) fake for the ticketing sync's tests: a real HTTP server on 127.0.0.1 serving
 * `/v4_6_release/apis/3.0` with service tickets, their notes and the boards' statuses in memory (plus what
 * `tandem ticketing check` reads: `/system/info`, companies by identifier, priorities), answering with
 * ConnectWise's shapes and error body. Requests are checked the way ConnectWise checks them (Basic auth as
 * `company+publicKey:privateKey`, the `clientId` header, required create fields, board-specific status ids, JSON-Patch
 * updates, quoted strings in `conditions`, pageSize at most 1000); each mismatch is recorded as a violation and answered
 * with ConnectWise's error body, so `assertClean()` fails a test whose client would not work against ConnectWise.
 * Faults (429 with or without Retry-After, 503, a slow answer, no answer) are injected for the next N requests, and
 * `callbackBody` builds what ConnectWise's ticket callback posts, for the sync's inbound tests.
 */
import { systemClock } from '../../../src/clock/clock.js';
import type { Clock } from '../../../src/clock/clock.js';
import { cwError, cwTime, meets, noteJson, parseConditions, pick, ticketJson } from './connectwise-model.js';
import type { Condition, CwBoard, CwCompany, CwFieldError, CwNamed, CwNote, CwStatus, CwTicket } from './connectwise-model.js';
import { basicAuth, startHttpFake } from './faults.js';
import type { HttpFault, RecordedRequest, Reply } from './faults.js';
import type { Violation } from './openapi-validator.js';

export type { CwBoard, CwCompany, CwNote, CwStatus, CwTicket } from './connectwise-model.js';
export type { Violation } from './openapi-validator.js';
export type { HttpFault as ConnectWiseFault, RecordedRequest as ConnectWiseRequest } from './faults.js';

/** The API root under the site, as in `https://api-na.myconnectwise.net/v4_6_release/apis/3.0`. */
export const CW_API_PATH = '/v4_6_release/apis/3.0';

/** How the fake is set up. */
export interface ConnectWiseFakeOptions {
  readonly company?: string;
  readonly publicKey?: string;
  readonly privateKey?: string;
  readonly clientId?: string;
  /** Companies tickets can be filed under; by default one, `AcmeCorp`. */
  readonly companies?: readonly CwCompany[];
  readonly clock?: Clock;
}

/** The running fake. */
export interface ConnectWiseFake {
  /** The API base a client is configured with: `http://127.0.0.1:<port>/v4_6_release/apis/3.0`. */
  readonly url: string;
  readonly clientId: string;
  /** The `Authorization` header value a conforming client sends. */
  readonly authorization: string;
  /** The boards: `Service Desk` and `Escalations`, with different status ids (and different from fake to fake). */
  readonly boards: readonly CwBoard[];
  readonly requests: readonly RecordedRequest[];
  readonly violations: readonly Violation[];
  readonly tickets: ReadonlyMap<number, CwTicket>;
  assertClean(): void;
  inject(fault: HttpFault, times?: number): void;
  /** Moves a ticket to a status of its board as a person in ConnectWise would (for inbound tests). */
  setStatus(id: number, statusName: string, by?: string): CwTicket;
  /** Adds a Discussion note as a person in ConnectWise would (for inbound tests). */
  addNote(id: number, text: string, by: string): CwNote;
  /** The body ConnectWise's ticket callback posts about a ticket (`Entity` is the ticket as a JSON string). */
  callbackBody(id: number, action: 'added' | 'updated' | 'deleted'): Record<string, unknown>;
  close(): Promise<void>;
}

interface State {
  api: string;
  readonly member: string;
  readonly clock: Clock;
  readonly boards: readonly CwBoard[];
  readonly companies: readonly CwCompany[];
  readonly tickets: Map<number, CwTicket>;
  readonly violations: Violation[];
  nextTicket: number;
  nextNote: number;
}

const PRIORITIES: readonly CwNamed[] = [
  { id: 1, name: 'Priority 1 - Emergency Response' },
  { id: 2, name: 'Priority 2 - Quick Response' },
  { id: 3, name: 'Priority 3 - Normal Response' },
  { id: 4, name: 'Priority 4 - Schedule Maintenance' },
];
const TYPES: readonly CwNamed[] = [
  { id: 10, name: 'Incident' },
  { id: 11, name: 'Problem' },
  { id: 12, name: 'Service Request' },
];
const TICKET_CONDITIONS = new Set([
  'id',
  'summary',
  'externalXRef',
  'closedFlag',
  'status/id',
  'status/name',
  'board/id',
  'board/name',
  'company/id',
  'company/identifier',
  'priority/id',
  'priority/name',
]);
const LIST_PARAMS = new Set(['conditions', 'orderBy', 'fields', 'page', 'pageSize', 'childConditions', 'customFieldConditions']);
const PATCHABLE = new Set(['summary', 'status', 'priority', 'board', 'type', 'closedFlag', 'externalXRef', 'company']);
const TICKET_FIELDS = new Set([...PATCHABLE, 'initialDescription', 'recordType', 'id', '_info']);
const GUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

let fakesStarted = 0;

function violation(state: State, request: RecordedRequest, where: string, what: string): void {
  state.violations.push({ operation: `${request.method} ${request.path}`, where, what });
}

/** A 400 `InvalidObject` naming each field; every field error is a violation. */
function invalid(state: State, request: RecordedRequest, resource: string, errors: readonly CwFieldError[]): Reply {
  for (const e of errors) violation(state, request, `body/${e.field}`, e.message);
  return { status: 400, body: cwError('InvalidObject', `${resource} object is invalid`, errors) };
}

function refuse(state: State, request: RecordedRequest, status: number, where: string, what: string, code = 'InvalidRequest'): Reply {
  violation(state, request, where, what);
  return { status, body: cwError(code, what) };
}

function boards(offset: number): CwBoard[] {
  const statuses = (base: number): CwStatus[] =>
    ['New', 'In Progress', 'Waiting Customer', 'Closed'].map((name, i) => ({ id: base + i, name, closedStatus: name === 'Closed' }));
  return [
    { id: 1, name: 'Service Desk', statuses: statuses(501 + offset) },
    { id: 2, name: 'Escalations', statuses: statuses(601 + offset) },
  ];
}

/** Resolves a `{id}` or `{name}` (or `{identifier}`) reference against a list. */
function resolve<T extends { id: number; name: string; identifier?: string }>(list: readonly T[], ref: unknown): T | undefined {
  if (typeof ref !== 'object' || ref === null) return undefined;
  const r = ref as { id?: unknown; name?: unknown; identifier?: unknown };
  return list.find(
    (x) =>
      x.id === r.id ||
      (typeof r.name === 'string' && x.name.toLowerCase() === r.name.toLowerCase()) ||
      (r.identifier !== undefined && x.identifier === r.identifier),
  );
}

function fieldError(field: string, message: string, code = 'InvalidField'): CwFieldError {
  return { code, message, resource: 'ticket', field };
}

/** Checks a create body; returns the errors, or the resolved references. */
function checkCreate(
  state: State,
  body: Record<string, unknown>,
): CwFieldError[] | { board: CwBoard; company: CwCompany; status: CwStatus } {
  const errors: CwFieldError[] = [];
  for (const field of Object.keys(body))
    if (!TICKET_FIELDS.has(field)) errors.push(fieldError(field, `${field} is not a field of a service ticket.`));
  if (typeof body.summary !== 'string' || body.summary.trim() === '')
    errors.push(fieldError('summary', 'The summary field is required.', 'NullOrMissing'));
  else if (body.summary.length > 100)
    errors.push(fieldError('summary', 'The summary field may be at most 100 characters.', 'InvalidLength'));
  const company = resolve(state.companies, body.company);
  if (company === undefined)
    errors.push(
      fieldError(
        'company',
        body.company === undefined ? 'The company field is required.' : 'Company not found.',
        body.company === undefined ? 'NullOrMissing' : 'InvalidField',
      ),
    );
  const board = body.board === undefined ? state.boards[0] : resolve(state.boards, body.board);
  if (board === undefined) errors.push(fieldError('board', 'Board not found.'));
  const status = board === undefined ? undefined : body.status === undefined ? board.statuses[0] : resolve(board.statuses, body.status);
  if (board !== undefined && status === undefined) errors.push(fieldError('status', `Status not found on board ${board.name}.`));
  if (body.priority !== undefined && resolve(PRIORITIES, body.priority) === undefined)
    errors.push(fieldError('priority', 'Priority not found.'));
  if (body.type !== undefined && resolve(TYPES, body.type) === undefined) errors.push(fieldError('type', 'Type not found on this board.'));
  if (body.externalXRef !== undefined && typeof body.externalXRef !== 'string')
    errors.push(fieldError('externalXRef', 'externalXRef must be a string.'));
  if (errors.length > 0 || company === undefined || board === undefined || status === undefined) return errors;
  return { board, company, status };
}

function create(state: State, request: RecordedRequest, body: Record<string, unknown>): Reply {
  const checked = checkCreate(state, body);
  if (Array.isArray(checked)) return invalid(state, request, 'ticket', checked);
  const now = cwTime(state.clock.now());
  const ticket: CwTicket = {
    id: state.nextTicket++,
    summary: String(body.summary),
    ...checked,
    priority: resolve(PRIORITIES, body.priority) ?? PRIORITIES[2] ?? { id: 3, name: 'Priority 3' },
    type: resolve(TYPES, body.type),
    externalXRef: typeof body.externalXRef === 'string' ? body.externalXRef : '',
    closedFlag: checked.status.closedStatus,
    initialDescription: typeof body.initialDescription === 'string' ? body.initialDescription : '',
    notes: [],
    dateEntered: now,
    enteredBy: state.member,
    lastUpdated: now,
    updatedBy: state.member,
  };
  // ConnectWise files the initial description as the ticket's first Discussion note.
  if (ticket.initialDescription !== '')
    ticket.notes.push({
      id: state.nextNote++,
      ticketId: ticket.id,
      text: ticket.initialDescription,
      detailDescriptionFlag: true,
      internalAnalysisFlag: false,
      resolutionFlag: false,
      dateCreated: now,
      createdBy: state.member,
    });
  state.tickets.set(ticket.id, ticket);
  return { status: 201, body: ticketJson(state.api, ticket) };
}

/** One JSON-Patch operation applied to a ticket; returns an error or undefined. */
function patchOne(state: State, ticket: CwTicket, op: Record<string, unknown>): CwFieldError | undefined {
  const path = typeof op.path === 'string' ? op.path.replace(/^\//, '') : '';
  if (op.op !== 'replace' && op.op !== 'add')
    return fieldError(path || 'op', `op must be replace or add, not ${JSON.stringify(op.op)}.`, 'InvalidPatch');
  if (!PATCHABLE.has(path))
    return fieldError(path || 'path', `path ${JSON.stringify(op.path)} is not a patchable ticket field.`, 'InvalidPatch');
  if (!('value' in op)) return fieldError(path, 'value is required.', 'InvalidPatch');
  const value = op.value;
  if (path === 'summary' || path === 'externalXRef') {
    if (typeof value !== 'string') return fieldError(path, `${path} must be a string.`);
    ticket[path] = value;
  } else if (path === 'closedFlag') {
    if (typeof value !== 'boolean') return fieldError(path, 'closedFlag must be a boolean.');
    ticket.closedFlag = value;
  } else if (path === 'status') {
    const status = resolve(ticket.board.statuses, value);
    if (status === undefined) return fieldError(path, `Status ${JSON.stringify(value)} not found on board ${ticket.board.name}.`);
    ticket.status = status;
    ticket.closedFlag = status.closedStatus;
  } else return patchReference(state, ticket, path, value);
  return undefined;
}

function patchReference(state: State, ticket: CwTicket, path: string, value: unknown): CwFieldError | undefined {
  if (path === 'priority') {
    const priority = resolve(PRIORITIES, value);
    if (priority === undefined) return fieldError(path, 'Priority not found.');
    ticket.priority = priority;
  } else if (path === 'type') {
    const type = resolve(TYPES, value);
    if (type === undefined) return fieldError(path, 'Type not found on this board.');
    ticket.type = type;
  } else if (path === 'company') {
    const company = resolve(state.companies, value);
    if (company === undefined) return fieldError(path, 'Company not found.');
    ticket.company = company;
  } else {
    const board = resolve(state.boards, value);
    if (board === undefined) return fieldError(path, 'Board not found.');
    const status = board.statuses.find((s) => s.name === ticket.status.name) ?? board.statuses[0];
    if (status === undefined) return fieldError(path, 'Board has no statuses.');
    ticket.board = board;
    ticket.status = status;
  }
  return undefined;
}

function patch(state: State, request: RecordedRequest, ticket: CwTicket): Reply {
  const ops = request.body;
  if (!Array.isArray(ops) || ops.length === 0 || !ops.every((o) => typeof o === 'object' && o !== null && !Array.isArray(o))) {
    return invalid(state, request, 'ticket', [
      fieldError('patch', 'The body must be a JSON-Patch array of {op, path, value}.', 'InvalidPatch'),
    ]);
  }
  const draft: CwTicket = { ...ticket };
  for (const op of ops as Record<string, unknown>[]) {
    const error = patchOne(state, draft, op);
    if (error !== undefined) return invalid(state, request, 'ticket', [error]);
  }
  Object.assign(ticket, draft, { lastUpdated: cwTime(state.clock.now()), updatedBy: state.member });
  return { status: 200, body: ticketJson(state.api, ticket) };
}

function addNote(state: State, request: RecordedRequest, ticket: CwTicket, body: Record<string, unknown>): Reply {
  const errors: CwFieldError[] = [];
  const flags = ['detailDescriptionFlag', 'internalAnalysisFlag', 'resolutionFlag'] as const;
  if (typeof body.text !== 'string' || body.text.trim() === '')
    errors.push({ ...fieldError('text', 'The text field is required.', 'NullOrMissing'), resource: 'ticketNote' });
  for (const flag of flags)
    if (body[flag] !== undefined && typeof body[flag] !== 'boolean')
      errors.push({ ...fieldError(flag, `${flag} must be a boolean.`), resource: 'ticketNote' });
  if (!flags.some((f) => body[f] === true))
    errors.push({
      ...fieldError('detailDescriptionFlag', 'At least one of detailDescriptionFlag, internalAnalysisFlag or resolutionFlag must be true.'),
      resource: 'ticketNote',
    });
  if (errors.length > 0) return invalid(state, request, 'ticketNote', errors);
  const note: CwNote = {
    id: state.nextNote++,
    ticketId: ticket.id,
    text: String(body.text),
    detailDescriptionFlag: body.detailDescriptionFlag === true,
    internalAnalysisFlag: body.internalAnalysisFlag === true,
    resolutionFlag: body.resolutionFlag === true,
    dateCreated: cwTime(state.clock.now()),
    createdBy: state.member,
  };
  ticket.notes.push(note);
  return { status: 201, body: noteJson(state.api, note) };
}

function listTickets(state: State, request: RecordedRequest): Reply {
  for (const name of request.query.keys())
    if (!LIST_PARAMS.has(name)) return refuse(state, request, 400, `query.${name}`, `${name} is not a query parameter of this call`);
  const pageSize = Number(request.query.get('pageSize') ?? '25');
  const page = Number(request.query.get('page') ?? '1');
  if (!Number.isInteger(pageSize) || pageSize < 1 || pageSize > 1000)
    return refuse(state, request, 400, 'query.pageSize', 'pageSize must be an integer from 1 to 1000');
  if (!Number.isInteger(page) || page < 1) return refuse(state, request, 400, 'query.page', 'page must be an integer from 1');
  const parsed = parseConditions(request.query.get('conditions') ?? '', TICKET_CONDITIONS);
  if ('error' in parsed) return refuse(state, request, 400, 'query.conditions', parsed.error);
  const shown = [...state.tickets.values()].map((t) => ticketJson(state.api, t)).filter((t) => meets(t, parsed.conditions));
  return { status: 200, body: shown.slice((page - 1) * pageSize, page * pageSize).map((t) => pick(t, request.query.get('fields'))) };
}

function boardRoutes(state: State, request: RecordedRequest, rest: string): Reply | undefined {
  if (request.method !== 'GET') return undefined;
  if (rest === '/service/boards') {
    const parsed = parseConditions(request.query.get('conditions') ?? '', new Set(['id', 'name']));
    if ('error' in parsed) return refuse(state, request, 400, 'query.conditions', parsed.error);
    return { status: 200, body: state.boards.map((b) => ({ id: b.id, name: b.name })).filter((b) => meets(b, parsed.conditions)) };
  }
  const m = /^\/service\/boards\/(\d+)\/statuses$/.exec(rest);
  if (m === null) return undefined;
  const board = state.boards.find((b) => b.id === Number(m[1]));
  if (board === undefined) return { status: 404, body: cwError('NotFound', `Board Id ${String(m[1])} not found`) };
  const statuses = board.statuses.map((s, i) => ({ ...s, board: { id: board.id, name: board.name }, inactive: false, sortOrder: i }));
  const parsed = parseConditions(request.query.get('conditions') ?? '', new Set(['id', 'name', 'closedStatus']));
  if ('error' in parsed) return refuse(state, request, 400, 'query.conditions', parsed.error);
  return { status: 200, body: statuses.filter((s) => meets(s, parsed.conditions)) };
}

/** A list call's query: only ConnectWise's list parameters, pageSize 1..1000, conditions on `known` fields. */
function listQuery(state: State, request: RecordedRequest, known: ReadonlySet<string>): Reply | { conditions: Condition[] } {
  for (const name of request.query.keys())
    if (!LIST_PARAMS.has(name)) return refuse(state, request, 400, `query.${name}`, `${name} is not a query parameter of this call`);
  const pageSize = Number(request.query.get('pageSize') ?? '25');
  if (!Number.isInteger(pageSize) || pageSize < 1 || pageSize > 1000)
    return refuse(state, request, 400, 'query.pageSize', 'pageSize must be an integer from 1 to 1000');
  const parsed = parseConditions(request.query.get('conditions') ?? '', known);
  return 'error' in parsed ? refuse(state, request, 400, 'query.conditions', parsed.error) : parsed;
}

/** What `tandem ticketing check` reads besides boards: the system's version, companies, priorities. */
function catalogRoutes(state: State, request: RecordedRequest, rest: string): Reply | undefined {
  if (request.method !== 'GET') return undefined;
  if (rest === '/system/info')
    return { status: 200, body: { version: 'v2025.1.10431', isCloud: true, serverTimeZone: 'Eastern Standard Time' } };
  const lists: Record<string, { known: ReadonlySet<string>; rows: () => Record<string, unknown>[] }> = {
    '/company/companies': {
      known: new Set(['id', 'identifier', 'name']),
      rows: () => state.companies.map((c) => ({ ...c, _info: { lastUpdated: cwTime(0) } })),
    },
    '/service/priorities': {
      known: new Set(['id', 'name']),
      rows: () => PRIORITIES.map((p, i) => ({ ...p, sortOrder: i + 1, defaultFlag: p.id === 3 })),
    },
  };
  const list = lists[rest];
  if (list === undefined) return undefined;
  const query = listQuery(state, request, list.known);
  if (!('conditions' in query)) return query;
  const pageSize = Number(request.query.get('pageSize') ?? '25');
  return {
    status: 200,
    body: list
      .rows()
      .filter((r) => meets(r, query.conditions))
      .slice(0, pageSize),
  };
}

function jsonBody(state: State, request: RecordedRequest): Reply | undefined {
  if (request.method !== 'POST' && request.method !== 'PATCH' && request.method !== 'PUT') return undefined;
  const type = request.headers['content-type'] ?? '';
  if (!type.startsWith('application/json'))
    return refuse(
      state,
      request,
      415,
      'header.content-type',
      `content-type must be application/json, not '${type}'`,
      'UnsupportedMediaType',
    );
  if (request.body === undefined) return refuse(state, request, 400, 'body', 'the body is not JSON', 'InvalidObject');
  return undefined;
}

/** Routes an authenticated request under the API root. */
function route(state: State, request: RecordedRequest, rest: string): Reply {
  const badBody = jsonBody(state, request);
  if (badBody !== undefined) return badBody;
  const body = (typeof request.body === 'object' && request.body !== null ? request.body : {}) as Record<string, unknown>;
  if (rest === '/service/tickets' && request.method === 'POST') return create(state, request, body);
  if (rest === '/service/tickets' && request.method === 'GET') return listTickets(state, request);
  const boardReply = boardRoutes(state, request, rest) ?? catalogRoutes(state, request, rest);
  if (boardReply !== undefined) return boardReply;
  const m = /^\/service\/tickets\/(\d+)(\/notes)?$/.exec(rest);
  const key = `${request.method} ${m?.[2] ?? ''}`;
  const known = ['GET ', 'PATCH ', 'GET /notes', 'POST /notes'];
  if (m === null || !known.includes(key)) {
    const what =
      request.method === 'PUT'
        ? 'PUT replaces the whole ticket; the sync must PATCH the fields it changes'
        : 'the ConnectWise fake does not implement this operation';
    return refuse(state, request, 404, 'operation', what, 'NotFound');
  }
  const ticket = state.tickets.get(Number(m[1]));
  if (ticket === undefined) return { status: 404, body: cwError('NotFound', `Ticket Id ${String(m[1])} not found`) };
  if (key === 'GET ') return { status: 200, body: pick(ticketJson(state.api, ticket), request.query.get('fields')) };
  if (key === 'PATCH ') return patch(state, request, ticket);
  if (key === 'GET /notes') return { status: 200, body: ticket.notes.map((n) => noteJson(state.api, n)) };
  return addNote(state, request, ticket, body);
}

function answer(state: State, request: RecordedRequest, authorization: string, clientId: string): Reply {
  if (!request.path.startsWith(`${CW_API_PATH}/`)) return refuse(state, request, 404, 'operation', `not under ${CW_API_PATH}`, 'NotFound');
  const given = request.headers.clientid;
  if (typeof given !== 'string' || !GUID.test(given) || given.toLowerCase() !== clientId.toLowerCase()) {
    const what = given === undefined ? 'no clientId header' : `clientId '${String(given)}' is not the fake's client id`;
    return refuse(state, request, 401, 'header.clientId', what, 'Unauthorized');
  }
  if (request.headers.authorization !== authorization) {
    const what =
      request.headers.authorization === undefined
        ? 'no Authorization header'
        : 'Authorization is not Basic base64(company+publicKey:privateKey) of the fake';
    violation(state, request, 'auth', what);
    return { status: 401, body: cwError('Unauthorized', 'Unauthorized') };
  }
  return route(state, request, request.path.slice(CW_API_PATH.length));
}

function faultReply(fault: { status: 429; retryAfter?: string | undefined } | { status: 503 }): Reply {
  if (fault.status === 503) return { status: 503, body: cwError('ServiceUnavailable', 'Service Unavailable: the fake was told to fail.') };
  const headers: Record<string, string> = fault.retryAfter === undefined ? {} : { 'retry-after': fault.retryAfter };
  return { status: 429, headers, body: cwError('TooManyRequests', 'Too many requests. Please retry later.') };
}

/** Starts a ConnectWise fake on 127.0.0.1 and a free port. */
export async function startConnectWiseFake(options: ConnectWiseFakeOptions = {}): Promise<ConnectWiseFake> {
  const company = options.company ?? 'acme';
  const publicKey = options.publicKey ?? 'cwPublicKey1';
  const authorization = basicAuth(`${company}+${publicKey}`, options.privateKey ?? 'cwPrivateKey1');
  const clientId = options.clientId ?? '3f0c2a4e-8b1d-4c6f-9a7e-2d5b1c0e9f42';
  const state: State = {
    api: '',
    member: 'TandemAPI',
    clock: options.clock ?? systemClock,
    boards: boards(1000 * fakesStarted++),
    companies: options.companies ?? [{ id: 250, identifier: 'AcmeCorp', name: 'Acme Corp' }],
    tickets: new Map(),
    violations: [],
    nextTicket: 1001,
    nextNote: 1,
  };
  const server = await startHttpFake((request) => answer(state, request, authorization, clientId), faultReply);
  state.api = `${server.url}${CW_API_PATH}`;
  return {
    url: state.api,
    clientId,
    authorization,
    boards: state.boards,
    requests: server.requests,
    violations: state.violations,
    tickets: state.tickets,
    assertClean() {
      if (state.violations.length === 0) return;
      const lines = state.violations.map((v) => `  ${v.operation} ${v.where}: ${v.what}`);
      throw new Error(`the ConnectWise fake saw ${state.violations.length} request(s) ConnectWise would reject:\n${lines.join('\n')}`);
    },
    inject: (fault, times) => server.inject(fault, times),
    setStatus: (id, statusName, by = 'KLee') => setStatus(state, id, statusName, by),
    addNote: (id, text, by) => addNoteAs(state, id, text, by),
    callbackBody: (id, action) => callbackBody(state, company, id, action),
    close: () => server.close(),
  };
}

function ticketOf(state: State, id: number): CwTicket {
  const ticket = state.tickets.get(id);
  if (ticket === undefined) throw new Error(`no ticket ${id}`);
  return ticket;
}

function setStatus(state: State, id: number, statusName: string, by: string): CwTicket {
  const ticket = ticketOf(state, id);
  const status = resolve(ticket.board.statuses, { name: statusName });
  if (status === undefined) throw new Error(`no status ${statusName} on board ${ticket.board.name}`);
  Object.assign(ticket, { status, closedFlag: status.closedStatus, lastUpdated: cwTime(state.clock.now()), updatedBy: by });
  return ticket;
}

function addNoteAs(state: State, id: number, text: string, by: string): CwNote {
  const ticket = ticketOf(state, id);
  const at = cwTime(state.clock.now());
  const note: CwNote = {
    id: state.nextNote++,
    ticketId: id,
    text,
    detailDescriptionFlag: true,
    internalAnalysisFlag: false,
    resolutionFlag: false,
    dateCreated: at,
    createdBy: by,
  };
  ticket.notes.push(note);
  Object.assign(ticket, { lastUpdated: at, updatedBy: by });
  return note;
}

function callbackBody(state: State, company: string, id: number, action: 'added' | 'updated' | 'deleted'): Record<string, unknown> {
  const ticket = ticketOf(state, id);
  return {
    MessageId: `${id}-${action}-${ticket.lastUpdated}`,
    FromUrl: state.api.replace(CW_API_PATH, ''),
    CompanyId: company,
    MemberId: ticket.updatedBy,
    Action: action,
    Type: 'ticket',
    ID: id,
    ProductInstanceId: null,
    PartnerId: null,
    Entity: JSON.stringify(ticketJson(state.api, ticket)),
    Metadata: { key_url: `${state.api}/service/tickets/${id}` },
  };
}
