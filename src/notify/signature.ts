/**
 * Signing of Tandem's outgoing webhooks, Stripe-style.
 *
 * For receivers: every webhook carries
 *
 *     Tandem-Signature: t=1764028020,v1=5257a869e7ecebeda32affa62cdca3fa51cad7e77a0e56ff536d0ce8e108d8bd
 *
 * where `t` is the send time in Unix seconds and `v1` is the lowercase hex
 * HMAC-SHA256, keyed with the shared webhook secret, of the string
 * `"<t>.<raw request body>"`. To verify: take the raw body bytes exactly as
 * received (before any JSON parsing), recompute the HMAC, compare in constant
 * time, and reject a `t` more than a few minutes from your clock, which stops
 * a captured request from being replayed later. Several `v1` entries may be
 * present (e.g. while a secret is rotated); any one matching is enough.
 * `Tandem-Delivery` is the same for every retry of one delivery: use it to
 * drop duplicates.
 */
import { createHmac, timingSafeEqual } from 'node:crypto';

/** The header that carries the signature. */
export const SIGNATURE_HEADER = 'Tandem-Signature';

/** The header that carries the delivery id (stable across retries). */
export const DELIVERY_HEADER = 'Tandem-Delivery';

/** Default accepted clock difference between sender and receiver, seconds. */
export const SIGNATURE_TOLERANCE_SEC = 300;

function hmacHex(secret: string, timestamp: number, body: string | Uint8Array): string {
  return createHmac('sha256', secret).update(`${timestamp}.`).update(body).digest('hex');
}

/** The `Tandem-Signature` header value for `body` sent at `nowMs`. */
export function signTandemPayload(body: string | Uint8Array, secret: string, nowMs: number): string {
  const t = Math.floor(nowMs / 1000);
  return `t=${t},v1=${hmacHex(secret, t, body)}`;
}

/**
 * Checks a `Tandem-Signature` header against the raw body: true only if the
 * header is well formed, its timestamp is within `toleranceSec` of `nowMs`,
 * and one of its `v1` signatures is the HMAC of `"<t>.<body>"` under `secret`
 * (compared in constant time).
 */
export function verifyTandemSignature(
  header: string | null | undefined,
  body: string | Uint8Array,
  secret: string,
  nowMs: number,
  toleranceSec: number = SIGNATURE_TOLERANCE_SEC,
): boolean {
  if (header === null || header === undefined || secret === '') return false;
  let timestamp: number | undefined;
  const candidates: string[] = [];
  for (const part of header.split(',')) {
    const eq = part.indexOf('=');
    if (eq < 0) continue;
    const key = part.slice(0, eq).trim();
    const value = part.slice(eq + 1).trim();
    if (key === 't' && /^\d+$/.test(value)) timestamp = Number(value);
    else if (key === 'v1' && /^[0-9a-f]{64}$/.test(value)) candidates.push(value);
  }
  if (timestamp === undefined || candidates.length === 0) return false;
  if (Math.abs(nowMs / 1000 - timestamp) > toleranceSec) return false;
  const expected = Buffer.from(hmacHex(secret, timestamp, body), 'hex');
  // Check every candidate, so the time taken does not tell which one matched.
  let matched = false;
  for (const candidate of candidates) {
    if (timingSafeEqual(expected, Buffer.from(candidate, 'hex'))) matched = true;
  }
  return matched;
}
