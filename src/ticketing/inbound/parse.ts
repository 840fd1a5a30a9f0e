/**
 * What a ticketing system's webhook says, read at the door (pure): Jira's
 * admin webhooks (`jira:issue_updated` with a status change, `comment_created`),
 * the ServiceNow business rule's post (docs/ticketing.md has the script), and
 * ConnectWise's ticket callbacks (`Entity` is the ticket as a JSON string; the
 * ticket is read back before anything acts on it). A body that is not what
 * its system sends is refused with every bad field named; a well-formed
 * delivery that changes nothing Tandem follows (an issue's summary edited) is
 * `ignored`, so the system gets its 2xx and does not retry.
 */
import type { TicketingSystem } from '../../engagement/model.js';
import { isRecord } from '../http.js';
import { adfText, stateOfCategory } from '../jira.js';

/** Who made the change in the system. */
export interface InboundActor {
  /** The name people read: "Dana Whitfield". */
  readonly name: string | null;
  /** The login or address the system gives (an email, a user name, an account id): the integration's own user is an echo. */
  readonly login: string | null;
}

/** One change a system reports on one of its tickets, as stored in `ticket_inbound.payload`. */
export interface InboundChange {
  /** The ticket, by the id its API uses (Jira key, ServiceNow sys_id, ConnectWise id). */
  readonly ticketId: string;
  /** What people call it (OPS-7, INC0010001, #1234). */
  readonly ticketKey: string;
  readonly actor: InboundActor;
  /** Where the system says the ticket now is, when the delivery is about its status. */
  readonly state?: 'open' | 'in_progress' | 'done';
  /** The system's name of that status ("In Progress", "Resolved"). */
  readonly status?: string;
  /** Notes added (a comment, a work note), with the system's id when it gives one. */
  readonly notes: ReadonlyArray<{ readonly id: string | null; readonly text: string }>;
  /** ConnectWise: the callback only says the ticket changed; read it back before acting. */
  readonly refetch?: boolean;
}

/** A parsed delivery. */
export type Inbound =
  | { readonly ok: true; readonly kind: 'change'; readonly change: InboundChange }
  | { readonly ok: true; readonly kind: 'ignored'; readonly reason: string }
  | { readonly ok: false; readonly errors: string[] };

const MAX_TEXT = 32_000;

/** Collects field problems while reading a body. */
class Reader {
  readonly errors: string[] = [];
  string(o: Record<string, unknown>, key: string, where: string, required = true): string | undefined {
    const v = o[key];
    if (v === undefined || v === null) {
      if (required) this.errors.push(`'${where}' is required`);
      return undefined;
    }
    if (typeof v === 'number' && Number.isFinite(v)) return String(v);
    if (typeof v !== 'string') {
      this.errors.push(`'${where}' must be a string, not ${Array.isArray(v) ? 'an array' : typeof v}`);
      return undefined;
    }
    if (required && v.trim() === '') this.errors.push(`'${where}' must not be empty`);
    return v;
  }
  object(o: Record<string, unknown>, key: string, where: string, required = true): Record<string, unknown> | undefined {
    const v = o[key];
    if (v === undefined || v === null) {
      if (required) this.errors.push(`'${where}' is required`);
      return undefined;
    }
    if (!isRecord(v)) {
      this.errors.push(`'${where}' must be an object`);
      return undefined;
    }
    return v;
  }
}

const clip = (text: string): string => (text.length > MAX_TEXT ? `${text.slice(0, MAX_TEXT)}…` : text);

function jiraActor(user: Record<string, unknown> | undefined): InboundActor {
  const name = typeof user?.['displayName'] === 'string' ? user['displayName'] : null;
  const email = typeof user?.['emailAddress'] === 'string' ? user['emailAddress'] : null;
  const account = typeof user?.['accountId'] === 'string' ? user['accountId'] : null;
  return { name, login: email ?? account };
}

/** Jira admin webhooks. */
export function parseJira(body: unknown): Inbound {
  if (!isRecord(body)) return { ok: false, errors: ['the body must be a JSON object (a Jira webhook)'] };
  const r = new Reader();
  const event = r.string(body, 'webhookEvent', 'webhookEvent');
  const issue = r.object(body, 'issue', 'issue');
  const key = issue === undefined ? undefined : r.string(issue, 'key', 'issue.key');
  if (r.errors.length > 0 || event === undefined || issue === undefined || key === undefined) return { ok: false, errors: r.errors };
  if (event === 'comment_created') return jiraComment(body, key, r);
  if (event !== 'jira:issue_updated') return { ok: true, kind: 'ignored', reason: `Tandem does not act on ${event}` };
  const changelog = r.object(body, 'changelog', 'changelog', false);
  if (r.errors.length > 0) return { ok: false, errors: r.errors };
  const items = changelog?.['items'];
  if (items !== undefined && !Array.isArray(items)) return { ok: false, errors: [`'changelog.items' must be an array`] };
  const statusItem = (items ?? []).find((i: unknown) => isRecord(i) && i['field'] === 'status');
  if (statusItem === undefined) return { ok: true, kind: 'ignored', reason: 'the update does not change the status' };
  const fields = r.object(issue, 'fields', 'issue.fields', false);
  const status = fields === undefined ? undefined : r.object(fields, 'status', 'issue.fields.status', false);
  const category = isRecord(status?.['statusCategory']) ? status['statusCategory']['key'] : undefined;
  if (r.errors.length > 0) return { ok: false, errors: r.errors };
  // `toString` is a key of Jira's changelog item, and a method of every object: only an own string counts.
  const itemName = isRecord(statusItem) && Object.hasOwn(statusItem, 'toString') ? statusItem['toString'] : undefined;
  const name = typeof status?.['name'] === 'string' ? status['name'] : typeof itemName === 'string' ? itemName : '';
  const change: InboundChange = {
    ticketId: key,
    ticketKey: key,
    actor: jiraActor(r.object(body, 'user', 'user', false)),
    notes: [],
    status: name,
    // Without the status category in the body, the issue is read back.
    ...(category === undefined ? { refetch: true } : { state: stateOfCategory(category) }),
  };
  return r.errors.length > 0 ? { ok: false, errors: r.errors } : { ok: true, kind: 'change', change };
}

function jiraComment(body: Record<string, unknown>, key: string, r: Reader): Inbound {
  const comment = r.object(body, 'comment', 'comment');
  const id = comment === undefined ? undefined : r.string(comment, 'id', 'comment.id');
  const raw = comment?.['body'];
  if (comment !== undefined && typeof raw !== 'string' && !isRecord(raw))
    r.errors.push(`'comment.body' must be a string or an ADF document`);
  if (r.errors.length > 0 || id === undefined) return { ok: false, errors: r.errors };
  const text = adfText(raw).trim();
  if (text === '') return { ok: true, kind: 'ignored', reason: 'the comment is empty' };
  const author = r.object(comment ?? {}, 'author', 'comment.author', false) ?? r.object(body, 'user', 'user', false);
  if (r.errors.length > 0) return { ok: false, errors: r.errors };
  return {
    ok: true,
    kind: 'change',
    change: { ticketId: key, ticketKey: key, actor: jiraActor(author), notes: [{ id, text: clip(text) }] },
  };
}

/** ServiceNow incident `state` values and where they put a ticket. */
const SNOW_STATES: Readonly<Record<string, { state: 'open' | 'in_progress' | 'done'; name: string }>> = {
  '1': { state: 'open', name: 'New' },
  '2': { state: 'in_progress', name: 'In Progress' },
  '3': { state: 'open', name: 'On Hold' },
  '6': { state: 'done', name: 'Resolved' },
  '7': { state: 'done', name: 'Closed' },
  '8': { state: 'done', name: 'Canceled' },
};

/** The ServiceNow business rule's post (docs/ticketing.md). */
export function parseServiceNow(body: unknown): Inbound {
  if (!isRecord(body)) return { ok: false, errors: ['the body must be a JSON object (the Tandem business rule posts one)'] };
  const r = new Reader();
  const sysId = r.string(body, 'sys_id', 'sys_id');
  if (sysId !== undefined && !/^[0-9a-f]{32}$/.test(sysId))
    r.errors.push(`'sys_id' must be 32 hexadecimal characters (an incident's sys_id)`);
  const number = r.string(body, 'number', 'number');
  const stateValue = r.string(body, 'state', 'state', false);
  // Own keys only: "toString" or "__proto__" is not an incident state.
  const known = stateValue === undefined || !Object.hasOwn(SNOW_STATES, stateValue) ? undefined : SNOW_STATES[stateValue];
  if (stateValue !== undefined && known === undefined)
    r.errors.push(`'state' must be one of ${Object.keys(SNOW_STATES).join(', ')} (incident states), not "${stateValue}"`);
  const workNotes = r.string(body, 'work_notes', 'work_notes', false);
  const comments = r.string(body, 'comments', 'comments', false);
  const login = r.string(body, 'sys_updated_by', 'sys_updated_by');
  const name = r.string(body, 'updated_by_name', 'updated_by_name', false);
  if (r.errors.length > 0 || sysId === undefined || number === undefined) return { ok: false, errors: r.errors };
  const notes = [workNotes, comments].flatMap((t) => (t === undefined || t.trim() === '' ? [] : [{ id: null, text: clip(t.trim()) }]));
  if (known === undefined && notes.length === 0) return { ok: true, kind: 'ignored', reason: 'neither a state nor a note' };
  const change: InboundChange = {
    ticketId: sysId,
    ticketKey: number,
    actor: { name: name === undefined || name === '' ? (login ?? null) : name, login: login ?? null },
    notes,
    ...(known === undefined ? {} : { state: known.state, status: known.name }),
  };
  return { ok: true, kind: 'change', change };
}

/** A ConnectWise callback: `Entity` is the ticket as a JSON string; the ticket is read back before acting. */
export function parseConnectWise(body: unknown): Inbound {
  if (!isRecord(body)) return { ok: false, errors: ['the body must be a JSON object (a ConnectWise callback)'] };
  const r = new Reader();
  const type = r.string(body, 'Type', 'Type');
  const action = r.string(body, 'Action', 'Action');
  const id = body['ID'];
  if (!(typeof id === 'number' && Number.isSafeInteger(id) && id > 0) && !(typeof id === 'string' && /^[1-9][0-9]{0,15}$/.test(id)))
    r.errors.push(`'ID' must be the ticket's id (a positive integer)`);
  if (action !== undefined && !['added', 'updated', 'deleted'].includes(action))
    r.errors.push(`'Action' must be added, updated or deleted, not "${action}"`);
  const entity = body['Entity'];
  let member: string | null = null;
  if (entity !== undefined && entity !== null) {
    if (typeof entity !== 'string') r.errors.push(`'Entity' must be the ticket as a JSON string`);
    else {
      const parsed = parseEntity(entity);
      if (parsed === undefined) r.errors.push(`'Entity' must be the ticket as a JSON string; it is not valid JSON`);
      else member = parsed === '' ? null : parsed;
    }
  }
  if (r.errors.length > 0 || type === undefined || action === undefined) return { ok: false, errors: r.errors };
  if (type.toLowerCase() !== 'ticket') return { ok: true, kind: 'ignored', reason: `Tandem follows ticket callbacks, not ${type}` };
  if (action === 'deleted') return { ok: true, kind: 'ignored', reason: 'a deleted ticket changes nothing in Tandem' };
  const ticketId = String(id);
  return {
    ok: true,
    kind: 'change',
    change: { ticketId, ticketKey: `#${ticketId}`, actor: { name: member, login: member }, notes: [], refetch: true },
  };
}

/** The member who last updated the ticket, from the Entity string ('' when it does not say); undefined when it is not JSON. */
function parseEntity(entity: string): string | undefined {
  let value: unknown;
  try {
    value = JSON.parse(entity);
  } catch {
    return undefined;
  }
  if (!isRecord(value)) return undefined;
  const info = value['_info'];
  return isRecord(info) && typeof info['updatedBy'] === 'string' ? info['updatedBy'] : '';
}

/** Reads a delivery of the entry's system. */
export function parseInbound(system: TicketingSystem, body: unknown): Inbound {
  switch (system) {
    case 'jira':
      return parseJira(body);
    case 'servicenow':
      return parseServiceNow(body);
    case 'connectwise':
      return parseConnectWise(body);
  }
}
