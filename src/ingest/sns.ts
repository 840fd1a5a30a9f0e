/**
 * Amazon SNS HTTP(S) messages, as the `cloudwatch` integration receives them
 * (AWS: "Parsing Amazon SNS message formats", "Verifying the signatures of
 * Amazon SNS messages"). SNS posts a JSON document as text
 * (`Content-Type: text/plain; charset=UTF-8`, `x-amz-sns-message-type`), of
 * three types: `Notification`, `SubscriptionConfirmation` and
 * `UnsubscribeConfirmation`. Every one is signed: `Signature` is the Base64
 * RSA signature (SignatureVersion "1": SHA1withRSA, "2": SHA256withRSA) of a
 * canonical string of `name\nvalue\n` pairs in byte order, whose names differ
 * by type, checked against the X.509 certificate at `SigningCertURL`.
 *
 * Pure: parsing, the canonical string, the signature check and which URLs a
 * message may make Tandem fetch (https only, on an SNS host). Fetching and
 * caching the certificate is sns-certificates.ts.
 */
import { X509Certificate, verify } from 'node:crypto';
import type { KeyObject } from 'node:crypto';
import { FieldErrors, describe, isObject } from './fields.js';

export const SNS_MESSAGE_TYPES = ['Notification', 'SubscriptionConfirmation', 'UnsubscribeConfirmation'] as const;
export type SnsMessageType = (typeof SNS_MESSAGE_TYPES)[number];
export const SNS_SIGNATURE_VERSIONS = ['1', '2'] as const;

/** The hosts SNS signs from when the integration names none: `sns.<region>.amazonaws.com` (and `.com.cn` in China). */
export const SNS_DEFAULT_HOST = /^sns\.[a-z0-9-]+\.amazonaws\.com(\.cn)?$/;

/** SNS messages are at most 256 KB; the canonical fields are bounded so a forged body costs little to check. */
const MESSAGE_MAX = 262_144;
const FIELD_MAX = 2048;
/** An RSA signature of up to 8192 bits, Base64. */
const SIGNATURE_PATTERN = /^[A-Za-z0-9+/]{1,1400}={0,2}$/;

export interface SnsMessage {
  readonly type: SnsMessageType;
  readonly messageId: string;
  readonly topicArn: string;
  readonly message: string;
  readonly timestamp: string;
  /** Notification only, and only when the publisher gave one. */
  readonly subject?: string;
  /** Confirmations only. */
  readonly token?: string;
  readonly subscribeUrl?: string;
  readonly signatureVersion: (typeof SNS_SIGNATURE_VERSIONS)[number];
  readonly signature: string;
  readonly signingCertUrl: string;
}

/** Stable codes of refused SNS messages (docs/ingest.md), in the ingest error body beside `errors`. */
export const SNS_ERROR_CODES = [
  'SNS_MESSAGE_INVALID',
  'SNS_CERT_URL_REFUSED',
  'SNS_SUBSCRIBE_URL_REFUSED',
  'SNS_CERT_INVALID',
  'SNS_SIGNATURE_INVALID',
  'SNS_CERT_UNAVAILABLE',
  'SNS_CONFIRM_FAILED',
] as const;
export type SnsErrorCode = (typeof SNS_ERROR_CODES)[number];

/** Why a message is refused: the HTTP status, a stable code, the field at fault and every problem found. */
export interface SnsRefusal {
  readonly status: 400 | 401 | 503;
  readonly code: SnsErrorCode;
  readonly field: string;
  readonly errors: readonly string[];
}

export type SnsParse = { ok: true; value: SnsMessage } | { ok: false; refusal: SnsRefusal };

/** The field an error sentence names (`'Token' is missing` -> Token). */
function fieldOf(error: string | undefined): string {
  return /^'([^']+)'/.exec(error ?? '')?.[1] ?? '(the body)';
}

function invalid(errors: readonly string[]): { ok: false; refusal: SnsRefusal } {
  return { ok: false, refusal: { status: 400, code: 'SNS_MESSAGE_INVALID', field: fieldOf(errors[0]), errors } };
}

/**
 * Reads an SNS envelope. `headerType` is `x-amz-sns-message-type` when sent:
 * it must agree with `Type`. Every missing or malformed field is reported.
 */
export function parseSnsMessage(body: unknown, headerType: string | undefined): SnsParse {
  if (!isObject(body)) return invalid([`the body must be an Amazon SNS message (a JSON object), got ${describe(body)}`]);
  if (body['Type'] === undefined && ('AlarmArn' in body || 'detail-type' in body))
    return invalid([
      `'Type' is missing: this is a CloudWatch alarm without its SNS envelope; turn off raw message delivery on the SNS subscription`,
    ]);
  const errors = new FieldErrors();
  const type = errors.oneOf(body, 'Type', 'Type', SNS_MESSAGE_TYPES, true);
  if (type !== undefined && headerType !== undefined && headerType !== type)
    errors.add(`'x-amz-sns-message-type' is "${headerType.slice(0, 40)}" but 'Type' is "${type}"; SNS sends the same type in both`);
  const messageId = errors.requiredString(body, 'MessageId', 'MessageId', FIELD_MAX);
  const topicArn = errors.requiredString(body, 'TopicArn', 'TopicArn', FIELD_MAX);
  const rawMessage = body['Message'];
  const message = typeof rawMessage === 'string' ? rawMessage : undefined;
  if (message === undefined) errors.add(`'Message' must be a string, got ${describe(rawMessage)}`);
  else if (message.length > MESSAGE_MAX) errors.add(`'Message' is ${message.length} characters long; SNS allows at most 256 KB`);
  const timestamp = errors.requiredString(body, 'Timestamp', 'Timestamp', 64);
  const signatureVersion = errors.oneOf(body, 'SignatureVersion', 'SignatureVersion', SNS_SIGNATURE_VERSIONS, true);
  const signature = errors.requiredString(body, 'Signature', 'Signature', 2048);
  if (signature !== undefined && !SIGNATURE_PATTERN.test(signature)) errors.add(`'Signature' is not Base64`);
  const signingCertUrl = errors.requiredString(body, 'SigningCertURL', 'SigningCertURL', FIELD_MAX);
  let subject: string | undefined;
  let token: string | undefined;
  let subscribeUrl: string | undefined;
  if (type === 'Notification') {
    subject = errors.optionalString(body, 'Subject', 'Subject', FIELD_MAX);
  } else if (type !== undefined) {
    token = errors.requiredString(body, 'Token', 'Token', FIELD_MAX);
    subscribeUrl = errors.requiredString(body, 'SubscribeURL', 'SubscribeURL', FIELD_MAX);
  }
  if (
    errors.list.length > 0 ||
    type === undefined ||
    messageId === undefined ||
    topicArn === undefined ||
    message === undefined ||
    timestamp === undefined ||
    signatureVersion === undefined ||
    signature === undefined ||
    signingCertUrl === undefined
  )
    return invalid(errors.list);
  return {
    ok: true,
    value: {
      type,
      messageId,
      topicArn,
      message,
      timestamp,
      ...(subject === undefined ? {} : { subject }),
      ...(token === undefined ? {} : { token }),
      ...(subscribeUrl === undefined ? {} : { subscribeUrl }),
      signatureVersion,
      signature,
      signingCertUrl,
    },
  };
}

/**
 * The string SNS signs: each name, a newline, its value, a newline, in byte
 * order of the names. A Notification signs Message, MessageId, Subject (when
 * present), Timestamp, TopicArn and Type; a SubscriptionConfirmation or
 * UnsubscribeConfirmation signs Message, MessageId, SubscribeURL, Timestamp,
 * Token, TopicArn and Type.
 */
export function canonicalString(m: SnsMessage): string {
  const pairs: Array<[string, string | undefined]> =
    m.type === 'Notification'
      ? [
          ['Message', m.message],
          ['MessageId', m.messageId],
          ...(m.subject === undefined ? [] : ([['Subject', m.subject]] as Array<[string, string]>)),
          ['Timestamp', m.timestamp],
          ['TopicArn', m.topicArn],
          ['Type', m.type],
        ]
      : [
          ['Message', m.message],
          ['MessageId', m.messageId],
          ['SubscribeURL', m.subscribeUrl],
          ['Timestamp', m.timestamp],
          ['Token', m.token],
          ['TopicArn', m.topicArn],
          ['Type', m.type],
        ];
  return pairs.map(([name, value]) => `${name}\n${value ?? ''}\n`).join('');
}

/** Whether `Signature` is the signature of the message's canonical string by `publicKey` (SHA1withRSA for version 1, SHA256withRSA for 2). */
export function signatureMatches(m: SnsMessage, publicKey: KeyObject): boolean {
  const algorithm = m.signatureVersion === '1' ? 'sha1' : 'sha256';
  try {
    return verify(algorithm, Buffer.from(canonicalString(m), 'utf8'), publicKey, Buffer.from(m.signature, 'base64'));
  } catch {
    // A key of another type (not RSA) or a signature of the wrong length: not a signature by this certificate.
    return false;
  }
}

/** The public key of a PEM X.509 certificate (an RSA key, as SNS signs with), or why there is none. */
export function certificateKey(pem: string): { ok: true; key: KeyObject } | { ok: false; error: string } {
  if (!pem.includes('-----BEGIN CERTIFICATE-----')) return { ok: false, error: 'is not a PEM X.509 certificate' };
  try {
    const key = new X509Certificate(pem).publicKey;
    if (key.asymmetricKeyType !== 'rsa')
      return { ok: false, error: `holds an ${key.asymmetricKeyType ?? 'unknown'} key; SNS signs with RSA` };
    return { ok: true, key };
  } catch (err) {
    return { ok: false, error: `is not a readable X.509 certificate (${err instanceof Error ? err.message : String(err)})` };
  }
}

/**
 * Why Tandem must not fetch `text` for a message, or the URL: https only, no
 * user name or password, on a host of `hosts` (the integration's
 * `sns_cert_hosts`, exact host names) or, when it names none, on a host of
 * the AWS pattern `sns.<region>.amazonaws.com(.cn)`.
 * A certificate URL must name a `.pem` file; a subscribe URL must be SNS's
 * `Action=ConfirmSubscription`.
 */
export function snsUrlProblem(
  text: string,
  field: 'SigningCertURL' | 'SubscribeURL',
  hosts: readonly string[] | undefined,
): { ok: true; url: URL } | { ok: false; error: string } {
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    return { ok: false, error: `'${field}' is not a URL` };
  }
  if (url.protocol !== 'https:')
    return { ok: false, error: `'${field}' must be an https URL; Tandem fetches nothing for SNS over ${url.protocol.replace(':', '')}` };
  if (url.username !== '' || url.password !== '') return { ok: false, error: `'${field}' must not carry a user name or password` };
  const host = url.hostname.toLowerCase();
  const allowed = hosts !== undefined && hosts.length > 0 ? hosts.includes(host) : SNS_DEFAULT_HOST.test(host);
  if (!allowed) {
    const expected =
      hosts !== undefined && hosts.length > 0
        ? `one of this integration's sns_cert_hosts (${hosts.join(', ')})`
        : 'an Amazon SNS host like sns.eu-central-1.amazonaws.com (or set sns_cert_hosts on the integration)';
    return { ok: false, error: `'${field}' is on host ${JSON.stringify(host.slice(0, 100))}; expected ${expected}` };
  }
  if (field === 'SigningCertURL' && !url.pathname.endsWith('.pem'))
    return { ok: false, error: `'SigningCertURL' must name a .pem certificate file` };
  if (field === 'SubscribeURL' && url.searchParams.get('Action') !== 'ConfirmSubscription')
    return { ok: false, error: `'SubscribeURL' must be an SNS confirmation URL (Action=ConfirmSubscription)` };
  return { ok: true, url };
}
