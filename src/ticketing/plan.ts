/**
 * The ticketing sync's decisions, pure: which ticketing entries an incident
 * gets a ticket in (by their `sync`), which operations an incident change
 * produces, what a ticket says (summary and description), and when a failed
 * operation is tried again. The module (module.ts) runs what this decides.
 */
import type { Engagement, Service, Ticketing } from '../engagement/model.js';
import type { TicketTarget } from './client.js';

/** The operations the outbox runs. */
export type TicketOpKind = 'create' | 'transition' | 'comment' | 'priority';

/** What each kind of operation carries (stored as JSON in `ticket_ops.payload`). */
export type TicketOp =
  | { readonly kind: 'create' }
  | { readonly kind: 'transition'; readonly target: TicketTarget }
  | { readonly kind: 'comment'; readonly text: string; readonly author: string | null }
  | { readonly kind: 'priority'; readonly priority: string };

/** The ticketing entries of the engagement whose `sync` takes an incident of this priority on this service. */
export function matchingEntries(engagement: Engagement, priority: string, service: Service | undefined): Ticketing[] {
  return engagement.ticketing.filter(
    (t) => t.sync.priorities.includes(priority) && (service === undefined || t.sync.functions.includes(service.function)),
  );
}

/** The operations a status or priority change produces on each of the incident's tickets. */
export function changeOps(fields: readonly string[], status: string, priority: string): TicketOp[] {
  const ops: TicketOp[] = [];
  if (fields.includes('status')) {
    if (status === 'acknowledged') ops.push({ kind: 'transition', target: 'in_progress' });
    if (status === 'resolved') ops.push({ kind: 'transition', target: 'done' });
  }
  if (fields.includes('priority')) ops.push({ kind: 'priority', priority });
  return ops;
}

/** What a ticket is made from. */
export interface TicketContent {
  /** ACME-42. */
  readonly ref: string;
  readonly title: string;
  readonly service: string;
  readonly priority: string;
  /** The side that owned the incident when it opened, by name. */
  readonly owner: string;
  readonly link: string;
}

/** `[ACME-42] Payments API 5xx above 2%`. */
export function summary(c: TicketContent): string {
  return `[${c.ref}] ${c.title}`;
}

/** The description's lines. */
export function descriptionLines(c: TicketContent): string[] {
  return [`Service: ${c.service}`, `Priority: ${c.priority}`, `Owning side: ${c.owner}`, `Incident in Tandem: ${c.link}`];
}

/** The label that finds the ticket again after a crash between creating and recording it. */
export function correlationLabel(ref: string): string {
  return `tandem-${ref}`;
}

const BASE_MS = 1_000;
const MAX_MS = 5 * 60_000;

/**
 * When a retryable failure is tried again: the system's Retry-After when it
 * gave one (0 means now), else exponential backoff from one second, capped at
 * five minutes, with up to half of it as jitter (`random` in [0, 1)). A call
 * that got no answer (`unansweredWaitMs` given) waits at least that long: the
 * system may still be acting on it, and the retry's lookup must find what it
 * did rather than do it a second time.
 */
export function retryAt(
  now: number,
  attempts: number,
  retryAfterMs: number | undefined,
  random: number,
  unansweredWaitMs?: number,
): number {
  const floor = now + (unansweredWaitMs ?? 0);
  if (retryAfterMs !== undefined) return Math.max(floor, now + Math.max(0, retryAfterMs));
  const base = Math.min(MAX_MS, BASE_MS * 2 ** Math.max(0, attempts - 1));
  return Math.max(floor, now + Math.round(base * (1 + random / 2)));
}

/** How long a call that got no answer waits before its retry: three timeouts. */
export function unansweredWait(timeoutMs: number): number {
  return 3 * timeoutMs;
}

/** The text a comment operation writes: `<who>: <text>`. */
export function commentText(op: { readonly text: string; readonly author: string | null }): string {
  return op.author === null ? op.text : `${op.author}: ${op.text}`;
}

/**
 * Whether a note being retried already landed (its earlier attempt's answer
 * was lost): the system holds more notes with its text than the ticket's
 * earlier delivered operations wrote. Returns the landed note (one whose id no
 * earlier operation recorded), or undefined to post it. A text written twice
 * on purpose is posted twice.
 */
export function landedNote<N extends { readonly id: string | null; readonly text: string }>(
  notes: readonly N[],
  text: string,
  earlier: { readonly count: number; readonly ids: ReadonlySet<string> },
): N | undefined {
  const same = notes.filter((n) => n.text.trim() === text.trim());
  if (same.length <= earlier.count) return undefined;
  return same.filter((n) => n.id === null || !earlier.ids.has(n.id)).at(-1) ?? same.at(-1);
}
