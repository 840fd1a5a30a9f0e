import { describe, expect, it } from 'vitest';
import { callMeaning, isFinalStatus, keyAction, messageMeaning, parseSmsReply, planReport } from './twilio-plan.js';

describe('keys pressed on a page call', () => {
  it.each([
    ['1', 'acknowledge'],
    [' 1 ', 'acknowledge'],
    ['2', 'escalate'],
    ['3', 'repeat'],
    ['#', 'repeat'],
    ['', 'repeat'],
    [undefined, 'repeat'],
    ['12', 'repeat'],
  ])('%j -> %s', (digits, action) => {
    expect(keyAction(digits)).toBe(action);
  });
});

describe('what a report means', () => {
  it.each([
    ['queued', 'progress'],
    ['initiated', 'progress'],
    ['ringing', 'progress'],
    ['in-progress', 'answered'],
    ['completed', 'ended'],
    ['canceled', 'ended'],
    ['busy', 'missed'],
    ['no-answer', 'missed'],
    ['failed', 'missed'],
    ['something-new', 'progress'],
  ])('call %s -> %s', (status, meaning) => {
    expect(callMeaning(status)).toBe(meaning);
  });
  it.each([
    ['accepted', 'progress'],
    ['queued', 'progress'],
    ['sending', 'progress'],
    ['sent', 'progress'],
    ['delivered', 'delivered'],
    ['read', 'delivered'],
    ['undelivered', 'missed'],
    ['failed', 'missed'],
  ])('message %s -> %s', (status, meaning) => {
    expect(messageMeaning(status)).toBe(meaning);
  });
  it('final statuses', () => {
    expect(['completed', 'no-answer', 'delivered', 'undelivered'].every(isFinalStatus)).toBe(true);
    expect([null, 'in-progress', 'sent', 'ringing'].some(isFinalStatus)).toBe(false);
  });
});

describe('planReport', () => {
  const base = { name: 'Kim Tan', address: '+15550100004', incidentStatus: 'triggered' };
  const voice = (providerStatus: string | null = null) => ({ channel: 'voice', status: 'delivered', providerStatus });
  const sms = (providerStatus: string | null = null) => ({ channel: 'sms', status: 'delivered', providerStatus });

  it('an answered call is delivered; a missed one fails and moves the next rule up while the incident waits', () => {
    expect(planReport({ ...base, row: voice(), status: 'in-progress' })).toEqual({
      record: true,
      advance: false,
      timeline: { kind: 'notification.status', message: 'Call to Kim Tan (+15550100004) answered: delivered.' },
    });
    expect(planReport({ ...base, row: voice('ringing'), status: 'busy' })).toEqual({
      record: true,
      advance: true,
      fail: 'Twilio: busy',
      timeline: {
        kind: 'notification.status',
        message: 'Call to Kim Tan (+15550100004) not answered (Twilio: busy). The next notify rule is due now.',
      },
    });
    const acked = planReport({ ...base, incidentStatus: 'acknowledged', row: voice(), status: 'no-answer' });
    expect(acked).toMatchObject({ record: true, advance: false, fail: 'Twilio: no-answer' });
    expect(acked.timeline?.message).toBe('Call to Kim Tan (+15550100004) not answered (Twilio: no-answer).');
  });

  it('a call that ends with the incident still waiting (no key pressed, or a voicemail) moves the next rule up too, without failing', () => {
    expect(planReport({ ...base, row: voice('in-progress'), status: 'completed' })).toEqual({
      record: true,
      advance: true,
      timeline: {
        kind: 'notification.status',
        message: 'Call to Kim Tan (+15550100004) ended without an acknowledgement (Twilio: completed). The next notify rule is due now.',
      },
    });
    expect(planReport({ ...base, incidentStatus: 'acknowledged', row: voice('in-progress'), status: 'completed' })).toMatchObject({
      advance: false,
      timeline: { message: 'Call to Kim Tan (+15550100004) ended (Twilio: completed).' },
    });
  });

  it('SMS: delivered to the phone, or not with the error code', () => {
    expect(planReport({ ...base, row: sms('sent'), status: 'delivered' }).timeline?.message).toBe(
      'SMS to Kim Tan (+15550100004) delivered to the phone (Twilio: delivered).',
    );
    expect(planReport({ ...base, row: sms(), status: 'undelivered', errorCode: '30003' })).toMatchObject({
      record: true,
      advance: true,
      fail: 'Twilio: undelivered, error 30003',
    });
  });

  it('progress, repeats and reports after a final one record nothing', () => {
    const none = { record: false, advance: false };
    expect(planReport({ ...base, row: sms(), status: 'sent' })).toEqual(none);
    expect(planReport({ ...base, row: sms('delivered'), status: 'delivered' })).toEqual(none);
    expect(planReport({ ...base, row: sms('delivered'), status: 'undelivered' })).toEqual(none);
    expect(planReport({ ...base, row: voice('no-answer'), status: 'no-answer' })).toEqual(none);
    expect(planReport({ ...base, row: voice('completed'), status: 'in-progress' })).toEqual(none);
    expect(planReport({ ...base, row: voice(), status: 'ringing' })).toEqual(none);
  });
});

describe('SMS replies', () => {
  it.each([
    ['ACK 42', { kind: 'ack', number: 42, prefix: undefined }],
    ['ack 42', { kind: 'ack', number: 42, prefix: undefined }],
    ['  Ack   42. ', { kind: 'ack', number: 42, prefix: undefined }],
    ['ACK ACME-42', { kind: 'ack', number: 42, prefix: 'ACME' }],
    ['ack acme-42', { kind: 'ack', number: 42, prefix: 'ACME' }],
    ['Acknowledge globex-corp-7', { kind: 'ack', number: 7, prefix: 'GLOBEX-CORP' }],
    ['ACK #42', { kind: 'ack', number: 42, prefix: undefined }],
    ['ACK: 42', { kind: 'ack', number: 42, prefix: undefined }],
    ['help', { kind: 'help' }],
    ['?', { kind: 'help' }],
    ['ACK', { kind: 'other' }],
    ['ACK forty-two', { kind: 'other' }],
    ['ACK 42 43', { kind: 'other' }],
    ['ACK 1234567890', { kind: 'other' }],
    ['on my way', { kind: 'other' }],
    ['', { kind: 'other' }],
    ['STOP', { kind: 'other' }],
  ])('%j', (body, expected) => {
    expect(parseSmsReply(body)).toEqual(expected);
  });
});
