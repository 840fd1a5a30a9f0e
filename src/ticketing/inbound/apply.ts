/**
 * The inbound half of the ticket sync as an engine module: each step claims
 * accepted webhooks from `ticket_inbound` (with a lease), reads the ticket
 * back when the system only said "it changed" (ConnectWise), decides with
 * plan.ts, and applies the decision to the incident through the incident
 * commands, in one transaction: acknowledge, resolve, notes, each on the
 * timeline naming the system and the person. The change carries its origin,
 * so the outbox pushes it to the engagement's other systems, never back.
 */
import type { Executor } from '../../db/executor.js';
import type { IncidentRow, TicketInboundRow, TicketRow } from '../../db/schema.js';
import { readStoredJson } from '../../db/json.js';
import type { EngineContext, EngineModule } from '../../engine/engine.js';
import { engineTransaction } from '../../engine/engine.js';
import type { Ticketing } from '../../engagement/model.js';
import type { Actor } from '../../incident/actor.js';
import type { ChangeHooks } from '../../incident/changes.js';
import { acknowledgeIncident, addNote, resolveIncident } from '../../incident/commands.js';
import { getIncidentToChange } from '../../incident/store.js';
import { functionOfService, incidentActionDecision, refusalMessage } from '../../scope/scope.js';
import type { IncidentStatus } from '../../incident/store.js';
import { withWriter } from '../../incident/writer.js';
import type { CallResult, TicketSnapshot } from '../client.js';
import { clientFor } from '../clients.js';
import { retryAt } from '../plan.js';
import type { InboundChange } from './parse.js';
import { planInbound } from './plan.js';
import { claimInbound, markSeen, nextDueInbound, notesByTandem, recordInbound, setTicketState, ticketByExternal } from './store.js';

/** What the module needs besides the engine's context. */
export interface InboundOptions {
  readonly hooks: ChangeHooks;
  readonly secret: (name: string) => string | undefined;
  readonly timeoutMs?: number;
  readonly leaseMs?: number;
  readonly maxAttempts?: number;
  readonly random?: () => number;
}

/** The name people read for each system. */
export const SYSTEM_NAME = { jira: 'Jira', servicenow: 'ServiceNow', connectwise: 'ConnectWise' } as const;

/** How applying one delivery ended. */
type Applied =
  | { readonly status: 'done'; readonly result: string }
  | { readonly status: 'retry' | 'failed'; readonly result: string; readonly retryAfterMs?: number };

/** The login the entry's client signs in with: its own changes are echoes. */
function integrationLogin(entry: Ticketing): string {
  return entry.system === 'connectwise' ? '' : entry.auth.user;
}

/** The stored change, or undefined when the row does not hold one (written by hand, or by a bug): it fails at once. */
function parseChange(row: TicketInboundRow): InboundChange | undefined {
  const v = readStoredJson(row.payload);
  if (typeof v !== 'object' || v === null || Array.isArray(v)) return undefined;
  const c = v as Partial<Record<keyof InboundChange, unknown>>;
  const ok =
    typeof c.ticketId === 'string' &&
    typeof c.ticketKey === 'string' &&
    Array.isArray(c.notes) &&
    typeof c.actor === 'object' &&
    c.actor !== null;
  return ok ? (v as unknown as InboundChange) : undefined;
}

/** The change with the ticket as the system has it now (ConnectWise callbacks, Jira bodies without a status category). */
async function refetched(
  ctx: EngineContext,
  o: InboundOptions,
  entry: Ticketing,
  change: InboundChange,
): Promise<CallResult<InboundChange | undefined>> {
  const client = clientFor(entry, { secret: o.secret, timeoutMs: o.timeoutMs ?? 10_000, now: () => ctx.clock.now() });
  if (typeof client === 'string') return { kind: 'permanent', error: client };
  const read: CallResult<TicketSnapshot | undefined> = await client.read(change.ticketId);
  if (read.kind !== 'delivered') return read;
  const snap = read.value;
  if (snap === undefined) return { kind: 'delivered', value: undefined };
  return {
    kind: 'delivered',
    value: {
      ticketId: snap.ticket.id,
      ticketKey: snap.ticket.key,
      state: snap.state,
      status: snap.status,
      actor: change.actor.name !== null ? change.actor : { name: snap.updatedBy, login: snap.updatedBy },
      notes: snap.notes.map((n) => ({ id: n.id, text: n.text })),
    },
  };
}

/** The person as the timeline names them: "Dana Whitfield in ServiceNow". */
function actorOf(entry: Ticketing, change: InboundChange): Actor {
  const who = change.actor.name ?? change.actor.login ?? 'someone';
  return { type: 'integration', id: `ticketing:${entry.id}`, name: `${who} in ${SYSTEM_NAME[entry.system]}` };
}

/**
 * Why the entry's side may not take `command` on the incident under the
 * engagement's scope (a ticket system acts for the side it belongs to), or
 * null. Notes are never refused: C and I may add notes.
 */
function scopeRefusal(ctx: EngineContext, entry: Ticketing, incident: IncidentRow, command: 'acknowledge' | 'resolve'): string | null {
  const engagement = ctx.deployment.engagement(incident.engagement_id);
  if (engagement === undefined) return null;
  const fn = functionOfService(engagement, incident.service_id);
  const decision = incidentActionDecision(engagement, entry.side, command, fn);
  return decision.allowed ? null : `refused ${command} (OUT_OF_SCOPE): ${refusalMessage(entry.side, decision, fn)}`;
}

/** Applies a change to the incident of `ticket`, in one transaction; says what it did. */
async function applyChange(
  ctx: EngineContext,
  o: InboundOptions,
  entry: Ticketing,
  ticket: TicketRow,
  change: InboundChange,
): Promise<string> {
  return engineTransaction(ctx.database, async (trx) => {
    // Locked on PostgreSQL, so a change from the ticket and a person's at the same moment act one after the other.
    const incident = await getIncidentToChange(trx, [ticket.engagement_id], ticket.incident_id);
    if (incident === undefined) return 'the incident is gone';
    const at = ctx.clock.now();
    const plan = planInbound(change, {
      ticketState: ticket.state,
      incidentStatus: incident.status as IncidentStatus,
      integrationLogin: integrationLogin(entry),
      tandemNotes: await notesByTandem(trx, ticket.id),
    });
    const done: string[] = [];
    const refused = plan.command === null ? null : scopeRefusal(ctx, entry, incident, plan.command);
    if (refused !== null) done.push(refused);
    const command = refused === null ? plan.command : null;
    const options = { via: `ticket ${change.ticketKey}`, origin: entry.id };
    const actor = actorOf(entry, change);
    await withWriter(trx, ctx.database, o.hooks, async (w) => {
      for (const note of plan.notes) {
        if (
          note.id !== null &&
          !(await markSeen(trx, { engagementId: ticket.engagement_id, ticketingId: entry.id, key: `note:${note.id}`, at }))
        )
          continue;
        await addNote(w, incident, actor, at, note.text, options);
        done.push('note added');
      }
      if (command === 'acknowledge' && (await acknowledgeIncident(w, incident, actor, at, options))) done.push('acknowledged');
      if (command === 'resolve' && (await resolveIncident(w, incident, actor, at, options))) done.push('resolved');
    });
    if (plan.ticketState !== null) await setTicketState(trx, ticket.id, plan.ticketState, at);
    return [...done, ...plan.skipped].join('; ') || 'nothing to do';
  });
}

/** Applies one delivery. */
async function apply(ctx: EngineContext, o: InboundOptions, row: TicketInboundRow): Promise<Applied> {
  const entry = ctx.deployment.engagement(row.engagement_id)?.ticketing.find((t) => t.id === row.ticketing_id);
  if (entry === undefined) return { status: 'done', result: `ticketing entry '${row.ticketing_id}' is no longer in the engagement` };
  const stored = parseChange(row);
  if (stored === undefined) return { status: 'failed', result: `ticket_inbound ${row.id} does not hold a change Tandem can read` };
  let change = stored;
  const ticket = await ticketByExternal(ctx.database.db, {
    engagementId: row.engagement_id,
    ticketingId: entry.id,
    id: change.ticketId,
    key: change.ticketKey,
  });
  if (ticket === undefined)
    return { status: 'done', result: `no Tandem incident has ${SYSTEM_NAME[entry.system]} ticket ${change.ticketKey}` };
  if (change.refetch === true) {
    const read = await refetched(ctx, o, entry, change);
    if (read.kind === 'retryable')
      return { status: 'retry', result: read.error, ...(read.retryAfterMs === undefined ? {} : { retryAfterMs: read.retryAfterMs }) };
    if (read.kind === 'permanent') return { status: 'failed', result: read.error };
    if (read.value === undefined)
      return { status: 'done', result: `${SYSTEM_NAME[entry.system]} no longer has ticket ${change.ticketKey}` };
    change = read.value;
  }
  return { status: 'done', result: await applyChange(ctx, o, entry, ticket, change) };
}

async function record(ex: Executor, ctx: EngineContext, o: InboundOptions, row: TicketInboundRow, a: Applied): Promise<void> {
  const at = ctx.clock.now();
  if (a.status === 'retry' && row.attempts < (o.maxAttempts ?? 20)) {
    const next = retryAt(at, row.attempts, a.retryAfterMs, (o.random ?? Math.random)());
    await recordInbound(ex, ctx.instanceId, row.id, { status: 'pending', result: a.result, at, nextAttemptAt: next });
    return;
  }
  await recordInbound(ex, ctx.instanceId, row.id, { status: a.status === 'done' ? 'done' : 'failed', result: a.result, at });
}

/** Applies one claimed delivery and records what became of it; a bug in one never stops the others. */
async function work(ctx: EngineContext, o: InboundOptions, row: TicketInboundRow): Promise<void> {
  let applied: Applied;
  try {
    applied = await apply(ctx, o, row);
  } catch (err) {
    ctx.log.error({ err, inbound: row.id }, 'ticket webhook could not be applied');
    applied = { status: 'retry', result: err instanceof Error ? err.message : String(err) };
  }
  await engineTransaction(ctx.database, (trx) => record(trx, ctx, o, row, applied));
}

/** The inbound worker: deliveries are applied one after another, in the order they arrived. */
export function ticketInboundModule(o: InboundOptions): EngineModule {
  const leaseMs = o.leaseMs ?? 120_000;
  // Applied one after another, each may read its ticket back (up to the timeout): the claim fits in the lease.
  const limit = Math.max(1, Math.min(50, Math.floor(leaseMs / (2 * (o.timeoutMs ?? 10_000)))));
  return {
    name: 'ticketing-inbound',
    async step(ctx) {
      const now = ctx.clock.now();
      const claimed = await engineTransaction(ctx.database, (trx) =>
        claimInbound(trx, ctx.database.dialect, { now, limit, leaseUntil: now + leaseMs, instanceId: ctx.instanceId }),
      );
      for (const row of claimed) await work(ctx, o, row);
      return claimed.length > 0;
    },
    nextDue: (ctx) => nextDueInbound(ctx.database.db),
  };
}
