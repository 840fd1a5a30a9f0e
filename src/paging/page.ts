/**
 * Paging: turning "page these people and team addresses" into outbox rows,
 * one per contact and channel, due when each person's own notify rules say
 * (email at once, SMS two minutes later if still unacknowledged...). Pure:
 * escalation and SLA warnings plan the rows, and store.ts writes them.
 */
import type { Insertable } from 'kysely';
import type { NotificationsTable } from '../db/schema.js';
import type { Channel, Contact, Engagement } from '../engagement/model.js';
import { lookup } from '../engagement/model.js';
import type { Recipient } from './recipient.js';

/** An outbox row as a page writes it (store.ts `insertNotifications`). */
export type NotificationInsert = Insertable<NotificationsTable>;

/** Page these recipients about an incident (an escalation tier, or an SLA warning). */
export interface PageRequest {
  readonly engagement: Engagement;
  readonly incidentId: number;
  readonly stepId: number | null;
  readonly recipients: readonly Recipient[];
  readonly reason: string;
  readonly kind: 'page' | 'sla_warning';
  readonly note?: string;
  readonly at: number;
}

/** One message a page plans: to whom, on which channel and address, and when it is due. */
export interface PlannedMessage {
  readonly recipient: Recipient;
  readonly channel: string;
  readonly address: string;
  readonly dueAt: number;
}

/** Each recipient's messages: a person's notify rules; a team address gets one email. */
export function planMessages(engagement: Engagement, recipients: readonly Recipient[], at: number): PlannedMessage[] {
  const out: PlannedMessage[] = [];
  for (const r of recipients) {
    if (r.kind === 'team') {
      out.push({ recipient: r, channel: 'email', address: r.email, dueAt: at });
      continue;
    }
    const person = lookup(engagement).person(r.id);
    if (!person) continue;
    for (const rule of person.notify) {
      const address = contactAddress(person.contact, rule.channel);
      if (address) out.push({ recipient: r, channel: rule.channel, address, dueAt: at + rule.after.ms });
    }
  }
  return out;
}

/** Where a rule on `channel` reaches a person: the contact of that channel; a voice call rings the sms number when there is no voice number. */
export function contactAddress(contact: Contact, channel: Channel): string | undefined {
  return contact[channel] ?? (channel === 'voice' ? contact.sms : undefined);
}

/** The outbox rows a page needs, and what they plan (for the timeline). Nothing is written. */
export function pageRows(p: PageRequest): { planned: PlannedMessage[]; rows: NotificationInsert[] } {
  const planned = planMessages(p.engagement, p.recipients, p.at);
  return {
    planned,
    rows: planned.map((m) => ({
      engagement_id: p.engagement.id,
      incident_id: p.incidentId,
      step_id: p.stepId,
      recipient_kind: m.recipient.kind,
      recipient_id: m.recipient.id,
      channel: m.channel,
      address: m.address,
      kind: p.kind,
      reason: p.reason,
      note: p.note ?? null,
      created_at: p.at,
      due_at: m.dueAt,
      next_attempt_at: m.dueAt,
      status: 'pending',
      attempts: 0,
      last_error: null,
      lease_until: null,
      claimed_by: null,
      delivered_at: null,
      provider_id: null,
      bundle_id: null,
    })),
  };
}

/** "Sam Okafor (webhook), Kim Tan (sms, email after 2m), noc@nightowl.example" for the timeline. */
export function describePlan(engagement: Engagement, planned: readonly PlannedMessage[], at: number): string {
  const byRecipient = new Map<string, string[]>();
  for (const m of planned) {
    const name = m.recipient.kind === 'team' ? m.address : lookup(engagement).personName(m.recipient.id);
    const key = `${m.recipient.kind}:${m.recipient.id}:${name}`;
    const delay = m.dueAt - at;
    const what = m.recipient.kind === 'team' ? '' : `${m.channel}${delay > 0 ? ` after ${Math.round(delay / 60_000)}m` : ''}`;
    let list = byRecipient.get(key);
    if (!list) byRecipient.set(key, (list = []));
    if (what) list.push(what);
  }
  return [...byRecipient]
    .map(([key, channels]) => {
      const name = key.split(':').slice(2).join(':');
      return channels.length ? `${name} (${channels.join(', ')})` : name;
    })
    .join(', ');
}
