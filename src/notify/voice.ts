/**
 * Voice calls through Twilio's Programmable Voice REST API, as Twilio
 * documents it: `POST {baseUrl}/2010-04-01/Accounts/{AccountSid}/Calls.json`,
 * HTTP Basic auth (AccountSid:AuthToken), a form-encoded body with `To`,
 * `From` (a Twilio number, E.164) and the call's instructions inline as
 * `Twiml` (at most 4,000 characters), plus `StatusCallback` with the
 * `StatusCallbackEvent`s to report. Success is `201` with the call resource
 * (`sid` "CA..."); errors are Twilio's JSON, as for SMS.
 *
 * The call reads the incident and gathers one key: the `<Gather action>`
 * URL carries a signed token naming this delivery (see respond/twilio.ts),
 * so the keypress acknowledges (1) or escalates (2) as the person called.
 * Twilio reports the call's fate (answered; completed, busy, no-answer,
 * failed, canceled) to the status URL; a missed call moves the person's
 * next notify rule up.
 */
import type { Clock } from '../clock/clock.js';
import type { Channel, DeliveryResult, OutboundMessage } from './channel.js';
import { voiceScript } from './render.js';
import { TWILIO_BASE_URL, postTwilioForm } from './sms.js';
import type { TwilioSettings } from './sms.js';
import { gather, say, twiml } from './twilio.js';

/** Twilio refuses a `Twiml` parameter longer than this. */
export const TWIML_MAX_CHARS = 4000;
/** Seconds the phone rings before Twilio gives up (`no-answer`); before most voicemail picks up. */
export const RING_SECONDS = 30;

export interface VoiceChannelOptions {
  /** `voiceFrom` (or else `from`, when it is a phone number) is the caller id. */
  twilio: TwilioSettings;
  clock: Clock;
  timeoutMs: number;
  userAgent: string;
}

/** The caller id voice calls use: `voiceFrom`, or `from` when it is a number (a Messaging Service cannot call). */
export function voiceCallerId(twilio: TwilioSettings): string | undefined {
  if (twilio.voiceFrom !== undefined && twilio.voiceFrom !== '') return twilio.voiceFrom;
  return /^\+[1-9]\d{1,14}$/.test(twilio.from) ? twilio.from : undefined;
}

/** The TwiML a call runs: the script and one gathered key when the message has a keypress URL; the script alone otherwise. */
export function callTwiml(message: OutboundMessage): string {
  const script = voiceScript(message);
  const goodbye = say('No key was pressed. Tandem will try your next contact. Goodbye.');
  const build = (text: string) =>
    message.callbacks && message.kind !== 'test' ? twiml(gather(message.callbacks.voiceUrl, text) + goodbye) : twiml(say(text));
  const full = build(script);
  if (full.length <= TWIML_MAX_CHARS) return full;
  // Cut the spoken words (never the URL) to fit Twilio's limit; the keys are said last, so keep them.
  // Removing n characters of text shortens the TwiML by at least n (escaping only lengthens); "... " adds 4.
  const overflow = full.length - TWIML_MAX_CHARS + 4;
  return build(`${script.slice(0, Math.max(0, script.length - overflow - 80))}... ${script.slice(-80)}`);
}

/** The form fields Twilio receives to place the call (exported for tests). */
export function callForm(message: OutboundMessage, from: string): URLSearchParams {
  const form = new URLSearchParams();
  form.set('To', message.to);
  form.set('From', from);
  form.set('Twiml', callTwiml(message));
  form.set('Timeout', String(RING_SECONDS));
  if (message.callbacks) {
    form.set('StatusCallback', message.callbacks.statusUrl);
    form.set('StatusCallbackMethod', 'POST');
    // Answered: the call reached the person (delivered). Completed: how it ended (completed, busy, no-answer, failed, canceled).
    form.append('StatusCallbackEvent', 'answered');
    form.append('StatusCallbackEvent', 'completed');
  }
  return form;
}

/** Twilio voice channel. */
export class VoiceChannel implements Channel {
  readonly name = 'voice' as const;
  readonly #options: VoiceChannelOptions;
  readonly #endpoint: string;
  readonly #authorization: string;
  readonly #from: string | undefined;

  constructor(options: VoiceChannelOptions) {
    this.#options = Object.freeze({ ...options, twilio: Object.freeze({ ...options.twilio }) });
    const base = new URL(options.twilio.baseUrl ?? TWILIO_BASE_URL);
    this.#endpoint = new URL(`/2010-04-01/Accounts/${encodeURIComponent(options.twilio.accountSid)}/Calls.json`, base.origin).toString();
    this.#authorization = `Basic ${Buffer.from(`${options.twilio.accountSid}:${options.twilio.authToken}`).toString('base64')}`;
    this.#from = voiceCallerId(options.twilio);
  }

  async send(message: OutboundMessage): Promise<DeliveryResult> {
    if (this.#from === undefined) {
      return {
        status: 'permanent',
        error: 'no caller id for voice calls: set --twilio-voice-from (a Messaging Service cannot place calls)',
      };
    }
    return postTwilioForm({
      url: this.#endpoint,
      authorization: this.#authorization,
      userAgent: this.#options.userAgent,
      form: callForm(message, this.#from),
      timeoutMs: this.#options.timeoutMs,
      clock: this.#options.clock,
      reportFollows: message.callbacks !== undefined,
    });
  }
}
