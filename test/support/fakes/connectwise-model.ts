/**
 * The in-memory ConnectWise Manage service desk the fake keeps (boards with their own statuses, companies,
 * priorities, tickets and notes) and how ConnectWise shows it: references as `{id, name, _info}`, `_info` stamps,
 * `conditions` queries and its error body. Split from the server so each stays readable.
 */

/** A board status; ids differ per board, so a sync must look them up per board. */
export interface CwStatus {
  readonly id: number;
  readonly name: string;
  readonly closedStatus: boolean;
}

/** A service board and its statuses. */
export interface CwBoard {
  readonly id: number;
  readonly name: string;
  readonly statuses: readonly CwStatus[];
}

/** A company (client) tickets are filed under. */
export interface CwCompany {
  readonly id: number;
  readonly identifier: string;
  readonly name: string;
}

/** A named reference (priority, type). */
export interface CwNamed {
  readonly id: number;
  readonly name: string;
}

/** A ticket note. */
export interface CwNote {
  readonly id: number;
  readonly ticketId: number;
  readonly text: string;
  readonly detailDescriptionFlag: boolean;
  readonly internalAnalysisFlag: boolean;
  readonly resolutionFlag: boolean;
  readonly dateCreated: string;
  readonly createdBy: string;
}

/** A service ticket as the fake keeps it. */
export interface CwTicket {
  readonly id: number;
  summary: string;
  board: CwBoard;
  status: CwStatus;
  company: CwCompany;
  priority: CwNamed;
  type: CwNamed | undefined;
  externalXRef: string;
  closedFlag: boolean;
  readonly initialDescription: string;
  readonly notes: CwNote[];
  readonly dateEntered: string;
  readonly enteredBy: string;
  lastUpdated: string;
  updatedBy: string;
}

/** One error of ConnectWise's error body. */
export interface CwFieldError {
  readonly code: string;
  readonly message: string;
  readonly resource: string;
  readonly field: string;
}

/** ConnectWise's error body. */
export function cwError(code: string, message: string, errors?: readonly CwFieldError[]): object {
  return errors === undefined ? { code, message } : { code, message, errors };
}

/** ConnectWise's date-time: ISO 8601 UTC without milliseconds. */
export function cwTime(ms: number): string {
  return `${new Date(ms).toISOString().slice(0, 19)}Z`;
}

/** A ticket as ConnectWise shows it (initialDescription is create-only and not returned). */
export function ticketJson(api: string, t: CwTicket): Record<string, unknown> {
  const ref = (kind: string, r: { id: number; name: string }): object => ({
    id: r.id,
    name: r.name,
    _info: { [`${kind}_href`]: `${api}/${kind}/${r.id}` },
  });
  return {
    id: t.id,
    summary: t.summary,
    recordType: 'ServiceTicket',
    board: ref('service/boards', t.board),
    status: { id: t.status.id, name: t.status.name, _info: { status_href: `${api}/service/boards/${t.board.id}/statuses/${t.status.id}` } },
    company: {
      id: t.company.id,
      identifier: t.company.identifier,
      name: t.company.name,
      _info: { company_href: `${api}/company/companies/${t.company.id}` },
    },
    priority: ref('service/priorities', t.priority),
    ...(t.type === undefined ? {} : { type: ref(`service/boards/${t.board.id}/types`, t.type) }),
    externalXRef: t.externalXRef,
    closedFlag: t.closedFlag,
    _info: {
      lastUpdated: t.lastUpdated,
      updatedBy: t.updatedBy,
      dateEntered: t.dateEntered,
      enteredBy: t.enteredBy,
      notes_href: `${api}/service/tickets/${t.id}/notes`,
    },
  };
}

/** A note as ConnectWise shows it. */
export function noteJson(api: string, n: CwNote): Record<string, unknown> {
  return { ...n, _info: { ticket_href: `${api}/service/tickets/${n.ticketId}` } };
}

/** One `conditions` clause: `path op value`. */
export interface Condition {
  readonly path: string;
  readonly op: '=' | '!=';
  readonly value: string | number | boolean;
}

const CONDITION = /^([A-Za-z]+(?:\/[A-Za-z]+)?)\s*(!=|=)\s*("(?:[^"\\]|\\.)*"|-?\d+|true|false|\S+)$/;

/** Parses `conditions` (clauses joined by `and`); strings must be double-quoted, as ConnectWise requires. */
export function parseConditions(text: string, known: ReadonlySet<string>): { conditions: Condition[] } | { error: string } {
  const conditions: Condition[] = [];
  for (const term of text.split(/\s+and\s+/i).filter((t) => t.trim() !== '')) {
    const m = CONDITION.exec(term.trim());
    if (m === null) return { error: `the fake cannot read condition '${term}' (use path=value joined by 'and')` };
    const [, path = '', op = '=', raw = ''] = m;
    if (!known.has(path)) return { error: `'${path}' is not a field the conditions can filter on here` };
    let value: string | number | boolean;
    if (raw.startsWith('"')) value = raw.slice(1, -1).replace(/\\(.)/g, '$1');
    else if (raw === 'true' || raw === 'false') value = raw === 'true';
    else if (/^-?\d+$/.test(raw)) value = Number(raw);
    else return { error: `the value ${raw} of ${path} must be double-quoted` };
    conditions.push({ path, op: op as Condition['op'], value });
  }
  return { conditions };
}

/** The value at a `a/b` path of a shown record. */
function at(record: Record<string, unknown>, path: string): unknown {
  let value: unknown = record;
  for (const part of path.split('/'))
    value = typeof value === 'object' && value !== null ? (value as Record<string, unknown>)[part] : undefined;
  return value;
}

/** Whether a shown record matches every condition (string comparison is case-insensitive, as in ConnectWise). */
export function meets(record: Record<string, unknown>, conditions: readonly Condition[]): boolean {
  return conditions.every((c) => {
    const v = at(record, c.path);
    const equal = typeof v === 'string' && typeof c.value === 'string' ? v.toLowerCase() === c.value.toLowerCase() : v === c.value;
    return c.op === '=' ? equal : !equal;
  });
}

/** Keeps only the listed top-level fields (`fields=id,status/name` keeps `status`). */
export function pick(record: Record<string, unknown>, fields: string | null): Record<string, unknown> {
  if (fields === null) return record;
  const keep = new Set(fields.split(',').map((f) => f.trim().split('/')[0]));
  return Object.fromEntries(Object.entries(record).filter(([k]) => keep.has(k)));
}
