/**
 * A Jira Cloud fake for the ticketing sync's tests: a real HTTP server on 127.0.0.1 (a free port) that keeps issues
 * in memory and answers with Jira's own response and error shapes. Every request is checked against Atlassian's
 * OpenAPI description (test/fixtures/contracts/jira) and against Basic auth; each mismatch is recorded as a
 * violation and answered 400 (401 for auth) with Jira's error body, so `assertClean()` fails a test whose client does
 * not speak real Jira. Besides issues it answers what `tandem ticketing check` reads: the signed-in user, the project
 * with its issue types, each issue type's statuses, and the site's priorities. Faults (429 with or without Retry-After or with an HTML body, 503, a slow answer, no answer) can be
 * injected for the next N requests, and every request is recorded.
 */
import { createServer } from 'node:http';
import type { IncomingHttpHeaders, IncomingMessage, ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { fileURLToPath } from 'node:url';
import { systemClock } from '../../../src/clock/clock.js';
import type { Clock } from '../../../src/clock/clock.js';
import {
  commentJson,
  DEFAULT_ISSUE_TYPES,
  DEFAULT_PRIORITIES,
  isAdf,
  issueJson,
  jiraError,
  matchesJql,
  parseJql,
  prioritiesJson,
  projectJson,
  projectStatusesJson,
  STATUSES,
  statusDetails,
  userJson,
} from './jira-model.js';
import type { FakeIssue, FakeSite, FakeStatus, StatusCategoryKey } from './jira-model.js';
import { OpenApiValidator } from './openapi-validator.js';
import type { Violation } from './openapi-validator.js';

export type { FakeIssue, StatusCategoryKey } from './jira-model.js';
export type { Violation } from './openapi-validator.js';

/** The contract every request is checked against. */
export const JIRA_CONTRACT = fileURLToPath(new URL('../../fixtures/contracts/jira/jira-platform-openapi.json', import.meta.url));

/**
 * A fault answered instead of (or, for `delayMs`, before) the real answer. `delayMs` longer than the client's timeout
 * is the nasty timeout: Jira acts, the answer is lost. `hang` is the other one: no answer and no effect, ever (the
 * socket is dropped at close).
 */
export type JiraFault =
  | { readonly status: 429; readonly retryAfter?: '0' | '5' | undefined; readonly html?: true }
  | { readonly status: 503 }
  | { readonly delayMs: number }
  | { readonly hang: true };

/** One request as received. */
export interface JiraRequest {
  readonly method: string;
  readonly path: string;
  readonly query: URLSearchParams;
  readonly headers: IncomingHttpHeaders;
  readonly rawBody: string;
  /** The body parsed as JSON, or undefined. */
  readonly body: unknown;
}

/** How the fake is set up. */
export interface JiraFakeOptions {
  /** Basic auth the fake accepts (email:token). */
  readonly email?: string;
  readonly token?: string;
  /** The one project issues can be created in. */
  readonly project?: string;
  /** Transition ids by target status category; by default they differ from one fake to the next. */
  readonly transitionIds?: Readonly<Record<StatusCategoryKey, string>>;
  /** Only To Do -> In Progress -> Done (no skipping, no going back); by default every status reaches every other. */
  readonly linear?: boolean;
  /** Stamps created/updated; defaults to the system clock. */
  readonly clock?: Clock;
  /** The project's issue types (default Incident, Task, Bug). */
  readonly issueTypes?: readonly string[];
  /** The site's priorities (default Jira Cloud's five, Highest to Lowest). */
  readonly priorities?: readonly string[];
  /** The status categories an issue type's workflow reaches (e.g. `{ Incident: ['new', 'indeterminate'] }`: no done). */
  readonly workflows?: Readonly<Record<string, readonly StatusCategoryKey[]>>;
  /** The signed-in user's display name. */
  readonly displayName?: string;
}

/** The running fake. */
export interface JiraFake {
  /** Base URL, e.g. http://127.0.0.1:40123 (what the engagement's `url` points at). */
  readonly url: string;
  readonly email: string;
  readonly token: string;
  readonly project: string;
  /** The `Authorization` header value a conforming client sends. */
  readonly authorization: string;
  readonly transitionIds: Readonly<Record<StatusCategoryKey, string>>;
  /** Every request, in arrival order. */
  readonly requests: readonly JiraRequest[];
  /** Every contract, auth or Jira-semantics mismatch, in arrival order. */
  readonly violations: readonly Violation[];
  /** The issues, by key. */
  readonly issues: ReadonlyMap<string, FakeIssue>;
  /** Throws, listing them, when any violation was recorded. */
  assertClean(): void;
  /** Answers the next `times` requests (default 1) with a fault. */
  inject(fault: JiraFault, times?: number): void;
  /** Labels carried by more than one issue (a sync that correlates by label must leave this empty). */
  duplicateLabels(): string[];
  /** Moves an issue to a status of the given category as a person in Jira would (for inbound tests). */
  setStatus(key: string, category: StatusCategoryKey): void;
  close(): Promise<void>;
}

interface Reply {
  readonly status: number;
  readonly body?: object;
  readonly text?: string;
  readonly headers?: Record<string, string>;
}

interface State {
  readonly base: () => string;
  readonly options: Required<Pick<JiraFakeOptions, 'email' | 'token' | 'project' | 'linear'>> & { readonly clock: Clock };
  readonly site: FakeSite;
  readonly transitionIds: Readonly<Record<StatusCategoryKey, string>>;
  readonly issues: Map<string, FakeIssue>;
  readonly violations: Violation[];
  nextId: number;
  nextComment: number;
}

let fakesStarted = 0;
let sharedValidator: OpenApiValidator | undefined;

function validator(): OpenApiValidator {
  sharedValidator ??= new OpenApiValidator(JIRA_CONTRACT);
  return sharedValidator;
}

const NOT_FOUND = 'Issue does not exist or you do not have permission to see it.';

function statusOf(category: StatusCategoryKey): FakeStatus {
  const found = STATUSES.find((s) => s.category === category);
  if (found === undefined) throw new Error(`no status of category ${category}`);
  return found;
}

/** The transitions available from an issue's status. */
function transitionsFrom(state: State, issue: FakeIssue): { id: string; name: string; status: FakeStatus }[] {
  const at = STATUSES.indexOf(issue.status);
  const targets = state.options.linear ? STATUSES.slice(at + 1, at + 2) : STATUSES.filter((s) => s !== issue.status);
  const names: Record<StatusCategoryKey, string> = { new: 'To Do', indeterminate: 'Start progress', done: 'Done' };
  return targets.map((status) => ({ id: state.transitionIds[status.category], name: names[status.category], status }));
}

function semantic(state: State, operation: string, where: string, what: string): void {
  state.violations.push({ operation, where, what });
}

function createIssue(state: State, body: Record<string, unknown>): Reply {
  const fields = (body.fields ?? {}) as Record<string, unknown>;
  const errors: Record<string, string> = {};
  const project = fields.project as { key?: unknown; id?: unknown } | undefined;
  if (project?.key !== state.options.project && project?.id !== '10000') errors.project = 'valid project is required';
  if (typeof fields.summary !== 'string' || fields.summary === '') errors.summary = 'You must specify a summary of the issue.';
  const issueType = fields.issuetype as { name?: unknown; id?: unknown } | undefined;
  if (typeof issueType?.name !== 'string' && typeof issueType?.id !== 'string') errors.issuetype = 'Specify an issue type';
  if (fields.description !== undefined && !isAdf(fields.description)) errors.description = 'Operation value must be an Atlassian Document.';
  if (
    fields.labels !== undefined &&
    !(Array.isArray(fields.labels) && fields.labels.every((l) => typeof l === 'string' && !/\s/.test(l)))
  ) {
    errors.labels = 'Labels must be strings without spaces.';
  }
  if (Object.keys(errors).length > 0) {
    for (const [field, what] of Object.entries(errors))
      semantic(state, 'POST /rest/api/3/issue (createIssue)', `body/fields/${field}`, what);
    return { status: 400, body: jiraError([], errors) };
  }
  const id = String(state.nextId++);
  const key = `${state.options.project}-${state.issues.size + 1}`;
  const now = new Date(state.options.clock.now()).toISOString();
  const priority = (fields.priority as { name?: unknown } | undefined)?.name;
  state.issues.set(key, {
    id,
    key,
    project: state.options.project,
    summary: String(fields.summary),
    issueType: String(issueType?.name ?? issueType?.id),
    description: fields.description ?? null,
    labels: Array.isArray(fields.labels) ? fields.labels.map(String) : [],
    priority: typeof priority === 'string' ? priority : 'Medium',
    status: statusOf('new'),
    comments: [],
    created: now,
    updated: now,
  });
  return { status: 201, body: { id, key, self: `${state.base()}/rest/api/3/issue/${id}` } };
}

function findIssue(state: State, idOrKey: string): FakeIssue | undefined {
  return state.issues.get(idOrKey.toUpperCase()) ?? [...state.issues.values()].find((i) => i.id === idOrKey);
}

function search(state: State, body: Record<string, unknown>): Reply {
  const jql = typeof body.jql === 'string' ? body.jql : '';
  const parsed = parseJql(jql);
  if ('error' in parsed) {
    semantic(state, 'POST /rest/api/3/search/jql (searchAndReconsileIssuesUsingJqlPost)', 'body/jql', parsed.error);
    return { status: 400, body: jiraError([parsed.error]) };
  }
  const max = typeof body.maxResults === 'number' ? body.maxResults : 50;
  const start = typeof body.nextPageToken === 'string' ? Number(body.nextPageToken) : 0;
  const hits = [...state.issues.values()].filter((issue) => matchesJql(issue, parsed.clauses));
  const page = hits.slice(start, start + max).map((issue) => issueJson(state.base(), issue));
  const isLast = start + max >= hits.length;
  return { status: 200, body: isLast ? { issues: page, isLast } : { issues: page, isLast, nextPageToken: String(start + max) } };
}

function getTransitions(state: State, issue: FakeIssue): Reply {
  const transitions = transitionsFrom(state, issue).map((t) => ({
    id: t.id,
    name: t.name,
    to: statusDetails(state.base(), t.status),
    hasScreen: false,
    isGlobal: !state.options.linear,
    isInitial: false,
    isAvailable: true,
    isConditional: false,
    isLooped: false,
  }));
  return { status: 200, body: { expand: 'transitions', transitions } };
}

function doTransition(state: State, issue: FakeIssue, body: Record<string, unknown>): Reply {
  const id = (body.transition as { id?: unknown } | undefined)?.id;
  const target = transitionsFrom(state, issue).find((t) => t.id === id);
  if (target === undefined) {
    const what = `Transition id '${String(id)}' is not valid for this issue.`;
    semantic(state, 'POST /rest/api/3/issue/{issueIdOrKey}/transitions (doTransition)', 'body/transition/id', what);
    return { status: 400, body: jiraError([what]) };
  }
  issue.status = target.status;
  issue.updated = new Date(state.options.clock.now()).toISOString();
  return { status: 204 };
}

function addComment(state: State, issue: FakeIssue, body: Record<string, unknown>): Reply {
  if (!isAdf(body.body)) {
    semantic(
      state,
      'POST /rest/api/3/issue/{issueIdOrKey}/comment (addComment)',
      'body/body',
      'Comment body must be an Atlassian Document.',
    );
    return { status: 400, body: jiraError([], { comment: 'Comment body is not valid!' }) };
  }
  const comment = { id: String(state.nextComment++), body: body.body, created: new Date(state.options.clock.now()).toISOString() };
  issue.comments.push(comment);
  issue.updated = comment.created;
  return { status: 201, body: commentJson(state.base(), issue, comment) };
}

function labelOps(issue: FakeIssue, ops: unknown): void {
  if (!Array.isArray(ops)) return;
  for (const op of ops as Record<string, unknown>[]) {
    if (Array.isArray(op.set)) issue.labels = op.set.map(String);
    if (typeof op.add === 'string' && !issue.labels.includes(op.add)) issue.labels.push(op.add);
    if (typeof op.remove === 'string') issue.labels = issue.labels.filter((l) => l !== op.remove);
  }
}

function editIssue(state: State, issue: FakeIssue, body: Record<string, unknown>): Reply {
  const fields = (body.fields ?? {}) as Record<string, unknown>;
  const update = (body.update ?? {}) as Record<string, unknown>;
  const unsupported = [...Object.keys(fields), ...Object.keys(update)].filter(
    (f) => !['priority', 'labels', 'summary', 'description'].includes(f),
  );
  const priority = fields.priority as { name?: unknown } | undefined;
  if (unsupported.length > 0 || (priority !== undefined && typeof priority.name !== 'string')) {
    const errors = Object.fromEntries(
      unsupported.map((f) => [f, `Field '${f}' cannot be set. It is not on the appropriate screen, or unknown.`]),
    );
    if (priority !== undefined && typeof priority.name !== 'string') errors.priority = 'Priority name is required.';
    for (const [f, what] of Object.entries(errors))
      semantic(state, 'PUT /rest/api/3/issue/{issueIdOrKey} (editIssue)', `body/fields/${f}`, what);
    return { status: 400, body: jiraError([], errors) };
  }
  if (typeof priority?.name === 'string') issue.priority = priority.name;
  if (Array.isArray(fields.labels)) issue.labels = fields.labels.map(String);
  if (typeof fields.summary === 'string') issue.summary = fields.summary;
  labelOps(issue, update.labels);
  issue.updated = new Date(state.options.clock.now()).toISOString();
  return { status: 204 };
}

/** The answer to an operation on the site or the project (what the check reads), or undefined for other operations. */
function siteReply(state: State, operationId: string, params: Record<string, string>): Reply | undefined {
  const base = state.base();
  if (operationId === 'getCurrentUser') return { status: 200, body: userJson(base, state.site) };
  if (operationId === 'getPriorities') return { status: 200, body: prioritiesJson(base, state.site) };
  if (operationId !== 'getProject' && operationId !== 'getAllStatuses') return undefined;
  const key = params.projectIdOrKey ?? '';
  if (key.toUpperCase() !== state.site.project && key !== '10000') {
    return { status: 404, body: jiraError([`No project could be found with key '${key}'.`]) };
  }
  return { status: 200, body: operationId === 'getProject' ? projectJson(base, state.site) : projectStatusesJson(base, state.site) };
}

/** Routes a request that passed auth and the contract to the in-memory Jira. */
function dispatch(state: State, operationId: string, params: Record<string, string>, body: Record<string, unknown>): Reply {
  if (operationId === 'createIssue') return createIssue(state, body);
  if (operationId === 'searchAndReconsileIssuesUsingJqlPost') return search(state, body);
  const site = siteReply(state, operationId, params);
  if (site !== undefined) return site;
  const issue = findIssue(state, params.issueIdOrKey ?? '');
  const handlers: Record<string, ((i: FakeIssue) => Reply) | undefined> = {
    getIssue: (i) => ({ status: 200, body: issueJson(state.base(), i) }),
    editIssue: (i) => editIssue(state, i, body),
    getTransitions: (i) => getTransitions(state, i),
    doTransition: (i) => doTransition(state, i, body),
    addComment: (i) => addComment(state, i, body),
  };
  const handler = handlers[operationId];
  if (handler === undefined) {
    semantic(state, operationId, 'operation', 'the Jira fake does not implement this operation (the sync should not need it)');
    return { status: 501, body: jiraError([`The fake does not implement ${operationId}.`]) };
  }
  return issue === undefined ? { status: 404, body: jiraError([NOT_FOUND]) } : handler(issue);
}

function faultReply(fault: JiraFault, clock: Clock): Reply | undefined {
  if ('delayMs' in fault || 'hang' in fault) return undefined;
  if (fault.status === 503) return { status: 503, body: jiraError(['Service Unavailable: the fake was told to fail.']) };
  const headers: Record<string, string> = {
    'x-ratelimit-limit': '100',
    'x-ratelimit-remaining': '0',
    'x-ratelimit-reset': new Date(clock.now() + 5000).toISOString(),
    'ratelimit-reason': 'jira-burst-based',
  };
  if (fault.retryAfter !== undefined) headers['retry-after'] = fault.retryAfter;
  if (fault.html === true) {
    return {
      status: 429,
      headers,
      text: '<html><head><title>429 Too Many Requests</title></head><body><h1>Too Many Requests</h1></body></html>',
    };
  }
  return { status: 429, headers, body: jiraError(['Rate limit exceeded.']) };
}

function send(res: ServerResponse, reply: Reply): void {
  const headers: Record<string, string> = { ...reply.headers };
  let payload = '';
  if (reply.text !== undefined) {
    headers['content-type'] = 'text/html;charset=UTF-8';
    payload = reply.text;
  } else if (reply.body !== undefined) {
    headers['content-type'] = 'application/json;charset=UTF-8';
    payload = JSON.stringify(reply.body);
  }
  res.writeHead(reply.status, headers).end(payload);
}

async function readBody(req: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString('utf8');
}

function parseJson(text: string): unknown {
  try {
    return text === '' ? undefined : (JSON.parse(text) as unknown);
  } catch {
    return undefined;
  }
}

/** Starts a Jira fake on 127.0.0.1 and a free port. */
export async function startJiraFake(options: JiraFakeOptions = {}): Promise<JiraFake> {
  const offset = 100 * fakesStarted++;
  let base = '';
  const state: State = {
    base: () => base,
    options: {
      email: options.email ?? 'tandem@acme.example',
      token: options.token ?? 'jira-fake-token',
      project: options.project ?? 'OPS',
      linear: options.linear ?? false,
      clock: options.clock ?? systemClock,
    },
    site: {
      email: options.email ?? 'tandem@acme.example',
      displayName: options.displayName ?? 'Tandem integration',
      project: options.project ?? 'OPS',
      issueTypes: options.issueTypes ?? DEFAULT_ISSUE_TYPES,
      priorities: options.priorities ?? DEFAULT_PRIORITIES,
      workflows: options.workflows ?? {},
    },
    transitionIds: options.transitionIds ?? { new: String(11 + offset), indeterminate: String(21 + offset), done: String(31 + offset) },
    issues: new Map(),
    violations: [],
    nextId: 10001,
    nextComment: 10000,
  };
  const requests: JiraRequest[] = [];
  const faults: { fault: JiraFault; left: number }[] = [];
  const authorization = `Basic ${Buffer.from(`${state.options.email}:${state.options.token}`).toString('base64')}`;
  const handle = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    const url = new URL(req.url ?? '/', 'http://fake');
    const rawBody = await readBody(req);
    const request = {
      method: req.method ?? 'GET',
      path: url.pathname,
      query: url.searchParams,
      headers: req.headers,
      rawBody,
      body: parseJson(rawBody),
    };
    requests.push(request);
    send(res, await answer(state, request, authorization, faults));
  };
  const server = createServer((req, res) => {
    handle(req, res).catch((error: unknown) => send(res, { status: 500, body: jiraError([String(error)]) }));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return fakeHandle(state, { url: base, authorization, requests, faults, server });
}

function nextFault(faults: { fault: JiraFault; left: number }[]): JiraFault | undefined {
  const head = faults[0];
  if (head === undefined) return undefined;
  head.left -= 1;
  if (head.left <= 0) faults.shift();
  return head.fault;
}

/** The answer to one request: contract check, fault, auth, then the in-memory Jira. */
async function answer(
  state: State,
  request: JiraRequest,
  authorization: string,
  faults: { fault: JiraFault; left: number }[],
): Promise<Reply> {
  const v = validator();
  const found = v.validate({
    method: request.method,
    path: request.path,
    query: request.query,
    headers: request.headers,
    body: request.rawBody,
  });
  state.violations.push(...found);
  const fault = nextFault(faults);
  if (fault !== undefined && 'delayMs' in fault) await new Promise((resolve) => setTimeout(resolve, fault.delayMs));
  if (fault !== undefined && 'hang' in fault) await new Promise<never>(() => undefined);
  const faulted = fault === undefined ? undefined : faultReply(fault, state.options.clock);
  if (faulted !== undefined) return faulted;
  const operation = `${request.method} ${request.path}`;
  if (request.headers.authorization !== authorization) {
    const what =
      request.headers.authorization === undefined
        ? 'no Authorization header'
        : 'Authorization is not Basic base64(email:token) of the fake';
    state.violations.push({ operation, where: 'auth', what });
    return { status: 401, body: jiraError(['Client must be authenticated to access this resource.']) };
  }
  if (found.length > 0) return { status: 400, body: jiraError(found.map((f) => `${f.where}: ${f.what}`)) };
  const matched = v.match(request.method, request.path);
  if (matched === undefined) return { status: 404, body: jiraError(['Not found.']) };
  if (matched.template === '/rest/api/3/search') {
    state.violations.push({
      operation: `${matched.method} ${matched.template} (${matched.operationId})`,
      where: 'operation',
      what: 'removed API (410)',
    });
    const message = 'The requested API has been removed. Please migrate to the /rest/api/3/search/jql API.';
    return {
      status: 410,
      body: jiraError([`${message} A full migration guideline is available at https://developer.atlassian.com/changelog/#CHANGE-2046`]),
    };
  }
  const body = (typeof request.body === 'object' && request.body !== null ? request.body : {}) as Record<string, unknown>;
  return dispatch(state, matched.operationId, matched.params, body);
}

function fakeHandle(
  state: State,
  parts: {
    url: string;
    authorization: string;
    requests: JiraRequest[];
    faults: { fault: JiraFault; left: number }[];
    server: ReturnType<typeof createServer>;
  },
): JiraFake {
  return {
    url: parts.url,
    email: state.options.email,
    token: state.options.token,
    project: state.options.project,
    authorization: parts.authorization,
    transitionIds: state.transitionIds,
    requests: parts.requests,
    violations: state.violations,
    issues: state.issues,
    assertClean() {
      if (state.violations.length === 0) return;
      const lines = state.violations.map((v) => `  ${v.operation} ${v.where}: ${v.what}`);
      throw new Error(`the Jira fake saw ${state.violations.length} request(s) real Jira would reject:\n${lines.join('\n')}`);
    },
    inject(fault, times = 1) {
      parts.faults.push({ fault, left: times });
    },
    duplicateLabels() {
      const counts = new Map<string, number>();
      for (const issue of state.issues.values()) for (const label of issue.labels) counts.set(label, (counts.get(label) ?? 0) + 1);
      return [...counts].filter(([, n]) => n > 1).map(([label]) => label);
    },
    setStatus(key, category) {
      const issue = findIssue(state, key);
      if (issue === undefined) throw new Error(`no issue ${key}`);
      issue.status = statusOf(category);
      issue.updated = new Date(state.options.clock.now()).toISOString();
    },
    close: () =>
      new Promise<void>((resolve, reject) => {
        parts.server.closeAllConnections();
        parts.server.close((error) => (error === undefined ? resolve() : reject(error)));
      }),
  };
}
