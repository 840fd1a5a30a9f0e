/**
 * The outside world a scenario pages: a real SMTP server, and HTTP receivers
 * that answer like Twilio, Slack, Teams and a webhook consumer. The harness
 * points Tandem's channels at them.
 */
import type { Clock } from '../../src/clock/clock.js';
import { slackReceiver, teamsReceiver, twilioReceiver, webhookReceiver } from './receivers/http.js';
import type { HttpReceiver, SlackReceiver, TwilioReceiver, WebhookReceiver } from './receivers/http.js';
import { startSmtpReceiver } from './receivers/smtp.js';
import type { SmtpReceiver } from './receivers/smtp.js';

export const WEBHOOK_SECRET = 'scenario-webhook-secret';

export interface Peers {
  readonly smtp: SmtpReceiver;
  readonly twilio: TwilioReceiver;
  readonly slack: SlackReceiver;
  readonly teams: HttpReceiver;
  readonly webhook: WebhookReceiver;
  /** `tandem serve` flags and environment that send every channel to these peers. */
  readonly args: string[];
  readonly env: NodeJS.ProcessEnv;
  /** Everything every peer received, as "channel to address" lines, in arrival order per peer. */
  close(): Promise<void>;
}

export async function startPeers(clock: Clock): Promise<Peers> {
  const [smtp, twilio, slack, teams, webhook] = await Promise.all([
    startSmtpReceiver(),
    twilioReceiver({ clock }),
    slackReceiver({ clock }),
    teamsReceiver({ clock }),
    webhookReceiver(WEBHOOK_SECRET, { clock }),
  ]);
  return {
    smtp,
    twilio,
    slack,
    teams,
    webhook,
    args: [
      '--notify',
      'live',
      '--smtp-url',
      smtp.url,
      '--email-from',
      'Tandem <tandem@acme.example>',
      '--twilio-from',
      '+15550009999',
      '--twilio-url',
      twilio.url,
      '--slack-url',
      slack.url,
      '--teams-url',
      teams.url,
      '--webhook-url',
      webhook.url,
    ],
    env: {
      TANDEM_TWILIO_ACCOUNT_SID: twilio.accountSid,
      TANDEM_TWILIO_AUTH_TOKEN: twilio.authToken,
      TANDEM_WEBHOOK_SECRET: WEBHOOK_SECRET,
    },
    close: async () => {
      await Promise.all([smtp.close(), twilio.close(), slack.close(), teams.close(), webhook.close()]);
    },
  };
}
