import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { FIXTURES } from '../../test/support/paths.js';
import { parseCloudwatchNotification } from './cloudwatch.js';
import { parseSnsMessage } from './sns.js';
import type { SnsMessage } from './sns.js';

const fixture = (name: string): Record<string, unknown> =>
  JSON.parse(readFileSync(join(FIXTURES, 'cloudwatch', `${name}.json`), 'utf8')) as Record<string, unknown>;
const SINGLE = fixture('alarm-single-metric');
const MULTIPLE = fixture('alarm-multiple-metrics');
const ARN = 'arn:aws:cloudwatch:REGION:ACCOUNT_NUMBER:alarm:EXAMPLE';

function notification(message: string, subject?: string): SnsMessage {
  const sample = fixture('sns-notification');
  const { Subject: _, ...rest } = sample;
  const result = parseSnsMessage({ ...rest, Message: message, ...(subject === undefined ? {} : { Subject: subject }) }, 'Notification');
  if (!result.ok) throw new Error(result.refusal.errors.join('; '));
  return result.value;
}

function read(message: string, subject?: string) {
  const result = parseCloudwatchNotification(notification(message, subject));
  if (!result.ok) throw new Error(result.errors.join('; '));
  return result.value;
}

describe('a CloudWatch alarm in an SNS notification', () => {
  it("AWS's sample ALARM triggers the alert of the alarm ARN, titled by name and reason, with the alarm kept", () => {
    const n = read(JSON.stringify(SINGLE), 'ALARM: "EXAMPLE" in EXAMPLE');
    expect(n).toMatchObject({ dedupKey: ARN, state: 'ALARM' });
    expect(n.actions).toEqual([
      {
        type: 'alert',
        action: 'trigger',
        dedupKey: ARN,
        summary: `EXAMPLE: ${String(SINGLE['NewStateReason'])}`,
        severity: 'error',
        source: 'AWS/EC2 InstanceId=TestInstance',
        occurredAt: Date.parse('2015-06-03T17:43:27.123Z'),
        details: {
          alarm: SINGLE,
          sns: {
            topic_arn: 'arn:aws:sns:us-west-2:123456789012:MyTopic',
            message_id: '22b80b92-fdea-4c2c-8f9d-bdfb0c7bf324',
            timestamp: '2012-05-02T00:54:06.655Z',
            subject: 'ALARM: "EXAMPLE" in EXAMPLE',
          },
        },
      },
    ]);
  });

  it('a metric-math alarm (no namespace on the trigger) names its region as the source', () => {
    const n = read(JSON.stringify(MULTIPLE));
    expect(n.actions[0]).toMatchObject({ action: 'trigger', dedupKey: ARN, source: 'EXAMPLE' });
  });

  it.each([
    ['OK', 'resolve', 1],
    ['INSUFFICIENT_DATA', undefined, 0],
  ] as const)('%s: %s', (state, action, count) => {
    const n = read(JSON.stringify({ ...SINGLE, NewStateValue: state, OldStateValue: 'ALARM' }));
    expect(n.state).toBe(state);
    expect(n.dedupKey).toBe(ARN);
    expect(n.actions).toHaveLength(count);
    if (action !== undefined) expect(n.actions[0]).toMatchObject({ action, dedupKey: ARN });
    if (action === 'resolve') expect(n.actions[0]?.severity).toBeUndefined();
  });

  it('without a reason, the summary says the state; an ARN over 255 characters becomes its SHA-256', () => {
    const { NewStateReason: _, ...noReason } = SINGLE;
    expect(read(JSON.stringify(noReason)).actions[0]?.summary).toBe('EXAMPLE is in ALARM');
    const long = `arn:aws:cloudwatch:eu-central-1:123456789012:alarm:${'x'.repeat(255)}`;
    const key = read(JSON.stringify({ ...SINGLE, AlarmArn: long })).dedupKey;
    expect(key).toMatch(/^sha256:[0-9a-f]{64}$/);
    expect(read(JSON.stringify({ ...SINGLE, AlarmArn: long })).dedupKey).toBe(key);
  });

  it.each([
    [{ ...SINGLE, NewStateValue: 'FIRING' }, 'Message.NewStateValue', 'expected one of ALARM, OK, INSUFFICIENT_DATA'],
    [{ ...SINGLE, NewStateValue: undefined }, 'Message.NewStateValue', 'missing'],
    [{ ...SINGLE, AlarmArn: undefined }, 'Message.AlarmArn', 'missing'],
    [{ ...SINGLE, AlarmName: 5 }, 'Message.AlarmName', 'must be a string'],
    [{ ...SINGLE, StateChangeTime: 'yesterday' }, 'Message.StateChangeTime', 'not an ISO 8601'],
  ])('a broken alarm is refused naming the field: %j', (alarm, field, words) => {
    const result = parseCloudwatchNotification(notification(JSON.stringify(alarm)));
    expect(result.ok).toBe(false);
    if (!result.ok) expect(result.errors.find((e) => e.startsWith(`'${field}'`))).toContain(words);
  });
});

describe("an alarm's state change as EventBridge publishes it to the topic", () => {
  const EVENT = fixture('eventbridge-alarm-state-change');
  const EB_ARN = 'arn:aws:cloudwatch:us-east-1:123456789012:alarm:ServerCpuTooHigh';
  const withState = (value: unknown) => ({ ...EVENT, detail: { ...(EVENT['detail'] as object), state: { value, reason: 'r' } } });

  it("AWS's sample ALARM triggers the alert of resources[0], the same key an alarm action's message has", () => {
    const n = read(JSON.stringify(EVENT));
    expect(n).toMatchObject({ dedupKey: EB_ARN, state: 'ALARM' });
    expect(n.actions[0]).toMatchObject({
      action: 'trigger',
      summary: expect.stringMatching(/^ServerCpuTooHigh: Threshold Crossed: 1 out of the last 1 datapoints \[99\.5/) as unknown,
      source: 'AWS/EC2 InstanceId=i-12345678901234567',
      occurredAt: Date.parse('2019-10-02T17:04:40.989Z'),
      details: { alarm: EVENT },
    });
  });

  it('OK resolves, INSUFFICIENT_DATA asks for nothing', () => {
    expect(read(JSON.stringify(withState('OK'))).actions[0]).toMatchObject({ action: 'resolve', dedupKey: EB_ARN });
    expect(read(JSON.stringify(withState('INSUFFICIENT_DATA'))).actions).toEqual([]);
  });

  it.each([
    [{ ...EVENT, resources: [] }, 'Message.resources'],
    [withState('FIRING'), 'Message.detail.state.value'],
    [{ ...EVENT, detail: { ...(EVENT['detail'] as object), state: undefined } }, 'Message.detail.state'],
    [{ ...EVENT, detail: { ...(EVENT['detail'] as object), alarmName: '' } }, 'Message.detail.alarmName'],
  ])('a broken event is refused naming %#: %s', (event, field) => {
    const result = parseCloudwatchNotification(notification(JSON.stringify(event)));
    expect(result.ok).toBe(false);
    if (!result.ok) expect(result.errors.some((e) => e.startsWith(`'${field}'`))).toBe(true);
  });
});

describe('a notification that is not an alarm', () => {
  it("AWS's sample notification triggers an alert titled by its Subject, the message kept", () => {
    const n = read('Hello world!', 'My First Message');
    expect(n.state).toBeUndefined();
    expect(n.actions[0]).toMatchObject({
      action: 'trigger',
      summary: 'My First Message',
      severity: 'error',
      source: 'arn:aws:sns:us-west-2:123456789012:MyTopic',
      details: { message: 'Hello world!' },
    });
  });

  it('without a Subject, the first line of the message is the title; the same message is the same alert', () => {
    const a = read('Disk full on db-1\nused 99%');
    expect(a.actions[0]?.summary).toBe('Disk full on db-1');
    expect(read('Disk full on db-1\nused 99%').dedupKey).toBe(a.dedupKey);
    expect(read('Disk full on db-2\nused 99%').dedupKey).not.toBe(a.dedupKey);
    expect(read('').actions[0]?.summary).toBe('Amazon SNS notification');
  });

  it('a JSON message that is no alarm is kept as JSON', () => {
    expect(read('{"source":"aws.health","detail":{"x":1}}', 'AWS Health').actions[0]?.details).toMatchObject({
      message: { source: 'aws.health', detail: { x: 1 } },
    });
    expect(read('{not json', 'x').actions[0]?.details).toMatchObject({ message: '{not json' });
  });

  it('a JSON message nested past the limits is refused naming Message', () => {
    const deep = `${'['.repeat(40)}${']'.repeat(40)}`;
    const result = parseCloudwatchNotification(notification(`{"a":${deep}}`));
    expect(result.ok).toBe(false);
    if (!result.ok) expect(result.errors[0]).toMatch(/^'Message'/);
  });
});
