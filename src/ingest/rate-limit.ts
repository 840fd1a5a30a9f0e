/**
 * Per-integration-key rate limit: a token bucket per key, refilled
 * continuously. Over the limit, ingest answers 429 with Retry-After and
 * stores nothing; senders (Alertmanager, PagerDuty clients) retry.
 */
import type { Clock } from '../clock/clock.js';

export interface RateLimit {
  /** Sustained requests per second per key; 0 disables the limit. */
  readonly perSecond: number;
  /** Requests a key may send at once after being quiet. */
  readonly burst: number;
}

export class RateLimiter {
  readonly #limit: RateLimit;
  readonly #clock: Clock;
  readonly #buckets = new Map<string, { tokens: number; at: number }>();

  constructor(limit: RateLimit, clock: Clock) {
    this.#limit = limit;
    this.#clock = clock;
  }

  /** Takes one token for `key`. Returns 0 when allowed, else the seconds to wait before retrying. */
  take(key: string): number {
    const { perSecond, burst } = this.#limit;
    if (perSecond <= 0) return 0;
    const now = this.#clock.now();
    let bucket = this.#buckets.get(key);
    if (!bucket) {
      bucket = { tokens: burst, at: now };
      this.#buckets.set(key, bucket);
    } else {
      bucket.tokens = Math.min(burst, bucket.tokens + ((now - bucket.at) / 1000) * perSecond);
      bucket.at = now;
    }
    if (bucket.tokens >= 1) {
      bucket.tokens -= 1;
      return 0;
    }
    return Math.max(1, Math.ceil((1 - bucket.tokens) / perSecond));
  }
}
