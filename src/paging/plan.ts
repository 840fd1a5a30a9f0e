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
 * - a send, once formed, is fixed: its rows and its delivery id are recorded
 *   before it leaves, and every later attempt (a retry, or another instance
 *   re-sending after this one stopped before recording the result) sends
 *   exactly those rows under that id. Receivers drop a delivery id they have
 *   seen, so a page must never first arrive under an old id, and the same
 *   id must never carry different pages. A re-sent bundle keeps pages whose
 *   incident was acknowledged since (the receiver may have them already);
 *   only when none of its pages is wanted any more is it cancelled whole;
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
  /**
   * Ordered by id; the first is the carrier, whose id every row has as
   * `bundle_id` once the send is recorded, and which names the delivery id.
   */
  readonly rows: readonly NotificationRow[];
  /** Formed by this claim (to record before sending); false for a send recorded by an earlier attempt. */
  readonly formed: boolean;
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

/**
 * What to do with a claim: cancel, hold back, send, or put back.
 * `recentByContact` is keyed by {@link contactKey}. Rows with a `bundle_id`
 * belong to a send recorded earlier (the claim brings all its rows): it is
 * sent again as it was, never joined by other rows; the others form new
 * sends, one per contact.
 */
export function planDelivery(
  claimed: readonly NotificationRow[],
  incidents: ReadonlyMap<number, IncidentRow>,
  recentByContact: ReadonlyMap<string, readonly number[]>,
  now: number,
  rules: Pick<DeliveryRules, 'perContactPerMinute' | 'sendsPerClaim'>,
): DeliveryPlan {
  const cancel: Array<DeliveryPlan['cancel'][number]> = [];
  const cancelRow = (row: NotificationRow): void => {
    cancel.push({ row, incidentStatus: incidents.get(row.incident_id)?.status ?? 'deleted' });
  };
  const wanted = (row: NotificationRow): boolean => stillWanted(row, incidents.get(row.incident_id));
  // In claim order: recorded sends by their carrier, new rows by contact.
  const groups = new Map<string, { channel: string; address: string; rows: NotificationRow[]; formed: boolean }>();
  for (const row of claimed) {
    const formed = row.bundle_id === null;
    if (formed && !wanted(row)) {
      cancelRow(row);
      continue;
    }
    const key = formed ? `new\u0000${contactKey(row)}` : `sent\u0000${row.bundle_id}`;
    let g = groups.get(key);
    if (!g) groups.set(key, (g = { channel: row.channel, address: row.address, rows: [], formed }));
    g.rows.push(row);
  }
  const defer: Array<DeliveryPlan['defer'][number]> = [];
  const sendable: Send[] = [];
  // Per contact: its recent sends, and the sends planned here (a recorded send and a new one may go to one contact).
  const sends = new Map<string, number[]>();
  for (const g of groups.values()) {
    const rows = [...g.rows].sort((a, b) => a.id - b.id);
    // A recorded send none of whose pages is wanted any more is not sent again; otherwise it goes as it was.
    if (!g.formed && !rows.some(wanted)) {
      rows.forEach(cancelRow);
      continue;
    }
    const key = contactKey(g);
    const times = sends.get(key) ?? [...(recentByContact.get(key) ?? [])];
    sends.set(key, times);
    const until = rateLimitedUntil(times, rules.perContactPerMinute, now);
    if (until !== undefined) {
      defer.push({ rows, until });
      continue;
    }
    times.push(now);
    const carrier = rows[0]?.id ?? null;
    sendable.push({
      channel: g.channel,
      address: g.address,
      formed: g.formed,
      rows: g.formed ? rows.map((r) => ({ ...r, bundle_id: carrier })) : rows,
    });
  }
  return { cancel, defer, send: sendable.slice(0, rules.sendsPerClaim), release: sendable.slice(rules.sendsPerClaim) };
}

/**
 * The writes the claim commits before anything is sent: each new send's rows
 * and carrier (`bundle_id`, which names its delivery id), so a later attempt
 * sends the same message; cancellations (with their timeline); holds and
 * releases (the attempt not counted).
 */
export function beforeSend(
  plan: DeliveryPlan,
  now: number,
  rules: Pick<DeliveryRules, 'recipientName'>,
): { updates: NotificationUpdate[]; timeline: TimelineEntry[] } {
  const updates: NotificationUpdate[] = [];
  const timeline: TimelineEntry[] = [];
  for (const s of plan.send) {
    const carrier = s.rows[0];
    if (s.formed && carrier) updates.push({ ids: s.rows.map((r) => r.id), set: { bundle_id: carrier.id } });
  }
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
