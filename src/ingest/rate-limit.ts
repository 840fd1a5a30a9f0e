/**
 * Per-integration-key rate limit: a token bucket per key, refilled
 * continuously. Over the limit, ingest answers 429 with Retry-After and
 * stores nothing; senders (Alertmanager, PagerDuty clients) retry. A request
 * costs one token per event it carries (an Alertmanager notification, one
 * per alert), so batching does not multiply the limit.
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

  /**
   * Takes `cost` tokens for `key`. Returns 0 when allowed, else the seconds to wait before retrying.
   * A cost above the burst is allowed once the bucket is full and leaves it in debt, so a large
   * request is never refused forever and still waits out its full cost.
   */
  take(key: string, cost = 1): number {
    const { perSecond, burst } = this.#limit;
    if (perSecond <= 0) return 0;
    const need = Math.min(cost, burst);
    const now = this.#clock.now();
    let bucket = this.#buckets.get(key);
    if (!bucket) {
      bucket = { tokens: burst, at: now };
      this.#buckets.set(key, bucket);
    } else {
      bucket.tokens = Math.min(burst, bucket.tokens + ((now - bucket.at) / 1000) * perSecond);
      bucket.at = now;
    }
    if (bucket.tokens >= need) {
      bucket.tokens -= cost;
      return 0;
    }
    return Math.max(1, Math.ceil((need - bucket.tokens) / perSecond));
  }
}
