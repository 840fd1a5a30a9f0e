/**
 * The MAC behind every link Tandem signs with its link-signing key (respond
 * links, calendar feed URLs): HMAC-SHA256 cut to a length, base64url, and
 * checked in constant time. One implementation, so the two kinds of links
 * cannot drift apart in how they sign or compare; each keeps its payloads
 * apart from the other's by their first characters.
 */
import { createHmac, timingSafeEqual } from 'node:crypto';

/** Signs and checks payloads with one key. */
export class HmacSigner {
  readonly #key: Buffer;

  /** @param key the secret (`serverSecret(..., 'link-signing-key', ...)`) */
  constructor(key: string) {
    this.#key = Buffer.from(key, 'utf8');
  }

  /** The first `bytes` bytes of HMAC-SHA256(key, payload), base64url. */
  sign(payload: string, bytes: number): string {
    return createHmac('sha256', this.#key).update(payload).digest().subarray(0, bytes).toString('base64url');
  }

  /** Whether `mac` is the genuine `sign(payload, bytes)` (constant-time comparison). */
  verify(payload: string, bytes: number, mac: string): boolean {
    const expected = Buffer.from(this.sign(payload, bytes), 'utf8');
    const given = Buffer.from(mac, 'utf8');
    return given.length === expected.length && timingSafeEqual(given, expected);
  }
}
