/**
 * The generic webhook: a signed JSON POST that any tool can receive (a
 * partner's PSA, a chat bot, a status page). Body:
 *
 *     { "type": "tandem.page", "id": "<delivery id>", "sentAt": "<ISO>",
 *       "engagement": {id, name}, "recipient": {kind, id, name}, "reason": "...",
 *       "note"?: "...", "overviewUrl"?: "...", "acknowledgeAllUrl"?: "...",
 *       "incidents": [ IncidentRef with createdAt as ISO 8601 ] }
 *
 * In a bundle each incident also carries its own `reason` (the pages folded
 * into one message may come from different tiers or policies).
 *
 * Headers: `Tandem-Delivery` (stable across retries: the receiver's
 * idempotency key) and `Tandem-Signature` (see ./signature.ts for how a
 * receiver verifies it). 2xx is delivered; 408, 429, 5xx and network errors
 * are retried; 410 (gone) and other 4xx are not.
 */
import type { Clock } from '../clock/clock.js';
import type { Channel, DeliveryResult, IncidentRef, OutboundMessage } from './channel.js';
import { classifyStatus, describeAnswer, postToContact } from './http-delivery.js';
import { DELIVERY_HEADER, SIGNATURE_HEADER, signTandemPayload } from './signature.js';

export { verifyTandemSignature, signTandemPayload, SIGNATURE_HEADER, DELIVERY_HEADER } from './signature.js';

export interface WebhookChannelOptions {
  clock: Clock;
  timeoutMs: number;
  /** HMAC key for `Tandem-Signature`. */
  secret: string;
  /** Replaces the origin of every webhook URL (staging, tests). */
  baseUrl?: string;
  /** Sent as `User-Agent: Tandem/<version>`. */
  version: string;
}

/** An incident as the webhook carries it: times as ISO 8601 strings. */
export type WebhookIncident = Omit<IncidentRef, 'createdAt'> & { createdAt: string };

/** The webhook's JSON body. */
export interface WebhookPayload {
  type: `tandem.${OutboundMessage['kind']}`;
  id: string;
  sentAt: string;
  engagement: { id: string; name: string };
  recipient: { kind: 'person' | 'team'; id: string; name: string };
  reason: string;
  note?: string;
  overviewUrl?: string;
  acknowledgeAllUrl?: string;
  incidents: WebhookIncident[];
}

/** The body for `message` sent at `nowMs` (exported for tests and docs). */
export function webhookPayload(message: OutboundMessage, nowMs: number): WebhookPayload {
  const payload: WebhookPayload = {
    type: `tandem.${message.kind}`,
    id: message.id,
    sentAt: new Date(nowMs).toISOString(),
    engagement: { id: message.engagement.id, name: message.engagement.name },
    recipient: { kind: message.recipient.kind, id: message.recipient.id, name: message.recipient.name },
    reason: message.reason,
    incidents: message.incidents.map((incident) => ({
      id: incident.id,
      number: incident.number,
      title: incident.title,
      priority: incident.priority,
      status: incident.status,
      severity: incident.severity,
      service: { id: incident.service.id, name: incident.service.name },
      createdAt: new Date(incident.createdAt).toISOString(),
      url: incident.url,
      acknowledgeUrl: incident.acknowledgeUrl,
      resolveUrl: incident.resolveUrl,
      // A bundle keeps each page's own reason.
      ...(incident.reason === undefined ? {} : { reason: incident.reason }),
    })),
  };
  if (message.note !== undefined) payload.note = message.note;
  if (message.overviewUrl !== undefined) payload.overviewUrl = message.overviewUrl;
  if (message.acknowledgeAllUrl !== undefined) payload.acknowledgeAllUrl = message.acknowledgeAllUrl;
  return payload;
}

/** Generic signed-webhook channel. */
export class WebhookChannel implements Channel {
  readonly name = 'webhook' as const;
  readonly #options: WebhookChannelOptions;

  constructor(options: WebhookChannelOptions) {
    if (options.secret === '') throw new Error('WebhookChannel: the signing secret must not be empty');
    this.#options = Object.freeze({ ...options });
  }

  async send(message: OutboundMessage): Promise<DeliveryResult> {
    const now = this.#options.clock.now();
    const body = JSON.stringify(webhookPayload(message, now));
    const attempt = await postToContact({
      what: 'webhook',
      to: message.to,
      baseUrl: this.#options.baseUrl,
      headers: {
        'content-type': 'application/json',
        'user-agent': `Tandem/${this.#options.version}`,
        [DELIVERY_HEADER.toLowerCase()]: message.id,
        [SIGNATURE_HEADER.toLowerCase()]: signTandemPayload(body, this.#options.secret, now),
      },
      body,
      timeoutMs: this.#options.timeoutMs,
    });
    if (!attempt.ok) return attempt.result;
    const { answer } = attempt;
    const result = classifyStatus(answer, `webhook ${describeAnswer(answer)}`, now);
    return result.status === 'delivered' ? { status: 'delivered', detail: `HTTP ${answer.status}` } : result;
  }
}
