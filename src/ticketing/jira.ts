/**
 * The Jira Cloud client of the ticketing sync: Basic auth (user and API
 * token), the REST API v3 calls the sync needs (find by correlation label
 * with `POST /search/jql`, create, transition by target status category,
 * ADF comment, priority, read back, check), each answer classified by
 * http.ts (Jira's `{errorMessages, errors}` body kept as the error).
 */
import type { JiraTicketing } from '../engagement/model.js';
import type {
  CallResult,
  CheckLine,
  ClientOptions,
  ExternalTicket,
  NewTicket,
  TicketClient,
  TicketSnapshot,
  TicketTarget,
} from './client.js';
import { bodyStart, isRecord, request, retryAfterMs } from './http.js';
import type { Answer } from './http.js';
import { correlationLabel } from './plan.js';

/** An Atlassian Document Format document of paragraphs. */
export function adf(paragraphs: readonly string[]): object {
  return { type: 'doc', version: 1, content: paragraphs.map((p) => ({ type: 'paragraph', content: [{ type: 'text', text: p }] })) };
}

/** The plain text of an ADF document (or of a wiki-markup string, as webhooks send comments), paragraphs on lines. */
export function adfText(doc: unknown): string {
  if (typeof doc === 'string') return doc;
  if (!isRecord(doc)) return '';
  if (doc['type'] === 'text' && typeof doc['text'] === 'string') return doc['text'];
  if (doc['type'] === 'hardBreak') return '\n';
  const content = Array.isArray(doc['content']) ? doc['content'] : [];
  const parts = content.map(adfText);
  return doc['type'] === 'doc' ? parts.join('\n') : parts.join('');
}

/** Jira's `{errorMessages, errors}` as one line, or the start of the body. */
function errorText(a: Answer): string {
  if (isRecord(a.json)) {
    const messages = Array.isArray(a.json['errorMessages']) ? a.json['errorMessages'].map(String) : [];
    const errors = isRecord(a.json['errors']) ? Object.entries(a.json['errors']).map(([k, v]) => `${k}: ${String(v)}`) : [];
    const all = [...messages, ...errors];
    if (all.length > 0) return `Jira ${a.status}: ${all.join('; ')}`;
  }
  return bodyStart('Jira', a);
}

const STATE_OF_CATEGORY: Readonly<Record<string, TicketSnapshot['state']>> = { new: 'open', indeterminate: 'in_progress', done: 'done' };
const CATEGORY_OF: Readonly<Record<TicketTarget, string>> = { in_progress: 'indeterminate', done: 'done' };

/** Where a Jira status category puts a ticket ('open' for To Do and unknown categories). */
export function stateOfCategory(key: unknown): TicketSnapshot['state'] {
  return typeof key === 'string' && Object.hasOwn(STATE_OF_CATEGORY, key) ? (STATE_OF_CATEGORY[key] ?? 'open') : 'open';
}

/** Talks to one Jira entry's site. */
export class JiraClient implements TicketClient {
  readonly #entry: JiraTicketing;
  readonly #authorization: string;
  readonly #o: ClientOptions;

  /** `token`: the API token read from the env variable the entry names. */
  constructor(entry: JiraTicketing, token: string, o: ClientOptions) {
    this.#entry = entry;
    this.#authorization = `Basic ${Buffer.from(`${entry.auth.user}:${token}`).toString('base64')}`;
    this.#o = o;
  }

  async #run<T>(method: string, path: string, body: unknown, ok: (a: Answer) => T): Promise<CallResult<T>> {
    const url = `${this.#entry.url.replace(/\/$/, '')}${path}`;
    const init = { method, headers: { authorization: this.#authorization }, body, timeoutMs: this.#o.timeoutMs };
    return request('Jira', url, init, { ok, errorText, later: (a) => retryAfterMs(a.headers.get('retry-after'), this.#o.now()) });
  }

  #ticket(key: string): ExternalTicket {
    return { id: key, key, url: `${this.#entry.url.replace(/\/$/, '')}/browse/${key}` };
  }

  async find(ref: string): Promise<CallResult<ExternalTicket | undefined>> {
    const jql = `project = "${this.#entry.project}" AND labels = "${correlationLabel(ref)}"`;
    return this.#run('POST', '/rest/api/3/search/jql', { jql, fields: ['status'], maxResults: 1 }, (a) => {
      const issues = isRecord(a.json) && Array.isArray(a.json['issues']) ? a.json['issues'] : [];
      const first: unknown = issues[0];
      return isRecord(first) && typeof first['key'] === 'string' ? this.#ticket(first['key']) : undefined;
    });
  }

  async create(issue: NewTicket): Promise<CallResult<ExternalTicket>> {
    const priority = this.#entry.priorities[issue.priority];
    const fields = {
      project: { key: this.#entry.project },
      issuetype: { name: this.#entry.issueType },
      summary: issue.summary,
      description: adf(issue.description),
      labels: [correlationLabel(issue.ref)],
      ...(priority === undefined ? {} : { priority: { name: priority } }),
    };
    const created = await this.#run('POST', '/rest/api/3/issue', { fields }, (a) =>
      isRecord(a.json) && typeof a.json['key'] === 'string' ? a.json['key'] : undefined,
    );
    if (created.kind !== 'delivered') return created;
    if (created.value === undefined) return { kind: 'permanent', error: 'Jira created an issue but answered without its key' };
    return { kind: 'delivered', value: this.#ticket(created.value) };
  }

  /** Moves the issue through the transition whose target status is in the target's category (looked up: ids differ per workflow). */
  async transition(ticket: ExternalTicket, target: TicketTarget): Promise<CallResult<boolean>> {
    const path = `/rest/api/3/issue/${encodeURIComponent(ticket.id)}/transitions`;
    const list = await this.#run('GET', path, undefined, (a) => a.json);
    if (list.kind !== 'delivered') return list;
    const id = transitionsTo(list.value, CATEGORY_OF[target])[0];
    if (id === undefined) return { kind: 'delivered', value: false };
    return this.#run('POST', path, { transition: { id } }, () => true);
  }

  async comment(ticket: ExternalTicket, text: string): Promise<CallResult<string | null>> {
    return this.#run('POST', `/rest/api/3/issue/${encodeURIComponent(ticket.id)}/comment`, { body: adf([text]) }, (a) =>
      isRecord(a.json) && typeof a.json['id'] === 'string' ? a.json['id'] : null,
    );
  }

  async priority(ticket: ExternalTicket, priority: string): Promise<CallResult<boolean>> {
    const name = this.#entry.priorities[priority];
    if (name === undefined) return { kind: 'delivered', value: false };
    return this.#run('PUT', `/rest/api/3/issue/${encodeURIComponent(ticket.id)}`, { fields: { priority: { name } } }, () => true);
  }

  async read(id: string): Promise<CallResult<TicketSnapshot | undefined>> {
    const path = `/rest/api/3/issue/${encodeURIComponent(id)}?fields=status,comment`;
    const got = await this.#run('GET', path, undefined, (a) => a.json);
    if (got.kind !== 'delivered')
      return got.kind === 'permanent' && got.error.startsWith('Jira 404') ? { kind: 'delivered', value: undefined } : got;
    return { kind: 'delivered', value: snapshotOf(got.value, (key) => this.#ticket(key)) };
  }

  async check(): Promise<CheckLine[]> {
    const lines: CheckLine[] = [];
    const me = await this.#run('GET', '/rest/api/3/myself', undefined, (a) => a.json);
    if (me.kind !== 'delivered')
      return [{ ok: false, what: 'credentials', detail: `${me.error} (check auth.user and ${this.#entry.auth.tokenEnv})` }];
    const who = isRecord(me.value)
      ? String(me.value['displayName'] ?? me.value['emailAddress'] ?? this.#entry.auth.user)
      : this.#entry.auth.user;
    lines.push({ ok: true, what: 'credentials', detail: `signed in as ${who}` });
    const project = await this.#run('GET', `/rest/api/3/project/${encodeURIComponent(this.#entry.project)}`, undefined, (a) => a.json);
    if (project.kind !== 'delivered') return [...lines, { ok: false, what: `project ${this.#entry.project}`, detail: project.error }];
    const types = isRecord(project.value) && Array.isArray(project.value['issueTypes']) ? project.value['issueTypes'] : [];
    const typeNames = types.flatMap((t: unknown) => (isRecord(t) && typeof t['name'] === 'string' ? [t['name']] : []));
    lines.push({ ok: true, what: `project ${this.#entry.project}`, detail: 'found' });
    if (!typeNames.includes(this.#entry.issueType)) {
      const detail = `not in the project; it has ${typeNames.join(', ') || 'none'}`;
      return [...lines, { ok: false, what: `issue type ${this.#entry.issueType}`, detail }, ...(await this.#checkPriorities())];
    }
    lines.push({ ok: true, what: `issue type ${this.#entry.issueType}`, detail: 'found in the project' });
    return [...lines, await this.#checkWorkflow(), ...(await this.#checkPriorities())];
  }

  /**
   * The issue type's workflow has a status in each category the sync moves
   * tickets to (in progress, done): transitions are found by the target's
   * category, so a workflow without one leaves tickets behind.
   */
  async #checkWorkflow(): Promise<CheckLine> {
    const what = `workflow of ${this.#entry.issueType}`;
    const path = `/rest/api/3/project/${encodeURIComponent(this.#entry.project)}/statuses`;
    const got = await this.#run('GET', path, undefined, (a) => a.json);
    if (got.kind !== 'delivered') return { ok: false, what, detail: got.error };
    const types = Array.isArray(got.value) ? got.value : [];
    const type: unknown = types.find((t: unknown) => isRecord(t) && t['name'] === this.#entry.issueType);
    const statuses = isRecord(type) && Array.isArray(type['statuses']) ? type['statuses'] : [];
    const named = statuses.flatMap((st: unknown) =>
      isRecord(st) && typeof st['name'] === 'string' && isRecord(st['statusCategory'])
        ? [{ name: st['name'], category: st['statusCategory']['key'] }]
        : [],
    );
    const first = (category: string): string | undefined => named.find((n) => n.category === category)?.name;
    const missing = Object.entries(CATEGORY_OF).filter(([, category]) => first(category) === undefined);
    if (missing.length === 0) {
      return { ok: true, what, detail: `reaches in progress (${first('indeterminate') ?? ''}) and done (${first('done') ?? ''})` };
    }
    const categories = missing.map(([target]) => (target === 'done' ? 'Done' : 'In Progress')).join(' or ');
    const targets = missing.map(([target]) => target.replace('_', ' ')).join(' or ');
    const has = named.map((n) => n.name).join(', ') || 'none';
    return {
      ok: false,
      what,
      detail: `has no status in the ${categories} category (it has ${has}); Tandem could not move its tickets to ${targets}`,
    };
  }

  async #checkPriorities(): Promise<CheckLine[]> {
    const wanted = [...new Set(Object.values(this.#entry.priorities))];
    if (wanted.length === 0) return [];
    const got = await this.#run('GET', '/rest/api/3/priority', undefined, (a) => a.json);
    if (got.kind !== 'delivered') return [{ ok: false, what: 'priorities', detail: got.error }];
    const names = new Set(
      (Array.isArray(got.value) ? got.value : []).flatMap((p: unknown) =>
        isRecord(p) && typeof p['name'] === 'string' ? [p['name']] : [],
      ),
    );
    return wanted.map((name) =>
      names.has(name)
        ? { ok: true, what: `priority ${name}`, detail: 'found' }
        : { ok: false, what: `priority ${name}`, detail: `Jira has no priority named ${name}; it has ${[...names].join(', ')}` },
    );
  }
}

/** The ids of the transitions whose target status is in `category`. */
function transitionsTo(list: unknown, category: string): string[] {
  const transitions = isRecord(list) && Array.isArray(list['transitions']) ? list['transitions'] : [];
  return transitions.flatMap((t: unknown): string[] => {
    if (!isRecord(t) || typeof t['id'] !== 'string' || !isRecord(t['to'])) return [];
    const cat = t['to']['statusCategory'];
    return isRecord(cat) && cat['key'] === category ? [t['id']] : [];
  });
}

/** An issue as `GET /issue/{key}?fields=status,comment` returns it. */
function snapshotOf(issue: unknown, ticket: (key: string) => ExternalTicket): TicketSnapshot | undefined {
  if (!isRecord(issue) || typeof issue['key'] !== 'string') return undefined;
  const fields = isRecord(issue['fields']) ? issue['fields'] : {};
  const status = isRecord(fields['status']) ? fields['status'] : {};
  const category = isRecord(status['statusCategory']) ? status['statusCategory']['key'] : undefined;
  const comments = isRecord(fields['comment']) && Array.isArray(fields['comment']['comments']) ? fields['comment']['comments'] : [];
  return {
    ticket: ticket(issue['key']),
    state: stateOfCategory(category),
    status: typeof status['name'] === 'string' ? status['name'] : 'unknown',
    updatedBy: null,
    notes: comments.flatMap((c: unknown) =>
      isRecord(c) && typeof c['id'] === 'string'
        ? [
            {
              id: c['id'],
              text: adfText(c['body']),
              author: isRecord(c['author']) && typeof c['author']['displayName'] === 'string' ? c['author']['displayName'] : null,
            },
          ]
        : [],
    ),
  };
}
