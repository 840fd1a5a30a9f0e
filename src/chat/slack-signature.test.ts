import { createHmac } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { SLACK_TOLERANCE_SECONDS, slackSignature, verifySlackRequest } from './slack-signature.js';

const SECRET = '8f742231b10e8888abcd99yyyzzz85a5';
const NOW = Date.parse('2026-11-24T04:49:00Z');
const TS = String(NOW / 1000);
const BODY = Buffer.from('payload=%7B%22type%22%3A%22block_actions%22%7D', 'utf8');

/** Slack's documented recipe, written out independently. */
function slackSigns(secret: string, timestamp: string, body: Buffer): string {
  return `v0=${createHmac('sha256', secret)
    .update(`v0:${timestamp}:${body.toString('utf8')}`)
    .digest('hex')}`;
}

describe('Slack request signing (v0)', () => {
  it('signs v0:<timestamp>:<raw body> with HMAC-SHA256, hex', () => {
    expect(slackSignature(SECRET, TS, BODY)).toBe(slackSigns(SECRET, TS, BODY));
    expect(slackSignature(SECRET, TS, BODY)).toMatch(/^v0=[0-9a-f]{64}$/);
  });

  const good = slackSigns(SECRET, TS, BODY);
  it.each<
    [string, { timestamp: string | undefined; signature: string | undefined }, Buffer, number, string | undefined, string | undefined]
  >([
    ['a genuine request', { timestamp: TS, signature: good }, BODY, NOW, undefined, undefined],
    ['4m59s old', { timestamp: TS, signature: good }, BODY, NOW + 299_000, undefined, undefined],
    ['exactly 5 minutes old', { timestamp: TS, signature: good }, BODY, NOW + SLACK_TOLERANCE_SECONDS * 1000, undefined, undefined],
    ['5m01s old', { timestamp: TS, signature: good }, BODY, NOW + 301_000, 'SLACK_REQUEST_STALE', 'X-Slack-Request-Timestamp'],
    ['5m01s in the future', { timestamp: TS, signature: good }, BODY, NOW - 301_000, 'SLACK_REQUEST_STALE', 'X-Slack-Request-Timestamp'],
    ['no timestamp', { timestamp: undefined, signature: good }, BODY, NOW, 'SLACK_SIGNATURE_INVALID', 'X-Slack-Request-Timestamp'],
    [
      'a timestamp in milliseconds',
      { timestamp: String(NOW), signature: good },
      BODY,
      NOW,
      'SLACK_SIGNATURE_INVALID',
      'X-Slack-Request-Timestamp',
    ],
    [
      'a timestamp with a fraction',
      { timestamp: `${TS}.5`, signature: good },
      BODY,
      NOW,
      'SLACK_SIGNATURE_INVALID',
      'X-Slack-Request-Timestamp',
    ],
    ['no signature', { timestamp: TS, signature: undefined }, BODY, NOW, 'SLACK_SIGNATURE_INVALID', 'X-Slack-Signature'],
    ['a v1 signature', { timestamp: TS, signature: good.replace('v0=', 'v1=') }, BODY, NOW, 'SLACK_SIGNATURE_INVALID', 'X-Slack-Signature'],
    [
      'upper-case hex',
      { timestamp: TS, signature: good.toUpperCase().replace('V0=', 'v0=') },
      BODY,
      NOW,
      'SLACK_SIGNATURE_INVALID',
      'X-Slack-Signature',
    ],
    [
      'another secret',
      { timestamp: TS, signature: slackSigns('other', TS, BODY) },
      BODY,
      NOW,
      'SLACK_SIGNATURE_INVALID',
      'X-Slack-Signature',
    ],
    [
      'a changed body',
      { timestamp: TS, signature: good },
      Buffer.from(`${BODY.toString()}x`),
      NOW,
      'SLACK_SIGNATURE_INVALID',
      'X-Slack-Signature',
    ],
    [
      'the signature of another timestamp',
      { timestamp: String(Number(TS) - 1), signature: good },
      BODY,
      NOW,
      'SLACK_SIGNATURE_INVALID',
      'X-Slack-Signature',
    ],
  ])('%s', (_what, headers, body, now, code, field) => {
    const refusal = verifySlackRequest(headers, body, SECRET, now);
    expect(refusal?.code).toBe(code);
    expect(refusal?.field).toBe(field);
  });

  it('verifies the raw bytes, not a re-encoding of them', () => {
    const latin = Buffer.from([0x70, 0x3d, 0xe9]); // "p=" and a byte that is not UTF-8
    const signature = `v0=${createHmac('sha256', SECRET).update(`v0:${TS}:`).update(latin).digest('hex')}`;
    expect(verifySlackRequest({ timestamp: TS, signature }, latin, SECRET, NOW)).toBeUndefined();
  });
});
