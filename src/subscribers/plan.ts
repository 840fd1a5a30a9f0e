/**
 * What the status page's email subscriptions decide, without I/O: whether an
 * address can be subscribed, the tokens of its links, when a failed mail is
 * tried again, and the rate limits of the subscribe form.
 */
import { createHash, createHmac } from 'node:crypto';

/** How long a confirmation link works. */
export const CONFIRM_TTL_MS = 48 * 3_600_000;
/** A claimed mail is another instance's to send again once this passes (a process that died mid-send). */
export const MAIL_LEASE_MS = 60_000;
/** Attempts before a mail is given up. */
export const MAX_ATTEMPTS = 8;
/** The longest address accepted (RFC 5321: 254 in a path). */
export const MAX_EMAIL_LENGTH = 254;

/**
 * Subscribe requests allowed per window: per client IP, and per address (so
 * the form cannot be used to send someone confirmation mails over and over).
 * Counted in each instance's memory.
 */
export const RATE_LIMITS = { perIp: 10, perAddress: 3, windowMs: 3_600_000 } as const;

/**
 * The address in lowercase, or a reason it is refused. A practical subset of
 * RFC 5321 mailboxes: one `@`, a dot-atom local part, a domain of
 * letter-digit-hyphen labels with a dot. Quoted local parts, IP literals and
 * comments are refused.
 */
export function checkEmail(input: unknown): { ok: true; email: string } | { ok: false; problem: string } {
  if (typeof input !== 'string') return { ok: false, problem: 'is required: an email address such as ops@acme.example' };
  const email = input.trim().toLowerCase();
  if (email === '') return { ok: false, problem: 'is required: an email address such as ops@acme.example' };
  if (email.length > MAX_EMAIL_LENGTH) return { ok: false, problem: `is longer than ${MAX_EMAIL_LENGTH} characters` };
  const at = email.lastIndexOf('@');
  const local = email.slice(0, at);
  const domain = email.slice(at + 1);
  const atom = /^[a-z0-9!#$%&'*+/=?^_`{|}~-]+$/;
  const label = /^[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?$/;
  if (
    at <= 0 ||
    local.length > 64 ||
    !local.split('.').every((p) => atom.test(p)) ||
    !domain.includes('.') ||
    !domain.split('.').every((l) => label.test(l))
  )
    return { ok: false, problem: `"${input.slice(0, 80)}" is not an email address such as ops@acme.example` };
  return { ok: true, email };
}

/** SHA-256 (hex) of a token: what is stored and looked up. */
export function tokenHash(token: string): string {
  return createHash('sha256').update(token).digest('hex');
}

/**
 * A link's token: an HMAC with the server's link key over the purpose and a
 * random nonce (stored), so the engine can write it into a mail while the
 * database holds only its hash and the nonce, which without the key give
 * nothing.
 */
export function linkToken(key: string, purpose: 'confirm' | 'unsubscribe', nonce: string): string {
  return createHmac('sha256', key).update(`status-${purpose}:${nonce}`).digest('base64url');
}

/** When a mail that failed for the `attempts`-th time is tried again: 30 s, 1, 2, 4 ... minutes, at most an hour. */
export function retryAt(now: number, attempts: number): number {
  return now + Math.min(30_000 * 2 ** Math.max(0, attempts - 1), 3_600_000);
}

/** A fixed-window counter per key: whether one more request fits, and when to retry if not. */
export class WindowLimiter {
  readonly #hits = new Map<string, { start: number; count: number }>();
  constructor(
    readonly limit: number,
    readonly windowMs: number,
    readonly maxKeys = 100_000,
  ) {}

  /** Counts a request of `key` at `now`; undefined when allowed, else seconds until the window ends. */
  take(key: string, now: number): number | undefined {
    let h = this.#hits.get(key);
    if (h === undefined || now - h.start >= this.windowMs) {
      if (this.#hits.size >= this.maxKeys) this.#sweep(now);
      h = { start: now, count: 0 };
      this.#hits.set(key, h);
    }
    if (h.count >= this.limit) return Math.max(1, Math.ceil((h.start + this.windowMs - now) / 1000));
    h.count += 1;
    return undefined;
  }

  #sweep(now: number): void {
    for (const [k, h] of this.#hits) if (now - h.start >= this.windowMs) this.#hits.delete(k);
    // Still full (an attack from many keys at once): start over rather than grow without bound.
    if (this.#hits.size >= this.maxKeys) this.#hits.clear();
  }
}
