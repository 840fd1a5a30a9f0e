/**
 * Paging: turning "page these people and team addresses" into outbox rows,
 * one per contact and channel, due when each person's own notify rules say
 * (email at once, SMS two minutes later if still unacknowledged...).
 */
import type { Engagement } from '../engagement/model.js';
import type { IncidentWriter } from '../incident/writer.js';
import type { Recipient } from './recipient.js';
import { insertNotifications } from './store.js';
import type { NotificationInsert } from './store.js';

export type { NotificationInsert } from './store.js';

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
    const person = engagement.people.find((p) => p.id === r.id);
    if (!person) continue;
    for (const rule of person.notify) {
      const address = person.contact[rule.channel];
      if (address) out.push({ recipient: r, channel: rule.channel, address, dueAt: at + rule.after.ms });
    }
  }
  return out;
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

/** Writes the outbox rows for a page. Returns what was planned. */
export async function enqueuePage(w: IncidentWriter, p: PageRequest): Promise<PlannedMessage[]> {
  const { planned, rows } = pageRows(p);
  await insertNotifications(w.ex, rows);
  return planned;
}

/** "Sam Okafor (webhook), Kim Tan (sms, email after 2m), noc@nightowl.example" for the timeline. */
export function describePlan(engagement: Engagement, planned: readonly PlannedMessage[], at: number): string {
  const byRecipient = new Map<string, string[]>();
  for (const m of planned) {
    const name = m.recipient.kind === 'team' ? m.address : (engagement.people.find((p) => p.id === m.recipient.id)?.name ?? m.recipient.id);
    const key = `${m.recipient.kind}:${m.recipient.id}:${name}`;
    const delay = m.dueAt - at;
    const what = m.recipient.kind === 'team' ? '' : `${m.channel}${delay > 0 ? ` after ${Math.round(delay / 60_000)}m` : ''}`;
    let list = byRecipient.get(key);
    if (!list) byRecipient.set(key, (list = []));
    if (what) list.push(what);
  }
  return [...byRecipient].map(([key, channels]) => {
    const name = key.split(':').slice(2).join(':');
    return channels.length ? `${name} (${channels.join(', ')})` : name;
  }).join(', ');
}
