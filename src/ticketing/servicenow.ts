/**
 * The ServiceNow client of the ticketing sync: the Table API with Basic auth
 * of an integration user. A ticket is an incident carrying correlation_id
 * `tandem:<ref>` (found again by it after a crash), assigned to the entry's
 * group by the group's sys_id (looked up by name in sys_user_group: a
 * reference field takes a sys_id). Priority is set through impact and urgency
 * (`priority` is derived by the instance's lookup rules and read-only);
 * resolving fills the mandatory close_code and close_notes; notes are work
 * notes, read back from sys_journal_field. Answers are classified by http.ts
 * with ServiceNow's error envelope kept as one line, and a 429 without
 * Retry-After waits until its X-RateLimit-Reset.
 */
import type { ServiceNowTicketing } from '../engagement/model.js';
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

const INCIDENT = '/api/now/table/incident';
const JOURNAL = '/api/now/table/sys_journal_field';

/** The resolution code written when Tandem resolves an incident (a stock choice of close_code). */
export const CLOSE_CODE = 'Solution provided';

/** The close_notes written when the resolving note is empty (close_notes is mandatory). */
const DEFAULT_CLOSE_NOTES = 'Resolved in Tandem';

/** short_description's length on a stock instance; longer text would be cut by the instance anyway. */
const SHORT_DESCRIPTION_MAX = 160;

/** The correlation_id that finds the incident again after a crash between creating and recording it. */
export function snowCorrelationId(ref: string): string {
  return `tandem:${ref}`;
}

/** An impact and urgency pair ("1" high .. "3" low). */
export interface ImpactUrgency {
  readonly impact: string;
  readonly urgency: string;
}

/** The pair that gives each ServiceNow priority under the stock lookup rules (impact + urgency - 1). */
const PAIRS: Readonly<Record<string, ImpactUrgency>> = {
  '1': { impact: '1', urgency: '1' },
  '2': { impact: '1', urgency: '2' },
  '3': { impact: '2', urgency: '2' },
  '4': { impact: '3', urgency: '2' },
  '5': { impact: '3', urgency: '3' },
};

/** The ServiceNow priority of a Tandem priority when the entry maps none. */
const DEFAULT_LEVEL: Readonly<Record<string, string>> = { P1: '1', P2: '2', P3: '3', P4: '4', P5: '5' };

const LEVEL_NAMES: Readonly<Record<string, string>> = { critical: '1', high: '2', moderate: '3', low: '4', planning: '5' };
const LEVEL_LABELS: Readonly<Record<string, string>> = { '1': 'Critical', '2': 'High', '3': 'Moderate', '4': 'Low', '5': 'Planning' };

/** The ServiceNow priority ("1".."5") a mapped value names: "1", "1 - Critical" or "Critical"; undefined otherwise. */
export function snowPriority(value: string): string | undefined {
  const numbered = /^\s*([1-5])\s*(?:-.*)?$/.exec(value);
  if (numbered !== null) return numbered[1];
  return LEVEL_NAMES[value.trim().toLowerCase()];
}

/**
 * The impact and urgency for a Tandem priority: the ServiceNow priority the
 * entry maps it to, else P1..P5 as 1..5; undefined when the entry maps it to
 * something that is not a ServiceNow priority, or it is neither mapped nor P1..P5.
 */
export function impactUrgency(priorities: Readonly<Record<string, string>>, tandem: string): ImpactUrgency | undefined {
  const mapped = priorities[tandem];
  const level = mapped === undefined ? DEFAULT_LEVEL[tandem] : snowPriority(mapped);
  return level === undefined ? undefined : PAIRS[level];
}

/** Where an incident state puts a ticket: 2 In Progress; 6 Resolved, 7 Closed, 8 Canceled done; New, On Hold and others open. */
export function stateOf(state: string): TicketSnapshot['state'] {
  if (state === '2') return 'in_progress';
  return state === '6' || state === '7' || state === '8' ? 'done' : 'open';
}

/** Whether an incident in `state` moves to `target`: to in progress from New or On Hold only; to done unless already done. */
export function moves(state: string, target: TicketTarget): boolean {
  return target === 'in_progress' ? state === '1' || state === '3' : stateOf(state) !== 'done';
}

/** When to come back after a failed answer: Retry-After, else (on a 429) the X-RateLimit-Reset instant in unix seconds. */
export function snowRetryAfterMs(status: number, headers: Headers, now: number): number | undefined {
  const after = retryAfterMs(headers.get('retry-after'), now);
  if (after !== undefined || status !== 429) return after;
  const reset = Number(headers.get('x-ratelimit-reset') ?? '');
  return Number.isFinite(reset) && reset > 0 ? Math.max(0, reset * 1000 - now) : undefined;
}

/** ServiceNow's `{error: {message, detail}, status: "failure"}` as one line, or the start of the body. */
function errorText(a: Answer): string {
  const error = isRecord(a.json) ? a.json['error'] : undefined;
  if (isRecord(error)) {
    const parts = [error['message'], error['detail']].filter((p): p is string => typeof p === 'string' && p.trim() !== '');
    if (parts.length > 0) return `ServiceNow ${a.status}: ${parts.join(': ').replace(/\s+/g, ' ').trim()}`;
  }
  return bodyStart('ServiceNow', a);
}

/** A field's value whether shown plain, as a reference `{link, value}` or with display values `{display_value, value}`. */
function valueOf(field: unknown): string {
  if (typeof field === 'string') return field;
  return isRecord(field) && typeof field['value'] === 'string' ? field['value'] : '';
}

/** The `result` of an answer as a list of records. */
function rows(a: Answer): Record<string, unknown>[] {
  const result = isRecord(a.json) ? a.json['result'] : undefined;
  return Array.isArray(result) ? result.filter(isRecord) : [];
}

/** The `result` of an answer as one record. */
function record(a: Answer): Record<string, unknown> | undefined {
  const result = isRecord(a.json) ? a.json['result'] : undefined;
  return isRecord(result) ? result : undefined;
}

/** Talks to one ServiceNow entry's instance. */
export class ServiceNowClient implements TicketClient {
  readonly #entry: ServiceNowTicketing;
  readonly #authorization: string;
  readonly #o: ClientOptions;

  /** `password`: the integration user's password, read from the env variable the entry names. */
  constructor(entry: ServiceNowTicketing, password: string, o: ClientOptions) {
    this.#entry = entry;
    this.#authorization = `Basic ${Buffer.from(`${entry.auth.user}:${password}`).toString('base64')}`;
    this.#o = o;
  }

  get #base(): string {
    return this.#entry.url.replace(/\/$/, '');
  }

  async #run<T>(
    method: string,
    path: string,
    query: Readonly<Record<string, string>>,
    body: unknown,
    ok: (a: Answer) => T,
  ): Promise<CallResult<T>> {
    const search = new URLSearchParams(query).toString();
    const url = `${this.#base}${path}${search === '' ? '' : `?${search}`}`;
    const init = { method, headers: { authorization: this.#authorization }, body, timeoutMs: this.#o.timeoutMs };
    return request('ServiceNow', url, init, { ok, errorText, later: (a) => snowRetryAfterMs(a.status, a.headers, this.#o.now()) });
  }

  #ticket(row: Record<string, unknown> | undefined): ExternalTicket | undefined {
    const sysId = valueOf(row?.['sys_id']);
    const number = valueOf(row?.['number']);
    if (sysId === '' || number === '') return undefined;
    return { id: sysId, key: number, url: `${this.#base}/nav_to.do?uri=incident.do?sys_id=${encodeURIComponent(sysId)}` };
  }

  #path(sysId: string): string {
    return `${INCIDENT}/${encodeURIComponent(sysId)}`;
  }

  /** The sys_id of the entry's assignment group, undefined when the instance has no group of that name. */
  async #groupId(): Promise<CallResult<string | undefined>> {
    const name = this.#entry.assignmentGroup;
    // An encoded query has no escape for '^' (its clause separator): such a name cannot be looked up.
    if (name.includes('^'))
      return { kind: 'permanent', error: `assignment_group '${name}' contains '^', which a ServiceNow query cannot match` };
    const query = { sysparm_query: `name=${name}`, sysparm_fields: 'sys_id,name', sysparm_limit: '1' };
    return this.#run('GET', '/api/now/table/sys_user_group', query, undefined, (a) => valueOf(rows(a)[0]?.['sys_id']) || undefined);
  }

  async find(ref: string): Promise<CallResult<ExternalTicket | undefined>> {
    const query = { sysparm_query: `correlation_id=${snowCorrelationId(ref)}`, sysparm_fields: 'sys_id,number', sysparm_limit: '1' };
    return this.#run('GET', INCIDENT, query, undefined, (a) => this.#ticket(rows(a)[0]));
  }

  async create(ticket: NewTicket): Promise<CallResult<ExternalTicket>> {
    const group = await this.#groupId();
    if (group.kind !== 'delivered') return group;
    if (group.value === undefined) {
      const name = this.#entry.assignmentGroup;
      return { kind: 'permanent', error: `ServiceNow has no assignment group named '${name}' (check assignment_group)` };
    }
    const body = {
      short_description: ticket.summary.slice(0, SHORT_DESCRIPTION_MAX),
      description: ticket.description.join('\n'),
      correlation_id: snowCorrelationId(ticket.ref),
      correlation_display: 'Tandem',
      assignment_group: group.value,
      ...impactUrgency(this.#entry.priorities, ticket.priority),
    };
    const created = await this.#run('POST', INCIDENT, { sysparm_fields: 'sys_id,number' }, body, (a) => this.#ticket(record(a)));
    if (created.kind !== 'delivered') return created;
    if (created.value === undefined)
      return { kind: 'permanent', error: 'ServiceNow created an incident but answered without its sys_id and number' };
    return { kind: 'delivered', value: created.value };
  }

  /** Reads the state first: delivered false when the incident is already there or past it (done is not reopened). */
  async transition(ticket: ExternalTicket, target: TicketTarget, note: string): Promise<CallResult<boolean>> {
    const current = await this.#run('GET', this.#path(ticket.id), { sysparm_fields: 'state' }, undefined, (a) =>
      valueOf(record(a)?.['state']),
    );
    if (current.kind !== 'delivered') return current;
    if (!moves(current.value, target)) return { kind: 'delivered', value: false };
    const body =
      target === 'in_progress'
        ? { state: '2' }
        : { state: '6', close_code: CLOSE_CODE, close_notes: note.trim() === '' ? DEFAULT_CLOSE_NOTES : note };
    return this.#run('PATCH', this.#path(ticket.id), { sysparm_fields: 'state' }, body, () => true);
  }

  /** A work note (internal, not shown to the caller); the answer does not give the journal entry's id. */
  async comment(ticket: ExternalTicket, text: string): Promise<CallResult<string | null>> {
    return this.#run('PATCH', this.#path(ticket.id), { sysparm_fields: 'sys_id' }, { work_notes: text }, () => null);
  }

  async priority(ticket: ExternalTicket, priority: string): Promise<CallResult<boolean>> {
    const pair = impactUrgency(this.#entry.priorities, priority);
    if (pair === undefined) return { kind: 'delivered', value: false };
    return this.#run('PATCH', this.#path(ticket.id), { sysparm_fields: 'sys_id' }, { ...pair }, () => true);
  }

  async read(id: string): Promise<CallResult<TicketSnapshot | undefined>> {
    const query = { sysparm_fields: 'sys_id,number,state,sys_updated_by', sysparm_display_value: 'all' };
    const got = await this.#run('GET', this.#path(id), query, undefined, record);
    if (got.kind !== 'delivered')
      return got.kind === 'permanent' && got.error.startsWith('ServiceNow 404') ? { kind: 'delivered', value: undefined } : got;
    const ticket = this.#ticket(got.value);
    if (got.value === undefined || ticket === undefined) return { kind: 'delivered', value: undefined };
    const notes = await this.#notes(ticket.id);
    if (notes.kind !== 'delivered') return notes;
    const state = got.value['state'];
    const updatedBy = valueOf(got.value['sys_updated_by']);
    return {
      kind: 'delivered',
      value: {
        ticket,
        state: stateOf(valueOf(state)),
        status: isRecord(state) && typeof state['display_value'] === 'string' ? state['display_value'] : valueOf(state),
        updatedBy: updatedBy === '' ? null : updatedBy,
        notes: notes.value,
      },
    };
  }

  /** The incident's work notes and comments, oldest first. */
  async #notes(sysId: string): Promise<CallResult<TicketSnapshot['notes']>> {
    const query = {
      sysparm_query: `element_id=${sysId}^elementINwork_notes,comments^ORDERBYsys_created_on`,
      sysparm_fields: 'sys_id,value,sys_created_by',
    };
    return this.#run('GET', JOURNAL, query, undefined, (a) =>
      rows(a).map((j) => {
        const author = valueOf(j['sys_created_by']);
        return { id: valueOf(j['sys_id']), text: valueOf(j['value']), author: author === '' ? null : author };
      }),
    );
  }

  async check(): Promise<CheckLine[]> {
    const credentials = await this.#checkCredentials();
    if (!credentials.ok) return [credentials];
    const incident = await this.#run('GET', INCIDENT, { sysparm_fields: 'sys_id', sysparm_limit: '1' }, undefined, () => true);
    const lines: CheckLine[] = [
      credentials,
      incident.kind === 'delivered'
        ? { ok: true, what: 'incident table', detail: 'readable' }
        : { ok: false, what: 'incident table', detail: `${incident.error} (the integration user needs the itil role)` },
    ];
    const name = this.#entry.assignmentGroup;
    const group = await this.#groupId();
    if (group.kind !== 'delivered') lines.push({ ok: false, what: `assignment group ${name}`, detail: group.error });
    else if (group.value === undefined)
      lines.push({ ok: false, what: `assignment group ${name}`, detail: `no sys_user_group is named '${name}'; check assignment_group` });
    else lines.push({ ok: true, what: `assignment group ${name}`, detail: `found (sys_id ${group.value})` });
    return [...lines, ...(await this.#checkChoices()), ...this.#checkPriorities()];
  }

  /** A 401 fails the credentials; a user who may not read sys_user is still signed in. */
  async #checkCredentials(): Promise<CheckLine> {
    const user = this.#entry.auth.user;
    const query = { sysparm_query: `user_name=${user}`, sysparm_fields: 'user_name,name', sysparm_limit: '1' };
    const me = await this.#run('GET', '/api/now/table/sys_user', query, undefined, (a) => rows(a)[0]);
    if (me.kind === 'delivered') {
      const name = valueOf(me.value?.['name']);
      return { ok: true, what: 'credentials', detail: name === '' ? `signed in as ${user}` : `signed in as ${name} (${user})` };
    }
    if (me.kind === 'permanent' && me.error.startsWith('ServiceNow 403'))
      return { ok: true, what: 'credentials', detail: `signed in as ${user} (it may not read sys_user)` };
    return { ok: false, what: 'credentials', detail: `${me.error} (check auth.user and ${this.#entry.auth.passwordEnv})` };
  }

  /** The state and resolution code choices the sync writes, when the user may read sys_choice (often it may not). */
  async #checkChoices(): Promise<CheckLine[]> {
    const query = { sysparm_query: 'name=incident^elementINstate,close_code^inactive=false', sysparm_fields: 'element,value' };
    const got = await this.#run('GET', '/api/now/table/sys_choice', query, undefined, rows);
    if (got.kind !== 'delivered' || got.value.length === 0) {
      const why = got.kind === 'delivered' ? 'no rows visible' : got.error;
      return [{ ok: true, what: 'incident choices', detail: `not checked: the user cannot read sys_choice (${why})` }];
    }
    const of = (element: string): string[] => got.value.filter((c) => valueOf(c['element']) === element).map((c) => valueOf(c['value']));
    const states = of('state');
    const codes = of('close_code');
    const missingStates = ['2', '6'].filter((s) => !states.includes(s));
    return [
      missingStates.length === 0
        ? { ok: true, what: 'incident states', detail: 'In Progress (2) and Resolved (6) exist' }
        : { ok: false, what: 'incident states', detail: `state ${missingStates.join(' and ')} is not a choice; the sync writes 2 and 6` },
      codes.includes(CLOSE_CODE)
        ? { ok: true, what: `resolution code ${CLOSE_CODE}`, detail: 'exists' }
        : {
            ok: false,
            what: `resolution code ${CLOSE_CODE}`,
            detail: `not a close_code choice; the instance has ${codes.join(', ') || 'none'}`,
          },
    ];
  }

  /** Each mapped priority names a ServiceNow priority. */
  #checkPriorities(): CheckLine[] {
    return Object.entries(this.#entry.priorities).map(([tandem, value]) => {
      const level = snowPriority(value);
      const pair = level === undefined ? undefined : PAIRS[level];
      return level === undefined || pair === undefined
        ? { ok: false, what: `priority ${tandem}`, detail: `'${value}' is not a ServiceNow priority; write 1..5 or e.g. "1 - Critical"` }
        : {
            ok: true,
            what: `priority ${tandem}`,
            detail: `${level} - ${LEVEL_LABELS[level] ?? ''} (impact ${pair.impact}, urgency ${pair.urgency})`,
          };
    });
  }
}
