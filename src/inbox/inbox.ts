/**
 * The demo inbox: in the demo (and wherever `--notify inbox` is set) every
 * channel delivers here instead of to the outside world, and /inbox shows the
 * messages with their acknowledge and resolve buttons, so a new user sends
 * the printed curl, watches the page arrive and acknowledges it in a click.
 */
import type { Clock } from '../clock/clock.js';
import type { Database } from '../db/connect.js';
import type { Channel, ChannelName, ChannelRegistry, DeliveryResult, OutboundMessage } from '../notify/channel.js';
import { CHANNEL_NAMES } from '../notify/channel.js';
import { plainText, smsText, subjectLine, voiceScript } from '../notify/render.js';
import { insertInboxMessage } from './store.js';

class InboxChannel implements Channel {
  constructor(
    readonly name: ChannelName,
    private readonly database: Database,
    private readonly clock: Clock,
  ) {}

  async send(message: OutboundMessage): Promise<DeliveryResult> {
    const id = await insertInboxMessage(this.database.db, {
      engagementId: message.engagement.id,
      notificationId: message.id,
      channel: this.name,
      address: message.to,
      recipient: message.recipient.name,
      subject: subjectLine(message),
      // A call shows what it would say (the demo has no phone to ring).
      body: this.name === 'sms' ? smsText(message) : this.name === 'voice' ? voiceScript(message) : plainText(message),
      data: {
        kind: message.kind,
        reason: message.reason,
        incidents: message.incidents.map((i) => ({
          id: i.id,
          number: i.number,
          title: i.title,
          priority: i.priority,
          url: i.url,
          acknowledge: i.acknowledgeUrl,
          resolve: i.resolveUrl,
        })),
      },
      createdAt: this.clock.now(),
    });
    return { status: 'delivered', providerId: `inbox-${id}` };
  }
}

/** A registry where every channel delivers to the local inbox. */
export function inboxChannels(database: Database, clock: Clock): ChannelRegistry {
  const channels = new Map<ChannelName, Channel>(CHANNEL_NAMES.map((n) => [n, new InboxChannel(n, database, clock)]));
  return { get: (name) => channels.get(name), names: () => [...channels.keys()] };
}
