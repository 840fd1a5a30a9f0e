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
 * five minutes, with up to half of it as jitter (`random` in [0, 1)).
 */
export function retryAt(now: number, attempts: number, retryAfterMs: number | undefined, random: number): number {
  if (retryAfterMs !== undefined) return now + Math.max(0, retryAfterMs);
  const base = Math.min(MAX_MS, BASE_MS * 2 ** Math.max(0, attempts - 1));
  return now + Math.round(base * (1 + random / 2));
}
