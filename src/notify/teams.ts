/**
 * Microsoft Teams through an incoming webhook: a `message` with one Adaptive
 * Card attachment (version 1.4, which both the classic Office 365 connector
 * and Workflows webhooks render). Success is 200 with body `1` (classic) or
 * 202 (Workflows). Classic connectors report throttling inside a 200 body
 * ("Microsoft Teams endpoint returned HTTP error 429"), so the body is read
 * even on success.
 */
import type { Channel, DeliveryResult, IncidentRef, OutboundMessage } from './channel.js';
import { sendChatWebhook } from './chat-webhook.js';
import type { ChatWebhook, ChatWebhookOptions } from './chat-webhook.js';
import { classifyStatus, describeAnswer } from './http-delivery.js';
import {
  bundleListing,
  formatInstant,
  incidentFacts,
  incidentLine,
  incidentReasonLine,
  messageTitle,
  oneLine,
  primaryIncident,
  reasonLine,
  subjectLine,
  testSentence,
} from './render.js';

/** The Teams channel's settings: those of every chat webhook. */
export type TeamsChannelOptions = ChatWebhookOptions;

/** An Adaptive Card element or action, as far as Tandem builds them. */
export type CardElement = Record<string, unknown>;

/** The JSON body posted to the webhook. */
export interface TeamsPayload {
  type: 'message';
  attachments: Array<{
    contentType: 'application/vnd.microsoft.card.adaptive';
    contentUrl: null;
    content: {
      $schema: 'http://adaptivecards.io/schemas/adaptive-card.json';
      type: 'AdaptiveCard';
      version: '1.4';
      /** Screen readers and notification previews read this. */
      speak: string;
      body: CardElement[];
      actions: CardElement[];
      msteams: { width: 'Full' };
    };
  }>;
}

/**
 * Escapes Adaptive Card Markdown: TextBlocks and facts render `**bold**`,
 * `[label](url)` and lists, so an event title could otherwise put its own
 * link beside the real Acknowledge button. Backslash escapes are what
 * Teams honours; only the characters that start Markdown are escaped (with
 * `[` and `]` escaped no link can form, so parentheses stay), and
 * "ACME-42" and "v1.2" stay as written.
 */
export function escapeCardMarkdown(value: string): string {
  return value
    .replace(/[\\`*_[\]~<>]/g, (c) => `\\${c}`)
    .replace(/^(\s*)([-+#>]|\d+[.)])/, (_m, space: string, marker: string) => `${space}\\${marker}`);
}

/** A TextBlock showing `value` as written (Markdown escaped). */
function text(value: string, extra: Record<string, unknown> = {}): CardElement {
  return rich(escapeCardMarkdown(value), extra);
}

/** A TextBlock whose text is Markdown built here; every value in it must already be escaped. */
function rich(markdown: string, extra: Record<string, unknown> = {}): CardElement {
  return { type: 'TextBlock', text: markdown, wrap: true, ...extra };
}

function openUrl(title: string, url: string, style?: 'positive' | 'destructive'): CardElement {
  const action: CardElement = { type: 'Action.OpenUrl', title, url };
  if (style !== undefined) action['style'] = style;
  return action;
}

function incidentCard(message: OutboundMessage, incident: IncidentRef): { body: CardElement[]; actions: CardElement[] } {
  const body: CardElement[] = [text(messageTitle(message), { size: 'Large', weight: 'Bolder', color: 'Attention' })];
  if (message.note !== undefined) body.push(text(oneLine(message.note), { color: 'Warning', weight: 'Bolder' }));
  body.push(
    {
      type: 'FactSet',
      facts: incidentFacts(incident).map(([title, value]) => ({ title: escapeCardMarkdown(title), value: escapeCardMarkdown(value) })),
    },
    text(reasonLine(message), { isSubtle: true }),
  );
  return {
    body,
    actions: [
      openUrl('Acknowledge', incident.acknowledgeUrl, 'positive'),
      openUrl('Resolve', incident.resolveUrl, 'destructive'),
      openUrl('Open in Tandem', incident.url),
    ],
  };
}

function bundleCard(message: OutboundMessage): { body: CardElement[]; actions: CardElement[] } {
  const { listed, more } = bundleListing(message);
  const body: CardElement[] = [
    text(messageTitle(message), { size: 'Large', weight: 'Bolder', color: 'Attention' }),
    text(reasonLine(message), { isSubtle: true }),
  ];
  if (message.note !== undefined) body.push(text(oneLine(message.note), { color: 'Warning' }));
  for (const incident of listed) {
    const why = incidentReasonLine(message, incident);
    body.push({
      type: 'Container',
      separator: true,
      items: [
        rich(`**${escapeCardMarkdown(incident.priority)}** ${escapeCardMarkdown(incidentLine(incident))}`),
        text(`${incident.service.id} · ${incident.status} · opened ${formatInstant(incident.createdAt)}`, {
          isSubtle: true,
          spacing: 'None',
        }),
        ...(why === undefined ? [] : [text(why, { isSubtle: true, spacing: 'None' })]),
        {
          type: 'ActionSet',
          actions: [
            openUrl('Acknowledge', incident.acknowledgeUrl, 'positive'),
            openUrl('Resolve', incident.resolveUrl),
            openUrl('Open', incident.url),
          ],
        },
      ],
    });
  }
  if (more > 0) body.push(text(`…and ${more} more`, { isSubtle: true }));
  const actions: CardElement[] = [];
  if (message.acknowledgeAllUrl !== undefined) actions.push(openUrl('Acknowledge all', message.acknowledgeAllUrl, 'positive'));
  if (message.overviewUrl !== undefined) actions.push(openUrl('Open in Tandem', message.overviewUrl));
  return { body, actions };
}

/** The Adaptive Card message for `message`. Exported for tests and previews. */
export function teamsPayload(message: OutboundMessage): TeamsPayload {
  const incident = primaryIncident(message);
  const card =
    incident !== undefined
      ? incidentCard(message, incident)
      : message.kind === 'bundle'
        ? bundleCard(message)
        : { body: [text(messageTitle(message), { size: 'Large', weight: 'Bolder' }), text(testSentence(message))], actions: [] };
  return {
    type: 'message',
    attachments: [
      {
        contentType: 'application/vnd.microsoft.card.adaptive',
        contentUrl: null,
        content: {
          $schema: 'http://adaptivecards.io/schemas/adaptive-card.json',
          type: 'AdaptiveCard',
          version: '1.4',
          speak: subjectLine(message),
          body: card.body,
          actions: card.actions,
          msteams: { width: 'Full' },
        },
      },
    ],
  };
}

/** Success is 200 `1` (classic connector) or 202 (Workflows); a classic 200 can still carry a failure. */
const TEAMS: ChatWebhook = {
  vendor: 'Teams',
  payload: teamsPayload,
  delivered(answer, now) {
    // A classic connector's 200 can carry the real outcome: "...returned HTTP error 429 with ContextId ...".
    const inner = /HTTP error (\d{3})/.exec(answer.body);
    if (inner?.[1] !== undefined && !inner[1].startsWith('2')) {
      return classifyStatus({ ...answer, status: Number(inner[1]) }, `Teams ${describeAnswer(answer)}`, now);
    }
    return { status: 'delivered', detail: answer.status === 202 ? 'accepted' : oneLine(answer.body) || String(answer.status) };
  },
};

/** Microsoft Teams incoming-webhook channel. */
export class TeamsChannel implements Channel {
  readonly name = 'teams' as const;
  readonly #options: TeamsChannelOptions;

  constructor(options: TeamsChannelOptions) {
    this.#options = Object.freeze({ ...options });
  }

  send(message: OutboundMessage): Promise<DeliveryResult> {
    return sendChatWebhook(this.#options, TEAMS, message);
  }
}
