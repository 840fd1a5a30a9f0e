/**
 * The one interface every notification channel implements. The escalation
 * engine only ever sees {@link Channel} and {@link ChannelRegistry}: adding a
 * channel (Teams, a pager, ...) is a new provider file and a registry entry,
 * never an engine change.
 *
 * A provider never throws for delivery problems. It answers `delivered`,
 * `retryable` (network errors, timeouts, 408, 429, 5xx; the engine retries
 * later, no sooner than `retryAfterMs` when the peer said so) or `permanent`
 * (the peer refused this message for good; retrying would get the same answer).
 */
import { CHANNELS } from '../engagement/model.js';
import type { Channel as EngagementChannel } from '../engagement/model.js';

/** The channels Tandem can page through: the ones an engagement file's notify rules may name. */
export type ChannelName = EngagementChannel;

/** Every channel name, in a stable order (for settings, docs and tests); the engagement model holds the list. */
export const CHANNEL_NAMES: readonly ChannelName[] = CHANNELS;

/** Whether a stored channel name (an outbox row's) is one Tandem knows. */
export function isChannelName(name: string): name is ChannelName {
  return CHANNEL_NAMES.some((n) => n === name);
}

/** What a notification says about one incident. */
export interface IncidentRef {
  id: number;
  /** Human number, e.g. "ACME-42". */
  number: string;
  title: string;
  priority: string;
  status: string;
  severity: string;
  service: { id: string; name: string };
  /** Epoch milliseconds. */
  createdAt: number;
  /** Link to the incident in Tandem. */
  url: string;
  /** One-click signed links, already built by the caller. */
  acknowledgeUrl: string;
  resolveUrl: string;
  /**
   * Bundle only: why the recipient is paged for this incident (each bundled
   * page keeps its own, e.g. "Tier 1 of internal-infra, Acme IT" beside
   * "Tier 2 of partner-noc (1st pass of 3), NightOwl MSP").
   */
  reason?: string;
}

/** One delivery to one address on one channel. */
export interface OutboundMessage {
  /**
   * Stable per delivery: the idempotency key. Providers put it where the
   * vendor allows (webhook `Tandem-Delivery`, email Message-ID), so a retry
   * after an ambiguous failure can be recognized as a duplicate.
   */
  id: string;
  channel: ChannelName;
  /** Email address, E.164 phone number, or webhook URL (slack/teams/webhook). */
  to: string;
  recipient: { kind: 'person' | 'team'; id: string; name: string };
  engagement: { id: string; name: string };
  kind: 'page' | 'bundle' | 'sla_warning' | 'test';
  /** One incident for a page; many for a bundle (an alert storm summarized in one message). */
  incidents: IncidentRef[];
  /** Why this person is paged, e.g. "Tier 1 of partner-noc (after hours: partner owns infrastructure)". */
  reason: string;
  /** Extra line for sla_warning etc. */
  note?: string;
  /**
   * Bundle only: link to a Tandem page listing the bundled incidents. Without
   * it, bundle messages link each incident on its own.
   */
  overviewUrl?: string;
  /** Bundle only: one signed link that acknowledges every bundled incident. */
  acknowledgeAllUrl?: string;
  /**
   * SMS and voice only: where Twilio reports back about this delivery, each
   * URL carrying a signed token that names it (the notification, its
   * incident and its recipient). Capabilities: never logged.
   */
  callbacks?: {
    /** Delivery reports: `StatusCallback` of a message or a call. */
    readonly statusUrl: string;
    /** A call's keypresses: the `<Gather action>` of its TwiML. */
    readonly voiceUrl: string;
  };
}

/** How one delivery attempt ended. */
export type DeliveryResult =
  | {
      status: 'delivered';
      providerId?: string;
      detail?: string;
      /** The provider accepted the message and will report whether it reached the person (Twilio's status callback). */
      reportFollows?: true;
    }
  | { status: 'retryable'; error: string; retryAfterMs?: number }
  | { status: 'permanent'; error: string };

/** A notification provider. `send` resolves for every outcome; it does not throw for delivery problems. */
export interface Channel {
  readonly name: ChannelName;
  send(message: OutboundMessage): Promise<DeliveryResult>;
}

/** The configured channels, by name. */
export interface ChannelRegistry {
  get(name: ChannelName): Channel | undefined;
  names(): ChannelName[];
}

/** A frozen registry over the given channels; a later channel with the same name replaces an earlier one. */
export function createRegistry(channels: readonly Channel[]): ChannelRegistry {
  const byName = new Map<ChannelName, Channel>();
  for (const channel of channels) byName.set(channel.name, channel);
  return Object.freeze({
    get: (name: ChannelName) => byName.get(name),
    names: () => CHANNEL_NAMES.filter((n) => byName.has(n)),
  });
}
