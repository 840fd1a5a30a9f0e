/**
 * Amazon CloudWatch alarms through Amazon SNS (`type: cloudwatch`,
 * docs/ingest.md). An alarm action publishes the alarm's state change to an
 * SNS topic; SNS posts it to Tandem over HTTPS, signed. Every message is
 * checked before it counts (sns.ts): its fields, the certificate URL (https,
 * an SNS host), the certificate (fetched and cached, sns-client.ts) and the
 * signature. Then by type:
 *
 * - `SubscriptionConfirmation`: confirmed by visiting `SubscribeURL` (also
 *   https on an SNS host); nothing is stored.
 * - `UnsubscribeConfirmation`: acknowledged; nothing is stored.
 * - `Notification` whose Message is a CloudWatch alarm (JSON with `AlarmArn`
 *   and `NewStateValue`, or EventBridge's "CloudWatch Alarm State Change"
 *   event when a rule targets the topic): `ALARM` triggers, `OK` resolves, and
 *   `INSUFFICIENT_DATA` is stored but neither opens nor resolves (missing data
 *   often means the measured thing is down, so an open incident stays open).
 *   The dedup key is the alarm's ARN.
 * - any other `Notification`: a trigger titled by its `Subject` (else the
 *   Message's first line); the same subject and message are the same alert.
 */
import { createHash } from 'node:crypto';
import type { AlertAction, ParseResult } from '../events/event.js';
import { normalizeJson } from '../events/json-shape.js';
import { FieldErrors, describe, isObject } from './fields.js';
import type { JsonObject } from './fields.js';
import { contentKey } from './generic.js';
import { DEDUP_KEY_MAX, SUMMARY_MAX } from './pagerduty.js';
import { parseSnsMessage, signatureMatches, snsUrlProblem } from './sns.js';
import type { SnsMessage, SnsRefusal } from './sns.js';
import type { SnsClient } from './sns-client.js';
import { parseIsoInstant } from '../time/iso.js';

export const ALARM_STATES = ['ALARM', 'OK', 'INSUFFICIENT_DATA'] as const;
export type AlarmState = (typeof ALARM_STATES)[number];

/** CloudWatch alarms carry no severity: an alarm is an `error`, as an Alertmanager alert without a severity label. */
export const CLOUDWATCH_SEVERITY = 'error';

/** What a notification asks for: its actions (none for INSUFFICIENT_DATA), the alert it is about, and the alarm state if it is an alarm. */
export interface CloudwatchNotification {
  readonly actions: AlertAction[];
  readonly dedupKey: string;
  readonly state?: AlarmState;
}

export type SnsOutcome =
  | { readonly kind: 'refused'; readonly refusal: SnsRefusal }
  | { readonly kind: 'confirmed'; readonly topicArn: string }
  | { readonly kind: 'unsubscribed'; readonly topicArn: string }
  | { readonly kind: 'notification'; readonly topicArn: string; readonly notification: CloudwatchNotification };

function refused(status: SnsRefusal['status'], code: SnsRefusal['code'], field: string, error: string): SnsOutcome {
  return { kind: 'refused', refusal: { status, code, field, errors: [error] } };
}

/**
 * Checks one SNS message for an integration (its `sns_cert_hosts`) and says
 * what it asks for. A subscription is confirmed here, after the signature.
 */
export async function receiveSns(
  sns: SnsClient,
  body: unknown,
  headerType: string | undefined,
  hosts: readonly string[] | undefined,
): Promise<SnsOutcome> {
  const parsed = parseSnsMessage(body, headerType);
  if (!parsed.ok) return { kind: 'refused', refusal: parsed.refusal };
  const m = parsed.value;
  const cert = snsUrlProblem(m.signingCertUrl, 'SigningCertURL', hosts);
  if (!cert.ok) return refused(400, 'SNS_CERT_URL_REFUSED', 'SigningCertURL', cert.error);
  // The subscribe URL is checked before anything is fetched: a message that could not be acted on costs no fetch.
  const subscribe = m.type === 'SubscriptionConfirmation' ? snsUrlProblem(m.subscribeUrl ?? '', 'SubscribeURL', hosts) : undefined;
  if (subscribe !== undefined && !subscribe.ok) return refused(400, 'SNS_SUBSCRIBE_URL_REFUSED', 'SubscribeURL', subscribe.error);
  // Read the Message before the certificate too: a notification Tandem would refuse anyway is refused without a fetch.
  const notification = m.type === 'Notification' ? parseCloudwatchNotification(m) : undefined;
  if (notification !== undefined && !notification.ok)
    return {
      kind: 'refused',
      refusal: { status: 400, code: 'SNS_MESSAGE_INVALID', field: fieldOf(notification.errors[0]), errors: notification.errors },
    };

  const key = await sns.certificate(cert.url);
  if (!key.ok) {
    return key.unavailable
      ? refused(
          503,
          'SNS_CERT_UNAVAILABLE',
          'SigningCertURL',
          `the certificate at 'SigningCertURL' ${key.error}; nothing was stored, retry`,
        )
      : refused(400, 'SNS_CERT_INVALID', 'SigningCertURL', `the file at 'SigningCertURL' ${key.error}`);
  }
  if (!signatureMatches(m, key.key))
    return refused(
      401,
      'SNS_SIGNATURE_INVALID',
      'Signature',
      `'Signature' does not match the message: it was not signed by the certificate at 'SigningCertURL' (SignatureVersion ${m.signatureVersion}), or was changed after signing`,
    );

  if (m.type === 'UnsubscribeConfirmation') return { kind: 'unsubscribed', topicArn: m.topicArn };
  if (subscribe !== undefined && subscribe.ok) {
    const failed = await sns.confirm(subscribe.url);
    if (failed !== null)
      return refused(
        503,
        'SNS_CONFIRM_FAILED',
        'SubscribeURL',
        `the subscription could not be confirmed at 'SubscribeURL': ${failed}; retry`,
      );
    return { kind: 'confirmed', topicArn: m.topicArn };
  }
  if (notification === undefined || !notification.ok) throw new Error('unreachable: a Notification is read above');
  return { kind: 'notification', topicArn: m.topicArn, notification: notification.value };
}

function fieldOf(error: string | undefined): string {
  return /^'([^']+)'/.exec(error ?? '')?.[1] ?? 'Message';
}

/** The SNS fields kept on the alert beside what the message says. */
function snsDetails(m: SnsMessage): JsonObject {
  return {
    topic_arn: m.topicArn,
    message_id: m.messageId,
    timestamp: m.timestamp,
    ...(m.subject === undefined ? {} : { subject: m.subject }),
  };
}

/** The Message as JSON, when it is a JSON object within the ingest limits; undefined when it is text. */
function messageJson(text: string): { ok: true; value: JsonObject | undefined } | { ok: false; error: string } {
  const trimmed = text.trimStart();
  if (!trimmed.startsWith('{')) return { ok: true, value: undefined };
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    return { ok: true, value: undefined };
  }
  const shaped = normalizeJson(value);
  if (!shaped.ok) return { ok: false, error: `'Message' is JSON beyond the ingest limits: ${shaped.error}` };
  return { ok: true, value: isObject(shaped.value) ? shaped.value : undefined };
}

/** Whether a JSON Message is a CloudWatch alarm's state change (what an alarm action publishes). */
function isAlarm(json: JsonObject): boolean {
  return 'AlarmArn' in json || 'NewStateValue' in json;
}

/** Reads a Notification (its signature already checked, or about to be): an alarm state change, or any other message. */
export function parseCloudwatchNotification(m: SnsMessage): ParseResult<CloudwatchNotification> {
  const json = messageJson(m.message);
  if (!json.ok) return { ok: false, errors: [json.error] };
  if (json.value !== undefined && isAlarm(json.value)) return parseAlarm(json.value, m);
  if (json.value !== undefined && isEventBridgeAlarm(json.value)) return parseEventBridgeAlarm(json.value, m);
  return { ok: true, value: otherNotification(m, json.value) };
}

/** A key of at most 255 characters: the ARN itself, or its SHA-256 when longer (an alarm name may be 255 characters). */
function alarmKey(arn: string): string {
  return arn.length <= DEDUP_KEY_MAX ? arn : `sha256:${createHash('sha256').update(arn).digest('hex')}`;
}

/** "AWS/EC2 InstanceId=i-0abc": the metric's namespace and dimensions, else the region. */
function alarmSource(alarm: JsonObject): string {
  const trigger = alarm['Trigger'];
  const region = typeof alarm['Region'] === 'string' && alarm['Region'] !== '' ? alarm['Region'] : 'Amazon CloudWatch';
  if (!isObject(trigger) || typeof trigger['Namespace'] !== 'string') return region.slice(0, 1024);
  const dims = Array.isArray(trigger['Dimensions']) ? trigger['Dimensions'] : [];
  const named = dims
    .filter(isObject)
    .map((d) => `${String(d['name'] ?? '')}=${String(d['value'] ?? '')}`)
    .join(' ');
  return `${trigger['Namespace']}${named === '' ? '' : ` ${named}`}`.slice(0, 1024);
}

function parseAlarm(alarm: JsonObject, m: SnsMessage): ParseResult<CloudwatchNotification> {
  const errors = new FieldErrors();
  const name = errors.requiredString(alarm, 'AlarmName', 'Message.AlarmName', 1024);
  const arn = errors.requiredString(alarm, 'AlarmArn', 'Message.AlarmArn', 2048);
  const state = errors.oneOf(alarm, 'NewStateValue', 'Message.NewStateValue', ALARM_STATES, true);
  const reason = errors.optionalString(alarm, 'NewStateReason', 'Message.NewStateReason');
  const changedAt = instant(alarm, 'StateChangeTime', 'Message.StateChangeTime', errors);
  if (errors.list.length > 0 || name === undefined || arn === undefined || state === undefined) return { ok: false, errors: errors.list };
  return { ok: true, value: alarmNotification({ name, arn, state, reason, changedAt, source: alarmSource(alarm), alarm }, m) };
}

/**
 * An alarm's state change as EventBridge sends it ("CloudWatch Alarm State
 * Change"), when an EventBridge rule targets the SNS topic instead of the
 * alarm's own actions: the ARN is `resources[0]`, the state `detail.state`.
 */
function isEventBridgeAlarm(json: JsonObject): boolean {
  return json['detail-type'] === 'CloudWatch Alarm State Change' && isObject(json['detail']);
}

function parseEventBridgeAlarm(event: JsonObject, m: SnsMessage): ParseResult<CloudwatchNotification> {
  const errors = new FieldErrors();
  const detail = isObject(event['detail']) ? event['detail'] : {};
  const resources = event['resources'];
  const first: unknown = Array.isArray(resources) ? resources[0] : undefined;
  const arn = typeof first === 'string' && first.trim() !== '' && first.length <= 2048 ? first : undefined;
  if (arn === undefined) errors.add(`'Message.resources' must list the alarm's ARN first, got ${describe(resources)}`);
  const name = errors.requiredString(detail, 'alarmName', 'Message.detail.alarmName', 1024);
  const current = errors.optionalObject(detail, 'state', 'Message.detail.state');
  if (current === undefined && detail['state'] === undefined) errors.add(`'Message.detail.state' is missing`);
  const state = current === undefined ? undefined : errors.oneOf(current, 'value', 'Message.detail.state.value', ALARM_STATES, true);
  const reason = current === undefined ? undefined : errors.optionalString(current, 'reason', 'Message.detail.state.reason');
  const changedAt = current === undefined ? undefined : instant(current, 'timestamp', 'Message.detail.state.timestamp', errors);
  if (errors.list.length > 0 || name === undefined || arn === undefined || state === undefined) return { ok: false, errors: errors.list };
  return {
    ok: true,
    value: alarmNotification({ name, arn, state, reason, changedAt, source: eventBridgeSource(event, detail), alarm: event }, m),
  };
}

/** An ISO 8601 instant at `key`, if there is one; a malformed one is reported. */
function instant(obj: JsonObject, key: string, path: string, errors: FieldErrors): number | undefined {
  const text = errors.optionalString(obj, key, path, 64);
  const at = text === undefined ? undefined : parseIsoInstant(text);
  if (text !== undefined && at === undefined) errors.add(`'${path}' is not an ISO 8601 timestamp: ${describe(text)}`);
  return at;
}

/** "AWS/EC2 InstanceId=i-0abc": the first metric's namespace and dimensions, else the region. */
function eventBridgeSource(event: JsonObject, detail: JsonObject): string {
  const region = typeof event['region'] === 'string' && event['region'] !== '' ? event['region'] : 'Amazon CloudWatch';
  const configuration = detail['configuration'];
  const metrics = isObject(configuration) && Array.isArray(configuration['metrics']) ? configuration['metrics'] : [];
  for (const m of metrics) {
    const stat = isObject(m) ? m['metricStat'] : undefined;
    const metric = isObject(stat) ? stat['metric'] : undefined;
    if (!isObject(metric) || typeof metric['namespace'] !== 'string') continue;
    const dims = isObject(metric['dimensions']) ? Object.entries(metric['dimensions']).map(([k, v]) => `${k}=${String(v)}`) : [];
    return [metric['namespace'], ...dims].join(' ').slice(0, 1024);
  }
  return region.slice(0, 1024);
}

interface AlarmChange {
  readonly name: string;
  readonly arn: string;
  readonly state: AlarmState;
  readonly reason: string | undefined;
  readonly changedAt: number | undefined;
  readonly source: string;
  /** What the alarm said, kept as details. */
  readonly alarm: JsonObject;
}

/** ALARM triggers and OK resolves the alert of the alarm's ARN; INSUFFICIENT_DATA asks for nothing. */
function alarmNotification(c: AlarmChange, m: SnsMessage): CloudwatchNotification {
  const dedupKey = alarmKey(c.arn);
  if (c.state === 'INSUFFICIENT_DATA') return { actions: [], dedupKey, state: c.state };
  const reason = c.reason?.trim() ?? '';
  const summary = (reason === '' ? `${c.name} is in ${c.state}` : `${c.name}: ${c.reason ?? ''}`).slice(0, SUMMARY_MAX);
  return {
    dedupKey,
    state: c.state,
    actions: [
      {
        type: 'alert',
        action: c.state === 'ALARM' ? 'trigger' : 'resolve',
        dedupKey,
        summary,
        ...(c.state === 'ALARM' ? { severity: CLOUDWATCH_SEVERITY } : {}),
        source: c.source,
        ...(c.changedAt === undefined ? {} : { occurredAt: c.changedAt }),
        details: { alarm: c.alarm, sns: snsDetails(m) },
      },
    ],
  };
}

/** A notification that is not an alarm: a trigger titled by its Subject, else the Message's first line. */
function otherNotification(m: SnsMessage, json: JsonObject | undefined): CloudwatchNotification {
  const firstLine = m.message.split('\n', 1)[0]?.trim() ?? '';
  const title = m.subject?.trim() || firstLine || 'Amazon SNS notification';
  const summary = title.slice(0, SUMMARY_MAX);
  const dedupKey = contentKey(summary, m.message);
  return {
    dedupKey,
    actions: [
      {
        type: 'alert',
        action: 'trigger',
        dedupKey,
        summary,
        severity: CLOUDWATCH_SEVERITY,
        source: m.topicArn.slice(0, 1024),
        details: { message: json ?? m.message, sns: snsDetails(m) },
      },
    ],
  };
}
