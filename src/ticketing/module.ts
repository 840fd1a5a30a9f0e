/**
 * The ticketing sync as an engine module: each step claims due operations
 * from the `ticket_ops` outbox with a lease (per ticket, in order), runs them
 * against the system (Jira for now), and records what happened: the ticket's
 * key, link and state, or a retry with backoff and jitter (honouring
 * Retry-After, 0 included), or a permanent error shown on the ticket row.
 */
import type { TicketOpRow, TicketRow } from '../db/schema.js';
import type { Executor } from '../db/executor.js';
import { readStoredJson } from '../db/json.js';
import type { EngineContext, EngineModule } from '../engine/engine.js';
import { engineTransaction } from '../engine/engine.js';
import type { Engagement, JiraTicketing } from '../engagement/model.js';
import { incidentPrefix } from '../deployment/deployment.js';
import { getIncidentAnywhere } from '../incident/store.js';
import { JiraClient } from './jira.js';
import type { JiraResult } from './jira.js';
import { correlationLabel, descriptionLines, retryAt, summary } from './plan.js';
import type { TicketOp } from './plan.js';
import { claimDueOps, nextDueOp, recordOp, ticketById, updateTicket } from './store.js';

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

/** An operation's outcome, and the ticket's new fields when it delivered. */
type Outcome = JiraResult<Partial<Pick<TicketRow, 'external_key' | 'external_url' | 'state'>>>;

const STATE_OF = { indeterminate: 'in_progress', done: 'done' } as const;

function parseOp(row: TicketOpRow): TicketOp {
  const value = readStoredJson(row.payload);
  if (typeof value === 'object' && value !== null && 'kind' in value && value.kind === row.kind) return value as TicketOp;
  throw new Error(`ticket_ops ${row.id}: payload does not match kind ${row.kind}`);
}

/** The ticket's Jira entry and a client for it, or why there is none. */
function clientFor(
  o: TicketingOptions,
  engagement: Engagement | undefined,
  ticket: TicketRow,
): { entry: JiraTicketing; client: JiraClient } | string {
  const entry = engagement?.ticketing.find((t) => t.id === ticket.ticketing_id);
  if (entry === undefined) return `ticketing entry '${ticket.ticketing_id}' is no longer in the engagement`;
  if (entry.system !== 'jira') return `${entry.system} is not synced yet`;
  const token = o.secret(entry.auth.tokenEnv);
  if (token === undefined || token === '') return `environment variable ${entry.auth.tokenEnv} is not set`;
  return { entry, client: new JiraClient(entry, token, o.timeoutMs ?? 10_000) };
}

/** Finds the ticket by its label (a crash may have created it unrecorded), else creates it. */
async function create(
  ctx: EngineContext,
  o: TicketingOptions,
  ticket: TicketRow,
  entry: JiraTicketing,
  client: JiraClient,
): Promise<Outcome> {
  const engagement = ctx.deployment.engagement(ticket.engagement_id);
  const incident = await getIncidentAnywhere(ctx.database.db, ticket.incident_id);
  if (engagement === undefined || incident === undefined) return { kind: 'permanent', error: 'the incident or its engagement is gone' };
  const ref = `${incidentPrefix(engagement.id)}-${incident.number}`;
  const label = correlationLabel(ref);
  const found = await client.findByLabel(label);
  if (found.kind !== 'delivered') return found;
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
  const opened = { state: 'open' };
  if (found.value !== undefined)
    return { kind: 'delivered', value: { external_key: found.value.key, external_url: found.value.url, ...opened } };
  const made = await client.create({
    summary: summary(content),
    description: descriptionLines(content),
    label,
    priority: entry.priorities[incident.priority],
  });
  if (made.kind !== 'delivered') return made;
  return { kind: 'delivered', value: { external_key: made.value.key, external_url: made.value.url, ...opened } };
}

/** Runs one operation. */
async function run(ctx: EngineContext, o: TicketingOptions, row: TicketOpRow): Promise<Outcome> {
  const ticket = await ticketById(ctx.database.db, row.ticket_id);
  if (ticket === undefined) return { kind: 'permanent', error: `ticket ${row.ticket_id} is gone` };
  const target = clientFor(o, ctx.deployment.engagement(ticket.engagement_id), ticket);
  if (typeof target === 'string') return { kind: 'permanent', error: target };
  const op = parseOp(row);
  if (op.kind === 'create') return create(ctx, o, ticket, target.entry, target.client);
  const key = ticket.external_key;
  if (key === null) return { kind: 'permanent', error: 'the ticket was never created' };
  switch (op.kind) {
    case 'transition': {
      const moved = await target.client.transition(key, op.category);
      return moved.kind === 'delivered' ? { kind: 'delivered', value: { state: STATE_OF[op.category] } } : moved;
    }
    case 'comment': {
      const done = await target.client.comment(key, op.author === null ? op.text : `${op.author}: ${op.text}`);
      return done.kind === 'delivered' ? { kind: 'delivered', value: {} } : done;
    }
    case 'priority': {
      const name = target.entry.priorities[op.priority];
      if (name === undefined) return { kind: 'delivered', value: {} };
      const done = await target.client.priority(key, name);
      return done.kind === 'delivered' ? { kind: 'delivered', value: {} } : done;
    }
  }
}

/** Writes an operation's outcome and the ticket's new state, if this instance still holds the operation. */
async function record(ex: Executor, ctx: EngineContext, o: TicketingOptions, row: TicketOpRow, outcome: Outcome): Promise<void> {
  const at = ctx.clock.now();
  if (outcome.kind === 'delivered') {
    if (!(await recordOp(ex, ctx.instanceId, row.id, { status: 'done', lastError: null, at }))) return;
    await updateTicket(ex, row.ticket_id, { ...outcome.value, last_error: null, updated_at: at });
    return;
  }
  const giveUp = outcome.kind === 'permanent' || row.attempts >= (o.maxAttempts ?? 20);
  const next = giveUp
    ? undefined
    : retryAt(at, row.attempts, outcome.kind === 'retryable' ? outcome.retryAfterMs : undefined, (o.random ?? Math.random)());
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
