/**
 * What a send says: the provider-neutral message for one contact's due
 * outbox rows (one incident, or a bundle of several), with the signed
 * one-click links and the delivery id receivers deduplicate by. Pure, given
 * the link signer.
 */
import type { IncidentRow, NotificationRow } from '../db/schema.js';
import { incidentPrefix } from '../deployment/deployment.js';
import type { Engagement } from '../engagement/model.js';
import { lookup } from '../engagement/model.js';
import type { ChannelName, IncidentRef, OutboundMessage } from '../notify/channel.js';
import { TWILIO_STATUS_PATH, TWILIO_VOICE_PATH } from '../notify/twilio.js';
import type { LinkSigner } from '../respond/links.js';
import { LINK_TTL_MS } from '../respond/links.js';
import type { Send } from './plan.js';

/** What a message is built from besides its rows. */
export interface OutboundContext {
  readonly engagement: Engagement | undefined;
  readonly incidents: ReadonlyMap<number, IncidentRow>;
  readonly links: LinkSigner;
  readonly publicUrl: string;
  readonly recipientName: string;
  /** When the links' lifetime starts. */
  readonly now: number;
}

/**
 * Stable across retries and re-sends: receivers drop duplicates by it
 * (Tandem-Delivery, Message-ID). Named by the send's recorded carrier
 * (`bundle_id`, written before the send leaves), so one id is always one
 * message with the same pages.
 */
export function deliveryId(carrier: NotificationRow): string {
  return `tandem-${carrier.engagement_id}-${carrier.bundle_id ?? carrier.id}`;
}

/** The message for a send on `channel`; its first row carries it. */
export function outboundMessage(s: Send, channel: ChannelName, o: OutboundContext): OutboundMessage {
  const carrier = s.rows[0];
  if (!carrier) throw new Error('empty send');
  const bundle = s.rows.length > 1;
  return {
    id: deliveryId(carrier),
    channel,
    to: s.address,
    recipient: { kind: carrier.recipient_kind === 'team' ? 'team' : 'person', id: carrier.recipient_id, name: o.recipientName },
    engagement: { id: carrier.engagement_id, name: o.engagement?.name ?? carrier.engagement_id },
    kind: bundle ? 'bundle' : carrier.kind === 'sla_warning' ? 'sla_warning' : 'page',
    incidents: s.rows.flatMap((row) => incidentRef(s, row, o)),
    reason: carrier.reason,
    ...(carrier.note ? { note: carrier.note } : {}),
    ...(bundle ? { overviewUrl: `${o.publicUrl}/incidents?status=triggered` } : {}),
    ...(channel === 'sms' || channel === 'voice' ? { callbacks: twilioCallbacks(carrier, channel, o) } : {}),
  };
}

/** Where Twilio reports back about this send: one signed token naming the carrier row, its incident and its recipient. */
function twilioCallbacks(carrier: NotificationRow, channel: ChannelName, o: OutboundContext): { statusUrl: string; voiceUrl: string } {
  const token = o.links.callbackToken({
    notification: carrier.id,
    incident: carrier.incident_id,
    responder: `${carrier.recipient_kind}:${carrier.recipient_id}`,
    expires: o.now + LINK_TTL_MS,
    via: channel,
  });
  return { statusUrl: `${o.publicUrl}${TWILIO_STATUS_PATH}/${token}`, voiceUrl: `${o.publicUrl}${TWILIO_VOICE_PATH}/${token}` };
}

/** One row's incident as the message shows it (none when the incident is gone). */
function incidentRef(s: Send, row: NotificationRow, o: OutboundContext): IncidentRef[] {
  const i = o.incidents.get(row.incident_id);
  if (!i) return [];
  const carrier = s.rows[0] ?? row;
  const number = `${incidentPrefix(i.engagement_id)}-${i.number}`;
  const claims = {
    incident: i.id,
    responder: `${carrier.recipient_kind}:${carrier.recipient_id}`,
    expires: o.now + LINK_TTL_MS,
    via: s.channel,
  };
  return [
    {
      id: i.id,
      number,
      title: i.title,
      priority: i.priority,
      status: i.status,
      severity: i.severity,
      service: { id: i.service_id, name: o.engagement ? lookup(o.engagement).serviceName(i.service_id) : i.service_id },
      createdAt: i.created_at,
      url: `${o.publicUrl}/incidents/${number}`,
      acknowledgeUrl: o.links.url({ ...claims, action: 'acknowledge' }),
      resolveUrl: o.links.url({ ...claims, action: 'resolve' }),
      // A bundle keeps each page's own reason (tier, policy, side): they may differ.
      ...(s.rows.length > 1 ? { reason: row.reason } : {}),
    },
  ];
}
