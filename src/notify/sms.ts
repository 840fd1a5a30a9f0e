/**
 * SMS through Twilio's Programmable Messaging REST API, as Twilio documents
 * it: `POST {baseUrl}/2010-04-01/Accounts/{AccountSid}/Messages.json`, HTTP
 * Basic auth (AccountSid:AuthToken), a form-encoded body with `To`, `From`
 * (or `MessagingServiceSid`) and `Body`. Success is `201` with the message
 * resource (`sid`, `status`); an error is JSON `{code, message, more_info,
 * status}`: 400s such as 21211 (invalid To) will fail again, 429 and 5xx may not.
 */
import type { Clock } from '../clock/clock.js';
import type { Channel, DeliveryResult, OutboundMessage } from './channel.js';
import { classifyStatus, describeAnswer, postOnce } from './http-delivery.js';
import type { HttpAnswer } from './http-delivery.js';
import { smsText } from './render.js';

/** Twilio account settings. */
export interface TwilioSettings {
  accountSid: string;
  authToken: string;
  /** An E.164 sender number, or a Messaging Service SID (`MG...`). */
  from: string;
  /** Default https://api.twilio.com; tests and staging point it at a local receiver. */
  baseUrl?: string;
  /** The Twilio number voice calls come from (E.164); default `from` when that is a number. */
  voiceFrom?: string;
}

/** Twilio's default API origin. */
export const TWILIO_BASE_URL = 'https://api.twilio.com';

export interface SmsChannelOptions {
  twilio: TwilioSettings;
  clock: Clock;
  timeoutMs: number;
  userAgent: string;
}

/** The form fields Twilio receives for `message` (exported for tests). */
export function twilioForm(message: OutboundMessage, from: string): URLSearchParams {
  const form = new URLSearchParams();
  form.set('To', message.to);
  // A Messaging Service picks the sender number itself (and handles opt-outs and geo-matching).
  if (/^MG[0-9a-f]{32}$/i.test(from)) form.set('MessagingServiceSid', from);
  else form.set('From', from);
  form.set('Body', smsText(message));
  // Twilio posts the message's fate (delivered, undelivered, failed) here; the timeline records it.
  if (message.callbacks) form.set('StatusCallback', message.callbacks.statusUrl);
  return form;
}

/** "Twilio 21211: The 'To' number +1555 is not a valid phone number. (https://www.twilio.com/docs/errors/21211)". */
export function twilioError(answer: HttpAnswer): string {
  try {
    const parsed: unknown = JSON.parse(answer.body);
    if (typeof parsed === 'object' && parsed !== null && 'message' in parsed) {
      const { code, message, more_info: moreInfo } = parsed as { code?: unknown; message?: unknown; more_info?: unknown };
      const codePart = typeof code === 'number' || typeof code === 'string' ? ` ${code}` : '';
      const infoPart = typeof moreInfo === 'string' && moreInfo !== '' ? ` (${moreInfo})` : '';
      return `Twilio${codePart}: ${String(message)}${infoPart}`;
    }
  } catch {
    // Not JSON: a proxy or load balancer answered; report it as it came.
  }
  return `Twilio ${describeAnswer(answer)}`;
}

/** The `sid` of the resource Twilio created (a message's SM..., a call's CA...). */
/**
 * One form POST to a Twilio REST resource (a message or a call), classified:
 * accepted is "delivered" to the provider, with the resource's sid as the
 * provider id, and a delivery report to follow when callbacks were asked for.
 */
export async function postTwilioForm(o: {
  url: string;
  authorization: string;
  userAgent: string;
  form: URLSearchParams;
  timeoutMs: number;
  clock: Clock;
  reportFollows: boolean;
}): Promise<DeliveryResult> {
  const attempt = await postOnce({
    url: o.url,
    headers: {
      authorization: o.authorization,
      'content-type': 'application/x-www-form-urlencoded',
      accept: 'application/json',
      'user-agent': o.userAgent,
    },
    body: o.form.toString(),
    timeoutMs: o.timeoutMs,
  });
  if (!attempt.ok) return attempt.result;
  const { answer } = attempt;
  const result = classifyStatus(answer, twilioError(answer), o.clock.now());
  if (result.status !== 'delivered') return result;
  const sid = messageSid(answer.body);
  const reports = o.reportFollows ? { reportFollows: true as const } : {};
  return sid === undefined
    ? { status: 'delivered', detail: `HTTP ${answer.status}`, ...reports }
    : { status: 'delivered', providerId: sid, detail: `HTTP ${answer.status}`, ...reports };
}

export function messageSid(body: string): string | undefined {
  try {
    const parsed: unknown = JSON.parse(body);
    if (typeof parsed === 'object' && parsed !== null && 'sid' in parsed && typeof parsed.sid === 'string') return parsed.sid;
  } catch {
    // Fall through: a 2xx without a readable sid is still a delivery to Twilio.
  }
  return undefined;
}

/** Twilio SMS channel. */
export class SmsChannel implements Channel {
  readonly name = 'sms' as const;
  readonly #options: SmsChannelOptions;
  readonly #endpoint: string;
  readonly #authorization: string;

  constructor(options: SmsChannelOptions) {
    this.#options = Object.freeze({ ...options, twilio: Object.freeze({ ...options.twilio }) });
    const base = new URL(options.twilio.baseUrl ?? TWILIO_BASE_URL);
    this.#endpoint = new URL(`/2010-04-01/Accounts/${encodeURIComponent(options.twilio.accountSid)}/Messages.json`, base.origin).toString();
    this.#authorization = `Basic ${Buffer.from(`${options.twilio.accountSid}:${options.twilio.authToken}`).toString('base64')}`;
  }

  async send(message: OutboundMessage): Promise<DeliveryResult> {
    return postTwilioForm({
      url: this.#endpoint,
      authorization: this.#authorization,
      userAgent: this.#options.userAgent,
      form: twilioForm(message, this.#options.twilio.from),
      timeoutMs: this.#options.timeoutMs,
      clock: this.#options.clock,
      reportFollows: message.callbacks !== undefined,
    });
  }
}
