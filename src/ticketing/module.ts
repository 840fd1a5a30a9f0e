/**
 * The ticketing sync as an engine module: each step claims due operations
 * from the `ticket_ops` outbox with a lease (per ticket, in order), runs them
 * against the entry's system (client.ts), and records what happened: the ticket's
 * key, link and state, or a retry with backoff and jitter (honouring
 * Retry-After, 0 included), or a permanent error shown on the ticket row.
 */
import type { TicketOpRow, TicketRow } from '../db/schema.js';
import type { Executor } from '../db/executor.js';
import { readStoredJson } from '../db/json.js';
import type { EngineContext, EngineModule } from '../engine/engine.js';
import { engineTransaction } from '../engine/engine.js';
import type { Ticketing } from '../engagement/model.js';
import { incidentPrefix } from '../deployment/deployment.js';
import { getIncidentAnywhere } from '../incident/store.js';
import type { CallResult, ExternalTicket, NewTicket, TicketClient } from './client.js';
import { clientFor } from './clients.js';
import { commentText, descriptionLines, landedNote, retryAt, summary, unansweredWait } from './plan.js';
import type { TicketOp } from './plan.js';
import { markSeen } from './inbound/store.js';
import { claimDueOps, deliveredCommentsBefore, nextDueOp, recordOp, ticketById, updateTicket } from './store.js';

/** What the module needs besides the engine's context. */
export interface TicketingOptions {
  /** A secret by the environment variable name an entry gives (read through settings, never here). */
  readonly secret: (name: string) => string | undefined;
  readonly publicUrl: string;
  /** One call's timeout. */
  readonly timeoutMs?: number;
  readonly leaseMs?: number;
  readonly claimLimit?: number;
  /** Operations in flight at once (each on a different ticket). */
  readonly concurrency?: number;
  /** Attempts before a retryable failure is given up on. */
  readonly maxAttempts?: number;
  /** In [0, 1): the backoff's jitter. */
  readonly random?: () => number;
}

/** An operation's outcome: the ticket's new fields and the id of a note it created, when it delivered. */
type TicketFields = Partial<Pick<TicketRow, 'external_id' | 'external_key' | 'external_url' | 'state'>>;
/** `seen`: notes the system made with the ticket itself (ConnectWise's initial description), never a person's note. */
type Outcome = CallResult<{
  readonly ticket: TicketFields;
  readonly ref?: string | null;
  readonly seen?: { readonly ticketingId: string; readonly ids: readonly string[] };
}>;

function parseOp(row: TicketOpRow): TicketOp {
  const value = readStoredJson(row.payload);
  if (typeof value === 'object' && value !== null && 'kind' in value && value.kind === row.kind) {
    // 0007 stored a transition's Jira status category; read it as the target it meant.
    if (value.kind === 'transition' && 'category' in value && !('target' in value))
      return { kind: 'transition', target: value.category === 'done' ? 'done' : 'in_progress' };
    return value as TicketOp;
  }
  throw new Error(`ticket_ops ${row.id}: payload does not match kind ${row.kind}`);
}

/** The ticket's entry and a client for it, or why there is none. */
function clientOf(ctx: EngineContext, o: TicketingOptions, ticket: TicketRow): { entry: Ticketing; client: TicketClient } | string {
  const entry = ctx.deployment.engagement(ticket.engagement_id)?.ticketing.find((t) => t.id === ticket.ticketing_id);
  if (entry === undefined) return `ticketing entry '${ticket.ticketing_id}' is no longer in the engagement`;
  const client = clientFor(entry, { secret: o.secret, timeoutMs: o.timeoutMs ?? 10_000, now: () => ctx.clock.now() });
  return typeof client === 'string' ? client : { entry, client };
}

const delivered = (ticket: TicketFields, ref?: string | null): Outcome => ({
  kind: 'delivered',
  value: { ticket, ...(ref === undefined ? {} : { ref }) },
});

/** What the ticket is made from: the incident as it is now. */
async function contentOf(ctx: EngineContext, o: TicketingOptions, ticket: TicketRow): Promise<NewTicket | undefined> {
  const engagement = ctx.deployment.engagement(ticket.engagement_id);
  const incident = await getIncidentAnywhere(ctx.database.db, ticket.incident_id);
  if (engagement === undefined || incident === undefined) return undefined;
  const ref = `${incidentPrefix(engagement.id)}-${incident.number}`;
  const service = engagement.services.find((s) => s.id === incident.service_id);
  const side = incident.side === 'internal' || incident.side === 'partner' ? engagement.sides[incident.side].name : 'unknown';
  const content = {
    ref,
    title: incident.title,
    service: service?.name ?? incident.service_id,
    priority: incident.priority,
    owner: side,
    link: `${o.publicUrl}/incidents/${incident.number}`,
  };
  return { ref, summary: summary(content), description: descriptionLines(content), priority: incident.priority };
}

/**
 * Finds the ticket by its correlation id (a crash may have created it
 * unrecorded), else creates it. ConnectWise files the initial description as
 * the ticket's first note: the notes it has now are read and remembered, so
 * a callback never takes them for a person's.
 */
async function create(ctx: EngineContext, o: TicketingOptions, ticket: TicketRow, client: TicketClient): Promise<Outcome> {
  const content = await contentOf(ctx, o, ticket);
  if (content === undefined) return { kind: 'permanent', error: 'the incident or its engagement is gone' };
  const found = await client.find(content.ref);
  if (found.kind !== 'delivered') return found;
  const made = found.value === undefined ? await client.create(content) : ({ kind: 'delivered', value: found.value } as const);
  if (made.kind !== 'delivered') return made;
  const fields = { external_id: made.value.id, external_key: made.value.key, external_url: made.value.url, state: 'open' };
  if (ticket.system !== 'connectwise') return delivered(fields);
  const read = await client.read(made.value.id);
  if (read.kind !== 'delivered') return read;
  return {
    kind: 'delivered',
    value: { ticket: fields, seen: { ticketingId: ticket.ticketing_id, ids: read.value?.notes.map((n) => n.id) ?? [] } },
  };
}

/**
 * Adds a note. A retry first reads the ticket's notes: an earlier attempt may
 * have landed with its answer lost (a timeout), and the note must not appear
 * twice; the same text written twice on purpose still is (plan.ts landedNote).
 */
async function comment(ctx: EngineContext, client: TicketClient, ticket: ExternalTicket, row: TicketOpRow, text: string): Promise<Outcome> {
  if (row.attempts > 1) {
    const read = await client.read(ticket.id);
    if (read.kind !== 'delivered') return read;
    const earlier = await deliveredCommentsBefore(ctx.database.db, row.ticket_id, row.id);
    const same = earlier.filter((e) => {
      const op = readStoredJson(e.payload);
      return typeof op === 'object' && op !== null && 'text' in op && commentText(op as { text: string; author: string | null }) === text;
    });
    const ids = new Set(same.flatMap((e) => (e.external_ref === null ? [] : [e.external_ref])));
    const landed = landedNote(read.value?.notes ?? [], text, { count: same.length, ids });
    if (landed !== undefined) return delivered({}, landed.id);
  }
  const done = await client.comment(ticket, text);
  return done.kind === 'delivered' ? delivered({}, done.value) : done;
}

/** Runs one operation. */
async function run(ctx: EngineContext, o: TicketingOptions, row: TicketOpRow): Promise<Outcome> {
  const ticket = await ticketById(ctx.database.db, row.ticket_id);
  if (ticket === undefined) return { kind: 'permanent', error: `ticket ${row.ticket_id} is gone` };
  const target = clientOf(ctx, o, ticket);
  if (typeof target === 'string') return { kind: 'permanent', error: target };
  const op = parseOp(row);
  if (op.kind === 'create') return create(ctx, o, ticket, target.client);
  if (ticket.external_key === null) return { kind: 'permanent', error: 'the ticket was never created' };
  const external = { id: ticket.external_id ?? ticket.external_key, key: ticket.external_key, url: ticket.external_url ?? '' };
  switch (op.kind) {
    case 'transition': {
      const moved = await target.client.transition(external, op.target, 'Resolved in Tandem');
      return moved.kind === 'delivered' ? delivered({ state: op.target }) : moved;
    }
    case 'comment':
      return comment(ctx, target.client, external, row, commentText(op));
    case 'priority': {
      const done = await target.client.priority(external, op.priority);
      return done.kind === 'delivered' ? delivered({}) : done;
    }
  }
}

/** Writes an operation's outcome and the ticket's new state, if this instance still holds the operation. */
async function record(ex: Executor, ctx: EngineContext, o: TicketingOptions, row: TicketOpRow, outcome: Outcome): Promise<void> {
  const at = ctx.clock.now();
  if (outcome.kind === 'delivered') {
    const ref = outcome.value.ref === undefined ? {} : { externalRef: outcome.value.ref };
    if (!(await recordOp(ex, ctx.instanceId, row.id, { status: 'done', lastError: null, at, ...ref }))) return;
    await updateTicket(ex, row.ticket_id, { ...outcome.value.ticket, last_error: null, updated_at: at });
    const seen = outcome.value.seen;
    for (const id of seen?.ids ?? [])
      await markSeen(ex, { engagementId: row.engagement_id, ticketingId: seen?.ticketingId ?? '', key: `note:${id}`, at });
    return;
  }
  const giveUp = outcome.kind === 'permanent' || row.attempts >= (o.maxAttempts ?? 20);
  const next = giveUp
    ? undefined
    : retryAt(
        at,
        row.attempts,
        outcome.kind === 'retryable' ? outcome.retryAfterMs : undefined,
        (o.random ?? Math.random)(),
        outcome.kind === 'retryable' && outcome.unanswered === true ? unansweredWait(o.timeoutMs ?? 10_000) : undefined,
      );
  const held = await recordOp(ex, ctx.instanceId, row.id, {
    status: giveUp ? 'failed' : 'pending',
    lastError: outcome.error,
    at,
    ...(next === undefined ? {} : { nextAttemptAt: next }),
  });
  if (!held) return;
  await updateTicket(ex, row.ticket_id, {
    last_error: outcome.error,
    updated_at: at,
    ...(giveUp && row.kind === 'create' ? { state: 'failed' } : {}),
  });
}

/** Runs one claimed operation and records its outcome. */
async function work(ctx: EngineContext, o: TicketingOptions, row: TicketOpRow): Promise<void> {
  let outcome: Outcome;
  try {
    outcome = await run(ctx, o, row);
  } catch (err) {
    outcome = { kind: 'permanent', error: err instanceof Error ? err.message : String(err) };
  }
  await engineTransaction(ctx.database, (trx) => record(trx, ctx, o, row, outcome));
}

/**
 * The outbox worker of the ticketing sync. A claim holds at most one
 * operation per ticket (the next one), so its operations run side by side;
 * it is sized so that its worst case (two calls per operation, each up to
 * the timeout) fits in the lease, and no other instance takes one over.
 */
export function ticketingModule(o: TicketingOptions): EngineModule {
  const leaseMs = o.leaseMs ?? 120_000;
  const timeoutMs = o.timeoutMs ?? 10_000;
  const concurrency = o.concurrency ?? 8;
  const limit = Math.min(o.claimLimit ?? 200, concurrency * Math.max(1, Math.floor(leaseMs / (2 * timeoutMs))));
  return {
    name: 'ticketing',
    async step(ctx) {
      const now = ctx.clock.now();
      const claimed = await engineTransaction(ctx.database, (trx) =>
        claimDueOps(trx, ctx.database.dialect, { now, limit, leaseUntil: now + leaseMs, instanceId: ctx.instanceId }),
      );
      if (claimed.length === 0) return false;
      const queue = [...claimed];
      const worker = async (): Promise<void> => {
        for (let row = queue.shift(); row !== undefined; row = queue.shift()) await work(ctx, o, row);
      };
      await Promise.all(Array.from({ length: Math.min(concurrency, claimed.length) }, worker));
      return true;
    },
    nextDue: (ctx) => nextDueOp(ctx.database.db),
  };
}
