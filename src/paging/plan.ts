/**
 * Every decision the delivery step makes, as pure functions of the claimed
 * messages, their incidents, the recent sends per contact and the time
 * (GoAlert's "calculate, then write"). Nothing here reads or writes the
 * database, so the rules are table-tested (plan.test.ts):
 *
 * - a page whose incident no longer needs it (acknowledged, resolved,
 *   deleted) is cancelled: a page is about getting someone to acknowledge;
 * - the due messages to one contact (channel + address) go out as one send,
 *   a bundle when there are several ("37 incidents on Acme Payments");
 * - a contact over its rate limit waits until the window frees up, and its
 *   messages are bundled then, instead of flooding a phone;
 * - a claim holds no more sends than its lease covers at the worst case; the
 *   rest go back unchanged for the next step (or another instance);
 * - after a send: delivered; failed for good (permanent, or the last
 *   attempt); or retried with exponential backoff, never sooner than the
 *   provider's Retry-After.
 */
import type { IncidentRow, NotificationRow } from '../db/schema.js';
import { SYSTEM } from '../incident/actor.js';
import type { TimelineEntry } from '../incident/timeline.js';
import type { DeliveryResult } from '../notify/channel.js';
import * as say from './messages.js';
import type { Contact, NotificationUpdate } from './store.js';

/** The rate limit's window: a contact receives at most `perContactPerMinute` sends in any such span. */
export const RATE_WINDOW_MS = 60_000;
/** Retry delays double from `backoffMs` up to this. */
export const MAX_BACKOFF_MS = 10 * 60_000;
/** A rate-limited contact is looked at again no sooner than this. */
const MIN_HOLD_MS = 1000;
/** Stored error texts are cut to this. */
const ERROR_CHARS = 1000;

/** The limits delivery works within, and how the timeline names a recipient. */
export interface DeliveryRules {
  /** Attempts before a retryable failure becomes final. */
  readonly maxAttempts: number;
  /** First retry delay; doubles each attempt, capped at {@link MAX_BACKOFF_MS}. */
  readonly backoffMs: number;
  readonly perContactPerMinute: number;
  /** Sends one claim may hold: its worst case (every send taking the full timeout) must fit in the lease. */
  readonly sendsPerClaim: number;
  readonly recipientName: (row: NotificationRow) => string;
}

/** The due messages to one contact, sent as one. */
export interface Send extends Contact {
  readonly rows: readonly NotificationRow[];
}

/** What one claim does with its messages; every claimed message is in exactly one part. */
export interface DeliveryPlan {
  /** Pages the incident no longer needs, with the status that made it so ("deleted" when it is gone). */
  readonly cancel: ReadonlyArray<{ readonly row: NotificationRow; readonly incidentStatus: string }>;
  /** Contacts over their rate limit: their messages wait until `until`. */
  readonly defer: ReadonlyArray<{ readonly rows: readonly NotificationRow[]; readonly until: number }>;
  /** Sent now, in this order. */
  readonly send: readonly Send[];
  /** Past what the lease covers: back to the outbox unchanged. */
  readonly release: readonly Send[];
}

/** One send's result: the rows' new state, its timeline, and what metrics are told. */
export interface Settled {
  readonly update: NotificationUpdate;
  readonly timeline: TimelineEntry[];
  readonly metric: DeliveryOutcome;
}

/** One recorded send, for metrics. */
export interface DeliveryOutcome {
  readonly channel: string;
  /** `failed` is final (permanent, or out of attempts); `retrying` will be tried again. */
  readonly status: 'delivered' | 'failed' | 'retrying';
  /** Delivered only: for each message the send carried (several in a bundle), ms from when it was due to the provider accepting it. */
  readonly latenciesMs: readonly number[];
}

/** The key one contact's messages are grouped and rate-limited by. */
export function contactKey(c: Contact): string {
  return `${c.channel}\u0000${c.address}`;
}

/** Whether the message is still worth sending: a page only while its incident waits for someone (triggered). */
export function stillWanted(row: NotificationRow, incident: IncidentRow | undefined): boolean {
  return row.kind !== 'page' || incident?.status === 'triggered';
}

/** The contacts the plan needs recent sends for: those of the messages still wanted, each once, in claim order. */
export function contactsToCheck(claimed: readonly NotificationRow[], incidents: ReadonlyMap<number, IncidentRow>): Contact[] {
  const seen = new Map<string, Contact>();
  for (const row of claimed) {
    if (!stillWanted(row, incidents.get(row.incident_id))) continue;
    const key = contactKey(row);
    if (!seen.has(key)) seen.set(key, { channel: row.channel, address: row.address });
  }
  return [...seen.values()];
}

/** When a contact with these recent sends (oldest first) may receive again; undefined when it is under its limit now. */
export function rateLimitedUntil(recent: readonly number[], perMinute: number, now: number): number | undefined {
  if (recent.length < perMinute) return undefined;
  const freeAt = (recent[recent.length - perMinute] ?? now) + RATE_WINDOW_MS;
  return Math.max(freeAt, now + MIN_HOLD_MS);
}

/** What to do with a claim: cancel, hold back, send, or put back. `recentByContact` is keyed by {@link contactKey}. */
export function planDelivery(
  claimed: readonly NotificationRow[],
  incidents: ReadonlyMap<number, IncidentRow>,
  recentByContact: ReadonlyMap<string, readonly number[]>,
  now: number,
  rules: Pick<DeliveryRules, 'perContactPerMinute' | 'sendsPerClaim'>,
): DeliveryPlan {
  const cancel: Array<DeliveryPlan['cancel'][number]> = [];
  const groups = new Map<string, { channel: string; address: string; rows: NotificationRow[] }>();
  for (const row of claimed) {
    const incident = incidents.get(row.incident_id);
    if (!stillWanted(row, incident)) {
      cancel.push({ row, incidentStatus: incident?.status ?? 'deleted' });
      continue;
    }
    const key = contactKey(row);
    let g = groups.get(key);
    if (!g) groups.set(key, (g = { channel: row.channel, address: row.address, rows: [] }));
    g.rows.push(row);
  }
  const defer: Array<DeliveryPlan['defer'][number]> = [];
  const sendable: Send[] = [];
  for (const [key, g] of groups) {
    const until = rateLimitedUntil(recentByContact.get(key) ?? [], rules.perContactPerMinute, now);
    if (until === undefined) sendable.push(g);
    else defer.push({ rows: g.rows, until });
  }
  return { cancel, defer, send: sendable.slice(0, rules.sendsPerClaim), release: sendable.slice(rules.sendsPerClaim) };
}

/** The writes for what the plan does not send: cancellations (with their timeline), holds and releases (the attempt not counted). */
export function holdBack(
  plan: DeliveryPlan,
  now: number,
  rules: Pick<DeliveryRules, 'recipientName'>,
): { updates: NotificationUpdate[]; timeline: TimelineEntry[] } {
  const updates: NotificationUpdate[] = [];
  const timeline: TimelineEntry[] = [];
  for (const { row, incidentStatus } of plan.cancel) {
    updates.push({ ids: [row.id], set: { status: 'cancelled', lease_until: null } });
    timeline.push(entry(row, now, 'notification.cancelled', say.cancelled(rules.recipientName(row), row.channel, incidentStatus)));
  }
  for (const d of plan.defer)
    updates.push({
      ids: d.rows.map((r) => r.id),
      set: { status: 'pending', next_attempt_at: d.until, lease_until: null },
      undoAttempt: true,
    });
  for (const s of plan.release)
    updates.push({ ids: s.rows.map((r) => r.id), set: { status: 'pending', lease_until: null }, undoAttempt: true });
  return { updates, timeline };
}

/** How long to wait before retrying after failed attempt number `attempt` (1-based). */
export function retryDelay(attempt: number, backoffMs: number, retryAfterMs: number | undefined): number {
  return Math.max(Math.min(backoffMs * 2 ** (attempt - 1), MAX_BACKOFF_MS), retryAfterMs ?? 0);
}

/** What one send's result writes. `messageId` is the send's delivery id; `doneAt` when the result came. */
export function settle(s: Send, messageId: string, result: DeliveryResult, doneAt: number, rules: DeliveryRules): Settled {
  const carrier = s.rows[0];
  if (!carrier) throw new Error('empty send');
  const ids = s.rows.map((r) => r.id);
  const target: say.SendTarget = { name: rules.recipientName(carrier), channel: s.channel, address: s.address, bundled: s.rows.length };
  const attempt = carrier.attempts;
  const note = (kind: string, message: string, data: Record<string, unknown>): TimelineEntry[] =>
    s.rows.map((r) => entry(r, doneAt, kind, message, { message: messageId, attempt, ...data }));
  if (result.status === 'delivered') {
    const providerId = result.providerId ?? null;
    return {
      update: {
        ids,
        set: {
          status: 'delivered',
          delivered_at: doneAt,
          provider_id: providerId,
          bundle_id: s.rows.length > 1 ? carrier.id : null,
          lease_until: null,
          last_error: null,
        },
      },
      timeline: note(
        'notification.delivered',
        result.reportFollows ? say.accepted(target, attempt) : say.delivered(target, attempt),
        result.reportFollows ? { provider_id: providerId, report: 'follows' } : { provider_id: providerId },
      ),
      metric: { channel: s.channel, status: 'delivered', latenciesMs: s.rows.map((r) => Math.max(0, doneAt - r.due_at)) },
    };
  }
  const lastError = result.error.slice(0, ERROR_CHARS);
  if (result.status === 'permanent' || attempt >= rules.maxAttempts) {
    return {
      update: { ids, set: { status: 'failed', last_error: lastError, lease_until: null } },
      timeline: note('notification.failed', say.failed(target, result.status === 'permanent', attempt, result.error), {
        error: result.error,
      }),
      metric: { channel: s.channel, status: 'failed', latenciesMs: [] },
    };
  }
  const delay = retryDelay(attempt, rules.backoffMs, result.retryAfterMs);
  return {
    update: { ids, set: { status: 'pending', next_attempt_at: doneAt + delay, last_error: lastError, lease_until: null } },
    timeline: note('notification.retrying', say.retrying(target, attempt, result.error, delay), {
      error: result.error,
      retry_in_ms: delay,
    }),
    metric: { channel: s.channel, status: 'retrying', latenciesMs: [] },
  };
}

/** The notification a timeline entry written here is about. */
export function notificationOf(e: TimelineEntry): number {
  return Number(e.data?.['notification']);
}

/** A timeline entry about one message, by the system. */
function entry(row: NotificationRow, at: number, kind: string, message: string, data?: Record<string, unknown>): TimelineEntry {
  return {
    engagementId: row.engagement_id,
    incidentId: row.incident_id,
    at,
    kind,
    actor: SYSTEM,
    message,
    data: { notification: row.id, channel: row.channel, recipient: `${row.recipient_kind}:${row.recipient_id}`, ...data },
  };
}
