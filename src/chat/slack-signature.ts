/**
 * Slack's request signing (version 0), as Slack documents it under
 * "Verifying requests from Slack": `X-Slack-Signature: v0=<hex>` is
 * HMAC-SHA256 keyed with the app's signing secret over
 * `v0:<X-Slack-Request-Timestamp>:<raw body>`. A request more than five
 * minutes from our clock is refused before the signature is looked at, so a
 * captured request cannot be replayed later; the MACs are compared in
 * constant time. Pure: the time comes from the caller's clock.
 */
import { createHmac, timingSafeEqual } from 'node:crypto';

/** How far the request's timestamp may be from our clock, either way (Slack's recommendation). */
export const SLACK_TOLERANCE_SECONDS = 5 * 60;

/** Why a request is not Slack's: the catalog code, what is wrong, and the header at fault. */
export interface SlackRefusal {
  readonly code: 'SLACK_SIGNATURE_INVALID' | 'SLACK_REQUEST_STALE';
  readonly message: string;
  readonly field: 'X-Slack-Signature' | 'X-Slack-Request-Timestamp';
}

/** `v0=` and the hex HMAC-SHA256 of `v0:<timestamp>:<body>`. */
export function slackSignature(secret: string, timestamp: string, rawBody: Buffer | string): string {
  const mac = createHmac('sha256', secret);
  mac.update(`v0:${timestamp}:`);
  mac.update(rawBody);
  return `v0=${mac.digest('hex')}`;
}

/** Undefined when the request is Slack's and fresh; otherwise why not. */
export function verifySlackRequest(
  headers: { readonly timestamp: string | undefined; readonly signature: string | undefined },
  rawBody: Buffer,
  secret: string,
  nowMs: number,
): SlackRefusal | undefined {
  const { timestamp, signature } = headers;
  if (timestamp === undefined || !/^\d{1,12}$/.test(timestamp)) {
    return {
      code: 'SLACK_SIGNATURE_INVALID',
      field: 'X-Slack-Request-Timestamp',
      message:
        "X-Slack-Request-Timestamp is missing or not a number of seconds: only Slack, signing with the app's signing secret, may post here",
    };
  }
  const skew = Math.abs(nowMs / 1000 - Number(timestamp));
  if (skew > SLACK_TOLERANCE_SECONDS) {
    return {
      code: 'SLACK_REQUEST_STALE',
      field: 'X-Slack-Request-Timestamp',
      message: `X-Slack-Request-Timestamp is ${Math.round(skew)} s from this server's clock (at most ${SLACK_TOLERANCE_SECONDS} s): a replayed request, or a clock to fix`,
    };
  }
  if (signature === undefined || !/^v0=[0-9a-f]{64}$/.test(signature)) {
    return {
      code: 'SLACK_SIGNATURE_INVALID',
      field: 'X-Slack-Signature',
      message: 'X-Slack-Signature is missing or not "v0=" and 64 hex digits',
    };
  }
  const expected = Buffer.from(slackSignature(secret, timestamp, rawBody).slice(3), 'hex');
  const given = Buffer.from(signature.slice(3), 'hex');
  if (!timingSafeEqual(expected, given)) {
    return {
      code: 'SLACK_SIGNATURE_INVALID',
      field: 'X-Slack-Signature',
      message: "X-Slack-Signature does not match the body: not signed with the Slack app's signing secret Tandem has",
    };
  }
  return undefined;
}
