/**
 * How each ticketing integration is doing, for operators: its outbox by
 * status, and whether it is failing. Failing means an operation was given
 * up on in the last 24 hours, or operations are still waiting after more
 * than 3 attempts: tickets are not reaching the system. /readyz lists the
 * failing ones as detail (they do not make Tandem unready: paging does not
 * depend on them), and /metrics shows every one. The decision is pure
 * (`summarizeTicketing`); `readTicketingHealth` reads what it needs.
 */
import type { Executor } from '../db/executor.js';
import type { Engagement } from '../engagement/model.js';
import { latestTicketOpError, ticketInboundTally, ticketOpsTally } from './store.js';
import type { TicketOpsTally } from './store.js';

/** An operation given up on within this long makes its integration failing. */
export const FAILING_WINDOW_MS = 24 * 3_600_000;
/** An operation still pending or running after more attempts than this makes its integration failing. */
export const FAILING_ATTEMPTS = 3;

/** One ticketing integration (an engagement's ticketing entry) as operators see it. */
export interface TicketingHealth {
  readonly engagement: string;
  readonly ticketing: string;
  readonly system: string;
  /** Operations waiting (pending), being sent (running), delivered (done) and given up on (failed), all time. */
  readonly ops: { readonly pending: number; readonly running: number; readonly done: number; readonly failed: number };
  /** Operations given up on within the failing window. */
  readonly recentlyFailed: number;
  /** Operations pending or running after more than {@link FAILING_ATTEMPTS} attempts. */
  readonly retrying: number;
  /** Age of the oldest operation not yet done (pending or running), in seconds; null when none waits. */
  readonly oldestPendingAgeSeconds: number | null;
  readonly failing: boolean;
}

/** The integrations an engagement set declares, by engagement and entry id. */
export function declaredIntegrations(engagements: readonly Engagement[]): Array<{ engagement: string; ticketing: string; system: string }> {
  return engagements.flatMap((e) => e.ticketing.map((t) => ({ engagement: e.id, ticketing: t.id, system: t.system })));
}

const keyOf = (engagement: string, ticketing: string): string => JSON.stringify([engagement, ticketing]);

/**
 * Every integration's health: the declared ones (all zero when they never
 * had an operation) and any other that still has operations waiting (an
 * entry removed from its file), sorted by engagement and entry.
 * `tallies` must have been counted with {@link FAILING_WINDOW_MS} and
 * {@link FAILING_ATTEMPTS}.
 */
export function summarizeTicketing(
  declared: ReadonlyArray<{ engagement: string; ticketing: string; system: string }>,
  tallies: readonly TicketOpsTally[],
  now: number,
): TicketingHealth[] {
  type Acc = {
    engagement: string;
    ticketing: string;
    system: string;
    ops: Record<string, number>;
    failed: number;
    retrying: number;
    oldest: number | null;
  };
  const all = new Map<string, Acc>();
  const entry = (engagement: string, ticketing: string, system: string): Acc => {
    const key = keyOf(engagement, ticketing);
    let acc = all.get(key);
    if (acc === undefined) all.set(key, (acc = { engagement, ticketing, system, ops: {}, failed: 0, retrying: 0, oldest: null }));
    return acc;
  };
  for (const d of declared) entry(d.engagement, d.ticketing, d.system);
  for (const t of tallies) {
    const acc = entry(t.engagementId, t.ticketingId, t.system);
    acc.ops[t.status] = (acc.ops[t.status] ?? 0) + t.count;
    if (t.status === 'failed') acc.failed += t.changedSince;
    if (t.status === 'pending' || t.status === 'running') {
      acc.retrying += t.overAttempts;
      if (t.oldestCreatedAt !== null) acc.oldest = Math.min(acc.oldest ?? t.oldestCreatedAt, t.oldestCreatedAt);
    }
  }
  const declaredKeys = new Set(declared.map((d) => keyOf(d.engagement, d.ticketing)));
  return [...all.values()]
    .filter((a) => declaredKeys.has(keyOf(a.engagement, a.ticketing)) || (a.ops.pending ?? 0) + (a.ops.running ?? 0) > 0)
    .map((a) => ({
      engagement: a.engagement,
      ticketing: a.ticketing,
      system: a.system,
      ops: { pending: a.ops.pending ?? 0, running: a.ops.running ?? 0, done: a.ops.done ?? 0, failed: a.ops.failed ?? 0 },
      recentlyFailed: a.failed,
      retrying: a.retrying,
      oldestPendingAgeSeconds: a.oldest === null ? null : Math.max(0, Math.round((now - a.oldest) / 1000)),
      failing: a.failed > 0 || a.retrying > 0,
    }))
    .sort((a, b) => a.engagement.localeCompare(b.engagement) || a.ticketing.localeCompare(b.ticketing));
}

/** A failing integration as /readyz lists it. */
export interface TicketingProblem {
  readonly engagement: string;
  readonly ticketing: string;
  readonly system: string;
  /** Operations given up on in the last 24 hours. */
  readonly failed_ops: number;
  /** Operations still waiting after more than 3 attempts. */
  readonly retrying_ops: number;
  readonly oldest_pending_age_s: number | null;
  readonly last_error: string | null;
}

/** Every integration's health, read from the database at `now`. */
export async function readTicketingHealth(ex: Executor, engagements: readonly Engagement[], now: number): Promise<TicketingHealth[]> {
  const tallies = await ticketOpsTally(ex, { since: now - FAILING_WINDOW_MS, attempts: FAILING_ATTEMPTS });
  return summarizeTicketing(declaredIntegrations(engagements), tallies, now);
}

/** The failing integrations, each with its latest error (one query per failing integration). */
export async function ticketingProblems(ex: Executor, health: readonly TicketingHealth[], now: number): Promise<TicketingProblem[]> {
  const out: TicketingProblem[] = [];
  for (const h of health.filter((x) => x.failing)) {
    const c = { engagementId: h.engagement, ticketingId: h.ticketing, since: now - FAILING_WINDOW_MS, attempts: FAILING_ATTEMPTS };
    out.push({
      engagement: h.engagement,
      ticketing: h.ticketing,
      system: h.system,
      failed_ops: h.recentlyFailed,
      retrying_ops: h.retrying,
      oldest_pending_age_s: h.oldestPendingAgeSeconds,
      last_error: await latestTicketOpError(ex, c),
    });
  }
  return out;
}

/**
 * Accepted ticketing webhooks by integration and status: done (applied, or
 * recognised as an echo or a no-op), failed, pending or running. Not by
 * `result`, which is free text naming tickets: no label of bounded values.
 */
export async function readTicketInbound(
  ex: Executor,
): Promise<Array<{ engagement: string; ticketing: string; result: string; count: number }>> {
  const rows = await ticketInboundTally(ex);
  return rows.map((r) => ({ engagement: r.engagementId, ticketing: r.ticketingId, result: r.status, count: r.count }));
}
