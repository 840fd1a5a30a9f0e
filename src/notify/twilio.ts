/**
 * What Tandem shares with Twilio besides sending: the paths Twilio calls
 * back on, the `X-Twilio-Signature` every callback carries, and TwiML.
 *
 * The signature, as Twilio documents it and its libraries check it: take the
 * full URL Twilio requested (scheme, host, path and query string), append
 * each POST parameter sorted by name (case-sensitive, code-unit order) as
 * name immediately followed by value (a name sent several times: its
 * distinct values, sorted), HMAC-SHA1 the result with the account's auth
 * token, base64. Twilio is not consistent about the port: its libraries
 * accept the URL with the scheme's default port written out or left off,
 * and so does {@link verifyTwilioSignature}. Pure.
 */
import { createHmac, timingSafeEqual } from 'node:crypto';

/** Where Twilio reports a message's or a call's fate: `/integrations/twilio/status/{token}`. */
export const TWILIO_STATUS_PATH = '/integrations/twilio/status';
/** Where a call's keypresses go: `/integrations/twilio/voice/{token}`. */
export const TWILIO_VOICE_PATH = '/integrations/twilio/voice';
/** The inbound SMS webhook of the Twilio number (replies such as "ACK 42"). */
export const TWILIO_SMS_PATH = '/integrations/twilio/sms';

/** Form fields as Twilio posts them: a name may repeat. */
export type TwilioParams = ReadonlyArray<readonly [string, string]>;

/** The string Twilio signs: the URL, then every parameter sorted by name (repeated names: distinct values sorted). */
export function twilioSignedString(url: string, params: TwilioParams): string {
  const byName = new Map<string, Set<string>>();
  for (const [name, value] of params) {
    let values = byName.get(name);
    if (!values) byName.set(name, (values = new Set()));
    values.add(value);
  }
  let data = url;
  for (const name of [...byName.keys()].sort()) for (const value of [...(byName.get(name) ?? [])].sort()) data += name + value;
  return data;
}

/** `X-Twilio-Signature` for a request to `url` with these POST parameters. */
export function twilioSignature(authToken: string, url: string, params: TwilioParams): string {
  return createHmac('sha1', authToken)
    .update(Buffer.from(twilioSignedString(url, params), 'utf8'))
    .digest('base64');
}

/** The URL with the scheme's default port written out, and with no port: Twilio may have signed either. */
function urlForms(url: string): string[] {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    return [url];
  }
  const forms = new Set<string>([url]);
  // WHATWG URL drops a default port (parsed.port is then ''), so both forms are built from the parts.
  const defaultPort = parsed.protocol === 'https:' ? '443' : parsed.protocol === 'http:' ? '80' : '';
  if (parsed.port === '' && defaultPort !== '') {
    const rest = `${parsed.pathname}${parsed.search}`;
    forms.add(`${parsed.protocol}//${parsed.hostname}:${defaultPort}${rest}`);
    forms.add(`${parsed.protocol}//${parsed.hostname}${rest}`);
  }
  return [...forms];
}

/** Whether `signature` is Twilio's for this request (constant-time; the URL with or without its default port). */
export function verifyTwilioSignature(authToken: string, signature: string | undefined, url: string, params: TwilioParams): boolean {
  if (signature === undefined || signature === '' || signature.length > 200) return false;
  const given = Buffer.from(signature, 'utf8');
  let ok = false;
  for (const form of urlForms(url)) {
    const expected = Buffer.from(twilioSignature(authToken, form, params), 'utf8');
    // Every form is compared, so the time taken does not say which one matched.
    if (given.length === expected.length && timingSafeEqual(given, expected)) ok = true;
  }
  return ok;
}

/** Text escaped for XML character data and attribute values. */
export function xmlEscape(text: string): string {
  return text.replace(/[<>&"']/g, (c) => ({ '<': '&lt;', '>': '&gt;', '&': '&amp;', '"': '&quot;', "'": '&apos;' })[c] ?? c);
}

/** A TwiML document around already-escaped verbs. */
export function twiml(verbs: string): string {
  return `<?xml version="1.0" encoding="UTF-8"?><Response>${verbs}</Response>`;
}

/** `<Say>` of plain text (escaped here). */
export function say(text: string): string {
  return `<Say>${xmlEscape(text)}</Say>`;
}

/** `<Message>` of plain text (escaped here): the SMS reply to an inbound message. */
export function message(text: string): string {
  return `<Message>${xmlEscape(text)}</Message>`;
}

/** One keypress gathered and posted to `action`, with `prompt` read (twice) while Twilio waits for it. */
export function gather(action: string, prompt: string): string {
  return `<Gather input="dtmf" numDigits="1" timeout="8" method="POST" action="${xmlEscape(action)}"><Say loop="2">${xmlEscape(prompt)}</Say></Gather>`;
}
