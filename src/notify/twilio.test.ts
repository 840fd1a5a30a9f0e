import { describe, expect, it } from 'vitest';
import { fakeTwilioSignature } from '../../test/support/fakes/twilio.js';
import { gather, message, say, twilioSignature, twilioSignedString, twiml, verifyTwilioSignature, xmlEscape } from './twilio.js';

// Twilio's own example (its "security" documentation and api-snippets): auth token 12345, this URL and these fields.
const TOKEN = '12345';
const URL_ = 'https://mycompany.com/myapp.php?foo=1&bar=2';
const FIELDS: Array<[string, string]> = [
  ['CallSid', 'CA1234567890ABCDE'],
  ['Caller', '+14158675310'],
  ['Digits', '1234'],
  ['From', '+14158675310'],
  ['To', '+18005551212'],
];

describe('X-Twilio-Signature', () => {
  it("matches Twilio's documented example", () => {
    expect(twilioSignature(TOKEN, URL_, FIELDS)).toBe('GvWf1cFY/Q7PnoempGyD5oXAezc=');
    expect(verifyTwilioSignature(TOKEN, 'GvWf1cFY/Q7PnoempGyD5oXAezc=', URL_, FIELDS)).toBe(true);
  });

  it('sorts fields by name (case-sensitive), whatever order they were posted in; repeated names sign their distinct values sorted', () => {
    const shuffled = [...FIELDS].reverse();
    expect(twilioSignature(TOKEN, URL_, shuffled)).toBe('GvWf1cFY/Q7PnoempGyD5oXAezc=');
    expect(
      twilioSignedString('https://x.example/a', [
        ['b', '2'],
        ['B', '1'],
        ['a', 'z'],
        ['a', 'y'],
        ['a', 'y'],
      ]),
    ).toBe('https://x.example/aB1ayazb2');
  });

  it('agrees with the test fake, written apart from it', () => {
    const fields: Array<[string, string]> = [
      ['Body', 'ACK 42 – ünïcödé'],
      ['From', '+15550100004'],
      ['StatusCallbackEvent', 'completed'],
      ['StatusCallbackEvent', 'answered'],
    ];
    expect(twilioSignature('t0ken', 'https://tandem.example/integrations/twilio/sms', fields)).toBe(
      fakeTwilioSignature('t0ken', 'https://tandem.example/integrations/twilio/sms', fields),
    );
  });

  it('accepts the URL with or without its default port, as Twilio signs either', () => {
    const withPort = twilioSignature(TOKEN, 'https://tandem.example:443/integrations/twilio/sms', FIELDS);
    const without = twilioSignature(TOKEN, 'https://tandem.example/integrations/twilio/sms', FIELDS);
    expect(verifyTwilioSignature(TOKEN, withPort, 'https://tandem.example/integrations/twilio/sms', FIELDS)).toBe(true);
    expect(verifyTwilioSignature(TOKEN, without, 'https://tandem.example:443/integrations/twilio/sms', FIELDS)).toBe(true);
    expect(verifyTwilioSignature(TOKEN, without, 'https://tandem.example:8443/integrations/twilio/sms', FIELDS)).toBe(false);
  });

  it.each([
    ['no signature', undefined, URL_, FIELDS],
    ['empty', '', URL_, FIELDS],
    ['another token', twilioSignature('54321', URL_, FIELDS), URL_, FIELDS],
    ['another URL', twilioSignature(TOKEN, URL_, FIELDS), 'https://mycompany.com/myapp.php?foo=1&bar=3', FIELDS],
    ['a field changed', twilioSignature(TOKEN, URL_, FIELDS), URL_, [...FIELDS.slice(0, 2), ['Digits', '1'] as [string, string]]],
    ['a field added', twilioSignature(TOKEN, URL_, FIELDS), URL_, [...FIELDS, ['Extra', ''] as [string, string]]],
    ['garbage', 'not base64 at all %%%', URL_, FIELDS],
    ['huge', 'A'.repeat(10_000), URL_, FIELDS],
  ])('refuses %s', (_what, signature, url, fields) => {
    expect(verifyTwilioSignature(TOKEN, signature, url, fields)).toBe(false);
  });
});

describe('TwiML', () => {
  it('escapes text and attributes', () => {
    expect(xmlEscape(`<a href="x">Tom & Jerry's</a>`)).toBe('&lt;a href=&quot;x&quot;&gt;Tom &amp; Jerry&apos;s&lt;/a&gt;');
    expect(twiml(say('P1 <b> & co') + message('ok'))).toBe(
      '<?xml version="1.0" encoding="UTF-8"?><Response><Say>P1 &lt;b&gt; &amp; co</Say><Message>ok</Message></Response>',
    );
    expect(gather('https://t.example/v/a~b?x=1&y=2', 'Press 1')).toBe(
      '<Gather input="dtmf" numDigits="1" timeout="8" method="POST" action="https://t.example/v/a~b?x=1&amp;y=2"><Say loop="2">Press 1</Say></Gather>',
    );
  });
});
