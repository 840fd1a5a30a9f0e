/**
 * Notification channels: one {@link Channel} interface, one provider per
 * vendor, a registry built from settings. The engine imports from here only.
 */
export type { Channel, ChannelName, ChannelRegistry, DeliveryResult, IncidentRef, OutboundMessage } from './channel.js';
export { CHANNEL_NAMES, createRegistry } from './channel.js';
export type { CreateChannelsOptions, NotifySettings, TwilioSettings } from './settings.js';
export { NotifySettingsError, checkNotifySettings, createChannels } from './settings.js';
export { DEFAULT_TIMEOUT_MS, parseRetryAfter, rebaseOrigin } from './http-delivery.js';
export { DELIVERY_HEADER, SIGNATURE_HEADER, signTandemPayload, verifyTandemSignature } from './signature.js';
export { EmailChannel } from './email.js';
export { SmsChannel } from './sms.js';
export { SlackChannel } from './slack.js';
export { TeamsChannel } from './teams.js';
export { WebhookChannel } from './webhook.js';
export { plainText, smsText, subjectLine } from './render.js';
