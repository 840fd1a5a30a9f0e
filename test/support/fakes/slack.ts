/**
 * A Slack fake for chat acknowledgement (issue 13): a real HTTP server on
 * 127.0.0.1 that plays both halves of a Slack app.
 *
 * - **Incoming webhooks** (`POST /services/T…/B…/…`, where Tandem's
 *   --slack-url sends contacts' hooks.slack.com URLs): checks the Block Kit
 *   body as Slack does (`400 invalid_payload`, `400 no_text`), answers
 *   `200 ok`, and keeps the message as Slack stores it: a `ts`, a channel,
 *   and a `block_id` on every block that had none.
 * - **Interactivity**: `click()` presses a button of a kept message the way a
 *   member does: it builds Slack's `block_actions` payload (the member, the
 *   button's `action_id`, `value` and `block_id`, the message with its blocks,
 *   a fresh `response_url` on hooks.slack.com), form-encodes it as
 *   `payload=<JSON>`, signs it with the app's signing secret (version 0:
 *   `v0=` HMAC-SHA256 over `v0:<timestamp>:<body>`, with its own HMAC code,
 *   not Tandem's) and POSTs it to Tandem's interactivity URL. Options forge
 *   the secret or age the timestamp; `redeliver()` sends the same bytes again.
 * - **Response URLs** (`POST /actions/T…/<n>/<secret>`, rebased by Tandem
 *   like the webhooks): only URLs this fake issued, at most 5 uses within 30
 *   minutes; the body must be JSON; `replace_original: true` must carry valid
 *   Block Kit and replaces the message (its history is kept);
 *   `response_type: "ephemeral"` is kept as an answer only the member sees.
 *   Slack answers `200 ok`; refusals are recorded in `problems`.
 */
import { createHmac, randomBytes } from 'node:crypto';
import type { Clock } from '../../../src/clock/clock.js';
import { blockKitProblem, startHttpReceiver } from '../receivers/http.js';
import type { HttpReceiver, RecordedRequest, Reply } from '../receivers/http.js';

type Json = Record<string, unknown>;

export const SLACK_TEAM = { id: 'T0ACME0001', domain: 'nightowl-ops' } as const;
export const SLACK_APP_ID = 'A0TANDEM01';

/** A member of the workspace. */
export interface SlackMember {
  readonly id: string;
  readonly name: string;
}

/** A message as Slack keeps it. */
export interface SlackMessage {
  readonly ts: string;
  readonly channel: string;
  /** The incoming webhook's path it was posted to (/services/…). */
  readonly webhook: string;
  text: string;
  blocks: Json[];
  /** Earlier versions, oldest first (each replacement through a response_url pushes one). */
  readonly history: Array<{ text: string; blocks: Json[] }>;
}

/** An answer only one member sees. */
export interface SlackEphemeral {
  readonly user: string;
  readonly channel: string;
  readonly text: string;
}

/** What Tandem answered a click, and the exact request (to send again). */
export interface ClickResult {
  readonly status: number;
  readonly body: string;
  readonly request: { readonly body: string; readonly headers: Record<string, string> };
  readonly responseUrl: string;
}

export interface ClickOptions {
  /** Sign with this secret instead of the app's (a forger). */
  readonly secret?: string;
  /** Move the timestamp by this many seconds (negative: older). */
  readonly skewSeconds?: number;
  /** Replace the signature header altogether. */
  readonly signature?: string;
}

export interface SlackFake {
  readonly url: string;
  readonly requests: RecordedRequest[];
  readonly messages: SlackMessage[];
  readonly ephemerals: SlackEphemeral[];
  /** Requests this fake refused, with why (a correct client leaves this empty). */
  readonly problems: string[];
  /** How many response_url posts arrived (accepted or not). */
  responseCount(): number;
  /** Resolves once `count` response_url posts have arrived. */
  waitForResponses(count: number, timeoutMs?: number): Promise<void>;
  /** Presses the button `actionId` of `message` as `member`; POSTs the signed interaction to `interactionsUrl`. */
  click(
    message: SlackMessage,
    actionId: string,
    member: SlackMember,
    interactionsUrl: string,
    options?: ClickOptions,
  ): Promise<ClickResult>;
  /** One press delivered to several URLs at the same moment (a retry landing on another instance): the same bytes to each. */
  clickEach(message: SlackMessage, actionId: string, member: SlackMember, interactionsUrls: readonly string[]): Promise<ClickResult[]>;
  /** Sends a body (form-encoded text) signed as Slack signs, to `interactionsUrl`. */
  post(interactionsUrl: string, body: string, options?: ClickOptions & { contentType?: string }): Promise<ClickResult>;
  /** Sends the same request again, byte for byte (a retry, or a replay). */
  redeliver(interactionsUrl: string, earlier: ClickResult): Promise<ClickResult>;
  close(): Promise<void>;
}

/** Slack's version-0 signature, written here independently of Tandem's. */
function sign(secret: string, timestamp: string, body: string): string {
  return `v0=${createHmac('sha256', secret).update(`v0:${timestamp}:${body}`, 'utf8').digest('hex')}`;
}

function isObject(value: unknown): value is Json {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** The buttons of a message: in actions blocks and as section accessories, with their block. */
function buttons(blocks: Json[]): Array<{ block: Json; button: Json }> {
  const out: Array<{ block: Json; button: Json }> = [];
  for (const block of blocks) {
    if (block['type'] === 'actions' && Array.isArray(block['elements']))
      for (const e of block['elements']) if (isObject(e) && e['type'] === 'button') out.push({ block, button: e });
    const accessory = block['accessory'];
    if (isObject(accessory) && accessory['type'] === 'button') out.push({ block, button: accessory });
  }
  return out;
}

export async function startSlackFake(options: { clock: Clock; signingSecret: string }): Promise<SlackFake> {
  const { clock, signingSecret } = options;
  const messages: SlackMessage[] = [];
  const ephemerals: SlackEphemeral[] = [];
  const problems: string[] = [];
  const channels = new Map<string, string>();
  const issued = new Map<string, { message: SlackMessage; user: string; at: number; uses: number }>();
  let counter = 0;
  let responses = 0;
  const waiters: Array<() => void> = [];

  const refuse = (status: number, code: string, problem: string): Reply => {
    problems.push(problem);
    return { status, body: code, headers: { 'content-type': 'text/html' } };
  };
  const ok: Reply = { status: 200, body: 'ok', headers: { 'content-type': 'text/html' } };

  function incomingWebhook(request: RecordedRequest): Reply {
    const payload = request.body;
    if (!isObject(payload)) return refuse(400, 'invalid_payload', 'webhook: body is not a JSON object');
    if (payload['text'] === undefined && payload['blocks'] === undefined) return refuse(400, 'no_text', 'webhook: neither text nor blocks');
    const problem = payload['blocks'] === undefined ? undefined : blockKitProblem(payload['blocks']);
    if (problem !== undefined) return refuse(400, 'invalid_payload', `webhook: ${problem}`);
    let channel = channels.get(request.path);
    if (channel === undefined) {
      channel = `C0${(channels.size + 1).toString().padStart(8, '0')}`;
      channels.set(request.path, channel);
    }
    counter += 1;
    const blocks = (Array.isArray(payload['blocks']) ? payload['blocks'] : []).filter(isObject);
    messages.push({
      ts: `${Math.floor(request.receivedAt / 1000)}.${counter.toString().padStart(6, '0')}`,
      channel,
      webhook: request.path,
      text: typeof payload['text'] === 'string' ? payload['text'] : '',
      // Slack gives every block a block_id of its own when the sender gave none.
      blocks: blocks.map((b, i) => ('block_id' in b ? b : { ...b, block_id: `s${counter}b${i}` })),
      history: [],
    });
    return ok;
  }

  function responseUrl(request: RecordedRequest): Reply {
    responses += 1;
    for (const wake of waiters.splice(0)) wake();
    const grant = issued.get(request.path);
    if (grant === undefined) return refuse(404, 'invalid_url', `response_url: ${request.path} was never issued`);
    grant.uses += 1;
    if (grant.uses > 5) return refuse(404, 'used_url', 'response_url: used more than 5 times');
    if (request.receivedAt - grant.at > 30 * 60_000) return refuse(404, 'expired_url', 'response_url: older than 30 minutes');
    if (!(request.headers['content-type'] ?? '').startsWith('application/json'))
      return refuse(400, 'invalid_payload', 'response_url: not JSON');
    const body = request.body;
    if (!isObject(body)) return refuse(400, 'invalid_payload', 'response_url: body is not a JSON object');
    for (const flag of ['replace_original', 'delete_original'])
      if (body[flag] !== undefined && typeof body[flag] !== 'boolean')
        return refuse(400, 'invalid_payload', `response_url: ${flag} is not a boolean`);
    if (body['text'] !== undefined && typeof body['text'] !== 'string')
      return refuse(400, 'invalid_payload', 'response_url: text is not a string');
    if (body['text'] === undefined && body['blocks'] === undefined) return refuse(400, 'no_text', 'response_url: neither text nor blocks');
    if (body['blocks'] !== undefined) {
      const problem = blockKitProblem(body['blocks']);
      if (problem !== undefined) return refuse(400, 'invalid_blocks', `response_url: ${problem}`);
    }
    const { message } = grant;
    if (body['replace_original'] === true) {
      if (body['response_type'] === 'ephemeral')
        return refuse(400, 'invalid_payload', 'response_url: an ephemeral answer cannot replace the message');
      message.history.push({ text: message.text, blocks: message.blocks });
      message.text = typeof body['text'] === 'string' ? body['text'] : message.text;
      message.blocks = (Array.isArray(body['blocks']) ? body['blocks'] : []).filter(isObject);
      return ok;
    }
    if (body['response_type'] === 'ephemeral') {
      ephemerals.push({ user: grant.user, channel: message.channel, text: typeof body['text'] === 'string' ? body['text'] : '' });
      return ok;
    }
    return refuse(400, 'invalid_payload', 'response_url: neither replace_original nor an ephemeral answer (Tandem posts no new messages)');
  }

  const receiver: HttpReceiver = await startHttpReceiver(
    (request) => {
      if (request.method !== 'POST') return refuse(405, 'invalid_method', `${request.method} ${request.path}`);
      if (request.path.startsWith('/services/')) return incomingWebhook(request);
      if (request.path.startsWith('/actions/')) return responseUrl(request);
      return refuse(404, 'not_found', `no such path ${request.path}`);
    },
    { clock },
  );

  async function send(url: string, body: string, headers: Record<string, string>, responseUrl: string): Promise<ClickResult> {
    const res = await fetch(url, { method: 'POST', headers, body });
    return { status: res.status, body: await res.text(), request: { body, headers }, responseUrl };
  }

  function signedHeaders(body: string, o: ClickOptions & { contentType?: string } = {}): Record<string, string> {
    const timestamp = String(Math.floor(clock.now() / 1000) + (o.skewSeconds ?? 0));
    return {
      'content-type': o.contentType ?? 'application/x-www-form-urlencoded',
      'user-agent': 'Slackbot 1.0 (+https://api.slack.com/robots)',
      'x-slack-request-timestamp': timestamp,
      'x-slack-signature': o.signature ?? sign(o.secret ?? signingSecret, timestamp, body),
    };
  }

  return {
    url: receiver.url,
    requests: receiver.requests,
    messages,
    ephemerals,
    problems,
    responseCount: () => responses,
    waitForResponses(count, timeoutMs = 5_000) {
      return new Promise<void>((resolve, reject) => {
        const timer = setTimeout(
          () => reject(new Error(`Slack fake: ${responses} of ${count} response_url posts after ${timeoutMs} ms`)),
          timeoutMs,
        );
        const check = (): void => {
          if (responses >= count) {
            clearTimeout(timer);
            resolve();
          } else waiters.push(check);
        };
        check();
      });
    },
    click(message, actionId, member, interactionsUrl, o = {}) {
      const { body, responseUrl } = press(message, actionId, member);
      return send(interactionsUrl, body, signedHeaders(body, o), responseUrl);
    },
    clickEach(message, actionId, member, interactionsUrls) {
      const { body, responseUrl } = press(message, actionId, member);
      const headers = signedHeaders(body);
      return Promise.all(interactionsUrls.map((url) => send(url, body, headers, responseUrl)));
    },
    post(interactionsUrl, body, o = {}) {
      return send(interactionsUrl, body, signedHeaders(body, o), '');
    },
    redeliver(interactionsUrl, earlier) {
      return send(interactionsUrl, earlier.request.body, earlier.request.headers, earlier.responseUrl);
    },
    close: () => receiver.close(),
  };

  /** The form body Slack posts when `member` presses `actionId` in `message`, and the response URL it issues. */
  function press(message: SlackMessage, actionId: string, member: SlackMember): { body: string; responseUrl: string } {
    const found = buttons(message.blocks).find((b) => b.button['action_id'] === actionId);
    if (found === undefined) throw new Error(`Slack fake: message ${message.ts} has no button ${actionId}`);
    counter += 1;
    const path = `/actions/${SLACK_TEAM.id}/${counter}${Math.floor(clock.now() / 1000)}/${randomBytes(12).toString('hex')}`;
    issued.set(path, { message, user: member.id, at: clock.now(), uses: 0 });
    const actionTs = `${(clock.now() / 1000).toFixed(6)}`;
    const payload = {
      type: 'block_actions',
      user: { id: member.id, username: member.name.toLowerCase().replace(/\s+/g, '.'), name: member.name, team_id: SLACK_TEAM.id },
      api_app_id: SLACK_APP_ID,
      token: 'legacy-verification-token-unused',
      container: { type: 'message', message_ts: message.ts, channel_id: message.channel, is_ephemeral: false },
      trigger_id: `${counter}.${randomBytes(8).toString('hex')}`,
      team: SLACK_TEAM,
      enterprise: null,
      is_enterprise_install: false,
      channel: { id: message.channel, name: 'oncall' },
      message: {
        type: 'message',
        subtype: 'bot_message',
        text: message.text,
        ts: message.ts,
        bot_id: 'B0TANDEM01',
        blocks: message.blocks,
      },
      state: { values: {} },
      response_url: `https://hooks.slack.com${path}`,
      actions: [
        {
          type: 'button',
          action_id: actionId,
          block_id: found.block['block_id'],
          text: found.button['text'],
          ...(found.button['value'] === undefined ? {} : { value: found.button['value'] }),
          ...(found.button['style'] === undefined ? {} : { style: found.button['style'] }),
          action_ts: actionTs,
        },
      ],
    };
    return { body: new URLSearchParams({ payload: JSON.stringify(payload) }).toString(), responseUrl: payload.response_url };
  }
}
