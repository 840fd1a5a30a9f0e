/**
 * Slack through an incoming webhook: one POST of `{ text, blocks }` (Block
 * Kit) to the contact's hooks.slack.com URL. Slack answers `200 ok`; on
 * failure a short text code such as `invalid_payload` (400),
 * `action_prohibited` (403), `no_service` (404) or `channel_is_archived`
 * (410), all permanent; 429 (with Retry-After) and 5xx are worth a retry.
 */
import type { Channel, DeliveryResult, IncidentRef, OutboundMessage } from './channel.js';
import { sendChatWebhook } from './chat-webhook.js';
import type { ChatWebhook, ChatWebhookOptions } from './chat-webhook.js';
import {
  bundleListing,
  formatInstant,
  incidentReasonLine,
  messageTitle,
  oneLine,
  primaryIncident,
  reasonLine,
  subjectLine,
  testSentence,
} from './render.js';

/** Block Kit limits (docs.slack.dev, "Block Kit reference"). */
const HEADER_MAX = 150;
const SECTION_TEXT_MAX = 3000;
const FIELD_MAX = 2000;

/** The Slack channel's settings: those of every chat webhook, and whether its buttons act from Slack. */
export interface SlackChannelOptions extends ChatWebhookOptions {
  /**
   * The Slack app's interactivity is configured (Tandem has its signing
   * secret): Acknowledge and Resolve are interactive buttons whose click
   * Slack posts to Tandem (src/chat/), which acts and updates the message in
   * place. Otherwise they open the signed respond links in a browser.
   */
  interactive?: boolean;
}

/** How a payload's buttons act; see {@link SlackChannelOptions.interactive}. */
export interface SlackPayloadOptions {
  interactive?: boolean;
}

/** A Block Kit block, as far as Tandem builds them. */
export type SlackBlock = Record<string, unknown>;

/** The JSON body posted to the incoming webhook. */
export interface SlackPayload {
  /** Shown in the push notification and by clients that cannot render blocks. */
  text: string;
  blocks: SlackBlock[];
}

function cut(text: string, max: number): string {
  const chars = Array.from(text);
  return chars.length <= max ? text : chars.slice(0, max - 1).join('') + '…';
}

/** Slack's mrkdwn treats only &, < and > as control characters. */
function escapeMrkdwn(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

/** `<url|label>`; a URL containing `|` or `>` would end the link early, so those are percent-encoded. */
function link(url: string, label: string): string {
  return `<${url.replace(/\|/g, '%7C').replace(/>/g, '%3E')}|${escapeMrkdwn(label)}>`;
}

function plain(text: string, max: number): { type: 'plain_text'; text: string; emoji: boolean } {
  return { type: 'plain_text', text: cut(text, max), emoji: true };
}

function mrkdwn(text: string, max: number = SECTION_TEXT_MAX): { type: 'mrkdwn'; text: string } {
  return { type: 'mrkdwn', text: cut(text, max) };
}

/**
 * What a button does: open a URL, or (interactive) send Slack's click to
 * Tandem with `value`, the incident's id, which identifies it and is no secret
 * (the click is trusted for Slack's signature and the member id, not for it).
 */
type ButtonTarget = { url: string } | { value: string };

function button(text: string, target: ButtonTarget, actionId: string, style?: 'primary' | 'danger'): Record<string, unknown> {
  const element: Record<string, unknown> = { type: 'button', text: plain(text, 75), ...target, action_id: actionId };
  if (style !== undefined) element['style'] = style;
  return element;
}

/** The target of an incident's Acknowledge or Resolve button: the respond link, or the incident for Slack to send back. */
function respondTarget(incident: IncidentRef, url: string, options: SlackPayloadOptions): ButtonTarget {
  return options.interactive === true ? { value: String(incident.id) } : { url };
}

function incidentBlocks(message: OutboundMessage, incident: IncidentRef, options: SlackPayloadOptions): SlackBlock[] {
  const blocks: SlackBlock[] = [
    {
      type: 'section',
      text: mrkdwn(`${link(incident.url, incident.number)} ${escapeMrkdwn(oneLine(incident.title))}`),
      fields: [
        mrkdwn(`*Priority*\n${escapeMrkdwn(incident.priority)}`, FIELD_MAX),
        mrkdwn(`*Severity*\n${escapeMrkdwn(incident.severity)}`, FIELD_MAX),
        mrkdwn(`*Status*\n${escapeMrkdwn(incident.status)}`, FIELD_MAX),
        mrkdwn(`*Service*\n${escapeMrkdwn(`${oneLine(incident.service.name)} (${incident.service.id})`)}`, FIELD_MAX),
      ],
    },
  ];
  if (message.note !== undefined) blocks.push({ type: 'section', text: mrkdwn(`:warning: ${escapeMrkdwn(oneLine(message.note))}`) });
  blocks.push(
    { type: 'context', elements: [mrkdwn(`${escapeMrkdwn(reasonLine(message))} · opened ${formatInstant(incident.createdAt)}`)] },
    {
      type: 'actions',
      block_id: `tandem-${incident.id}`,
      elements: [
        button('Acknowledge', respondTarget(incident, incident.acknowledgeUrl, options), 'acknowledge', 'primary'),
        button('Resolve', respondTarget(incident, incident.resolveUrl, options), 'resolve', 'danger'),
      ],
    },
  );
  return blocks;
}

function bundleBlocks(message: OutboundMessage, options: SlackPayloadOptions): SlackBlock[] {
  const { listed, more } = bundleListing(message);
  const blocks: SlackBlock[] = [{ type: 'section', text: mrkdwn(escapeMrkdwn(reasonLine(message))) }];
  if (message.note !== undefined) blocks.push({ type: 'section', text: mrkdwn(escapeMrkdwn(oneLine(message.note))) });
  for (const incident of listed) {
    const why = incidentReasonLine(message, incident);
    // One section per incident with its own Acknowledge button: a storm is often several unrelated problems.
    blocks.push({
      type: 'section',
      text: mrkdwn(
        `*${escapeMrkdwn(incident.priority)}* ${link(incident.url, incident.number)} ${escapeMrkdwn(oneLine(incident.title))}\n` +
          `${escapeMrkdwn(incident.service.id)} · ${escapeMrkdwn(incident.status)} · ${link(incident.resolveUrl, 'resolve')}` +
          (why === undefined ? '' : `\n${escapeMrkdwn(why)}`),
      ),
      accessory: button('Acknowledge', respondTarget(incident, incident.acknowledgeUrl, options), `acknowledge-${incident.id}`),
    });
  }
  if (more > 0) blocks.push({ type: 'context', elements: [mrkdwn(`…and ${more} more`)] });
  const actions: Record<string, unknown>[] = [];
  if (message.acknowledgeAllUrl !== undefined)
    actions.push(button('Acknowledge all', { url: message.acknowledgeAllUrl }, 'acknowledge-all', 'primary'));
  if (message.overviewUrl !== undefined) actions.push(button('Open in Tandem', { url: message.overviewUrl }, 'open'));
  if (actions.length > 0) blocks.push({ type: 'actions', block_id: 'tandem-bundle', elements: actions });
  return blocks;
}

/** The `{ text, blocks }` body for a message. Exported for tests and previews. */
export function slackPayload(message: OutboundMessage, options: SlackPayloadOptions = {}): SlackPayload {
  const blocks: SlackBlock[] = [{ type: 'header', text: plain(messageTitle(message), HEADER_MAX) }];
  const incident = primaryIncident(message);
  if (incident !== undefined) blocks.push(...incidentBlocks(message, incident, options));
  else if (message.kind === 'bundle') blocks.push(...bundleBlocks(message, options));
  else blocks.push({ type: 'section', text: mrkdwn(escapeMrkdwn(testSentence(message))) });
  return { text: escapeMrkdwn(subjectLine(message)), blocks };
}

/** Slack answers `ok` in the body of a 200. */
const SLACK: ChatWebhook = {
  vendor: 'Slack',
  payload: slackPayload,
  delivered: (answer) => ({ status: 'delivered', detail: oneLine(answer.body) || 'ok' }),
};

/** Slack incoming-webhook channel. */
export class SlackChannel implements Channel {
  readonly name = 'slack' as const;
  readonly #options: SlackChannelOptions;
  readonly #hook: ChatWebhook;

  constructor(options: SlackChannelOptions) {
    this.#options = Object.freeze({ ...options });
    const interactive = options.interactive === true;
    this.#hook = interactive ? { ...SLACK, payload: (message) => slackPayload(message, { interactive }) } : SLACK;
  }

  send(message: OutboundMessage): Promise<DeliveryResult> {
    return sendChatWebhook(this.#options, this.#hook, message);
  }
}
