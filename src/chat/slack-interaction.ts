/**
 * What a Slack button click asks, and what the message says afterwards. Pure:
 * the routes (routes.ts) verify the signature, act through the incident
 * commands and post these bodies to the click's `response_url`.
 *
 * Slack posts a click as `application/x-www-form-urlencoded` with one field,
 * `payload`, holding the interaction as JSON (a `block_actions` payload: the
 * member who clicked in `user.id`, the button in `actions[0]` with the
 * `action_id` and `value` Tandem gave it, the message as Slack stores it in
 * `message`, and a `response_url` that replaces or answers that message
 * without a token, up to five times within 30 minutes).
 */
import { SLACK_USER_PATTERN } from '../engagement/values.js';
import { formatInstant } from '../notify/render.js';

/** A Block Kit block, as Slack sends it back. */
export type SlackBlock = Record<string, unknown>;

export type SlackAction = 'acknowledge' | 'resolve';

/** A click on one of Tandem's Acknowledge or Resolve buttons. */
export interface SlackClick {
  readonly action: SlackAction;
  /** Tandem's incident id, from the button's `value`. */
  readonly incidentId: number;
  /** The Slack member who clicked: `contact.slack_user` of a person, or nobody Tandem knows. */
  readonly userId: string;
  /** Where to replace the message or answer the member; undefined when Slack sent none. */
  readonly responseUrl: string | undefined;
  /** The message the button is in, as Slack stores it: updated in place. */
  readonly message: { readonly text: string; readonly blocks: readonly SlackBlock[] } | undefined;
}

/** A click to act on; an interaction Tandem has nothing to do for (a link button, a shortcut); or a malformed payload. */
export type Interaction =
  | { readonly kind: 'click'; readonly click: SlackClick }
  | { readonly kind: 'ignored'; readonly why: string }
  | { readonly kind: 'invalid'; readonly field: string; readonly problem: string };

/** The hosts Slack's `response_url`s live on; Tandem posts nowhere else (a signed payload still names only Slack). */
export const RESPONSE_URL_HOSTS: readonly string[] = ['hooks.slack.com'];

/** Incident ids are database integers. */
const MAX_ID = 2_147_483_647;
/** Section text limit (Block Kit). */
const TEXT_MAX = 3000;

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** A value from the payload, quoted and cut, for a message. */
function show(value: string): string {
  return JSON.stringify(value.length > 60 ? `${value.slice(0, 60)}…` : value);
}

/** Whether `url` is one of Slack's response URLs (https, on Slack's hooks host). */
export function isSlackResponseUrl(url: string): boolean {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    return false;
  }
  return (
    parsed.protocol === 'https:' &&
    RESPONSE_URL_HOSTS.includes(parsed.hostname) &&
    parsed.port === '' &&
    parsed.username === '' &&
    parsed.password === ''
  );
}

/** Reads a form-encoded interaction body (already verified as Slack's). */
export function decodeInteraction(form: string): Interaction {
  const invalid = (field: string, problem: string): Interaction => ({ kind: 'invalid', field, problem });
  const fields = new URLSearchParams(form).getAll('payload');
  if (fields.length !== 1)
    return invalid('payload', fields.length === 0 ? 'is missing: Slack posts payload=<JSON>' : 'is sent more than once');
  let payload: unknown;
  try {
    payload = JSON.parse(fields[0] ?? '');
  } catch {
    return invalid('payload', 'is not JSON');
  }
  if (!isObject(payload)) return invalid('payload', 'is not a JSON object');
  const type = payload['type'];
  if (typeof type !== 'string') return invalid('payload.type', 'is missing or not a string');
  if (type !== 'block_actions')
    return { kind: 'ignored', why: `a ${show(type)} interaction; Tandem acts on button clicks (block_actions)` };
  const user = payload['user'];
  if (!isObject(user)) return invalid('payload.user', 'is missing or not an object');
  const userId = user['id'];
  if (typeof userId !== 'string' || !new RegExp(SLACK_USER_PATTERN).test(userId))
    return invalid('payload.user.id', 'is not a Slack member id like "U012AB3CD"');
  const actions = payload['actions'];
  if (!Array.isArray(actions) || actions.length === 0) return invalid('payload.actions', 'is missing or empty');
  const action: unknown = actions[0];
  if (!isObject(action)) return invalid('payload.actions[0]', 'is not an object');
  const actionId = action['action_id'];
  if (typeof actionId !== 'string') return invalid('payload.actions[0].action_id', 'is missing or not a string');
  const m = /^(acknowledge|resolve)(?:-(\d{1,10}))?$/.exec(actionId);
  // "acknowledge-all" and "open" are link buttons: Slack reports their clicks too, and the browser does the rest.
  if (m === null) return { kind: 'ignored', why: `button ${show(actionId)} is a link; the browser opens it` };
  const value = action['value'];
  if (typeof value !== 'string' || !/^\d{1,10}$/.test(value) || Number(value) < 1 || Number(value) > MAX_ID)
    return invalid('payload.actions[0].value', "is not an incident id: Tandem's buttons carry the id of their incident");
  const incidentId = Number(value);
  if (m[2] !== undefined && Number(m[2]) !== incidentId)
    return invalid('payload.actions[0].value', `is ${show(value)} but the button ${show(actionId)} is for incident ${m[2]}`);
  const responseUrl = payload['response_url'];
  if (responseUrl !== undefined && (typeof responseUrl !== 'string' || !isSlackResponseUrl(responseUrl)))
    return invalid('payload.response_url', `is not a Slack response URL (https://${RESPONSE_URL_HOSTS.join(' or ')}/...)`);
  const message = payload['message'];
  const blocks = isObject(message) ? message['blocks'] : undefined;
  return {
    kind: 'click',
    click: {
      action: m[1] === 'resolve' ? 'resolve' : 'acknowledge',
      incidentId,
      userId,
      responseUrl,
      message:
        isObject(message) && Array.isArray(blocks)
          ? { text: typeof message['text'] === 'string' ? message['text'] : '', blocks: blocks.filter(isObject) }
          : undefined,
    },
  };
}

/** Where an incident stands, for the line that replaces its buttons. */
export interface IncidentState {
  /** "ACME-42". */
  readonly number: string;
  readonly status: string;
  /** Display names and instants (epoch ms) of the first acknowledgement and of the resolution. */
  readonly acknowledgedBy: string | undefined;
  readonly acknowledgedAt: number | undefined;
  readonly resolvedBy: string | undefined;
  readonly resolvedAt: number | undefined;
}

/** Slack's mrkdwn treats only &, < and > as control characters. */
function escapeMrkdwn(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

/** An instant each reader sees in their own time zone ("Today at 11:49 PM"), with UTC for clients that cannot. */
function when(ms: number): string {
  return `<!date^${Math.floor(ms / 1000)}^{date_short_pretty} at {time}|${formatInstant(ms)}>`;
}

/** "Acknowledged by Kim Tan at <time>", in mrkdwn; undefined while nobody has acknowledged. */
export function stateLine(state: IncidentState): string | undefined {
  const by = (name: string | undefined) => (name === undefined ? '' : ` by ${escapeMrkdwn(name)}`);
  const at = (ms: number | undefined) => (ms === undefined ? '' : ` ${when(ms)}`);
  if (state.status === 'resolved') return `:white_check_mark: *Resolved*${by(state.resolvedBy)}${at(state.resolvedAt)}`;
  if (state.status === 'triggered') return undefined;
  const waiting = state.status.startsWith('waiting_') ? ` · now ${state.status.replaceAll('_', ' ')}` : '';
  return `:eyes: *Acknowledged*${by(state.acknowledgedBy)}${at(state.acknowledgedAt)}${waiting}`;
}

/** The same line without markup, for an answer only the member sees. */
export function stateSentence(state: IncidentState): string {
  if (state.status === 'resolved') return `${state.number} is resolved${state.resolvedBy ? ` (by ${state.resolvedBy})` : ''}.`;
  if (state.status === 'triggered') return `${state.number} is not acknowledged yet.`;
  return `${state.number} is ${state.status.replaceAll('_', ' ')}${state.acknowledgedBy ? ` (acknowledged by ${state.acknowledgedBy})` : ''}.`;
}

/** A `response_url` body that replaces the message. */
export interface SlackReplacement {
  readonly replace_original: true;
  readonly text: string;
  readonly blocks: SlackBlock[];
}

/** A `response_url` body only the member who clicked sees; the message stays. */
export interface SlackEphemeral {
  readonly response_type: 'ephemeral';
  readonly replace_original: false;
  readonly text: string;
}

export function ephemeral(text: string): SlackEphemeral {
  return { response_type: 'ephemeral', replace_original: false, text };
}

function cut(text: string, max: number): string {
  const chars = Array.from(text);
  return chars.length <= max ? text : chars.slice(0, max - 1).join('') + '…';
}

/**
 * The message with the incident's buttons replaced by where it stands:
 * "Acknowledged by Kim Tan at …" (and the Resolve button kept while it is
 * open), "Resolved by …" with no button left; in a page, the Status field
 * follows. In a bundle, only that incident's line changes. Built from the
 * message as Slack sent it back, so everything else stays as it was, and
 * from the incident as it is now, so a late or repeated click shows the
 * truth. Undefined while the incident is still unacknowledged.
 */
export function updatedMessage(
  message: { readonly text: string; readonly blocks: readonly SlackBlock[] },
  incidentId: number,
  state: IncidentState,
): SlackReplacement | undefined {
  const line = stateLine(state);
  if (line === undefined) return undefined;
  const actionsId = `tandem-${incidentId}`;
  const stateId = `tandem-${incidentId}-state`;
  const stateBlock: SlackBlock = { type: 'context', block_id: stateId, elements: [{ type: 'mrkdwn', text: line }] };
  const resolved = state.status === 'resolved';
  const page = message.blocks.some((b) => b['block_id'] === actionsId || b['block_id'] === stateId);
  const blocks: SlackBlock[] = [];
  let placed = false;
  const place = (): void => {
    if (!placed) blocks.push(stateBlock);
    placed = true;
  };
  for (const block of message.blocks) {
    if (block['block_id'] === stateId) {
      place();
      continue;
    }
    if (block['type'] === 'actions' && block['block_id'] === actionsId) {
      place();
      const elements = Array.isArray(block['elements']) ? block['elements'] : [];
      const keep = resolved ? [] : elements.filter((e) => isObject(e) && e['action_id'] === 'resolve');
      if (keep.length > 0) blocks.push({ type: 'actions', block_id: actionsId, elements: keep });
      continue;
    }
    const accessory = block['accessory'];
    const text = block['text'];
    if (block['type'] === 'section' && isObject(accessory) && accessory['action_id'] === `acknowledge-${incidentId}` && isObject(text)) {
      // A bundle's line for this incident: its button goes, the state joins its text.
      const { accessory: _button, ...rest } = block;
      blocks.push({ ...rest, text: { ...text, text: cut(`${String(text['text'])}\n${line}`, TEXT_MAX) } });
      placed = true;
      continue;
    }
    const fields = block['fields'];
    if (page && block['type'] === 'section' && Array.isArray(fields)) {
      blocks.push({
        ...block,
        fields: fields.map((f) =>
          isObject(f) && typeof f['text'] === 'string' && f['text'].startsWith('*Status*\n')
            ? { ...f, text: `*Status*\n${escapeMrkdwn(state.status)}` }
            : f,
        ),
      });
      continue;
    }
    blocks.push(block);
  }
  // A message without Tandem's blocks (edited, or an older layout): say it at the end.
  place();
  return { replace_original: true, text: message.text === '' ? stateSentence(state) : message.text, blocks: blocks.slice(0, 50) };
}
