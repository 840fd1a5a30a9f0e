/**
 * Real HTTP peers for notification tests (node:http on 127.0.0.1 and a free
 * port): a generic recording receiver, and receivers that answer like Twilio,
 * Slack, Microsoft Teams and a Tandem webhook consumer do, including their
 * error bodies. Each records every request and can be scripted to fail
 * (`failNext`), to never answer (`hangNext`) or to answer slowly in virtual
 * time (`beforeAnswer: slowPeer(...)`), so retry, Retry-After, timeout and
 * lease handling are tested against real sockets.
 */
import { createServer } from 'node:http';
import type { IncomingHttpHeaders, IncomingMessage, ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { systemClock } from '../../../src/clock/clock.js';
import type { Clock, VirtualClock } from '../../../src/clock/clock.js';
import { verifyTandemSignature } from '../../../src/notify/signature.js';

/** One request as received. */
export interface RecordedRequest {
  method: string;
  /** Path without the query. */
  path: string;
  query: URLSearchParams;
  /** Lowercase header names, as node:http gives them. */
  headers: IncomingHttpHeaders;
  rawBody: string;
  /** JSON bodies parsed; form bodies as a plain object; otherwise undefined. */
  body: unknown;
  /** Form fields, for application/x-www-form-urlencoded bodies. */
  form: Record<string, string> | undefined;
  /** Clock time the request was complete. */
  receivedAt: number;
}

/** What a handler answers. An object body is sent as JSON. */
export interface Reply {
  status: number;
  body?: string | object;
  headers?: Record<string, string>;
}

export type Handler = (request: RecordedRequest) => Reply;

export interface ReceiverOptions {
  /** Stamps `receivedAt`; defaults to the system clock. */
  clock?: Clock;
  /** Called for every request as it is recorded, scripted or not. */
  onRequest?: (request: RecordedRequest) => void;
  /** Awaited before each request is answered (a slow peer, see {@link slowPeer}); the request is recorded first. */
  beforeAnswer?: (request: RecordedRequest) => Promise<void>;
}

/**
 * A peer that takes `ms` of virtual time to answer each request, for
 * `beforeAnswer`. Requests are held until none has arrived for `quietMs` of
 * real time (the sender has sent all it sends at this instant), then the
 * clock moves on to their arrival plus `ms` and all of them are answered:
 * requests in flight together are answered together, as by a provider that
 * is slow but not serial, however long the sender takes between sends in
 * real time.
 */
export function slowPeer(clock: VirtualClock, ms: number, quietMs = 40): (request: RecordedRequest) => Promise<void> {
  let held: Array<{ at: number; answer: () => void }> = [];
  let timer: NodeJS.Timeout | undefined;
  const release = (): void => {
    const batch = held;
    held = [];
    timer = undefined;
    clock.set(Math.max(clock.now(), ...batch.map((h) => h.at + ms)));
    for (const h of batch) h.answer();
  };
  return (request) =>
    new Promise<void>((resolve) => {
      held.push({ at: request.receivedAt, answer: resolve });
      if (timer) clearTimeout(timer);
      timer = setTimeout(release, quietMs);
    });
}

export interface HttpReceiver {
  /** `http://127.0.0.1:<port>`: use as a *BaseUrl override, or append a path. */
  readonly url: string;
  readonly port: number;
  readonly requests: RecordedRequest[];
  /** `url` + path. */
  urlFor(path: string): string;
  /** The next `n` requests get this answer instead of the normal one (they are still recorded). */
  failNext(n: number, status: number, body?: string | object, headers?: Record<string, string>): void;
  /** The next `n` requests are read and recorded, then never answered (until close). */
  hangNext(n?: number): void;
  /** Resolves once `count` requests have arrived. */
  waitFor(count: number, timeoutMs?: number): Promise<RecordedRequest[]>;
  close(): Promise<void>;
}

type Scripted = { kind: 'reply'; reply: Reply } | { kind: 'hang' };

function parseBody(headers: IncomingHttpHeaders, raw: string): { body: unknown; form: Record<string, string> | undefined } {
  const type = (headers['content-type'] ?? '').toLowerCase();
  if (type.startsWith('application/x-www-form-urlencoded')) {
    const form = Object.fromEntries(new URLSearchParams(raw));
    return { body: form, form };
  }
  if (type.startsWith('application/json')) {
    try {
      return { body: JSON.parse(raw) as unknown, form: undefined };
    } catch {
      return { body: undefined, form: undefined };
    }
  }
  return { body: undefined, form: undefined };
}

function send(res: ServerResponse, reply: Reply): void {
  const headers: Record<string, string> = { ...(reply.headers ?? {}) };
  let body = '';
  if (typeof reply.body === 'string') body = reply.body;
  else if (reply.body !== undefined) {
    body = JSON.stringify(reply.body);
    headers['content-type'] ??= 'application/json; charset=utf-8';
  }
  res.writeHead(reply.status, headers);
  res.end(body);
}

/** Starts a recording receiver; `handler` gives the normal answer (default 200 "ok"). */
export async function startHttpReceiver(
  handler: Handler = () => ({ status: 200, body: 'ok' }),
  options: ReceiverOptions = {},
): Promise<HttpReceiver> {
  const clock = options.clock ?? systemClock;
  const requests: RecordedRequest[] = [];
  const script: Scripted[] = [];
  const waiters: Array<() => void> = [];

  const server = createServer((req: IncomingMessage, res: ServerResponse) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      const rawBody = Buffer.concat(chunks).toString('utf8');
      const target = new URL(req.url ?? '/', 'http://receiver.invalid');
      const { body, form } = parseBody(req.headers, rawBody);
      const recorded: RecordedRequest = {
        method: req.method ?? 'GET',
        path: target.pathname,
        query: target.searchParams,
        headers: req.headers,
        rawBody,
        body,
        form,
        receivedAt: clock.now(),
      };
      requests.push(recorded);
      options.onRequest?.(recorded);
      for (const wake of waiters.splice(0)) wake();
      const next = script.shift();
      if (next?.kind === 'hang') return;
      const answer = (): void => send(res, next?.kind === 'reply' ? next.reply : handler(recorded));
      if (options.beforeAnswer) void options.beforeAnswer(recorded).then(answer, answer);
      else answer();
    });
  });
  // Tests post a few requests at a time; keep-alive would only delay close().
  server.keepAliveTimeout = 1;

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      server.off('error', reject);
      resolve();
    });
  });
  const { port } = server.address() as AddressInfo;
  const url = `http://127.0.0.1:${port}`;

  return {
    url,
    port,
    requests,
    urlFor: (path: string) => `${url}${path.startsWith('/') ? '' : '/'}${path}`,
    failNext(n, status, body, headers) {
      const reply: Reply = { status };
      if (body !== undefined) reply.body = body;
      if (headers !== undefined) reply.headers = headers;
      for (let i = 0; i < n; i++) script.push({ kind: 'reply', reply });
    },
    hangNext(n = 1) {
      for (let i = 0; i < n; i++) script.push({ kind: 'hang' });
    },
    waitFor(count, timeoutMs = 5_000) {
      return new Promise<RecordedRequest[]>((resolve, reject) => {
        const timer = setTimeout(
          () => reject(new Error(`HTTP receiver: ${requests.length} of ${count} requests after ${timeoutMs} ms`)),
          timeoutMs,
        );
        const check = (): void => {
          if (requests.length >= count) {
            clearTimeout(timer);
            resolve(requests.slice(0, count));
          } else {
            waiters.push(check);
          }
        };
        check();
      });
    },
    close() {
      return new Promise<void>((resolve) => {
        server.close(() => resolve());
        // Hung requests and idle keep-alive sockets would hold close() open forever.
        server.closeAllConnections();
      });
    },
  };
}

// ---------------------------------------------------------------------------
// Twilio

export interface TwilioReceiverOptions extends ReceiverOptions {
  accountSid?: string;
  authToken?: string;
}

/** An SMS Twilio accepted. */
export interface TwilioMessage {
  sid: string;
  to: string;
  from: string | undefined;
  messagingServiceSid: string | undefined;
  body: string;
}

export interface TwilioReceiver extends HttpReceiver {
  readonly accountSid: string;
  readonly authToken: string;
  readonly messages: TwilioMessage[];
}

/** Twilio's error JSON, as its REST API returns it. */
function twilioError(status: number, code: number, message: string): Reply {
  return { status, body: { code, message, more_info: `https://www.twilio.com/docs/errors/${code}`, status } };
}

function basicCredentials(header: string | undefined): { user: string; pass: string } | undefined {
  if (header === undefined || !header.startsWith('Basic ')) return undefined;
  const decoded = Buffer.from(header.slice(6), 'base64').toString('utf8');
  const colon = decoded.indexOf(':');
  if (colon < 0) return undefined;
  return { user: decoded.slice(0, colon), pass: decoded.slice(colon + 1) };
}

/**
 * Answers like `POST /2010-04-01/Accounts/{AccountSid}/Messages.json`:
 * Basic auth checked (401, code 20003), form fields checked (To in E.164,
 * else 400 code 21211; Body required, 21602; From or MessagingServiceSid
 * required, 21603; Body at most 1600 characters, 21617), 201 with the
 * message resource (`sid` "SM" + 32 hex digits) on success.
 */
export async function twilioReceiver(options: TwilioReceiverOptions = {}): Promise<TwilioReceiver> {
  const accountSid = options.accountSid ?? 'AC00000000000000000000000000000001';
  const authToken = options.authToken ?? 'test-auth-token';
  const messages: TwilioMessage[] = [];
  const path = `/2010-04-01/Accounts/${accountSid}/Messages.json`;
  let counter = 0;
  const receiver = await startHttpReceiver((request) => {
    if (request.method !== 'POST' || request.path !== path) {
      return twilioError(404, 20404, `The requested resource ${request.path} was not found`);
    }
    const credentials = basicCredentials(request.headers.authorization);
    if (credentials === undefined || credentials.user !== accountSid || credentials.pass !== authToken) {
      return { ...twilioError(401, 20003, 'Authenticate'), headers: { 'www-authenticate': 'Basic realm="Twilio API"' } };
    }
    const form = request.form ?? {};
    const to = form['To'];
    const from = form['From'];
    const messagingServiceSid = form['MessagingServiceSid'];
    const body = form['Body'];
    if (to === undefined || to === '') return twilioError(400, 21604, "A 'To' phone number is required.");
    if (!/^\+[1-9]\d{7,14}$/.test(to)) return twilioError(400, 21211, `Invalid 'To' Phone Number: ${to}`);
    if ((from === undefined || from === '') && (messagingServiceSid === undefined || messagingServiceSid === '')) {
      return twilioError(400, 21603, "A 'From' phone number is required.");
    }
    if (body === undefined || body === '') return twilioError(400, 21602, 'Message body is required.');
    if (body.length > 1600) return twilioError(400, 21617, 'The concatenated message body exceeds the 1600 character limit.');
    counter += 1;
    const sid = `SM${counter.toString(16).padStart(32, '0')}`;
    messages.push({ sid, to, from, messagingServiceSid, body });
    const created = new Date(request.receivedAt).toUTCString().replace('GMT', '+0000');
    return {
      status: 201,
      body: {
        account_sid: accountSid,
        api_version: '2010-04-01',
        body,
        date_created: created,
        date_sent: null,
        date_updated: created,
        direction: 'outbound-api',
        error_code: null,
        error_message: null,
        from: from ?? null,
        messaging_service_sid: messagingServiceSid ?? null,
        num_media: '0',
        num_segments: String(Math.ceil(body.length / 153)),
        price: null,
        price_unit: 'USD',
        sid,
        status: 'queued',
        to,
        uri: `/2010-04-01/Accounts/${accountSid}/Messages/${sid}.json`,
      },
    };
  }, options);
  return Object.assign(receiver, { accountSid, authToken, messages });
}

// ---------------------------------------------------------------------------
// Slack

type Json = Record<string, unknown>;

function isObject(value: unknown): value is Json {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function textObject(value: unknown, max: number, plainOnly = false): string | undefined {
  if (!isObject(value)) return 'text object missing';
  if (value['type'] !== 'plain_text' && (plainOnly || value['type'] !== 'mrkdwn')) return `bad text type ${String(value['type'])}`;
  const text = value['text'];
  if (typeof text !== 'string' || text.length === 0) return 'empty text';
  if (text.length > max) return `text longer than ${max}`;
  if ('emoji' in value && value['type'] !== 'plain_text') return 'emoji only allowed on plain_text';
  return undefined;
}

function buttonProblem(element: unknown, actionIds: Set<string>): string | undefined {
  if (!isObject(element) || element['type'] !== 'button') return 'only buttons are expected';
  const text = textObject(element['text'], 75, true);
  if (text !== undefined) return `button: ${text}`;
  const url = element['url'];
  if (url !== undefined && (typeof url !== 'string' || url.length > 3000 || !/^https?:\/\//.test(url))) return 'button: bad url';
  const style = element['style'];
  if (style !== undefined && style !== 'primary' && style !== 'danger') return `button: bad style ${String(style)}`;
  const value = element['value'];
  if (value !== undefined && (typeof value !== 'string' || value.length > 2000))
    return 'button: value must be a string of at most 2000 characters';
  const actionId = element['action_id'];
  if (actionId !== undefined) {
    if (typeof actionId !== 'string' || actionId.length > 255) return 'button: bad action_id';
    if (actionIds.has(actionId)) return `duplicate action_id ${actionId}`;
    actionIds.add(actionId);
  }
  return undefined;
}

/**
 * The Block Kit rules Tandem's messages touch (docs.slack.dev Block Kit
 * reference): at most 50 blocks; header plain_text <= 150; section text <=
 * 3000 or 1-10 fields <= 2000; context 1-10 elements; actions 1-25 buttons
 * (text <= 75, url <= 3000, value <= 2000, style primary|danger); unique block_id and action_id.
 */
export function blockKitProblem(blocks: unknown): string | undefined {
  if (!Array.isArray(blocks)) return 'blocks is not an array';
  if (blocks.length > 50) return 'more than 50 blocks';
  const blockIds = new Set<string>();
  const actionIds = new Set<string>();
  for (const [i, block] of blocks.entries()) {
    if (!isObject(block)) return `block ${i} is not an object`;
    const blockId = block['block_id'];
    if (blockId !== undefined) {
      if (typeof blockId !== 'string' || blockId.length > 255 || blockIds.has(blockId)) return `block ${i}: bad or duplicate block_id`;
      blockIds.add(blockId);
    }
    let problem: string | undefined;
    switch (block['type']) {
      case 'header':
        problem = textObject(block['text'], 150, true);
        break;
      case 'section': {
        const fields = block['fields'];
        if (block['text'] === undefined && fields === undefined) problem = 'section needs text or fields';
        else if (block['text'] !== undefined) problem = textObject(block['text'], 3000);
        if (problem === undefined && fields !== undefined) {
          if (!Array.isArray(fields) || fields.length === 0 || fields.length > 10) problem = 'section fields must be 1-10';
          else problem = fields.map((f) => textObject(f, 2000)).find((p) => p !== undefined);
        }
        if (problem === undefined && block['accessory'] !== undefined) problem = buttonProblem(block['accessory'], actionIds);
        break;
      }
      case 'context': {
        const elements = block['elements'];
        if (!Array.isArray(elements) || elements.length === 0 || elements.length > 10) problem = 'context elements must be 1-10';
        else problem = elements.map((e) => textObject(e, 3000)).find((p) => p !== undefined);
        break;
      }
      case 'actions': {
        const elements = block['elements'];
        if (!Array.isArray(elements) || elements.length === 0 || elements.length > 25) problem = 'actions elements must be 1-25';
        else problem = elements.map((e) => buttonProblem(e, actionIds)).find((p) => p !== undefined);
        break;
      }
      case 'divider':
        break;
      default:
        problem = `unknown block type ${String(block['type'])}`;
    }
    if (problem !== undefined) return `block ${i} (${String(block['type'])}): ${problem}`;
  }
  return undefined;
}

export interface SlackReceiver extends HttpReceiver {
  /** Why the last refused payload was refused (the real Slack does not say; this is for test failures). */
  readonly lastProblem: string | undefined;
}

/**
 * Answers like a Slack incoming webhook: `200 ok` (text/html); `400
 * invalid_payload` for a body that is not JSON or has malformed blocks;
 * `400 no_text` when there is neither text nor blocks.
 */
export async function slackReceiver(options: ReceiverOptions = {}): Promise<SlackReceiver> {
  const state: { lastProblem: string | undefined } = { lastProblem: undefined };
  const refuse = (status: number, code: string, problem: string): Reply => {
    state.lastProblem = problem;
    return { status, body: code, headers: { 'content-type': 'text/html' } };
  };
  const receiver = await startHttpReceiver((request) => {
    if (request.method !== 'POST') return refuse(405, 'invalid_method', 'not a POST');
    const payload = request.body;
    if (!isObject(payload)) return refuse(400, 'invalid_payload', 'body is not a JSON object');
    if (payload['text'] === undefined && payload['blocks'] === undefined) return refuse(400, 'no_text', 'neither text nor blocks');
    if (payload['text'] !== undefined && typeof payload['text'] !== 'string') return refuse(400, 'invalid_payload', 'text is not a string');
    if (payload['blocks'] !== undefined) {
      const problem = blockKitProblem(payload['blocks']);
      if (problem !== undefined) return refuse(400, 'invalid_payload', problem);
    }
    return { status: 200, body: 'ok', headers: { 'content-type': 'text/html' } };
  }, options);
  return Object.defineProperty(receiver, 'lastProblem', { get: () => state.lastProblem, enumerable: true }) as SlackReceiver;
}

// ---------------------------------------------------------------------------
// Microsoft Teams

export interface TeamsReceiverOptions extends ReceiverOptions {
  /** Answer like a Workflows (Power Automate) webhook: 202 with an empty body. Default: classic connector, 200 "1". */
  workflows?: boolean;
}

/** Why an Adaptive Card message would be refused, or undefined. */
export function adaptiveCardProblem(payload: unknown): string | undefined {
  if (!isObject(payload)) return 'body is not a JSON object';
  if (payload['type'] !== 'message') return 'type is not "message"';
  const attachments = payload['attachments'];
  if (!Array.isArray(attachments) || attachments.length === 0) return 'no attachments';
  for (const attachment of attachments) {
    if (!isObject(attachment)) return 'attachment is not an object';
    if (attachment['contentType'] !== 'application/vnd.microsoft.card.adaptive') return 'contentType is not an Adaptive Card';
    const card = attachment['content'];
    if (!isObject(card) || card['type'] !== 'AdaptiveCard') return 'content is not an AdaptiveCard';
    if (typeof card['version'] !== 'string') return 'card has no version';
    if (!Array.isArray(card['body'])) return 'card body is not an array';
    for (const element of card['body']) {
      if (!isObject(element) || typeof element['type'] !== 'string') return 'card element without type';
    }
    const actions = card['actions'];
    if (actions !== undefined) {
      if (!Array.isArray(actions)) return 'actions is not an array';
      for (const action of actions) {
        if (!isObject(action) || action['type'] !== 'Action.OpenUrl') return 'only Action.OpenUrl is expected';
        if (typeof action['title'] !== 'string' || typeof action['url'] !== 'string' || !/^https?:\/\//.test(action['url']))
          return 'Action.OpenUrl needs title and url';
      }
    }
  }
  return undefined;
}

/** Answers like a Teams incoming webhook: 200 "1" (or 202 for Workflows); 400 for a malformed card message. */
export async function teamsReceiver(options: TeamsReceiverOptions = {}): Promise<HttpReceiver> {
  return startHttpReceiver((request) => {
    const problem = adaptiveCardProblem(request.body);
    if (problem !== undefined)
      return { status: 400, body: 'Bad payload received by generic incoming webhook.', headers: { 'content-type': 'text/plain' } };
    return options.workflows === true ? { status: 202 } : { status: 200, body: '1', headers: { 'content-type': 'text/plain' } };
  }, options);
}

// ---------------------------------------------------------------------------
// Tandem webhook consumer

export interface WebhookReceiverOptions extends ReceiverOptions {
  toleranceSec?: number;
}

export interface WebhookReceiver extends HttpReceiver {
  /** Per request, in order: did its Tandem-Signature verify? */
  readonly verified: boolean[];
}

/** A receiver that verifies `Tandem-Signature` as a consumer should: 401 when it does not verify, 200 otherwise. */
export async function webhookReceiver(secret: string, options: WebhookReceiverOptions = {}): Promise<WebhookReceiver> {
  const clock = options.clock ?? systemClock;
  const verified: boolean[] = [];
  const results = new WeakMap<RecordedRequest, boolean>();
  const receiver = await startHttpReceiver(
    (request) =>
      results.get(request) === true ? { status: 200, body: { received: true } } : { status: 401, body: { error: 'invalid signature' } },
    {
      ...options,
      onRequest(request) {
        // Verified on arrival (also for scripted failures), so `verified` lines up with `requests`.
        const header = request.headers['tandem-signature'];
        const ok = verifyTandemSignature(
          typeof header === 'string' ? header : undefined,
          request.rawBody,
          secret,
          clock.now(),
          options.toleranceSec,
        );
        results.set(request, ok);
        verified.push(ok);
        options.onRequest?.(request);
      },
    },
  );
  return Object.assign(receiver, { verified });
}
