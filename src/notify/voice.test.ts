import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fakeTwilio } from '../../test/support/fakes/twilio.js';
import type { FakeTwilio } from '../../test/support/fakes/twilio.js';
import { pageMessage, testClock } from './test-fixtures.js';
import { TWIML_MAX_CHARS, VoiceChannel, callTwiml, voiceCallerId } from './voice.js';

const ACCOUNT = 'AC0123456789abcdef0123456789abcdef';
const TOKEN = 'twilio-auth-token-for-tests';
const callbacks = {
  statusUrl: 'https://tandem.example/integrations/twilio/status/cv~1~2~p:kim~abc~mac',
  voiceUrl: 'https://tandem.example/integrations/twilio/voice/cv~1~2~p:kim~abc~mac',
};

describe('voice channel against a Twilio-faithful fake', () => {
  let twilio: FakeTwilio;
  const clock = testClock();
  const channel = (from = '+15550109999', voiceFrom?: string) =>
    new VoiceChannel({
      twilio: { accountSid: ACCOUNT, authToken: TOKEN, from, baseUrl: twilio.url, ...(voiceFrom ? { voiceFrom } : {}) },
      clock,
      timeoutMs: 2_000,
      userAgent: 'Tandem/test',
    });
  const call = (to = '+15550100004') =>
    pageMessage({ channel: 'voice', to, recipient: { kind: 'person', id: 'kim', name: 'Kim Tan' }, callbacks });

  beforeAll(async () => {
    twilio = await fakeTwilio({ accountSid: ACCOUNT, authToken: TOKEN });
  });
  afterAll(async () => twilio.close());

  it('places the call with TwiML that reads the incident and gathers one key, and asks for answered and completed reports', async () => {
    const result = await channel().send(call());
    expect(result).toMatchObject({ status: 'delivered', providerId: expect.stringMatching(/^CA[0-9a-f]{32}$/), reportFollows: true });
    const request = twilio.requests.at(-1);
    expect(request?.path).toBe(`/2010-04-01/Accounts/${ACCOUNT}/Calls.json`);
    expect(request?.headers.authorization).toBe(`Basic ${Buffer.from(`${ACCOUNT}:${TOKEN}`).toString('base64')}`);
    const placed = twilio.calls.at(-1);
    expect(placed).toMatchObject({
      to: '+15550100004',
      from: '+15550109999',
      gatherAction: callbacks.voiceUrl,
      statusCallback: callbacks.statusUrl,
    });
    expect(placed?.statusEvents).toEqual(['answered', 'completed']);
    expect(placed?.spoken[0]).toContain('Priority P1 incident ACME-42');
    expect(placed?.spoken[0]).toContain('Press 1 to acknowledge. Press 2 to escalate to the next tier now.');
    expect(placed?.twiml).toContain('<Gather input="dtmf" numDigits="1"');
  });

  it('Twilio refusals are permanent with its code: an invalid number', async () => {
    const result = await channel().send(call('555-0100'));
    expect(result).toEqual({ status: 'permanent', error: expect.stringMatching(/^Twilio 21211: Invalid 'To' Phone Number/) });
  });

  it('a Messaging Service sender cannot call: voiceFrom is the caller id then', async () => {
    expect(voiceCallerId({ accountSid: ACCOUNT, authToken: TOKEN, from: 'MG0123456789abcdef0123456789abcdef' })).toBeUndefined();
    const refused = await channel('MG0123456789abcdef0123456789abcdef').send(call());
    expect(refused).toMatchObject({ status: 'permanent' });
    const placed = await channel('MG0123456789abcdef0123456789abcdef', '+15550108888').send(call());
    expect(placed.status).toBe('delivered');
    expect(twilio.calls.at(-1)?.from).toBe('+15550108888');
  });

  it('keeps the TwiML within 4,000 characters for the longest titles, the URL and the keys intact', () => {
    const long = pageMessage({ channel: 'voice', to: '+15550100004', callbacks });
    const huge = { ...long, incidents: long.incidents.map((i) => ({ ...i, title: 'Disk full & <very> "slow" '.repeat(400) })) };
    const twiml = callTwiml(huge);
    expect(twiml.length).toBeLessThanOrEqual(TWIML_MAX_CHARS);
    expect(twiml).toContain(`action="${callbacks.voiceUrl}"`);
    expect(twiml).toContain('Press 2 to escalate to the next tier now.');
  });
});
