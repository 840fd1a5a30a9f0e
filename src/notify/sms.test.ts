import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { twilioReceiver } from '../../test/support/receivers/http.js';
import type { TwilioReceiver } from '../../test/support/receivers/http.js';
import { SmsChannel } from './sms.js';
import { incident, pageMessage, testClock } from './test-fixtures.js';

const ACCOUNT = 'AC0123456789abcdef0123456789abcdef';
const TOKEN = 'twilio-auth-token-for-tests';
const FROM = '+15550109999';

describe('SMS channel against a Twilio-faithful receiver', () => {
  let twilio: TwilioReceiver;
  let channel: SmsChannel;
  const clock = testClock();

  beforeAll(async () => {
    twilio = await twilioReceiver({ accountSid: ACCOUNT, authToken: TOKEN });
    channel = new SmsChannel({
      twilio: { accountSid: ACCOUNT, authToken: TOKEN, from: FROM, baseUrl: twilio.url },
      clock,
      timeoutMs: 2_000,
      userAgent: 'Tandem/test',
    });
  });
  afterEach(() => {
    twilio.requests.length = 0;
    twilio.messages.length = 0;
  });
  afterAll(async () => {
    await twilio.close();
  });

  const sms = (to = '+15550100004') => pageMessage({ channel: 'sms', to, recipient: { kind: 'person', id: 'kim', name: 'Kim Tan' } });

  it('POSTs the documented request and returns the message SID', async () => {
    const result = await channel.send(sms());
    expect(result).toMatchObject({ status: 'delivered', providerId: expect.stringMatching(/^SM[0-9a-f]{32}$/) });

    const [request] = twilio.requests;
    expect(request?.method).toBe('POST');
    expect(request?.path).toBe(`/2010-04-01/Accounts/${ACCOUNT}/Messages.json`);
    expect(request?.headers['content-type']).toBe('application/x-www-form-urlencoded');
    expect(request?.headers.authorization).toBe(`Basic ${Buffer.from(`${ACCOUNT}:${TOKEN}`).toString('base64')}`);
    expect(request?.headers['user-agent']).toBe('Tandem/test');
    const ref = incident(42);
    expect(request?.form).toEqual({
      To: '+15550100004',
      From: FROM,
      Body: `[P1] ACME-42 Payment API down. Ack: ${ref.acknowledgeUrl} Resolve: ${ref.resolveUrl}`,
    });
    expect(twilio.messages).toHaveLength(1);
  });

  it('uses MessagingServiceSid when the sender is a Messaging Service', async () => {
    const service = new SmsChannel({
      twilio: { accountSid: ACCOUNT, authToken: TOKEN, from: 'MG0123456789abcdef0123456789abcdef', baseUrl: twilio.url },
      clock,
      timeoutMs: 2_000,
      userAgent: 'Tandem/test',
    });
    expect(await service.send(sms())).toMatchObject({ status: 'delivered' });
    expect(twilio.requests[0]?.form).toMatchObject({ MessagingServiceSid: 'MG0123456789abcdef0123456789abcdef' });
    expect(twilio.requests[0]?.form?.['From']).toBeUndefined();
  });

  it('a long title is cut, both links arrive whole', async () => {
    const long = sms();
    long.incidents = [
      incident(42, { title: 'Payment API returning 503 for every card brand in every region since the last deploy '.repeat(5) }),
    ];
    expect(await channel.send(long)).toMatchObject({ status: 'delivered' });
    const body = twilio.messages[0]?.body ?? '';
    expect(body.length).toBeLessThanOrEqual(320);
    expect(body).toContain(`Ack: ${incident(42).acknowledgeUrl} Resolve: ${incident(42).resolveUrl}`);
  });

  it("invalid To (Twilio 21211) is permanent with Twilio's message", async () => {
    const result = await channel.send(sms('+1555'));
    expect(result).toEqual({
      status: 'permanent',
      error: "Twilio 21211: Invalid 'To' Phone Number: +1555 (https://www.twilio.com/docs/errors/21211)",
    });
  });

  it('wrong credentials (401, 20003) are permanent', async () => {
    const wrong = new SmsChannel({
      twilio: { accountSid: ACCOUNT, authToken: 'nope', from: FROM, baseUrl: twilio.url },
      clock,
      timeoutMs: 2_000,
      userAgent: 'Tandem/test',
    });
    expect(await wrong.send(sms())).toMatchObject({ status: 'permanent', error: expect.stringContaining('Twilio 20003: Authenticate') });
  });

  it('429 with Retry-After is retryable after that many seconds', async () => {
    twilio.failNext(
      1,
      429,
      { code: 20429, message: 'Too Many Requests', more_info: 'https://www.twilio.com/docs/errors/20429', status: 429 },
      { 'retry-after': '7' },
    );
    expect(await channel.send(sms())).toEqual({
      status: 'retryable',
      error: 'Twilio 20429: Too Many Requests (https://www.twilio.com/docs/errors/20429)',
      retryAfterMs: 7_000,
    });
  });

  it('503 twice then 201: two retryable results, then delivered', async () => {
    twilio.failNext(2, 503, 'Service Unavailable', { 'content-type': 'text/plain' });
    expect(await channel.send(sms())).toEqual({ status: 'retryable', error: 'Twilio HTTP 503 Service Unavailable' });
    expect(await channel.send(sms())).toMatchObject({ status: 'retryable' });
    expect(await channel.send(sms())).toMatchObject({ status: 'delivered' });
    expect(twilio.requests).toHaveLength(3);
  });

  it('no answer within the timeout is retryable', async () => {
    const impatient = new SmsChannel({
      twilio: { accountSid: ACCOUNT, authToken: TOKEN, from: FROM, baseUrl: twilio.url },
      clock,
      timeoutMs: 150,
      userAgent: 'Tandem/test',
    });
    twilio.hangNext();
    expect(await impatient.send(sms())).toEqual({ status: 'retryable', error: 'timed out after 150 ms' });
  });
});
