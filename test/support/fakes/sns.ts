/**
 * An Amazon SNS fake for the `cloudwatch` integration's tests: a real HTTPS
 * server (its certificate issued by a CA the test makes and Tandem is told to
 * trust) that plays the SNS host: it serves the signing certificate at
 * `/SimpleNotificationService-<id>.pem` and answers the confirmation GET
 * (`/?Action=ConfirmSubscription&TopicArn=...&Token=...`) with SNS's
 * `ConfirmSubscriptionResponse` when the token is one it issued, else SNS's
 * error. It records every request.
 *
 * And the publisher's side: it builds SNS messages from the AWS sample bodies
 * (test/fixtures/cloudwatch/) and signs them as SNS does, with its own
 * canonical string written from the AWS document (not Tandem's code), with
 * SignatureVersion 1 (SHA1withRSA) or 2 (SHA256withRSA).
 *
 * Certificates come from the openssl CLI: a CA, the server's certificate for
 * localhost, and the signing certificate (issued by the same CA, as Amazon's
 * is by Amazon's).
 */
import { execFileSync } from 'node:child_process';
import { randomUUID, sign } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:https';
import type { IncomingHttpHeaders } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { FIXTURES } from '../paths.js';

export interface SnsPki {
  readonly caPem: string;
  readonly serverKeyPem: string;
  readonly serverCertPem: string;
  readonly signingKeyPem: string;
  readonly signingCertPem: string;
  /** A second signing key and certificate: a forger's, from the same CA. */
  readonly otherKeyPem: string;
  readonly otherCertPem: string;
}

/** Makes the test's certificates with the openssl CLI (about a second). */
export function makeSnsPki(): SnsPki {
  const dir = mkdtempSync(join(tmpdir(), 'tandem-sns-pki-'));
  const ssl = (...args: string[]) => execFileSync('openssl', args, { cwd: dir, stdio: 'pipe' });
  try {
    ssl(
      'req',
      '-x509',
      '-newkey',
      'rsa:2048',
      '-nodes',
      '-keyout',
      'ca.key',
      '-out',
      'ca.pem',
      '-days',
      '3650',
      '-subj',
      '/CN=Tandem test CA',
    );
    const issue = (name: string, cn: string, ext: string) => {
      writeFileSync(join(dir, `${name}.ext`), ext);
      ssl('req', '-newkey', 'rsa:2048', '-nodes', '-keyout', `${name}.key`, '-out', `${name}.csr`, '-subj', `/CN=${cn}`);
      ssl(
        'x509',
        '-req',
        '-in',
        `${name}.csr`,
        '-CA',
        'ca.pem',
        '-CAkey',
        'ca.key',
        '-CAcreateserial',
        '-out',
        `${name}.pem`,
        '-days',
        '3650',
        '-extfile',
        `${name}.ext`,
      );
    };
    issue('server', 'localhost', 'subjectAltName=DNS:localhost,IP:127.0.0.1,IP:::1\nextendedKeyUsage=serverAuth\n');
    issue('signing', 'sns.amazonaws.com', 'keyUsage=digitalSignature\n');
    issue('other', 'sns.amazonaws.com', 'keyUsage=digitalSignature\n');
    const read = (f: string) => readFileSync(join(dir, f), 'utf8');
    return {
      caPem: read('ca.pem'),
      serverKeyPem: read('server.key'),
      serverCertPem: read('server.pem'),
      signingKeyPem: read('signing.key'),
      signingCertPem: read('signing.pem'),
      otherKeyPem: read('other.key'),
      otherCertPem: read('other.pem'),
    };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

export type SnsBody = Record<string, string>;

/** The AWS sample bodies (test/fixtures/cloudwatch/). */
export function snsSample(name: 'sns-subscription-confirmation' | 'sns-notification' | 'sns-unsubscribe-confirmation'): SnsBody {
  return JSON.parse(readFileSync(join(FIXTURES, 'cloudwatch', `${name}.json`), 'utf8')) as SnsBody;
}

/** AWS's sample alarm messages: what a CloudWatch alarm action publishes, or an EventBridge rule targeting the topic. */
export function alarmSample(
  name: 'alarm-single-metric' | 'alarm-multiple-metrics' | 'eventbridge-alarm-state-change',
): Record<string, unknown> {
  return JSON.parse(readFileSync(join(FIXTURES, 'cloudwatch', `${name}.json`), 'utf8')) as Record<string, unknown>;
}

/** The string SNS signs, as "Verifying the signatures of Amazon SNS messages" lists it for each type. */
export function stringToSign(body: SnsBody): string {
  const names =
    body['Type'] === 'Notification'
      ? ['Message', 'MessageId', 'Subject', 'Timestamp', 'TopicArn', 'Type']
      : ['Message', 'MessageId', 'SubscribeURL', 'Timestamp', 'Token', 'TopicArn', 'Type'];
  let text = '';
  for (const name of names) {
    const value = body[name];
    if (value === undefined) continue; // Subject only when the publisher gave one.
    text += `${name}\n${value}\n`;
  }
  return text;
}

/** Signs a body as SNS does: `Signature` over the string to sign, Base64, with the version's hash. */
export function signSns(body: SnsBody, keyPem: string, version: '1' | '2' = '1'): SnsBody {
  const signed = { ...body, SignatureVersion: version };
  const signature = sign(version === '1' ? 'sha1' : 'sha256', Buffer.from(stringToSign(signed), 'utf8'), keyPem);
  return { ...signed, Signature: signature.toString('base64') };
}

/** The headers SNS posts with. */
export function snsHeaders(body: SnsBody): Record<string, string> {
  return {
    'content-type': 'text/plain; charset=UTF-8',
    'x-amz-sns-message-type': body['Type'] ?? '',
    'x-amz-sns-message-id': body['MessageId'] ?? '',
    'x-amz-sns-topic-arn': body['TopicArn'] ?? '',
    'user-agent': 'Amazon Simple Notification Service Agent',
  };
}

export interface SnsRequest {
  readonly method: string;
  readonly path: string;
  readonly query: URLSearchParams;
  readonly headers: IncomingHttpHeaders;
}

export interface SnsFake {
  /** https://localhost:<port> */
  readonly url: string;
  readonly host: string;
  readonly requests: SnsRequest[];
  /** The URL of the signing certificate (the one signSns's default key matches). */
  readonly certUrl: string;
  /** Topics confirmed through the SubscribeURL, in order. */
  readonly confirmed: string[];
  /** A SubscriptionConfirmation from the AWS sample for `topicArn`, pointed at this fake, with a fresh token, signed. */
  subscriptionConfirmation(topicArn: string, version?: '1' | '2'): SnsBody;
  /** An UnsubscribeConfirmation from the AWS sample, pointed at this fake, signed. */
  unsubscribeConfirmation(topicArn: string, version?: '1' | '2'): SnsBody;
  /** A Notification from the AWS sample carrying `message` (and `subject` when given), signed. */
  notification(
    topicArn: string,
    message: string,
    options?: { subject?: string | undefined; version?: '1' | '2'; timestamp?: string },
  ): SnsBody;
  close(): Promise<void>;
}

export async function startSnsFake(pki: SnsPki): Promise<SnsFake> {
  const requests: SnsRequest[] = [];
  const tokens = new Map<string, string>();
  const confirmed: string[] = [];
  const certPath = `/SimpleNotificationService-${randomUUID().replaceAll('-', '')}.pem`;
  const server = createServer({ key: pki.serverKeyPem, cert: pki.serverCertPem }, (req, res) => {
    const url = new URL(req.url ?? '/', 'https://localhost');
    requests.push({ method: req.method ?? '', path: url.pathname, query: url.searchParams, headers: req.headers });
    const xml = (status: number, text: string) => {
      res.writeHead(status, { 'content-type': 'text/xml' });
      res.end(text);
    };
    if (req.method === 'GET' && url.pathname === certPath) {
      res.writeHead(200, { 'content-type': 'application/x-x509-ca-cert' });
      res.end(pki.signingCertPem);
      return;
    }
    if (req.method === 'GET' && url.pathname === '/' && url.searchParams.get('Action') === 'ConfirmSubscription') {
      const topic = url.searchParams.get('TopicArn') ?? '';
      const token = url.searchParams.get('Token') ?? '';
      if (tokens.get(token) !== topic) {
        xml(
          400,
          `<ErrorResponse xmlns="http://sns.amazonaws.com/doc/2010-03-31/"><Error><Type>Sender</Type><Code>InvalidParameter</Code><Message>Invalid token</Message></Error><RequestId>${randomUUID()}</RequestId></ErrorResponse>`,
        );
        return;
      }
      confirmed.push(topic);
      xml(
        200,
        `<ConfirmSubscriptionResponse xmlns="http://sns.amazonaws.com/doc/2010-03-31/"><ConfirmSubscriptionResult><SubscriptionArn>${topic}:${randomUUID()}</SubscriptionArn></ConfirmSubscriptionResult><ResponseMetadata><RequestId>${randomUUID()}</RequestId></ResponseMetadata></ConfirmSubscriptionResponse>`,
      );
      return;
    }
    xml(404, '<Error><Code>NotFound</Code></Error>');
  });
  await new Promise<void>((resolve) => server.listen(0, 'localhost', resolve));
  const port = (server.address() as AddressInfo).port;
  const base = `https://localhost:${port}`;
  const certUrl = `${base}${certPath}`;

  const confirmation = (sample: 'sns-subscription-confirmation' | 'sns-unsubscribe-confirmation', topicArn: string, version: '1' | '2') => {
    const token = randomUUID().replaceAll('-', '').repeat(4);
    tokens.set(token, topicArn);
    const body = snsSample(sample);
    const subscribe = new URL(`${base}/`);
    subscribe.searchParams.set('Action', 'ConfirmSubscription');
    subscribe.searchParams.set('TopicArn', topicArn);
    subscribe.searchParams.set('Token', token);
    return signSns(
      {
        ...body,
        MessageId: randomUUID(),
        Token: token,
        TopicArn: topicArn,
        Message: (body['Message'] ?? '').replaceAll('arn:aws:sns:us-west-2:123456789012:MyTopic', topicArn),
        SubscribeURL: subscribe.href,
        Timestamp: new Date().toISOString(),
        SigningCertURL: certUrl,
      },
      pki.signingKeyPem,
      version,
    );
  };

  return {
    url: base,
    host: 'localhost',
    requests,
    certUrl,
    confirmed,
    subscriptionConfirmation: (topicArn, version = '1') => confirmation('sns-subscription-confirmation', topicArn, version),
    unsubscribeConfirmation: (topicArn, version = '1') => confirmation('sns-unsubscribe-confirmation', topicArn, version),
    notification: (topicArn, message, options = {}) => {
      const { Subject: _subject, ...sample } = snsSample('sns-notification');
      const body: SnsBody = {
        ...sample,
        MessageId: randomUUID(),
        TopicArn: topicArn,
        Message: message,
        Timestamp: options.timestamp ?? new Date().toISOString(),
        SigningCertURL: certUrl,
        UnsubscribeURL: `${base}/?Action=Unsubscribe&SubscriptionArn=${topicArn}:${randomUUID()}`,
        ...(options.subject === undefined ? {} : { Subject: options.subject }),
      };
      return signSns(body, pki.signingKeyPem, options.version ?? '1');
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
