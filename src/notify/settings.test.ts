import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fakeTwilio } from '../../test/support/fakes/twilio.js';
import type { FakeTwilio } from '../../test/support/fakes/twilio.js';
import { slackReceiver, teamsReceiver, webhookReceiver } from '../../test/support/receivers/http.js';
import type { HttpReceiver, SlackReceiver, WebhookReceiver } from '../../test/support/receivers/http.js';
import { startSmtpReceiver } from '../../test/support/receivers/smtp.js';
import type { SmtpReceiver } from '../../test/support/receivers/smtp.js';
import type { ChannelName, OutboundMessage } from './channel.js';
import { createChannels, NotifySettingsError } from './settings.js';
import type { NotifySettings } from './settings.js';
import { pageMessage, testClock } from './test-fixtures.js';

const BASE: NotifySettings = { emailFrom: 'Tandem <tandem@acme.example>', webhookSecret: 'whsec_1' };

describe('createChannels', () => {
  it('registers only configured channels', () => {
    expect(createChannels(BASE, testClock()).names()).toEqual(['slack', 'teams', 'webhook']);
    const all = createChannels(
      { ...BASE, smtpUrl: 'smtp://u:p@mail.example:2525', twilio: { accountSid: 'AC1', authToken: 't', from: '+15550109999' } },
      testClock(),
    );
    expect(all.names()).toEqual(['email', 'sms', 'slack', 'teams', 'webhook', 'voice']);
    expect(all.get('email')?.name).toBe('email');
    expect(createChannels(BASE, testClock()).get('sms')).toBeUndefined();
  });

  it.each([
    [{ smtpUrl: 'http://mail.example' }, /smtpUrl/],
    [{ slackBaseUrl: 'not a url' }, /slackBaseUrl/],
    [{ webhookSecret: '' }, /webhookSecret/],
    [{ timeoutMs: 0 }, /timeoutMs/],
    [{ twilio: { accountSid: '', authToken: 't', from: '+1' } }, /twilio/],
  ] as const)('refuses unusable settings %j', (patch, message) => {
    expect(() => createChannels({ ...BASE, ...patch }, testClock())).toThrow(NotifySettingsError);
    expect(() => createChannels({ ...BASE, ...patch }, testClock())).toThrow(message);
  });
});

describe('a registry wired to local peers through base-URL overrides', () => {
  let smtp: SmtpReceiver;
  let twilio: FakeTwilio;
  let slack: SlackReceiver;
  let teams: HttpReceiver;
  let hooks: WebhookReceiver;
  const clock = testClock();

  beforeAll(async () => {
    [smtp, twilio, slack, teams, hooks] = await Promise.all([
      startSmtpReceiver(),
      fakeTwilio(),
      slackReceiver(),
      teamsReceiver(),
      // The receiver checks the signature's timestamp against the same virtual clock Tandem signs with.
      webhookReceiver('whsec_1', { clock }),
    ]);
  });
  afterAll(async () => {
    await Promise.all([smtp.close(), twilio.close(), slack.close(), teams.close(), hooks.close()]);
  });

  it('delivers on every channel, contact URLs rewritten to the receivers', async () => {
    const registry = createChannels(
      {
        ...BASE,
        smtpUrl: smtp.url,
        twilio: { accountSid: twilio.accountSid, authToken: twilio.authToken, from: '+15550109999', baseUrl: twilio.url },
        slackBaseUrl: slack.url,
        teamsBaseUrl: teams.url,
        webhookBaseUrl: hooks.url,
        timeoutMs: 2_000,
      },
      clock,
      { version: '9.9.9' },
    );
    const contacts: Record<ChannelName, string> = {
      email: 'dana@acme.example',
      sms: '+15550100001',
      slack: 'https://hooks.slack.example/services/T000/B000/lee',
      teams: 'https://nightowl.webhook.office.example/webhookb2/ana',
      webhook: 'https://ops.nightowl.example/hooks/sam?tenant=acme',
      voice: '+15550100002',
    };
    for (const name of registry.names()) {
      const message: OutboundMessage = pageMessage({ id: `dlv_${name}`, channel: name, to: contacts[name] });
      const channel = registry.get(name);
      expect(await channel?.send(message), name).toMatchObject({ status: 'delivered' });
    }
    expect(smtp.messages[0]?.envelope.to).toEqual(['dana@acme.example']);
    expect(twilio.messages[0]?.to).toBe('+15550100001');
    expect(twilio.calls[0]?.to).toBe('+15550100002');
    expect(slack.requests[0]?.path).toBe('/services/T000/B000/lee');
    expect(teams.requests[0]?.path).toBe('/webhookb2/ana');
    expect(hooks.requests[0]?.path).toBe('/hooks/sam');
    expect(hooks.requests[0]?.query.get('tenant')).toBe('acme');
    expect(hooks.requests[0]?.headers['user-agent']).toBe('Tandem/9.9.9');
    expect(slack.requests[0]?.headers['user-agent']).toBe('Tandem/9.9.9');
    expect(hooks.verified).toEqual([true]);
  });
});
