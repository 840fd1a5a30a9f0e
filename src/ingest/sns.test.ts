import { generateKeyPairSync, sign } from 'node:crypto';
import type { KeyObject } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { canonicalString, certificateKey, parseSnsMessage, signatureMatches, snsUrlProblem } from './sns.js';
import type { SnsMessage } from './sns.js';

const { publicKey, privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
const other = generateKeyPairSync('rsa', { modulusLength: 2048 });

/** AWS's example strings to sign ("Verifying the signatures of Amazon SNS messages"). */
const NOTIFICATION = {
  Type: 'Notification',
  MessageId: '4d4dc071-ddbf-465d-bba8-08f81c89da64',
  TopicArn: 'arn:aws:sns:us-east-2:123456789012:s4-MySNSTopic-1G1WEFCOXTC0P',
  Subject: 'My subject',
  Message: 'My Test Message',
  Timestamp: '2019-01-31T04:37:04.321Z',
  SignatureVersion: '1',
  Signature: 'AAAA',
  SigningCertURL: 'https://sns.us-east-2.amazonaws.com/SimpleNotificationService-abc.pem',
  UnsubscribeURL: 'https://sns.us-east-2.amazonaws.com/?Action=Unsubscribe&SubscriptionArn=x',
};
const CONFIRMATION = {
  Type: 'SubscriptionConfirmation',
  MessageId: '3d891288-136d-417f-bc05-901c108273ee',
  Token: '233...',
  TopicArn: 'arn:aws:sns:us-east-2:123456789012:s4-MySNSTopic-1G1WEFCOXTC0P',
  Message: 'My Test Message',
  SubscribeURL:
    'https://sns.us-east-2.amazonaws.com/?Action=ConfirmSubscription&TopicArn=arn:aws:sns:us-east-2:123456789012:s4-MySNSTopic-1G1WEFCOXTC0P&Token=233...',
  Timestamp: '2019-01-31T19:25:13.719Z',
  SignatureVersion: '1',
  Signature: 'AAAA',
  SigningCertURL: 'https://sns.us-east-2.amazonaws.com/SimpleNotificationService-abc.pem',
};

function parsed(body: Record<string, unknown>, header?: string): SnsMessage {
  const result = parseSnsMessage(body, header);
  if (!result.ok) throw new Error(result.refusal.errors.join('; '));
  return result.value;
}

function signed(body: Record<string, string>, version: '1' | '2', key: KeyObject = privateKey): SnsMessage {
  const unsigned = parsed({ ...body, SignatureVersion: version });
  const signature = sign(version === '1' ? 'sha1' : 'sha256', Buffer.from(canonicalString(unsigned)), key).toString('base64');
  return parsed({ ...body, SignatureVersion: version, Signature: signature });
}

describe('the canonical string SNS signs', () => {
  it('is AWS example for a Notification: Message, MessageId, Subject, Timestamp, TopicArn, Type', () => {
    expect(canonicalString(parsed(NOTIFICATION))).toBe(
      [
        'Message',
        'My Test Message',
        'MessageId',
        '4d4dc071-ddbf-465d-bba8-08f81c89da64',
        'Subject',
        'My subject',
        'Timestamp',
        '2019-01-31T04:37:04.321Z',
        'TopicArn',
        'arn:aws:sns:us-east-2:123456789012:s4-MySNSTopic-1G1WEFCOXTC0P',
        'Type',
        'Notification',
        '',
      ].join('\n'),
    );
  });

  it('leaves Subject out when the publisher gave none, and never signs UnsubscribeURL', () => {
    const { Subject: _, ...noSubject } = NOTIFICATION;
    const text = canonicalString(parsed(noSubject));
    expect(text).not.toContain('Subject');
    expect(text).not.toContain('Unsubscribe');
    expect(text.startsWith('Message\nMy Test Message\nMessageId\n')).toBe(true);
  });

  it('is AWS example for a SubscriptionConfirmation: Message, MessageId, SubscribeURL, Timestamp, Token, TopicArn, Type', () => {
    expect(
      canonicalString(parsed(CONFIRMATION))
        .split('\n')
        .filter((_, i) => i % 2 === 0),
    ).toEqual(['Message', 'MessageId', 'SubscribeURL', 'Timestamp', 'Token', 'TopicArn', 'Type', '']);
    expect(canonicalString(parsed({ ...CONFIRMATION, Type: 'UnsubscribeConfirmation' }))).toContain('Token\n233...\n');
  });

  it('keeps control characters as the JSON decoded them (a newline in the Message is a newline)', () => {
    const text = canonicalString(parsed({ ...NOTIFICATION, Message: 'line one\nline two\t"quoted"' }));
    expect(text).toContain('Message\nline one\nline two\t"quoted"\nMessageId\n');
  });
});

describe('the signature check', () => {
  it.each(['1', '2'] as const)('accepts SignatureVersion %s signed by the certificate key, for every message type', (version) => {
    expect(signatureMatches(signed(NOTIFICATION, version), publicKey)).toBe(true);
    expect(signatureMatches(signed(CONFIRMATION, version), publicKey)).toBe(true);
    expect(signatureMatches(signed({ ...CONFIRMATION, Type: 'UnsubscribeConfirmation' }, version), publicKey)).toBe(true);
  });

  it('uses SHA1 for version 1 and SHA256 for version 2: a signature claimed under the other version fails', () => {
    const v1 = signed(NOTIFICATION, '1');
    expect(signatureMatches({ ...v1, signatureVersion: '2' }, publicKey)).toBe(false);
    const v2 = signed(NOTIFICATION, '2');
    expect(signatureMatches({ ...v2, signatureVersion: '1' }, publicKey)).toBe(false);
  });

  it.each([
    ['Message', { message: 'My Test Message!' }],
    ['MessageId', { messageId: 'another-id' }],
    ['Subject', { subject: 'Other subject' }],
    ['Timestamp', { timestamp: '2019-01-31T04:37:05.321Z' }],
    ['TopicArn', { topicArn: 'arn:aws:sns:us-east-2:123456789012:Other' }],
  ])('fails when %s changed after signing', (_field, change) => {
    const m = signed(NOTIFICATION, '2');
    expect(signatureMatches({ ...m, ...change }, publicKey)).toBe(false);
  });

  it('fails for a confirmation whose Token or SubscribeURL changed after signing', () => {
    const m = signed(CONFIRMATION, '1');
    expect(signatureMatches({ ...m, token: 'other' }, publicKey)).toBe(false);
    expect(signatureMatches({ ...m, subscribeUrl: `${m.subscribeUrl ?? ''}&x=1` }, publicKey)).toBe(false);
  });

  it('fails for another key, a garbage signature, or a key that is not RSA', () => {
    expect(signatureMatches(signed(NOTIFICATION, '1', other.privateKey), publicKey)).toBe(false);
    expect(signatureMatches({ ...signed(NOTIFICATION, '1'), signature: 'AAAA' }, publicKey)).toBe(false);
    const ec = generateKeyPairSync('ec', { namedCurve: 'P-256' });
    expect(signatureMatches(signed(NOTIFICATION, '1'), ec.publicKey)).toBe(false);
  });
});

describe('reading an SNS message', () => {
  it.each([
    [{ ...NOTIFICATION, Type: 'Announcement' }, 'Type', 'expected one of Notification, SubscriptionConfirmation, UnsubscribeConfirmation'],
    [{ ...NOTIFICATION, Signature: undefined }, 'Signature', 'missing'],
    [{ ...NOTIFICATION, Signature: 'not base64!' }, 'Signature', 'not Base64'],
    [{ ...NOTIFICATION, SignatureVersion: '3' }, 'SignatureVersion', 'expected one of 1, 2'],
    [{ ...NOTIFICATION, SigningCertURL: undefined }, 'SigningCertURL', 'missing'],
    [{ ...NOTIFICATION, MessageId: 7 }, 'MessageId', 'must be a string'],
    [{ ...NOTIFICATION, Message: { a: 1 } }, 'Message', 'must be a string'],
    [{ ...NOTIFICATION, Timestamp: '' }, 'Timestamp', 'missing'],
    [{ ...CONFIRMATION, Token: undefined }, 'Token', 'missing'],
    [{ ...CONFIRMATION, SubscribeURL: null }, 'SubscribeURL', 'missing'],
  ])('refuses %j naming %s', (body, field, words) => {
    const result = parseSnsMessage(body, undefined);
    expect(result.ok).toBe(false);
    if (result.ok) return;
    expect(result.refusal).toMatchObject({ status: 400, code: 'SNS_MESSAGE_INVALID', field });
    expect(result.refusal.errors.join('\n')).toContain(words);
  });

  it('refuses a body that is not an object, and a type header that disagrees with Type', () => {
    for (const body of [null, [], 'text', 42]) expect(parseSnsMessage(body, undefined).ok).toBe(false);
    const mismatch = parseSnsMessage(NOTIFICATION, 'SubscriptionConfirmation');
    expect(mismatch.ok).toBe(false);
    if (!mismatch.ok) expect(mismatch.refusal.field).toBe('x-amz-sns-message-type');
    expect(parseSnsMessage(NOTIFICATION, 'Notification').ok).toBe(true);
  });

  it('says so when the body is an alarm without its envelope (raw message delivery)', () => {
    const result = parseSnsMessage(
      { AlarmName: 'x', AlarmArn: 'arn:aws:cloudwatch:eu-central-1:1:alarm:x', NewStateValue: 'ALARM' },
      undefined,
    );
    expect(result.ok).toBe(false);
    if (!result.ok) {
      expect(result.refusal.field).toBe('Type');
      expect(result.refusal.errors[0]).toContain('turn off raw message delivery');
    }
  });

  it('reports every bad field at once', () => {
    const result = parseSnsMessage({ Type: 'Notification' }, undefined);
    expect(result.ok).toBe(false);
    if (!result.ok) expect(result.refusal.errors.length).toBeGreaterThanOrEqual(6);
  });
});

describe('which URLs a message may make Tandem fetch', () => {
  const cert = (url: string, hosts?: string[]) => snsUrlProblem(url, 'SigningCertURL', hosts);
  it.each([
    ['https://sns.eu-central-1.amazonaws.com/SimpleNotificationService-1.pem', undefined],
    ['https://sns.us-gov-west-1.amazonaws.com/SimpleNotificationService-1.pem', undefined],
    ['https://sns.cn-north-1.amazonaws.com.cn/SimpleNotificationService-1.pem', undefined],
    ['https://SNS.EU-WEST-1.AMAZONAWS.COM/SimpleNotificationService-1.pem', undefined],
    ['https://sns.eu-central-1.amazonaws.com/SimpleNotificationService-1.pem', ['sns.eu-central-1.amazonaws.com']],
    ['https://localhost:8443/SimpleNotificationService-1.pem', ['localhost']],
  ])('allows %s (hosts %j)', (url, hosts) => {
    expect(cert(url, hosts)).toMatchObject({ ok: true });
  });

  it.each([
    ['http://sns.eu-central-1.amazonaws.com/SimpleNotificationService-1.pem', undefined, 'must be an https URL'],
    ['https://sns.eu-central-1.amazonaws.com.evil.example/x.pem', undefined, 'host'],
    ['https://evil.example/sns.eu-central-1.amazonaws.com/x.pem', undefined, 'host'],
    ['https://sns.amazonaws.com/x.pem', undefined, 'host'],
    ['https://xsns.eu-central-1.amazonaws.com/x.pem', undefined, 'host'],
    ['https://sns.eu-central-1.amazonaws.com@evil.example/x.pem', undefined, 'user name'],
    ['https://user:pw@sns.eu-central-1.amazonaws.com/x.pem', undefined, 'user name'],
    ['https://sns.eu-west-1.amazonaws.com/x.pem', ['sns.eu-central-1.amazonaws.com'], "this integration's sns_cert_hosts"],
    ['https://localhost/x.pem', undefined, 'host'],
    ['https://sns.eu-central-1.amazonaws.com/x.txt', undefined, '.pem'],
    ['not a url', undefined, 'not a URL'],
    ['file:///etc/passwd.pem', undefined, 'https'],
  ])('refuses %s (hosts %j)', (url, hosts, words) => {
    const result = cert(url, hosts);
    expect(result.ok).toBe(false);
    if (!result.ok) expect(result.error).toContain(words);
  });

  it('takes a subscribe URL only as SNS confirmation on an allowed host', () => {
    const ok = 'https://sns.eu-central-1.amazonaws.com/?Action=ConfirmSubscription&TopicArn=t&Token=x';
    expect(snsUrlProblem(ok, 'SubscribeURL', undefined).ok).toBe(true);
    expect(snsUrlProblem(ok.replace('ConfirmSubscription', 'Unsubscribe'), 'SubscribeURL', undefined).ok).toBe(false);
    expect(snsUrlProblem(ok.replace('https', 'http'), 'SubscribeURL', undefined).ok).toBe(false);
    expect(snsUrlProblem(ok, 'SubscribeURL', ['sns.us-east-1.amazonaws.com']).ok).toBe(false);
  });
});

describe('the certificate file', () => {
  it('must be a PEM X.509 certificate', () => {
    expect(certificateKey('<html>Not Found</html>')).toMatchObject({ ok: false });
    expect(certificateKey(publicKey.export({ type: 'spki', format: 'pem' }).toString())).toMatchObject({ ok: false });
    expect(certificateKey('-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n')).toMatchObject({ ok: false });
  });
});
