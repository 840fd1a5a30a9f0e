/**
 * A local Twilio: the REST API Tandem sends through (Messages.json and
 * Calls.json, checked as Twilio checks them: Basic auth with the account SID
 * and auth token, required fields, E.164 numbers, callback URLs, TwiML), and
 * the other half Twilio plays: it calls Tandem back with real, signed
 * requests (`X-Twilio-Signature`, HMAC-SHA1 of the URL and the sorted form
 * fields with the auth token, computed here independently of Tandem's code)
 * carrying the fields Twilio documents for a Gather keypress, a call status
 * callback, a message status callback and an inbound SMS.
 *
 * Twilio requests the URLs it was given (Tandem's public URL); `target`
 * sends them to the local server instead, the way a reverse proxy in front
 * of Tandem would, while the signature still covers the public URL.
 */
import { createHmac } from 'node:crypto';
import { startHttpReceiver } from '../receivers/http.js';
import type { HttpReceiver, ReceiverOptions, RecordedRequest, Reply } from '../receivers/http.js';

const E164 = /^\+[1-9]\d{7,14}$/;

/** A message Twilio accepted. */
export interface FakeMessage {
  readonly sid: string;
  readonly to: string;
  readonly from: string | undefined;
  readonly messagingServiceSid: string | undefined;
  readonly body: string;
  readonly statusCallback: string | undefined;
}

/** A call Twilio placed. */
export interface FakeCall {
  readonly sid: string;
  readonly to: string;
  readonly from: string;
  readonly twiml: string;
  /** What the TwiML says, entities decoded (every `<Say>`). */
  readonly spoken: string[];
  /** The `<Gather action>` URL, decoded; undefined when the TwiML gathers nothing. */
  readonly gatherAction: string | undefined;
  readonly statusCallback: string | undefined;
  readonly statusEvents: readonly string[];
  /** Callbacks sent so far (for SequenceNumber). */
  sequence: number;
}

/** What Tandem answered a callback. */
export interface CallbackAnswer {
  readonly status: number;
  readonly contentType: string | null;
  readonly body: string;
}

export interface FakeTwilioOptions extends ReceiverOptions {
  readonly accountSid?: string;
  readonly authToken?: string;
}

export interface FakeTwilio extends HttpReceiver {
  readonly accountSid: string;
  readonly authToken: string;
  readonly messages: FakeMessage[];
  readonly calls: FakeCall[];
  /** Where callbacks really go (origin, e.g. Tandem's listening URL); the signed URL stays the one Twilio was given. */
  target: string | undefined;
  /** The person presses `digits` on the call: Twilio posts the Gather action. */
  press(call: FakeCall, digits: string, o?: SignOptions): Promise<CallbackAnswer>;
  /** Twilio reports the call's status to its StatusCallback (in-progress for "answered", or how it ended). */
  callStatus(call: FakeCall, status: string, o?: SignOptions): Promise<CallbackAnswer>;
  /** Twilio reports a message's status (delivered, undelivered, failed) to its StatusCallback. */
  messageStatus(message: FakeMessage, status: string, errorCode?: string, o?: SignOptions): Promise<CallbackAnswer>;
  /** A person texts the Twilio number: Twilio posts the inbound message to the number's webhook. */
  inboundSms(webhookUrl: string, from: string, body: string, o?: SignOptions): Promise<CallbackAnswer>;
  /** Posts any fields to a URL, signed as Twilio signs (for forged and malformed callbacks). */
  post(url: string, fields: ReadonlyArray<readonly [string, string]>, o?: SignOptions): Promise<CallbackAnswer>;
}

/** How a callback is signed: the account's token by default; another token or a fixed header forges it. */
export interface SignOptions {
  readonly token?: string;
  readonly signature?: string | null;
  /** Sign this URL instead of the one requested (a proxy that rewrote the URL). */
  readonly signedUrl?: string;
}

/** Twilio's error JSON. */
function twilioError(status: number, code: number, message: string): Reply {
  return { status, body: { code, message, more_info: `https://www.twilio.com/docs/errors/${code}`, status } };
}

function basicCredentials(header: string | undefined): { user: string; pass: string } | undefined {
  if (header === undefined || !header.startsWith('Basic ')) return undefined;
  const decoded = Buffer.from(header.slice(6), 'base64').toString('utf8');
  const colon = decoded.indexOf(':');
  return colon < 0 ? undefined : { user: decoded.slice(0, colon), pass: decoded.slice(colon + 1) };
}

function validUrl(value: string): boolean {
  try {
    const u = new URL(value);
    return (u.protocol === 'https:' || u.protocol === 'http:') && u.hostname !== '' && !u.hostname.includes('_') && value.length <= 4000;
  } catch {
    return false;
  }
}

function decodeXml(text: string): string {
  return text.replace(/&(lt|gt|amp|quot|apos);/g, (_m, e: string) => ({ lt: '<', gt: '>', amp: '&', quot: '"', apos: "'" })[e] ?? '');
}

/** The TwiML checks Twilio makes before it accepts a call: an XML document with a Response root, known verbs. */
function checkTwiml(twiml: string): string | undefined {
  const body = twiml.replace(/^<\?xml[^>]*\?>/, '').trim();
  if (!/^<Response>[\s\S]*<\/Response>$/.test(body) && body !== '<Response/>') return 'TwiML must have a <Response> root';
  for (const [, tag] of body.matchAll(/<\/?([A-Za-z]+)/g)) {
    if (!['Response', 'Say', 'Gather', 'Pause', 'Hangup', 'Redirect', 'Play'].includes(tag ?? '')) return `unknown TwiML verb <${tag}>`;
  }
  // Unescaped markup characters inside text make the document invalid.
  const text = body.replace(/<[^>]*>/g, '');
  if (/[<>]/.test(text) || /&(?!(lt|gt|amp|quot|apos);)/.test(text)) return 'TwiML is not well-formed XML';
  const gather = /<Gather\b([^>]*)>/.exec(body);
  if (gather) {
    const attrs = gather[1] ?? '';
    const action = /\baction="([^"]*)"/.exec(attrs)?.[1];
    if (action !== undefined && !validUrl(decodeXml(action))) return 'Gather action is not a valid URL';
    const digits = /\bnumDigits="([^"]*)"/.exec(attrs)?.[1];
    if (digits !== undefined && !/^[1-9]\d*$/.test(digits)) return 'Gather numDigits must be a positive integer';
  }
  return undefined;
}

/** The signature Twilio puts on a request to `url` with these fields (written from Twilio's documentation, apart from Tandem's). */
export function fakeTwilioSignature(token: string, url: string, fields: ReadonlyArray<readonly [string, string]>): string {
  const names = [...new Set(fields.map(([n]) => n))].sort();
  let data = url;
  for (const name of names) {
    const values = [...new Set(fields.filter(([n]) => n === name).map(([, v]) => v))].sort();
    for (const v of values) data += name + v;
  }
  return createHmac('sha1', token).update(data, 'utf8').digest('base64');
}

export async function fakeTwilio(options: FakeTwilioOptions = {}): Promise<FakeTwilio> {
  const accountSid = options.accountSid ?? 'AC00000000000000000000000000000001';
  const authToken = options.authToken ?? 'test-auth-token';
  const messages: FakeMessage[] = [];
  const calls: FakeCall[] = [];
  const messagesPath = `/2010-04-01/Accounts/${accountSid}/Messages.json`;
  const callsPath = `/2010-04-01/Accounts/${accountSid}/Calls.json`;
  let counter = 0;
  const nextSid = (prefix: string) => `${prefix}${(++counter).toString(16).padStart(32, '0')}`;

  function createMessage(request: RecordedRequest): Reply {
    const form = request.form ?? {};
    const { To: to, From: from, MessagingServiceSid: service, Body: body, StatusCallback: statusCallback } = form;
    if (to === undefined || to === '') return twilioError(400, 21604, "A 'To' phone number is required.");
    if (!E164.test(to)) return twilioError(400, 21211, `Invalid 'To' Phone Number: ${to}`);
    if ((from === undefined || from === '') && (service === undefined || service === '')) {
      return twilioError(400, 21603, "A 'From' phone number is required.");
    }
    if (body === undefined || body === '') return twilioError(400, 21602, 'Message body is required.');
    if (body.length > 1600) return twilioError(400, 21617, 'The concatenated message body exceeds the 1600 character limit.');
    if (statusCallback !== undefined && !validUrl(statusCallback)) return twilioError(400, 21609, "Invalid 'StatusCallback'");
    const sid = nextSid('SM');
    messages.push({ sid, to, from, messagingServiceSid: service, body, statusCallback });
    return {
      status: 201,
      body: {
        account_sid: accountSid,
        api_version: '2010-04-01',
        body,
        from: from ?? null,
        sid,
        status: 'queued',
        to,
        direction: 'outbound-api',
      },
    };
  }

  function createCall(request: RecordedRequest): Reply {
    const form = request.form ?? {};
    const params = new URLSearchParams(request.rawBody);
    const { To: to, From: from, Twiml: twiml, Url: url, ApplicationSid: app, StatusCallback: statusCallback, Timeout: timeout } = form;
    if (to === undefined || to === '') return twilioError(400, 21201, "No 'To' number is specified");
    if (!E164.test(to)) return twilioError(400, 21211, `Invalid 'To' Phone Number: ${to}`);
    if (from === undefined || from === '') return twilioError(400, 21213, "No 'From' number is specified");
    if (!E164.test(from)) return twilioError(400, 21212, `Invalid 'From' Phone Number: ${from}`);
    const given = [twiml, url, app].filter((v) => v !== undefined && v !== '').length;
    if (given !== 1) return twilioError(400, 21205, 'Exactly one of Url, Twiml or ApplicationSid is required.');
    if (twiml === undefined) return twilioError(400, 21205, 'This fake only runs inline Twiml.');
    if (twiml.length > 4000) return twilioError(400, 21205, 'Twiml is longer than 4000 characters.');
    const bad = checkTwiml(twiml);
    if (bad !== undefined) return twilioError(400, 12100, `Document parse failure: ${bad}`);
    if (timeout !== undefined && !/^\d{1,3}$/.test(timeout))
      return twilioError(400, 21219, 'Timeout must be an integer between 1 and 600.');
    if (statusCallback !== undefined && !validUrl(statusCallback)) return twilioError(400, 21609, "Invalid 'StatusCallback'");
    const statusEvents = params.getAll('StatusCallbackEvent');
    for (const e of statusEvents)
      if (!['initiated', 'ringing', 'answered', 'completed'].includes(e))
        return twilioError(400, 21626, `Invalid StatusCallbackEvent ${e}`);
    const method = form['StatusCallbackMethod'];
    if (method !== undefined && method !== 'POST' && method !== 'GET')
      return twilioError(400, 21626, 'StatusCallbackMethod must be GET or POST');
    const action = /<Gather\b[^>]*\baction="([^"]*)"/.exec(twiml)?.[1];
    const sid = nextSid('CA');
    calls.push({
      sid,
      to,
      from,
      twiml,
      spoken: [...twiml.matchAll(/<Say\b[^>]*>([\s\S]*?)<\/Say>/g)].map((m) => decodeXml(m[1] ?? '')),
      gatherAction: action === undefined ? undefined : decodeXml(action),
      statusCallback,
      statusEvents,
      sequence: 0,
    });
    return {
      status: 201,
      body: {
        account_sid: accountSid,
        api_version: '2010-04-01',
        sid,
        status: 'queued',
        to,
        from,
        direction: 'outbound-api',
        uri: `/2010-04-01/Accounts/${accountSid}/Calls/${sid}.json`,
      },
    };
  }

  const receiver = await startHttpReceiver((request) => {
    if (request.method !== 'POST' || (request.path !== messagesPath && request.path !== callsPath)) {
      return twilioError(404, 20404, `The requested resource ${request.path} was not found`);
    }
    const credentials = basicCredentials(request.headers.authorization);
    if (credentials === undefined || credentials.user !== accountSid || credentials.pass !== authToken) {
      return { ...twilioError(401, 20003, 'Authenticate'), headers: { 'www-authenticate': 'Basic realm="Twilio API"' } };
    }
    if (!(request.headers['content-type'] ?? '').startsWith('application/x-www-form-urlencoded')) {
      return twilioError(400, 20001, 'Twilio takes form-encoded parameters');
    }
    return request.path === messagesPath ? createMessage(request) : createCall(request);
  }, options);

  const fake: FakeTwilio = Object.assign(receiver, {
    accountSid,
    authToken,
    messages,
    calls,
    target: undefined as string | undefined,
    async post(url: string, fields: ReadonlyArray<readonly [string, string]>, o: SignOptions = {}): Promise<CallbackAnswer> {
      const signature = o.signature === undefined ? fakeTwilioSignature(o.token ?? authToken, o.signedUrl ?? url, fields) : o.signature;
      const requested = new URL(url);
      const actual = fake.target === undefined ? requested : new URL(`${requested.pathname}${requested.search}`, fake.target);
      const body = new URLSearchParams(fields.map(([n, v]) => [n, v])).toString();
      const res = await fetch(actual, {
        method: 'POST',
        headers: {
          'content-type': 'application/x-www-form-urlencoded',
          'user-agent': 'TwilioProxy/1.1',
          'i-twilio-idempotency-token': `${Date.now()}-${Math.random()}`,
          ...(signature === null ? {} : { 'x-twilio-signature': signature }),
        },
        body,
      });
      return { status: res.status, contentType: res.headers.get('content-type'), body: await res.text() };
    },
    press(call: FakeCall, digits: string, o?: SignOptions) {
      if (call.gatherAction === undefined) throw new Error(`call ${call.sid} gathers no keys`);
      return fake.post(
        call.gatherAction,
        [
          ['AccountSid', accountSid],
          ['ApiVersion', '2010-04-01'],
          ['CallSid', call.sid],
          ['CallStatus', 'in-progress'],
          ['Called', call.to],
          ['Caller', call.from],
          ['Digits', digits],
          ['Direction', 'outbound-api'],
          ['FinishedOnKey', ''],
          ['From', call.from],
          ['To', call.to],
          ['msg', 'Gather End'],
        ],
        o,
      );
    },
    callStatus(call: FakeCall, status: string, o?: SignOptions) {
      if (call.statusCallback === undefined) throw new Error(`call ${call.sid} has no StatusCallback`);
      // Twilio sends "answered" (in-progress) only when asked for; how a call ended always goes to a StatusCallback.
      if (status === 'in-progress' && !call.statusEvents.includes('answered')) throw new Error('answered was not subscribed');
      call.sequence += 1;
      return fake.post(
        call.statusCallback,
        [
          ['AccountSid', accountSid],
          ['ApiVersion', '2010-04-01'],
          ['CallSid', call.sid],
          ['CallStatus', status],
          ['Called', call.to],
          ['Caller', call.from],
          ['CallbackSource', 'call-progress-events'],
          ['Direction', 'outbound-api'],
          ['From', call.from],
          ['SequenceNumber', String(call.sequence - 1)],
          ['Timestamp', new Date().toUTCString().replace('GMT', '+0000')],
          ['To', call.to],
          ...(status === 'completed' ? ([['CallDuration', '21']] as const) : []),
        ],
        o,
      );
    },
    messageStatus(message: FakeMessage, status: string, errorCode?: string, o?: SignOptions) {
      if (message.statusCallback === undefined) throw new Error(`message ${message.sid} has no StatusCallback`);
      return fake.post(
        message.statusCallback,
        [
          ['AccountSid', accountSid],
          ['ApiVersion', '2010-04-01'],
          ...(errorCode === undefined ? [] : ([['ErrorCode', errorCode]] as const)),
          ['From', message.from ?? '+15550009999'],
          ['MessageSid', message.sid],
          ['MessageStatus', status],
          ['SmsSid', message.sid],
          ['SmsStatus', status],
          ['To', message.to],
        ],
        o,
      );
    },
    inboundSms(webhookUrl: string, from: string, body: string, o?: SignOptions) {
      const sid = nextSid('SM');
      return fake.post(
        webhookUrl,
        [
          ['AccountSid', accountSid],
          ['ApiVersion', '2010-04-01'],
          ['Body', body],
          ['From', from],
          ['FromCountry', 'US'],
          ['MessageSid', sid],
          ['NumMedia', '0'],
          ['NumSegments', '1'],
          ['SmsMessageSid', sid],
          ['SmsSid', sid],
          ['SmsStatus', 'received'],
          ['To', '+15550009999'],
          ['ToCountry', 'US'],
        ],
        o,
      );
    },
  });
  return fake;
}
