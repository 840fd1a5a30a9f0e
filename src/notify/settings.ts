/**
 * Notification settings and the registry built from them. The server parses
 * these once at start-up (from its own flags or environment) and passes them
 * here; nothing in src/notify reads the environment.
 */
import type { Clock } from '../clock/clock.js';
import { VERSION } from '../settings/version.js';
import type { Channel, ChannelRegistry } from './channel.js';
import { createRegistry } from './channel.js';
import { EmailChannel } from './email.js';
import { DEFAULT_TIMEOUT_MS } from './http-delivery.js';
import { SlackChannel } from './slack.js';
import { SmsChannel, TWILIO_BASE_URL } from './sms.js';
import type { TwilioSettings } from './sms.js';
import { TeamsChannel } from './teams.js';
import { VoiceChannel, voiceCallerId } from './voice.js';
import { WebhookChannel } from './webhook.js';

export type { TwilioSettings } from './sms.js';

/** How Tandem reaches each channel's provider. */
export interface NotifySettings {
  /** `smtp://user:pass@host:2525` or `smtps://...`; without it there is no email channel. */
  smtpUrl?: string;
  /** The From header of notification emails, e.g. `Tandem <tandem@acme.example>`. */
  emailFrom: string;
  /** Without it there is no SMS channel. */
  twilio?: TwilioSettings;
  /**
   * Each *BaseUrl replaces the origin (scheme, host, port) of the contact's
   * URL, keeping path and query: staging and tests send real contact URLs to
   * local receivers this way.
   */
  slackBaseUrl?: string;
  /** Slack's interactivity reaches Tandem (it has the app's signing secret): Slack buttons act from Slack, not through respond links. */
  slackInteractive?: boolean;
  teamsBaseUrl?: string;
  webhookBaseUrl?: string;
  /** HMAC key for the `Tandem-Signature` header of generic webhooks. Must not be empty. */
  webhookSecret: string;
  /** Per-attempt timeout, milliseconds (connect to last byte). Default 10 000. */
  timeoutMs?: number;
}

/** A setting that cannot work, with the setting's name. */
export class NotifySettingsError extends Error {
  override readonly name = 'NotifySettingsError';
}

function checkUrl(name: string, value: string | undefined, schemes: readonly string[]): void {
  if (value === undefined) return;
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    throw new NotifySettingsError(`${name}: "${value}" is not a URL`);
  }
  if (!schemes.includes(url.protocol)) {
    throw new NotifySettingsError(`${name}: scheme ${url.protocol} is not one of ${schemes.join(', ')}`);
  }
}

/** Checks settings once, so that a typo fails start-up instead of every page at 3 a.m. Returns a frozen copy. */
export function checkNotifySettings(settings: NotifySettings): Readonly<NotifySettings> {
  checkUrl('smtpUrl', settings.smtpUrl, ['smtp:', 'smtps:']);
  checkUrl('slackBaseUrl', settings.slackBaseUrl, ['http:', 'https:']);
  checkUrl('teamsBaseUrl', settings.teamsBaseUrl, ['http:', 'https:']);
  checkUrl('webhookBaseUrl', settings.webhookBaseUrl, ['http:', 'https:']);
  if (settings.smtpUrl !== undefined && !/@/.test(settings.emailFrom)) {
    throw new NotifySettingsError(`emailFrom: "${settings.emailFrom}" has no address`);
  }
  if (settings.webhookSecret === '') throw new NotifySettingsError('webhookSecret: must not be empty (webhooks are always signed)');
  if (settings.twilio !== undefined) {
    const { accountSid, authToken, from } = settings.twilio;
    if (accountSid === '' || authToken === '' || from === '') {
      throw new NotifySettingsError('twilio: accountSid, authToken and from are all required');
    }
    checkUrl('twilio.baseUrl', settings.twilio.baseUrl, ['http:', 'https:']);
    const { voiceFrom } = settings.twilio;
    if (voiceFrom !== undefined && !/^\+[1-9]\d{1,14}$/.test(voiceFrom)) {
      throw new NotifySettingsError(`twilio.voiceFrom: "${voiceFrom}" is not a phone number in E.164 form (+15550100001)`);
    }
  }
  const timeoutMs = settings.timeoutMs ?? DEFAULT_TIMEOUT_MS;
  if (!Number.isInteger(timeoutMs) || timeoutMs <= 0)
    throw new NotifySettingsError(`timeoutMs: ${timeoutMs} is not a positive whole number`);
  const twilio =
    settings.twilio === undefined ? undefined : Object.freeze({ ...settings.twilio, baseUrl: settings.twilio.baseUrl ?? TWILIO_BASE_URL });
  return Object.freeze({ ...settings, timeoutMs, twilio });
}

/** Extra construction options. */
export interface CreateChannelsOptions {
  /** For `User-Agent: Tandem/<version>`; defaults to package.json's version. */
  version?: string;
}

/**
 * Builds the registry of configured channels: email only with `smtpUrl`, SMS
 * only with `twilio` (and voice when it has a caller id number); Slack, Teams and webhook always (their addresses are
 * per contact). Throws {@link NotifySettingsError} on unusable settings.
 */
export function createChannels(settings: NotifySettings, clock: Clock, options: CreateChannelsOptions = {}): ChannelRegistry {
  const checked = checkNotifySettings(settings);
  const timeoutMs = checked.timeoutMs ?? DEFAULT_TIMEOUT_MS;
  const version = options.version ?? VERSION;
  const userAgent = `Tandem/${version}`;
  const channels: Channel[] = [];
  if (checked.smtpUrl !== undefined) {
    channels.push(new EmailChannel({ smtpUrl: checked.smtpUrl, from: checked.emailFrom, timeoutMs, clock }));
  }
  if (checked.twilio !== undefined) {
    channels.push(new SmsChannel({ twilio: checked.twilio, clock, timeoutMs, userAgent }));
    // Calls need a caller id: a Twilio number (a Messaging Service sender cannot call).
    if (voiceCallerId(checked.twilio) !== undefined)
      channels.push(new VoiceChannel({ twilio: checked.twilio, clock, timeoutMs, userAgent }));
  }
  channels.push(
    new SlackChannel({ clock, timeoutMs, userAgent, baseUrl: checked.slackBaseUrl, interactive: checked.slackInteractive === true }),
    new TeamsChannel({ clock, timeoutMs, userAgent, baseUrl: checked.teamsBaseUrl }),
    new WebhookChannel({ clock, timeoutMs, secret: checked.webhookSecret, version, baseUrl: checked.webhookBaseUrl }),
  );
  return createRegistry(channels);
}
