/**
 * A ServiceNow Table API fake (table `incident`, plus `sys_journal_field` for reading journals, and `sys_user`,
 * `sys_user_group`, `sys_choice` for the set-up check and the assignment group's sys_id) for the ticketing
 * sync's tests: a real HTTP server on 127.0.0.1 holding incidents in memory and answering with ServiceNow's shapes
 * (`{"result": ...}`, all values strings, reference links, the error envelope). Requests are checked the way an
 * instance would check them (Basic auth, JSON bodies, read-only priority, the state model and its mandatory fields,
 * encoded queries and sysparm_* names); each mismatch is recorded as a violation and answered with ServiceNow's error
 * body, so `assertClean()` fails a test whose client would not work against a real instance. Faults (429 with the
 * rate-limit headers, with or without Retry-After; 503; a slow answer; no answer) are injected for the next N requests.
 */
import { systemClock } from '../../../src/clock/clock.js';
import type { Clock } from '../../../src/clock/clock.js';
import { basicAuth, startHttpFake } from './faults.js';
import type { HttpFault, RecordedRequest, Reply } from './faults.js';
import type { Violation } from './openapi-validator.js';
import {
  CHOICES,
  choiceRows,
  CLOSE_CODES,
  derivePriority,
  glideTime,
  INCIDENT_FIELDS,
  incidentJson,
  LOOKUP_FIELDS,
  matches,
  parseQuery,
  snowError,
  WRITABLE,
} from './servicenow-model.js';
import type { Incident, JournalEntry, View } from './servicenow-model.js';

export type { Incident, JournalEntry } from './servicenow-model.js';
export type { Violation } from './openapi-validator.js';
export type { HttpFault as ServiceNowFault, RecordedRequest as ServiceNowRequest } from './faults.js';

/** How the fake is set up. */
export interface ServiceNowFakeOptions {
  /** Basic auth the fake accepts. */
  readonly user?: string;
  readonly password?: string;
  /** The per-hour limit the 429 fault reports in X-RateLimit-Limit. */
  readonly rateLimit?: number;
  /** Stamps sys_created_on/sys_updated_on and X-RateLimit-Reset; defaults to the system clock. */
  readonly clock?: Clock;
  /** The instance's assignment groups (sys_user_group); defaults to {@link DEFAULT_GROUPS}. */
  readonly groups?: readonly { readonly name: string; readonly sys_id: string }[];
  /** false: a 429 carries no X-RateLimit-* headers either (a proxy in front of the instance dropped them). */
  readonly rateLimitHeaders?: boolean;
  /** Tables the integration user has no read ACL on: a GET of them answers 403, as an instance would. */
  readonly unreadable?: readonly ('sys_user' | 'sys_user_group' | 'sys_choice')[];
}

/** The assignment group a stock fake has. */
export const DEFAULT_GROUPS = [{ name: 'Network Operations', sys_id: 'a715cd759f2002002920bde8132e7018' }] as const;

/** The running fake. */
export interface ServiceNowFake {
  /** Instance URL, e.g. http://127.0.0.1:40123 (the engagement's `url`). */
  readonly url: string;
  readonly user: string;
  /** The `Authorization` header value a conforming client sends. */
  readonly authorization: string;
  readonly requests: readonly RecordedRequest[];
  readonly violations: readonly Violation[];
  /** Incidents by sys_id (raw values; journal fields are in `journal`). */
  readonly incidents: ReadonlyMap<string, Incident>;
  /** Every journal entry written (work_notes, comments), oldest first. */
  readonly journal: readonly JournalEntry[];
  assertClean(): void;
  inject(fault: HttpFault, times?: number): void;
  /** Changes an incident as a person on the instance would (for inbound tests); `by` becomes sys_updated_by. */
  update(sysId: string, fields: Readonly<Record<string, string>>, by?: string): Incident;
  close(): Promise<void>;
}

interface State {
  base: string;
  readonly user: string;
  readonly clock: Clock;
  readonly incidents: Map<string, Incident>;
  readonly journal: JournalEntry[];
  readonly violations: Violation[];
  nextNumber: number;
  /** Rows of the read-only tables, by table. */
  readonly lookups: Readonly<Record<string, readonly Record<string, string>[]>>;
  readonly unreadable: ReadonlySet<string>;
}

const TABLE_PATH = /^\/api\/now\/(?:v[12]\/)?table\/(incident|sys_journal_field|sys_user|sys_user_group|sys_choice)(?:\/([^/]+))?$/;
const GET_PARAMS = new Set([
  'sysparm_query',
  'sysparm_fields',
  'sysparm_limit',
  'sysparm_offset',
  'sysparm_display_value',
  'sysparm_exclude_reference_link',
  'sysparm_suppress_pagination_header',
  'sysparm_view',
  'sysparm_no_count',
]);
const WRITE_PARAMS = new Set(['sysparm_fields', 'sysparm_display_value', 'sysparm_exclude_reference_link', 'sysparm_input_display_value']);
const JOURNAL_FIELDS = new Set(['sys_id', 'element_id', 'element', 'value', 'name', 'sys_created_on', 'sys_created_by']);

function violation(state: State, request: RecordedRequest, where: string, what: string): void {
  state.violations.push({ operation: `${request.method} ${request.path}`, where, what });
}

function refuse(state: State, request: RecordedRequest, status: number, where: string, what: string, message = what): Reply {
  violation(state, request, where, what);
  return { status, body: snowError(message, status === 400 ? what : null) };
}

function sysId(n: number): string {
  return `${n.toString(16).padStart(8, '0')}${'f00d'.repeat(6)}`;
}

function checkParams(state: State, request: RecordedRequest, allowed: ReadonlySet<string>): Reply | undefined {
  for (const name of request.query.keys()) {
    if (!allowed.has(name)) return refuse(state, request, 400, `query.${name}`, `'${name}' is not a Table API parameter of this call`);
  }
  const display = request.query.get('sysparm_display_value');
  if (display !== null && !['true', 'false', 'all'].includes(display)) {
    return refuse(state, request, 400, 'query.sysparm_display_value', `sysparm_display_value must be true, false or all, not '${display}'`);
  }
  return undefined;
}

function viewOf(state: State, request: RecordedRequest): View {
  const fields = request.query.get('sysparm_fields');
  return {
    base: state.base,
    displayValue: (request.query.get('sysparm_display_value') ?? 'false') as View['displayValue'],
    excludeReferenceLink: request.query.get('sysparm_exclude_reference_link') === 'true',
    fields: fields === null ? undefined : fields.split(',').map((f) => f.trim()),
  };
}

/** Checks a create/update body's values; returns the first refusal, or undefined. */
function checkValues(state: State, request: RecordedRequest, body: Record<string, unknown>): Reply | undefined {
  for (const [field, value] of Object.entries(body)) {
    if (field === 'priority') {
      const what = 'priority is read-only (derived from impact and urgency by the priority lookup rules); set impact and urgency';
      return refuse(state, request, 403, 'body/priority', what, 'Operation Failed');
    }
    if (!WRITABLE.has(field)) return refuse(state, request, 400, `body/${field}`, `'${field}' is not a writable field of incident`);
    if (typeof value !== 'string')
      return refuse(state, request, 400, `body/${field}`, `${field} must be a string (ServiceNow values are strings)`);
    const choices = CHOICES[field];
    if (choices !== undefined && !(value in choices)) {
      return refuse(state, request, 400, `body/${field}`, `'${value}' is not a choice of ${field} (${Object.keys(choices).join(', ')})`);
    }
  }
  return undefined;
}

/**
 * assignment_group must name a group of the instance: its sys_id, or its name when the write says
 * sysparm_input_display_value=true (then the name is stored as the group's sys_id, as an instance does). A sys_id the
 * instance does not have would leave the incident in no group's queue.
 */
function checkGroup(state: State, request: RecordedRequest, body: Record<string, unknown>): Reply | undefined {
  const value = body['assignment_group'];
  if (typeof value !== 'string' || value === '') return undefined;
  const groups = state.lookups['sys_user_group'] ?? [];
  if (groups.some((g) => g['sys_id'] === value)) return undefined;
  const named = groups.find((g) => g['name'] === value);
  if (named !== undefined && request.query.get('sysparm_input_display_value') === 'true') {
    body['assignment_group'] = named['sys_id'];
    return undefined;
  }
  const hint = named === undefined ? 'no group has that sys_id or name' : 'a name needs sysparm_input_display_value=true';
  return refuse(state, request, 400, 'body/assignment_group', `'${value}' is not the sys_id of a sys_user_group (${hint})`);
}

/** The state model's mandatory fields, checked on the record as it would be after the write. */
function checkStateModel(state: State, request: RecordedRequest, after: Incident): Reply | undefined {
  const missing: string[] = [];
  if (after.state === '3' && (after.hold_reason ?? '') === '') missing.push('On hold reason');
  if (after.state === '6' || after.state === '7') {
    if ((after.close_code ?? '') === '') missing.push('Resolution code');
    if ((after.close_notes ?? '') === '') missing.push('Resolution notes');
  }
  if (after.close_code !== undefined && after.close_code !== '' && !CLOSE_CODES.has(after.close_code)) {
    return refuse(state, request, 400, 'body/close_code', `'${after.close_code}' is not a resolution code of the instance`);
  }
  if (missing.length === 0) return undefined;
  const detail = `Data Policy Exception: \n The following fields are mandatory: ${missing.join(', ')}`;
  violation(state, request, 'body/state', `state ${after.state} needs ${missing.join(', ')}`);
  return { status: 403, body: snowError('Operation Failed', detail) };
}

function writeBody(state: State, request: RecordedRequest): { fields: Record<string, unknown> } | { reply: Reply } {
  const type = request.headers['content-type'] ?? '';
  if (!type.startsWith('application/json')) {
    const what = `content-type must be application/json, not '${type}'`;
    return { reply: refuse(state, request, 415, 'header.content-type', what, 'Unsupported Media Type') };
  }
  const body = request.body;
  if (typeof body !== 'object' || body === null || Array.isArray(body)) {
    return { reply: refuse(state, request, 400, 'body', 'the body must be one JSON object', 'Exception while reading request') };
  }
  return { fields: body as Record<string, unknown> };
}

/** Applies a checked write: journal fields go to the journal, the rest onto the record; priority is re-derived. */
function apply(state: State, incident: Incident, body: Record<string, unknown>, by: string): void {
  const now = glideTime(state.clock.now());
  for (const [field, value] of Object.entries(body)) {
    const text = String(value);
    if (field === 'work_notes' || field === 'comments') {
      if (text !== '') {
        const id = sysId(900000 + state.journal.length);
        state.journal.push({
          sys_id: id,
          element_id: incident.sys_id ?? '',
          element: field,
          value: text,
          name: 'incident',
          sys_created_on: now,
          sys_created_by: by,
        });
      }
    } else incident[field] = text;
  }
  incident.priority = derivePriority(incident.impact ?? '3', incident.urgency ?? '3');
  if (incident.state === '6' && (incident.resolved_at ?? '') === '') incident.resolved_at = now;
  if (incident.state === '7' && (incident.closed_at ?? '') === '') incident.closed_at = now;
  incident.sys_updated_on = now;
  incident.sys_updated_by = by;
}

function create(state: State, request: RecordedRequest): Reply {
  const body = writeBody(state, request);
  if ('reply' in body) return body.reply;
  const fields = body.fields;
  const bad = checkValues(state, request, fields) ?? checkGroup(state, request, fields);
  if (bad !== undefined) return bad;
  const now = glideTime(state.clock.now());
  const id = sysId(state.nextNumber);
  const incident: Incident = Object.fromEntries(INCIDENT_FIELDS.map((f) => [f, '']));
  Object.assign(incident, { sys_id: id, number: `INC${String(state.nextNumber).padStart(7, '0')}`, impact: '3', urgency: '3', state: '1' });
  Object.assign(incident, { opened_at: now, sys_created_on: now, sys_created_by: state.user });
  const after = { ...incident, ...Object.fromEntries(Object.entries(fields).map(([k, v]) => [k, String(v)])) };
  const policy = checkStateModel(state, request, after);
  if (policy !== undefined) return policy;
  state.nextNumber += 1;
  apply(state, incident, fields, state.user);
  state.incidents.set(id, incident);
  const location = `${state.base}/api/now/table/incident/${id}`;
  return { status: 201, headers: { location }, body: { result: incidentJson(incident, viewOf(state, request)) } };
}

function modify(state: State, request: RecordedRequest, incident: Incident): Reply {
  const body = writeBody(state, request);
  if ('reply' in body) return body.reply;
  const fields = body.fields;
  const bad = checkValues(state, request, fields) ?? checkGroup(state, request, fields);
  if (bad !== undefined) return bad;
  const after = { ...incident, ...Object.fromEntries(Object.entries(fields).map(([k, v]) => [k, String(v)])) };
  const policy = checkStateModel(state, request, after);
  if (policy !== undefined) return policy;
  apply(state, incident, fields, state.user);
  return { status: 200, body: { result: incidentJson(incident, viewOf(state, request)) } };
}

function pageOf<T>(state: State, request: RecordedRequest, all: readonly T[]): Reply | { page: T[]; headers: Record<string, string> } {
  const limit = Number(request.query.get('sysparm_limit') ?? '10000');
  const offset = Number(request.query.get('sysparm_offset') ?? '0');
  if (!Number.isInteger(limit) || limit < 1 || !Number.isInteger(offset) || offset < 0) {
    return refuse(state, request, 400, 'query.sysparm_limit', 'sysparm_limit and sysparm_offset must be non-negative integers');
  }
  const headers: Record<string, string> = { 'x-total-count': String(all.length) };
  const link = (at: number, rel: string): string => {
    const q = new URLSearchParams(request.query);
    q.set('sysparm_offset', String(at));
    q.set('sysparm_limit', String(limit));
    return `<${state.base}${request.path}?${q.toString()}>;rel="${rel}"`;
  };
  const links = [link(0, 'first')];
  if (offset + limit < all.length) links.push(link(offset + limit, 'next'));
  links.push(link(Math.max(0, Math.floor((all.length - 1) / limit) * limit), 'last'));
  headers.link = links.join(',');
  return { page: all.slice(offset, offset + limit), headers };
}

function knownFields(table: string): ReadonlySet<string> {
  if (table === 'incident') return new Set<string>(INCIDENT_FIELDS);
  return LOOKUP_FIELDS[table] ?? JOURNAL_FIELDS;
}

function rowsOf(state: State, table: string): readonly Record<string, string>[] {
  return table === 'sys_journal_field' ? state.journal.map((j) => ({ ...j })) : (state.lookups[table] ?? []);
}

function list(state: State, request: RecordedRequest, table: string): Reply {
  const known = knownFields(table);
  const parsed = parseQuery(request.query.get('sysparm_query') ?? '', known);
  if ('error' in parsed) return refuse(state, request, 400, 'query.sysparm_query', parsed.error);
  const view = viewOf(state, request);
  const unknownField = view.fields?.find((f) => !known.has(f));
  if (unknownField !== undefined)
    return refuse(state, request, 400, 'query.sysparm_fields', `'${unknownField}' is not a field of ${table}`);
  const rows: Record<string, unknown>[] =
    table === 'incident'
      ? [...state.incidents.values()].filter((i) => matches(i, parsed.clauses)).map((i) => incidentJson(i, view))
      : rowsOf(state, table)
          .filter((r) => matches(r, parsed.clauses))
          .map((r) => (view.fields === undefined ? { ...r } : Object.fromEntries(view.fields.map((f) => [f, r[f] ?? '']))));
  const paged = pageOf(state, request, rows);
  if ('status' in paged) return paged;
  return { status: 200, headers: paged.headers, body: { result: paged.page } };
}

/** Routes an authenticated Table API request. */
function route(state: State, request: RecordedRequest): Reply {
  const m = TABLE_PATH.exec(request.path);
  if (m === null) return refuse(state, request, 400, 'operation', 'not a Table API path of a table the fake has', 'Invalid table');
  const [, table = '', id] = m;
  const writing = request.method === 'POST' || request.method === 'PATCH' || request.method === 'PUT';
  const params = checkParams(state, request, writing ? WRITE_PARAMS : GET_PARAMS);
  if (params !== undefined) return params;
  if (table !== 'incident') {
    if (request.method !== 'GET' || id !== undefined)
      return refuse(state, request, 403, 'operation', `the sync reads ${table} by GET list only`, 'Operation Failed');
    if (state.unreadable.has(table))
      return { status: 403, body: snowError('User Not Authorized', `Read ACL on ${table} denies this user (the fake was told so)`) };
    return list(state, request, table);
  }
  if (id === undefined) {
    if (request.method === 'POST') return create(state, request);
    if (request.method === 'GET') return list(state, request, table);
    return refuse(state, request, 405, 'operation', `${request.method} needs a sys_id`, 'Method not Supported');
  }
  const incident = state.incidents.get(id);
  if (request.method === 'DELETE' || request.method === 'POST')
    return refuse(state, request, 405, 'operation', `the sync must not ${request.method} an incident by sys_id`, 'Method not Supported');
  if (incident === undefined)
    return { status: 404, body: snowError('No Record found', "Record doesn't exist or ACL restricts the record retrieval") };
  if (request.method === 'GET') return { status: 200, body: { result: incidentJson(incident, viewOf(state, request)) } };
  return modify(state, request, incident);
}

function answer(state: State, request: RecordedRequest, authorization: string): Reply {
  if (request.headers.authorization !== authorization) {
    const what =
      request.headers.authorization === undefined
        ? 'no Authorization header'
        : 'Authorization is not Basic base64(user:password) of the fake';
    violation(state, request, 'auth', what);
    return { status: 401, body: snowError('User Not Authenticated', 'Required to provide Auth information') };
  }
  return route(state, request);
}

function rateLimited(state: State, limit: number | null, fault: { status: 429; retryAfter?: string | undefined } | { status: 503 }): Reply {
  if (fault.status === 503) return { status: 503, body: snowError('Service Unavailable', 'the fake was told to fail') };
  const reset = Math.ceil(state.clock.now() / 1000) + Number(fault.retryAfter ?? '60');
  const headers: Record<string, string> = limit === null ? {} : { 'x-ratelimit-limit': String(limit), 'x-ratelimit-reset': String(reset) };
  if (fault.retryAfter !== undefined) headers['retry-after'] = fault.retryAfter;
  const detail = `Rate limit${limit === null ? '' : ` of ${limit} requests per hour`} exceeded for this user`;
  return { status: 429, headers, body: snowError('Too Many Requests', detail) };
}

/** Starts a ServiceNow fake on 127.0.0.1 and a free port. */
export async function startServiceNowFake(options: ServiceNowFakeOptions = {}): Promise<ServiceNowFake> {
  const user = options.user ?? 'tandem.integration';
  const authorization = basicAuth(user, options.password ?? 'servicenow-fake-password');
  const state: State = {
    base: '',
    user,
    clock: options.clock ?? systemClock,
    incidents: new Map(),
    journal: [],
    violations: [],
    nextNumber: 10001,
    lookups: {
      sys_user: [{ sys_id: '6816f79cc0a8016401c5a33be04be441', user_name: user, name: 'Tandem Integration', active: 'true' }],
      sys_user_group: (options.groups ?? DEFAULT_GROUPS).map((g) => ({ sys_id: g.sys_id, name: g.name, active: 'true' })),
      sys_choice: choiceRows(CLOSE_CODES),
    },
    unreadable: new Set(options.unreadable ?? []),
  };
  const server = await startHttpFake(
    (request) => answer(state, request, authorization),
    (fault) => rateLimited(state, options.rateLimitHeaders === false ? null : (options.rateLimit ?? 5000), fault),
  );
  state.base = server.url;
  return {
    url: server.url,
    user,
    authorization,
    requests: server.requests,
    violations: state.violations,
    incidents: state.incidents,
    journal: state.journal,
    assertClean() {
      if (state.violations.length === 0) return;
      const lines = state.violations.map((v) => `  ${v.operation} ${v.where}: ${v.what}`);
      throw new Error(`the ServiceNow fake saw ${state.violations.length} request(s) a real instance would reject:\n${lines.join('\n')}`);
    },
    inject: (fault, times) => server.inject(fault, times),
    update(id, fields, by = 'kim.lee') {
      const incident = state.incidents.get(id);
      if (incident === undefined) throw new Error(`no incident ${id}`);
      apply(state, incident, fields, by);
      return incident;
    },
    close: () => server.close(),
  };
}
