/**
 * The sentences delivery writes into incident timelines, in one place, so
 * the plan reads as decisions and the wording can be read (and changed)
 * together. Each function only formats; nothing here decides.
 */
import type { NotificationRow } from '../db/schema.js';
import type { Engagement } from '../engagement/model.js';
import { lookup } from '../engagement/model.js';

/** The name a message's recipient goes by: the person's name, or "team <id>" for a team address. */
export function recipientName(engagement: Engagement | undefined, row: Pick<NotificationRow, 'recipient_kind' | 'recipient_id'>): string {
  if (row.recipient_kind === 'team') return `team ${row.recipient_id}`;
  return engagement ? lookup(engagement).personName(row.recipient_id) : row.recipient_id;
}

/** Who one send went to: the recipient's name, the contact, and how many messages it carried (a bundle when more than one). */
export interface SendTarget {
  readonly name: string;
  readonly channel: string;
  readonly address: string;
  readonly bundled: number;
}

/** "Sam Okafor by webhook (https://...)", and " in a bundle of 3 incidents" when the send carried several. */
function label(t: SendTarget): string {
  return `${t.name} by ${t.channel} (${t.address})${t.bundled > 1 ? ` in a bundle of ${t.bundled} incidents` : ''}`;
}

/** A page not sent because the incident no longer needs it (acknowledged, resolved, deleted). */
export function cancelled(name: string, channel: string, incidentStatus: string): string {
  return `Not sent to ${name} by ${channel}: the incident was ${incidentStatus} first.`;
}

/** The provider accepted the message; the attempt is named when it was not the first. */
export function delivered(t: SendTarget, attempt: number): string {
  return `Paged ${label(t)}: delivered${attempt > 1 ? ` on attempt ${attempt}` : ''}.`;
}

/** The provider accepted the message and will report whether it reached the person (an SMS delivered, a call answered). */
export function accepted(t: SendTarget, attempt: number): string {
  return `Paged ${label(t)}: accepted by the provider${attempt > 1 ? ` on attempt ${attempt}` : ''}; its delivery report follows.`;
}

/** The message will not be sent: the provider refused it for good (`permanent`), or every attempt failed. */
export function failed(t: SendTarget, permanent: boolean, attempt: number, error: string): string {
  return `Paging ${label(t)} ${permanent ? 'failed permanently' : `failed after ${attempt} attempts`}: ${error}`;
}

/** An attempt failed in a way worth retrying, and when the next comes. */
export function retrying(t: SendTarget, attempt: number, error: string, delayMs: number): string {
  return `Paging ${label(t)}: attempt ${attempt} failed (${error}); retrying in ${Math.round(delayMs / 1000)}s.`;
}

/** The error a channel that is not configured on this server gives every message for it. */
export function channelNotConfigured(channel: string): string {
  return `channel ${channel} is not configured on this server`;
}
