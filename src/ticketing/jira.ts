/**
 * The Jira Cloud client of the ticketing sync: Basic auth (user and API
 * token), the REST API v3 calls the outbox needs (find by correlation label,
 * create, transition by target status category, ADF comment, priority), and
 * every answer classified: delivered, retryable (429 with or without
 * Retry-After, 5xx, timeouts, network errors) or permanent (400, 401, 403,
 * 404, 422: Jira's error body is kept as the error).
 */
import type { JiraTicketing } from '../engagement/model.js';
import type { StatusCategory } from './plan.js';

/** How a call ended. */
export type JiraResult<T> =
  | { readonly kind: 'delivered'; readonly value: T }
  | { readonly kind: 'retryable'; readonly error: string; readonly retryAfterMs?: number }
  | { readonly kind: 'permanent'; readonly error: string };

/** A created or found issue. */
export interface JiraIssueRef {
  readonly key: string;
  readonly url: string;
}

/** What a new issue says. */
export interface JiraNewIssue {
  readonly summary: string;
  readonly description: readonly string[];
  readonly label: string;
  /** The Jira priority name, when the entry maps the incident's priority. */
  readonly priority: string | undefined;
}

interface Answer {
  readonly status: number;
  readonly json: unknown;
  readonly text: string;
  readonly retryAfter: string | null;
}

const PERMANENT = new Set([400, 401, 403, 404, 422]);

/** An Atlassian Document Format document of paragraphs. */
export function adf(paragraphs: readonly string[]): object {
  return { type: 'doc', version: 1, content: paragraphs.map((p) => ({ type: 'paragraph', content: [{ type: 'text', text: p }] })) };
}

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** Jira's `{errorMessages, errors}` as one line, or the start of the body. */
function errorText(a: Answer): string {
  if (isRecord(a.json)) {
    const messages = Array.isArray(a.json['errorMessages']) ? a.json['errorMessages'].map(String) : [];
    const errors = isRecord(a.json['errors']) ? Object.entries(a.json['errors']).map(([k, v]) => `${k}: ${String(v)}`) : [];
    const all = [...messages, ...errors];
    if (all.length > 0) return `Jira ${a.status}: ${all.join('; ')}`;
  }
  return `Jira ${a.status}: ${a.text.slice(0, 200)}`;
}

/** Retry-After in seconds (Jira sends seconds), as ms; undefined when absent or unreadable. */
function retryAfterMs(header: string | null): number | undefined {
  if (header === null || header.trim() === '') return undefined;
  const seconds = Number(header);
  return Number.isFinite(seconds) ? Math.max(0, seconds) * 1000 : undefined;
}

/** A failed answer's class. */
function failure(a: Answer): JiraResult<never> {
  if (PERMANENT.has(a.status)) return { kind: 'permanent', error: errorText(a) };
  const after = retryAfterMs(a.retryAfter); // 429 mostly, but a 503 may say when to come back too
  return { kind: 'retryable', error: errorText(a), ...(after === undefined ? {} : { retryAfterMs: after }) };
}

/** Talks to one Jira entry's site. */
export class JiraClient {
  readonly #entry: JiraTicketing;
  readonly #authorization: string;
  readonly #timeoutMs: number;

  /** `token`: the API token read from the env variable the entry names. */
  constructor(entry: JiraTicketing, token: string, timeoutMs: number) {
    this.#entry = entry;
    this.#authorization = `Basic ${Buffer.from(`${entry.auth.user}:${token}`).toString('base64')}`;
    this.#timeoutMs = timeoutMs;
  }

  async #call(method: string, path: string, body?: unknown): Promise<Answer | { error: string }> {
    const headers: Record<string, string> = { authorization: this.#authorization, accept: 'application/json' };
    if (body !== undefined) headers['content-type'] = 'application/json';
    try {
      const response = await fetch(`${this.#entry.url.replace(/\/$/, '')}${path}`, {
        method,
        headers,
        ...(body === undefined ? {} : { body: JSON.stringify(body) }),
        signal: AbortSignal.timeout(this.#timeoutMs),
      });
      const text = await response.text();
      let json: unknown;
      try {
        json = text === '' ? undefined : (JSON.parse(text) as unknown);
      } catch {
        json = undefined; // An HTML error page: kept as text.
      }
      return { status: response.status, json, text, retryAfter: response.headers.get('retry-after') };
    } catch (err) {
      return { error: `Jira unreachable: ${err instanceof Error ? err.message : String(err)}` };
    }
  }

  async #run<T>(method: string, path: string, body: unknown, ok: (a: Answer) => T): Promise<JiraResult<T>> {
    const a = await this.#call(method, path, body);
    if ('error' in a) return { kind: 'retryable', error: a.error };
    if (a.status >= 200 && a.status < 300) return { kind: 'delivered', value: ok(a) };
    return failure(a);
  }

  #ref(key: string): JiraIssueRef {
    return { key, url: `${this.#entry.url.replace(/\/$/, '')}/browse/${key}` };
  }

  /** The issue carrying the correlation label, if one exists. */
  async findByLabel(label: string): Promise<JiraResult<JiraIssueRef | undefined>> {
    const jql = `project = ${this.#entry.project} AND labels = "${label}"`;
    return this.#run('POST', '/rest/api/3/search/jql', { jql, fields: ['status'], maxResults: 1 }, (a) => {
      const issues = isRecord(a.json) && Array.isArray(a.json['issues']) ? a.json['issues'] : [];
      const first: unknown = issues[0];
      return isRecord(first) && typeof first['key'] === 'string' ? this.#ref(first['key']) : undefined;
    });
  }

  /** Creates the issue (after `findByLabel` found none). */
  async create(issue: JiraNewIssue): Promise<JiraResult<JiraIssueRef>> {
    const fields = {
      project: { key: this.#entry.project },
      issuetype: { name: this.#entry.issueType },
      summary: issue.summary,
      description: adf(issue.description),
      labels: [issue.label],
      ...(issue.priority === undefined ? {} : { priority: { name: issue.priority } }),
    };
    const created = await this.#run('POST', '/rest/api/3/issue', { fields }, (a) =>
      isRecord(a.json) && typeof a.json['key'] === 'string' ? a.json['key'] : undefined,
    );
    if (created.kind !== 'delivered') return created;
    if (created.value === undefined) return { kind: 'permanent', error: 'Jira created an issue but answered without its key' };
    return { kind: 'delivered', value: this.#ref(created.value) };
  }

  /** Moves the issue through the transition whose target status is in `category`; delivered with false when it has none (already there). */
  async transition(key: string, category: StatusCategory): Promise<JiraResult<boolean>> {
    const list = await this.#run('GET', `/rest/api/3/issue/${encodeURIComponent(key)}/transitions`, undefined, (a) => a.json);
    if (list.kind !== 'delivered') return list;
    const transitions = isRecord(list.value) && Array.isArray(list.value['transitions']) ? list.value['transitions'] : [];
    const id = transitions.flatMap((t: unknown): string[] => {
      if (!isRecord(t) || typeof t['id'] !== 'string' || !isRecord(t['to'])) return [];
      const cat = t['to']['statusCategory'];
      return isRecord(cat) && cat['key'] === category ? [t['id']] : [];
    })[0];
    if (id === undefined) return { kind: 'delivered', value: false };
    return this.#run('POST', `/rest/api/3/issue/${encodeURIComponent(key)}/transitions`, { transition: { id } }, () => true);
  }

  /** Adds an ADF comment. */
  async comment(key: string, text: string): Promise<JiraResult<true>> {
    return this.#run('POST', `/rest/api/3/issue/${encodeURIComponent(key)}/comment`, { body: adf([text]) }, () => true);
  }

  /** Sets the priority by name. */
  async priority(key: string, name: string): Promise<JiraResult<true>> {
    return this.#run('PUT', `/rest/api/3/issue/${encodeURIComponent(key)}`, { fields: { priority: { name } } }, () => true);
  }
}
