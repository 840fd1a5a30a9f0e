/**
 * What the `cloudwatch` integration fetches from Amazon SNS: signing
 * certificates (cached in memory by URL, a bounded number, each for a day;
 * SNS names a new file when it rotates its certificate, so a URL's content
 * does not change) and subscription confirmations (a GET of `SubscribeURL`).
 * Only https, only the URLs sns.ts allowed, no redirects, a timeout and a
 * size limit on every answer. Production trusts Node's default certificate
 * store; tests inject a getter that trusts their own CA (httpsGetter({ ca })).
 */
import { request } from 'node:https';
import type { KeyObject } from 'node:crypto';
import type { Clock } from '../clock/clock.js';
import { certificateKey } from './sns.js';

export interface HttpsAnswer {
  readonly status: number;
  readonly body: string;
}

/** One GET over https; rejects when there is no answer (network, TLS, timeout, an answer over the size limit). */
export type HttpsGet = (url: URL) => Promise<HttpsAnswer>;

export interface HttpsGetOptions {
  /** Trusted CA certificates (PEM) instead of Node's default store: for tests only. */
  readonly ca?: string;
  /** Default 5 s for the whole exchange. */
  readonly timeoutMs?: number;
  /** Default 64 KB (an SNS certificate is about 2 KB). */
  readonly maxBytes?: number;
}

/** A GET over https with Node's https client: the server's certificate checked against the trust store (or `ca`). */
export function httpsGetter(options: HttpsGetOptions = {}): HttpsGet {
  const timeoutMs = options.timeoutMs ?? 5000;
  const maxBytes = options.maxBytes ?? 65_536;
  return (url) =>
    new Promise<HttpsAnswer>((resolve, reject) => {
      if (url.protocol !== 'https:') {
        reject(new Error(`only https URLs are fetched, not ${url.protocol}`));
        return;
      }
      // Settles once: the first of an answer, an error, the size limit or the timeout.
      let timer: NodeJS.Timeout | undefined;
      let settled = false;
      const fail = (err: Error) => {
        if (settled) return;
        settled = true;
        clearTimeout(timer);
        reject(err);
        req.destroy();
      };
      const req = request(
        url,
        {
          method: 'GET',
          agent: false,
          headers: { accept: '*/*', 'user-agent': 'Tandem (Amazon SNS subscriber)' },
          ...(options.ca === undefined ? {} : { ca: options.ca }),
        },
        (res) => {
          const chunks: Buffer[] = [];
          let size = 0;
          res.on('data', (chunk: Buffer) => {
            size += chunk.length;
            if (size > maxBytes) fail(new Error(`the answer is over ${maxBytes} bytes`));
            else chunks.push(chunk);
          });
          res.on('end', () => {
            if (settled) return;
            settled = true;
            clearTimeout(timer);
            resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks).toString('utf8') });
          });
          res.on('error', fail);
        },
      );
      timer = setTimeout(() => fail(new Error(`no answer within ${timeoutMs} ms`)), timeoutMs);
      req.on('error', fail);
      req.end();
    });
}

export type CertificateResult =
  | { readonly ok: true; readonly key: KeyObject }
  /** unavailable: no answer or not 200 (SNS retries a 503); otherwise the answer is not a usable certificate. */
  | { readonly ok: false; readonly unavailable: boolean; readonly error: string };

export interface SnsClientOptions {
  /** Certificates kept at most (default 64; the least recently used goes first). */
  readonly entries?: number;
  /** How long a certificate is kept (default 24 h). */
  readonly ttlMs?: number;
}

const DAY = 86_400_000;

/** The signing certificates by URL, and subscription confirmations. */
export class SnsClient {
  readonly #get: HttpsGet;
  readonly #clock: Clock;
  readonly #entries: number;
  readonly #ttlMs: number;
  readonly #cache = new Map<string, { key: KeyObject; until: number }>();
  /** Fetches in flight, so a burst of messages signed with a new certificate fetches it once. */
  readonly #pending = new Map<string, Promise<CertificateResult>>();
  /** Certificate fetches made (for tests and the cache's own check). */
  fetches = 0;

  constructor(get: HttpsGet, clock: Clock, options: SnsClientOptions = {}) {
    this.#get = get;
    this.#clock = clock;
    this.#entries = Math.max(1, options.entries ?? 64);
    this.#ttlMs = options.ttlMs ?? DAY;
  }

  /** The public key of the certificate at `url` (an allowed https URL), from the cache or fetched. */
  async certificate(url: URL): Promise<CertificateResult> {
    const id = url.href;
    const hit = this.#cache.get(id);
    if (hit !== undefined) {
      this.#cache.delete(id);
      if (hit.until > this.#clock.now()) {
        this.#cache.set(id, hit);
        return { ok: true, key: hit.key };
      }
    }
    const pending = this.#pending.get(id);
    if (pending !== undefined) return pending;
    const fetching = this.#fetch(url).finally(() => this.#pending.delete(id));
    this.#pending.set(id, fetching);
    return fetching;
  }

  async #fetch(url: URL): Promise<CertificateResult> {
    this.fetches += 1;
    let answer: HttpsAnswer;
    try {
      answer = await this.#get(url);
    } catch (err) {
      return { ok: false, unavailable: true, error: `could not be fetched: ${err instanceof Error ? err.message : String(err)}` };
    }
    if (answer.status !== 200) return { ok: false, unavailable: true, error: `answered HTTP ${answer.status}` };
    const read = certificateKey(answer.body);
    if (!read.ok) return { ok: false, unavailable: false, error: read.error };
    this.#cache.set(url.href, { key: read.key, until: this.#clock.now() + this.#ttlMs });
    while (this.#cache.size > this.#entries) {
      const oldest = this.#cache.keys().next().value;
      if (oldest === undefined) break;
      this.#cache.delete(oldest);
    }
    return { ok: true, key: read.key };
  }

  /** Confirms a subscription by visiting its SubscribeURL (an allowed https URL); null when SNS answered 2xx, else why not. */
  async confirm(url: URL): Promise<string | null> {
    try {
      const answer = await this.#get(url);
      return answer.status >= 200 && answer.status < 300 ? null : `SNS answered HTTP ${answer.status}`;
    } catch (err) {
      return `no answer from SNS: ${err instanceof Error ? err.message : String(err)}`;
    }
  }
}
