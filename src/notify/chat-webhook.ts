/**
 * What the Slack and Teams channels share: both POST a JSON body to the
 * contact's incoming-webhook URL and read the answer with the common HTTP
 * status rules. They differ only in the body they build and in how they read
 * a 2xx answer (Teams' classic connectors hide throttling inside a 200), so
 * each provider passes those two as a {@link ChatWebhook}.
 */
import type { Clock } from '../clock/clock.js';
import type { DeliveryResult, OutboundMessage } from './channel.js';
import { classifyStatus, describeAnswer, postToContact } from './http-delivery.js';
import type { HttpAnswer } from './http-delivery.js';

/** A chat webhook channel's settings. */
export interface ChatWebhookOptions {
  clock: Clock;
  timeoutMs: number;
  /** Replaces the origin of every webhook URL (staging, tests). */
  baseUrl?: string;
  userAgent: string;
}

/** The vendor-specific half of a chat webhook channel. */
export interface ChatWebhook {
  /** "Slack", "Teams": names the URL and the answer in errors. */
  readonly vendor: string;
  /** The JSON body for a message. */
  payload(message: OutboundMessage): unknown;
  /** Reads an answer the status rules call delivered: the detail to keep, or the failure the body reveals. */
  delivered(answer: HttpAnswer, nowMs: number): DeliveryResult;
}

/** One POST of the vendor's body to the message's webhook URL, classified. Never throws. */
export async function sendChatWebhook(options: ChatWebhookOptions, hook: ChatWebhook, message: OutboundMessage): Promise<DeliveryResult> {
  const attempt = await postToContact({
    what: `${hook.vendor} webhook`,
    to: message.to,
    baseUrl: options.baseUrl,
    headers: { 'content-type': 'application/json; charset=utf-8', 'user-agent': options.userAgent },
    body: JSON.stringify(hook.payload(message)),
    timeoutMs: options.timeoutMs,
  });
  if (!attempt.ok) return attempt.result;
  const { answer } = attempt;
  const now = options.clock.now();
  const result = classifyStatus(answer, `${hook.vendor} ${describeAnswer(answer)}`, now);
  return result.status === 'delivered' ? hook.delivered(answer, now) : result;
}
