/**
 * The ConnectWise PSA (Manage) client of the ticketing sync: Basic auth as
 * `company+publicKey:privateKey` plus the `clientId` header ConnectWise
 * requires, the service-ticket calls the sync needs (find by `externalXRef`,
 * create, move by board status, note, priority, read back, check), each
 * answer classified by http.ts (ConnectWise's `{code, message, errors}` body
 * kept as one line). Status ids differ per board, so a ticket is moved by the
 * statuses of the board it is on, looked up by name and closed flag and kept
 * for the client's life.
 */
import type { ConnectWiseTicketing } from '../engagement/model.js';
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

/** ConnectWise refuses a longer ticket summary. */
export const SUMMARY_MAX = 100;

/** The API member's keys, read from the environment variables the entry names. */
export interface ConnectWiseKeys {
  readonly publicKey: string;
  readonly privateKey: string;
}

/** A board status as `GET /service/boards/{id}/statuses` lists it (the fields the sync reads). */
export interface BoardStatus {
  readonly id: number;
  readonly name: string;
  readonly closedStatus: boolean;
  readonly defaultFlag?: boolean;
  readonly inactive?: boolean;
  /** The board's order of its statuses (the list is not sorted by it). */
  readonly sortOrder?: number;
}

/** The statuses a board moves a ticket to: undefined when the board has none that fits. */
export interface BoardTargets {
  readonly inProgress: BoardStatus | undefined;
  readonly done: BoardStatus | undefined;
}

/** ConnectWise's `{code, message, errors: [{field, message}]}` as one line, or the start of the body. */
export function errorText(a: Answer): string {
  if (isRecord(a.json) && (typeof a.json['message'] === 'string' || typeof a.json['code'] === 'string')) {
    const message = typeof a.json['message'] === 'string' ? a.json['message'] : String(a.json['code']);
    const errors = (Array.isArray(a.json['errors']) ? a.json['errors'] : []).flatMap((e: unknown) =>
      isRecord(e) && typeof e['message'] === 'string'
        ? [typeof e['field'] === 'string' ? `${e['field']}: ${e['message']}` : e['message']]
        : [],
    );
    return `ConnectWise ${a.status}: ${[message, ...errors].join('; ')}`;
  }
  return bodyStart('ConnectWise', a);
}

/** A summary ConnectWise takes: one line, at most 100 characters, cut with an ellipsis and never inside a surrogate pair. */
export function cwSummary(text: string): string {
  const line = text.replace(/\s+/g, ' ').trim();
  if (line.length <= SUMMARY_MAX) return line;
  let cut = line.slice(0, SUMMARY_MAX - 1);
  if (/[\uD800-\uDBFF]$/.test(cut)) cut = cut.slice(0, -1);
  return `${cut.trimEnd()}…`;
}

/** A string value of a `conditions` clause: double-quoted, with quotes and backslashes escaped. */
export function quoted(value: string): string {
  return `"${value.replace(/["\\]/g, '\\$&')}"`;
}

const IN_PROGRESS = /^in[\s_-]*progress$/i;
const DONE_NAMES = /^(closed|resolved)$/i;
const NEW_NAMES = /^new\b/i;

/**
 * Where a board takes a ticket, from its statuses (inactive ones never):
 * in progress is the open status named "In Progress", else the first open
 * status in the board's order that is not its default (new) one; done is a
 * closed status, preferably one named Closed or Resolved.
 */
export function boardTargets(statuses: readonly BoardStatus[]): BoardTargets {
  const order = (s: BoardStatus): number => s.sortOrder ?? Number.MAX_SAFE_INTEGER;
  const active = statuses.filter((s) => s.inactive !== true).sort((a, b) => order(a) - order(b));
  const open = active.filter((s) => !s.closedStatus);
  const closed = active.filter((s) => s.closedStatus);
  const hasDefault = open.some((s) => s.defaultFlag === true);
  const notNew = open.filter((s, i) => (hasDefault ? s.defaultFlag !== true : !NEW_NAMES.test(s.name) && !(i === 0 && open.length > 1)));
  return {
    inProgress: open.find((s) => IN_PROGRESS.test(s.name.trim())) ?? notNew[0],
    done: closed.find((s) => DONE_NAMES.test(s.name.trim())) ?? closed[0],
  };
}

/** Statuses from a list answer (anything else is skipped). */
function statusesOf(list: unknown): BoardStatus[] {
  return (Array.isArray(list) ? list : []).flatMap((s: unknown): BoardStatus[] =>
    isRecord(s) && typeof s['id'] === 'number' && typeof s['name'] === 'string'
      ? [
          {
            id: s['id'],
            name: s['name'],
            closedStatus: s['closedStatus'] === true,
            defaultFlag: s['defaultFlag'] === true,
            inactive: s['inactive'] === true,
            ...(typeof s['sortOrder'] === 'number' ? { sortOrder: s['sortOrder'] } : {}),
          },
        ]
      : [],
  );
}

/** The `{id, name}` of a reference field of a shown record. */
function refOf(record: unknown, field: string): { id: number; name: string } | undefined {
  const ref = isRecord(record) ? record[field] : undefined;
  return isRecord(ref) && typeof ref['id'] === 'number'
    ? { id: ref['id'], name: typeof ref['name'] === 'string' ? ref['name'] : '' }
    : undefined;
}

/** Where a ticket is on its board, and where the board would move it. */
export interface Place {
  readonly status: { readonly id: number; readonly name: string } | undefined;
  readonly state: TicketSnapshot['state'];
  readonly targets: BoardTargets;
}

/**
 * Where a shown ticket is: done when it is closed (its flag, or a closed
 * status), in progress when its status is the board's in-progress one,
 * else open (new, waiting and other statuses).
 */
export function placeOf(ticket: unknown, statuses: readonly BoardStatus[]): Place {
  const status = refOf(ticket, 'status');
  const targets = boardTargets(statuses);
  const closed = (isRecord(ticket) && ticket['closedFlag'] === true) || statuses.some((s) => s.id === status?.id && s.closedStatus);
  const state = closed ? 'done' : status !== undefined && status.id === targets.inProgress?.id ? 'in_progress' : 'open';
  return { status, state, targets };
}

/**
 * Where a person opens ticket `id`: its page in ConnectWise's UI when the API
 * base has the usual `/<release>/apis/3.0` shape (the cloud's `api-` host
 * prefix dropped: api-na.myconnectwise.net serves na.myconnectwise.net), else
 * its API address.
 */
export function ticketUrl(api: string, company: string, id: number): string {
  const base = new URL(api.replace(/\/+$/, ''));
  const release = /^(.*)\/apis\/3\.0$/.exec(base.pathname);
  if (release === null) return `${api.replace(/\/+$/, '')}/service/tickets/${id}`;
  const host = base.host.replace(/^api-/, '');
  const page = `${release[1] ?? ''}/services/system_io/Service/fv_sr100_request.rails`;
  return `${base.protocol}//${host}${page}?service_recid=${id}&companyName=${encodeURIComponent(company)}`;
}

/** The first record of a list answer. */
function first(list: unknown): Record<string, unknown> | undefined {
  const head: unknown = Array.isArray(list) ? list[0] : undefined;
  return isRecord(head) ? head : undefined;
}

/** Talks to one ConnectWise entry's site. */
export class ConnectWiseClient implements TicketClient {
  readonly #entry: ConnectWiseTicketing;
  readonly #headers: Record<string, string>;
  readonly #o: ClientOptions;
  /** Board id -> its statuses, once read (ids differ per board and seldom change). */
  readonly #boards = new Map<number, BoardStatus[]>();

  constructor(entry: ConnectWiseTicketing, keys: ConnectWiseKeys, o: ClientOptions) {
    this.#entry = entry;
    const user = `${entry.auth.company}+${keys.publicKey}`;
    this.#headers = {
      authorization: `Basic ${Buffer.from(`${user}:${keys.privateKey}`).toString('base64')}`,
      clientId: entry.auth.clientId,
    };
    this.#o = o;
  }

  async #run<T>(method: string, path: string, body: unknown, ok: (a: Answer) => T): Promise<CallResult<T>> {
    const init = { method, headers: this.#headers, body, timeoutMs: this.#o.timeoutMs };
    const later = (a: Answer) => retryAfterMs(a.headers.get('retry-after'), this.#o.now());
    return request('ConnectWise', `${this.#api()}${path}`, init, { ok, errorText, later });
  }

  #api(): string {
    return this.#entry.url.replace(/\/+$/, '');
  }

  #ticket(id: number): ExternalTicket {
    return { id: String(id), key: `#${id}`, url: ticketUrl(this.#api(), this.#entry.auth.company, id) };
  }

  async find(ref: string): Promise<CallResult<ExternalTicket | undefined>> {
    const conditions = encodeURIComponent(`externalXRef=${quoted(ref)}`);
    return this.#run('GET', `/service/tickets?conditions=${conditions}&pageSize=1`, undefined, (a) => {
      const id = first(a.json)?.['id'];
      return typeof id === 'number' ? this.#ticket(id) : undefined;
    });
  }

  async create(ticket: NewTicket): Promise<CallResult<ExternalTicket>> {
    const priority = this.#entry.priorities[ticket.priority];
    const body = {
      summary: cwSummary(ticket.summary),
      company: { identifier: this.#entry.company },
      board: { name: this.#entry.board },
      initialDescription: ticket.description.join('\n'),
      externalXRef: ticket.ref,
      ...(priority === undefined ? {} : { priority: { name: priority } }),
    };
    const created = await this.#run('POST', '/service/tickets', body, (a) => (isRecord(a.json) ? a.json['id'] : undefined));
    if (created.kind !== 'delivered') return created;
    if (typeof created.value !== 'number') return { kind: 'permanent', error: 'ConnectWise created a ticket but answered without its id' };
    return { kind: 'delivered', value: this.#ticket(created.value) };
  }

  /** The statuses of a board, read once per client. */
  async #statuses(boardId: number): Promise<CallResult<BoardStatus[]>> {
    const known = this.#boards.get(boardId);
    if (known !== undefined) return { kind: 'delivered', value: known };
    const got = await this.#run('GET', `/service/boards/${boardId}/statuses?pageSize=1000`, undefined, (a) => statusesOf(a.json));
    if (got.kind === 'delivered') this.#boards.set(boardId, got.value);
    return got;
  }

  /** The ticket as ConnectWise shows it, with the statuses of the board it is on (undefined when there is no such ticket). */
  async #located(id: string): Promise<CallResult<{ json: Record<string, unknown>; place: Place } | undefined>> {
    const got = await this.#run('GET', `/service/tickets/${encodeURIComponent(id)}`, undefined, (a) => a.json);
    if (got.kind !== 'delivered')
      return got.kind === 'permanent' && got.error.startsWith('ConnectWise 404') ? { kind: 'delivered', value: undefined } : got;
    const board = refOf(got.value, 'board');
    if (!isRecord(got.value) || board === undefined) return { kind: 'delivered', value: undefined };
    const statuses = await this.#statuses(board.id);
    if (statuses.kind !== 'delivered') return statuses;
    return { kind: 'delivered', value: { json: got.value, place: placeOf(got.value, statuses.value) } };
  }

  /**
   * Sets the ticket's status to its board's in-progress or closed status.
   * Delivered with false when it is already there, when the board has no
   * such status, or when in progress is asked of a closed ticket (a person
   * closed it; the sync does not reopen it). No resolution note is posted:
   * ConnectWise closes without one, and a note the sync did not record would
   * come back through the callback as a person's note.
   */
  async transition(ticket: ExternalTicket, target: TicketTarget): Promise<CallResult<boolean>> {
    const found = await this.#located(ticket.id);
    if (found.kind !== 'delivered') return found;
    if (found.value === undefined) return { kind: 'permanent', error: `ConnectWise 404: ticket ${ticket.id} not found` };
    const { status, state, targets } = found.value.place;
    const to = target === 'done' ? targets.done : targets.inProgress;
    if (to === undefined || to.id === status?.id || (target === 'in_progress' && state === 'done'))
      return { kind: 'delivered', value: false };
    const patch = [{ op: 'replace', path: 'status', value: { id: to.id } }];
    return this.#run('PATCH', `/service/tickets/${encodeURIComponent(ticket.id)}`, patch, () => true);
  }

  async comment(ticket: ExternalTicket, text: string): Promise<CallResult<string | null>> {
    const body = { text, detailDescriptionFlag: true };
    return this.#run('POST', `/service/tickets/${encodeURIComponent(ticket.id)}/notes`, body, (a) =>
      isRecord(a.json) && typeof a.json['id'] === 'number' ? String(a.json['id']) : null,
    );
  }

  async priority(ticket: ExternalTicket, priority: string): Promise<CallResult<boolean>> {
    const name = this.#entry.priorities[priority];
    if (name === undefined) return { kind: 'delivered', value: false };
    const patch = [{ op: 'replace', path: 'priority', value: { name } }];
    return this.#run('PATCH', `/service/tickets/${encodeURIComponent(ticket.id)}`, patch, () => true);
  }

  async read(id: string): Promise<CallResult<TicketSnapshot | undefined>> {
    const found = await this.#located(id);
    if (found.kind !== 'delivered') return found;
    if (found.value === undefined) return { kind: 'delivered', value: undefined };
    const { json, place } = found.value;
    const notes = await this.#run('GET', `/service/tickets/${encodeURIComponent(id)}/notes?pageSize=1000`, undefined, (a) =>
      notesOf(a.json),
    );
    if (notes.kind !== 'delivered') return notes;
    const info = isRecord(json['_info']) ? json['_info'] : {};
    const ticketId = typeof json['id'] === 'number' ? json['id'] : Number(id);
    return {
      kind: 'delivered',
      value: {
        ticket: this.#ticket(ticketId),
        state: place.state,
        status: place.status?.name ?? 'unknown',
        updatedBy: typeof info['updatedBy'] === 'string' ? info['updatedBy'] : null,
        notes: notes.value,
      },
    };
  }

  async check(): Promise<CheckLine[]> {
    const { company, publicKeyEnv, privateKeyEnv, clientId } = this.#entry.auth;
    const info = await this.#run('GET', '/system/info', undefined, (a) => a.json);
    if (info.kind !== 'delivered') {
      const fix = `check auth.company (${company}), auth.clientId, ${publicKeyEnv} and ${privateKeyEnv}`;
      return [{ ok: false, what: 'credentials', detail: `${info.error} (${fix}; clientId ${clientId})` }];
    }
    const version = isRecord(info.value) && typeof info.value['version'] === 'string' ? ` (ConnectWise ${info.value['version']})` : '';
    const lines: CheckLine[] = [{ ok: true, what: 'credentials', detail: `signed in to ${company} as its API member${version}` }];
    lines.push(await this.#checkCompany());
    lines.push(...(await this.#checkBoard()));
    return [...lines, ...(await this.#checkPriorities())];
  }

  async #checkCompany(): Promise<CheckLine> {
    const what = `company ${this.#entry.company}`;
    const conditions = encodeURIComponent(`identifier=${quoted(this.#entry.company)}`);
    const got = await this.#run('GET', `/company/companies?conditions=${conditions}&pageSize=1`, undefined, (a) => first(a.json));
    if (got.kind !== 'delivered') return { ok: false, what, detail: got.error };
    if (got.value === undefined)
      return {
        ok: false,
        what,
        detail: `no company has the identifier ${this.#entry.company} (the entry's company is its identifier, not its name)`,
      };
    return { ok: true, what, detail: `found: ${typeof got.value['name'] === 'string' ? got.value['name'] : this.#entry.company}` };
  }

  async #checkBoard(): Promise<CheckLine[]> {
    const what = `board ${this.#entry.board}`;
    const conditions = encodeURIComponent(`name=${quoted(this.#entry.board)}`);
    const got = await this.#run('GET', `/service/boards?conditions=${conditions}`, undefined, (a) => first(a.json));
    if (got.kind !== 'delivered') return [{ ok: false, what, detail: got.error }];
    const id = got.value?.['id'];
    if (typeof id !== 'number') return [{ ok: false, what, detail: `ConnectWise has no service board named ${this.#entry.board}` }];
    const statuses = await this.#statuses(id);
    if (statuses.kind !== 'delivered')
      return [
        { ok: true, what, detail: 'found' },
        { ok: false, what: 'board statuses', detail: statuses.error },
      ];
    const { inProgress, done } = boardTargets(statuses.value);
    return [
      { ok: true, what, detail: 'found' },
      inProgress === undefined
        ? {
            ok: false,
            what: 'status for in progress',
            detail: 'the board has no open status besides its new one; add one named In Progress',
          }
        : { ok: true, what: 'status for in progress', detail: inProgress.name },
      done === undefined
        ? { ok: false, what: 'status for done', detail: 'the board has no closed status; mark one (Closed) as closed' }
        : { ok: true, what: 'status for done', detail: done.name },
    ];
  }

  async #checkPriorities(): Promise<CheckLine[]> {
    const wanted = [...new Set(Object.values(this.#entry.priorities))];
    if (wanted.length === 0) return [];
    const got = await this.#run('GET', '/service/priorities?pageSize=1000', undefined, (a) =>
      (Array.isArray(a.json) ? a.json : []).flatMap((p: unknown) => (isRecord(p) && typeof p['name'] === 'string' ? [p['name']] : [])),
    );
    if (got.kind !== 'delivered') return [{ ok: false, what: 'priorities', detail: got.error }];
    // ConnectWise matches a reference's name without regard to case.
    const names = new Set(got.value.map((n) => n.toLowerCase()));
    return wanted.map((name) =>
      names.has(name.toLowerCase())
        ? { ok: true, what: `priority ${name}`, detail: 'found' }
        : { ok: false, what: `priority ${name}`, detail: `ConnectWise has no priority named ${name}; it has ${got.value.join(', ')}` },
    );
  }
}

/** Notes from `GET /service/tickets/{id}/notes`, oldest first; the author is the member's name, else who created it. */
function notesOf(list: unknown): TicketSnapshot['notes'] {
  const notes = (Array.isArray(list) ? list : []).flatMap((n: unknown) => {
    if (!isRecord(n) || typeof n['id'] !== 'number') return [];
    const member = isRecord(n['member']) && typeof n['member']['name'] === 'string' ? n['member']['name'] : undefined;
    const author = member ?? (typeof n['createdBy'] === 'string' ? n['createdBy'] : null);
    return [{ n: n['id'], id: String(n['id']), text: typeof n['text'] === 'string' ? n['text'] : '', author }];
  });
  return notes.sort((a, b) => a.n - b.n).map(({ id, text, author }) => ({ id, text, author }));
}
