/**
 * Amazon CloudWatch alarms reach Tandem through Amazon SNS (issue 13). Acme's
 * payments service has a `cloudwatch` integration whose certificates may come
 * only from the SNS host it names (here the local fake of that host, over
 * HTTPS with a certificate the test issued and Tandem was told to trust); the
 * storefront's has the default (AWS hosts only).
 *
 * SNS subscribes Tandem: its signed SubscriptionConfirmation is confirmed by
 * a GET of the SubscribeURL, which the fake records. Then the payments 5xx
 * alarm goes to ALARM: one incident; SNS delivers it again: still one; the
 * alarm goes OK: resolved. Every refusal (a message changed after signing,
 * signed by someone else's certificate, a certificate on a host not allowed
 * or over http, fields missing) names its code and field, stores nothing and,
 * when the URL is the problem, fetches nothing.
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { httpsGetter } from '../../src/ingest/sns-client.js';
import { databaseKinds } from '../support/databases.js';
import type { DatabaseKind } from '../support/databases.js';
import { alarmSample, makeSnsPki, signSns, snsHeaders, snsSample, startSnsFake } from '../support/fakes/sns.js';
import type { SnsBody, SnsFake } from '../support/fakes/sns.js';
import { startHarness } from '../support/harness.js';
import type { Harness } from '../support/harness.js';
import { DEMO } from '../support/paths.js';

const PAYMENTS_KEY = 'cw-payments-7f3a';
const STOREFRONT_KEY = 'cw-storefront-2b9c';
const TOPIC = 'arn:aws:sns:eu-central-1:123456789012:acme-payments-alarms';
const ALARM_ARN = 'arn:aws:cloudwatch:eu-central-1:123456789012:alarm:payments-api-5xx';
const pki = makeSnsPki();

/** Acme's demo engagement with the two cloudwatch integrations. */
function engagementWithCloudwatch(dir: string): string {
  const demo = readFileSync(DEMO, 'utf8');
  const anchor = '      - { type: alertmanager, key: "am-payments-3c8e1f" }\n';
  const storefront = '      - { type: pagerduty, key: "0a1b2c3d4e5f60718293a4b5c6d7e8f9" }\n';
  if (!demo.includes(anchor) || !demo.includes(storefront)) throw new Error('demo/acme.yaml changed: update the anchors of this test');
  const file = join(dir, 'acme.yaml');
  writeFileSync(
    file,
    demo
      .replace(anchor, `${anchor}      - { type: cloudwatch, key: "${PAYMENTS_KEY}", sns_cert_hosts: ["localhost"] }\n`)
      .replace(storefront, `${storefront}      - { type: cloudwatch, key: "${STOREFRONT_KEY}" }\n`),
  );
  return file;
}

/** The payments alarm (AWS's sample alarm message, renamed) in a state. */
function alarm(state: 'ALARM' | 'OK' | 'INSUFFICIENT_DATA'): string {
  const sample = alarmSample('alarm-single-metric');
  return JSON.stringify({
    ...sample,
    AlarmName: 'payments-api-5xx',
    AlarmDescription: 'Payments API answers 5xx',
    AlarmArn: ALARM_ARN,
    Region: 'EU (Frankfurt)',
    NewStateValue: state,
    OldStateValue: state === 'ALARM' ? 'OK' : 'ALARM',
    NewStateReason:
      state === 'ALARM'
        ? 'Threshold Crossed: 2 out of the last 2 datapoints [41.0 (24/11/26 11:58:00)] were greater than the threshold (10.0).'
        : 'Threshold Crossed: 2 out of the last 2 datapoints were not greater than the threshold (10.0).',
  });
}

describe.each(databaseKinds())('CloudWatch alarms through Amazon SNS, on $name', (kind: DatabaseKind) => {
  let h: Harness;
  let fake: SnsFake;
  let dir: string;

  const post = (key: string, body: SnsBody | string, headers?: Record<string, string>) =>
    h.ingest(`/integrations/cloudwatch/${key}`, typeof body === 'string' ? body : JSON.stringify(body), {
      ...(typeof body === 'string' ? { 'content-type': 'text/plain; charset=UTF-8' } : snsHeaders(body)),
      ...headers,
    });
  const storedEvents = async () =>
    (await h.tandem.database.db.selectFrom('events').select('id').where('integration_type', '=', 'cloudwatch').execute()).length;
  const paymentsIncidents = () =>
    h.tandem.database.db
      .selectFrom('incidents')
      .select(['title', 'status', 'alert_count'])
      .where('service_id', '=', 'payments-api')
      .orderBy('id')
      .execute();

  beforeAll(async () => {
    fake = await startSnsFake(pki);
    dir = mkdtempSync(join(tmpdir(), 'tandem-cloudwatch-'));
    h = await startHarness(kind, { config: [engagementWithCloudwatch(dir)], snsHttps: httpsGetter({ ca: pki.caPem }) });
  });

  afterAll(async () => {
    await h?.close();
    await fake?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('SNS subscribes Tandem: the signed SubscriptionConfirmation is confirmed at its SubscribeURL, and nothing is stored', async () => {
    const confirmation = fake.subscriptionConfirmation(TOPIC);
    const res = await post(PAYMENTS_KEY, confirmation);
    expect(res.statusCode, res.body).toBe(200);
    expect(res.json()).toEqual({ status: 'confirmed', message: `Subscribed to ${TOPIC}` });
    expect(fake.confirmed).toEqual([TOPIC]);
    const confirmGet = fake.requests.find((r) => r.query.get('Action') === 'ConfirmSubscription');
    expect(confirmGet).toMatchObject({ method: 'GET', path: '/' });
    expect(confirmGet?.query.get('Token')).toBe(confirmation['Token']);
    expect(fake.requests.filter((r) => r.path.endsWith('.pem'))).toHaveLength(1);
    expect(await storedEvents()).toBe(0);
  });

  it('the payments alarm goes to ALARM: one incident; SNS delivers it again: still one; the alarm goes OK: resolved', async () => {
    const fired = await post(
      PAYMENTS_KEY,
      fake.notification(TOPIC, alarm('ALARM'), { subject: 'ALARM: "payments-api-5xx" in EU (Frankfurt)', version: '2' }),
    );
    expect(fired.statusCode, fired.body).toBe(202);
    expect(fired.json()).toEqual({
      status: 'success',
      message: 'Event processed',
      dedup_key: ALARM_ARN,
      action: 'trigger',
      state: 'ALARM',
    });
    await h.settle();
    let incidents = await paymentsIncidents();
    expect(incidents).toHaveLength(1);
    expect(incidents[0]).toMatchObject({ status: 'triggered', alert_count: 1 });
    expect(incidents[0]?.title).toContain('payments-api-5xx: Threshold Crossed');

    // SNS retries a delivery it thinks failed, and the alarm re-notifies: the same alert, no second incident.
    expect((await post(PAYMENTS_KEY, fake.notification(TOPIC, alarm('ALARM'), { version: '1' }))).statusCode).toBe(202);
    await h.settle();
    incidents = await paymentsIncidents();
    expect(incidents).toHaveLength(1);
    expect(incidents[0]).toMatchObject({ status: 'triggered', alert_count: 1 });

    // Missing data changes nothing: the incident stays open.
    const insufficient = await post(PAYMENTS_KEY, fake.notification(TOPIC, alarm('INSUFFICIENT_DATA')));
    expect(insufficient.statusCode).toBe(202);
    expect(insufficient.json()).toMatchObject({ action: 'none', state: 'INSUFFICIENT_DATA' });
    await h.settle();
    expect((await paymentsIncidents())[0]).toMatchObject({ status: 'triggered' });

    const ok = await post(PAYMENTS_KEY, fake.notification(TOPIC, alarm('OK'), { subject: 'OK: "payments-api-5xx" in EU (Frankfurt)' }));
    expect(ok.statusCode).toBe(202);
    expect(ok.json()).toMatchObject({ dedup_key: ALARM_ARN, action: 'resolve', state: 'OK' });
    await h.settle();
    incidents = await paymentsIncidents();
    expect(incidents).toHaveLength(1);
    expect(incidents[0]).toMatchObject({ status: 'resolved' });
    const alert = await h.tandem.database.db
      .selectFrom('alerts')
      .select(['status', 'integration_type'])
      .where('dedup_key', '=', ALARM_ARN)
      .executeTakeFirstOrThrow();
    expect(alert).toEqual({ status: 'resolved', integration_type: 'cloudwatch' });
    // The certificate was fetched once and served from memory since.
    expect(fake.requests.filter((r) => r.path.endsWith('.pem'))).toHaveLength(1);
  });

  it("an EventBridge rule's alarm event (AWS's sample) opens an incident, and its OK resolves it", async () => {
    const event = alarmSample('eventbridge-alarm-state-change');
    const arn = 'arn:aws:cloudwatch:us-east-1:123456789012:alarm:ServerCpuTooHigh';
    const fired = await post(PAYMENTS_KEY, fake.notification(TOPIC, JSON.stringify(event), { version: '2' }));
    expect(fired.statusCode, fired.body).toBe(202);
    expect(fired.json()).toMatchObject({ dedup_key: arn, action: 'trigger', state: 'ALARM' });
    await h.settle();
    const open = (await paymentsIncidents()).filter((i) => i.title.startsWith('ServerCpuTooHigh:'));
    expect(open).toEqual([expect.objectContaining({ status: 'triggered' })]);
    const detail = event['detail'] as Record<string, unknown>;
    const ok = { ...event, detail: { ...detail, previousState: detail['state'], state: { value: 'OK', reason: 'back below 50%' } } };
    expect((await post(PAYMENTS_KEY, fake.notification(TOPIC, JSON.stringify(ok)))).json()).toMatchObject({ action: 'resolve' });
    await h.settle();
    const after = (await paymentsIncidents()).filter((i) => i.title.startsWith('ServerCpuTooHigh:'));
    expect(after).toEqual([expect.objectContaining({ status: 'resolved' })]);
  });

  it("AWS's sample notification that is no alarm opens an incident titled by its Subject", async () => {
    const sample = snsSample('sns-notification');
    const res = await post(PAYMENTS_KEY, fake.notification(TOPIC, sample['Message'] ?? '', { subject: sample['Subject'] }));
    expect(res.statusCode, res.body).toBe(202);
    expect(res.json()).toMatchObject({ action: 'trigger' });
    await h.settle();
    expect((await paymentsIncidents()).map((i) => i.title)).toContain('My First Message');
  });

  it('refuses, with a code and the field, every message it cannot trust; nothing is stored', async () => {
    const good = fake.notification(TOPIC, alarm('ALARM'));
    const resign = (b: SnsBody) => signSns(b, pki.signingKeyPem, '1');
    const { Signature: _signature, ...unsigned } = good;
    const cases: Array<[string, string, SnsBody | string, number, string, string]> = [
      ['changed after signing', PAYMENTS_KEY, { ...good, Message: alarm('OK') }, 401, 'SNS_SIGNATURE_INVALID', 'Signature'],
      ['subject added after signing', PAYMENTS_KEY, { ...good, Subject: 'OK' }, 401, 'SNS_SIGNATURE_INVALID', 'Signature'],
      ['signed by another certificate', PAYMENTS_KEY, signSns(good, pki.otherKeyPem, '2'), 401, 'SNS_SIGNATURE_INVALID', 'Signature'],
      ['unsigned', PAYMENTS_KEY, unsigned, 400, 'SNS_MESSAGE_INVALID', 'Signature'],
      [
        'certificate on a host not allowed',
        PAYMENTS_KEY,
        resign({ ...good, SigningCertURL: 'https://sns.eu-central-1.amazonaws.com.evil.example/SimpleNotificationService-1.pem' }),
        400,
        'SNS_CERT_URL_REFUSED',
        'SigningCertURL',
      ],
      [
        "the fake's host, for an integration that allows only AWS hosts",
        STOREFRONT_KEY,
        good,
        400,
        'SNS_CERT_URL_REFUSED',
        'SigningCertURL',
      ],
      [
        'certificate over http',
        PAYMENTS_KEY,
        resign({ ...good, SigningCertURL: fake.certUrl.replace('https:', 'http:') }),
        400,
        'SNS_CERT_URL_REFUSED',
        'SigningCertURL',
      ],
      [
        'SubscribeURL on a host not allowed',
        PAYMENTS_KEY,
        resign({ ...fake.subscriptionConfirmation(TOPIC), SubscribeURL: 'https://evil.example/?Action=ConfirmSubscription&Token=x' }),
        400,
        'SNS_SUBSCRIBE_URL_REFUSED',
        'SubscribeURL',
      ],
      ['Type missing', PAYMENTS_KEY, { ...good, Type: '' }, 400, 'SNS_MESSAGE_INVALID', 'Type'],
      ['Type header disagrees', PAYMENTS_KEY, good, 400, 'SNS_MESSAGE_INVALID', 'x-amz-sns-message-type'],
      [
        'an alarm in an unknown state',
        PAYMENTS_KEY,
        resign({ ...good, Message: alarm('ALARM').replace('"NewStateValue":"ALARM"', '"NewStateValue":"FIRING"') }),
        400,
        'SNS_MESSAGE_INVALID',
        'Message.NewStateValue',
      ],
    ];
    const stored = await storedEvents();
    for (const [what, key, body, status, code, field] of cases) {
      const before = fake.requests.length;
      const headers = what === 'Type header disagrees' ? { 'x-amz-sns-message-type': 'SubscriptionConfirmation' } : undefined;
      const res = await post(key, body, headers);
      expect(res.statusCode, `${what}: ${res.body}`).toBe(status);
      expect(res.json(), what).toMatchObject({ status: 'invalid event', code, field });
      expect(res.json<{ errors: string[] }>().errors.length, what).toBeGreaterThan(0);
      if (code !== 'SNS_SIGNATURE_INVALID') expect(fake.requests.length, `${what}: fetched nothing`).toBe(before);
    }
    expect(await storedEvents()).toBe(stored);
    const metrics = (await h.tandem.http.inject({ url: '/metrics' })).body;
    expect(metrics).toMatch(/tandem_events_rejected_total\{integration="cloudwatch",reason="sns_signature_invalid"\} 3/);
  });

  it('a certificate SNS cannot serve, or a confirmation SNS refuses, is a 503 (SNS retries); nothing is stored', async () => {
    const stored = await storedEvents();
    const missing = signSns(
      { ...fake.notification(TOPIC, alarm('ALARM')), SigningCertURL: `${fake.url}/SimpleNotificationService-gone.pem` },
      pki.signingKeyPem,
    );
    const res = await post(PAYMENTS_KEY, missing);
    expect(res.statusCode, res.body).toBe(503);
    expect(res.json()).toMatchObject({ status: 'error', code: 'SNS_CERT_UNAVAILABLE', field: 'SigningCertURL' });
    expect(res.json<{ errors: string[] }>().errors[0]).toContain('HTTP 404');

    const confirmation = fake.subscriptionConfirmation(TOPIC);
    const url = new URL(confirmation['SubscribeURL'] ?? '');
    url.searchParams.set('Token', 'a-token-sns-never-issued');
    const refused = await post(PAYMENTS_KEY, signSns({ ...confirmation, SubscribeURL: url.href }, pki.signingKeyPem, '2'));
    expect(refused.statusCode, refused.body).toBe(503);
    expect(refused.json()).toMatchObject({ status: 'error', code: 'SNS_CONFIRM_FAILED', field: 'SubscribeURL' });
    expect(refused.json<{ errors: string[] }>().errors[0]).toContain('HTTP 400');
    expect(await storedEvents()).toBe(stored);
  });

  it('an UnsubscribeConfirmation is verified and acknowledged; nothing is stored', async () => {
    const stored = await storedEvents();
    const res = await post(PAYMENTS_KEY, fake.unsubscribeConfirmation(TOPIC, '2'));
    expect(res.statusCode, res.body).toBe(200);
    expect(res.json()).toMatchObject({ status: 'unsubscribed' });
    const forged = { ...fake.unsubscribeConfirmation(TOPIC), Token: 'changed' };
    expect((await post(PAYMENTS_KEY, forged)).statusCode).toBe(401);
    expect(await storedEvents()).toBe(stored);
  });

  it('a key of another type, or none, is refused before anything is read', async () => {
    const good = fake.notification(TOPIC, alarm('ALARM'));
    const wrong = await post('am-payments-3c8e1f', good);
    expect(wrong.statusCode).toBe(400);
    expect(wrong.json<{ errors: string[] }>().errors[0]).toContain('POST /integrations/alertmanager/{key}');
    expect((await post('cw-no-such-key-0000', good)).statusCode).toBe(404);
    const onCloudwatch = await h.ingest(`/integrations/alertmanager/${PAYMENTS_KEY}`, '{}');
    expect(onCloudwatch.json<{ errors: string[] }>().errors[0]).toContain('POST /integrations/cloudwatch/{key}');
  });
});
