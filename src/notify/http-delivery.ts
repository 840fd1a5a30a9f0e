/**
 * The HTTP half shared by the Twilio, Slack, Teams and webhook providers:
 * one POST with a hard timeout, turned into a response or a delivery result,
 * and the status-code rules every HTTP vendor shares (408/429/5xx retry,
 * other 4xx do not, Retry-After honoured).
 */
import type { DeliveryResult } from './channel.js';

/** Used when settings give no timeout. */
export const DEFAULT_TIMEOUT_MS = 10_000;

/** Vendors' error bodies are short; anything longer is a proxy's HTML page, cut so it cannot flood logs or rows. */
const MAX_BODY_CHARS = 2_000;

/** What the peer answered. */
export interface HttpAnswer {
  status: number;
  headers: Headers;
  /** The body as text, cut at {@link MAX_BODY_CHARS}. */
  body: string;
}

/** A POST either got an answer or failed in a way that is already a delivery result. */
export type HttpAttempt = { ok: true; answer: HttpAnswer } | { ok: false; result: DeliveryResult };

export interface HttpPost {
  url: string;
  headers: Record<string, string>;
  body: string;
  timeoutMs: number;
}

/**
 * Replaces the origin (scheme, host, port) of `url` with the origin of
 * `base`, keeping path, query and credentials. This is how staging and tests
 * send a contact's real webhook URL (hooks.slack.com/services/...) to a local
 * receiver. Without `base` the URL is returned unchanged. Throws on a URL
 * that does not parse; providers turn that into a permanent failure.
 */
export function rebaseOrigin(url: string, base: string | undefined): string {
  if (base === undefined || base === '') return url;
  const target = new URL(url);
  const origin = new URL(base);
  target.protocol = origin.protocol;
  target.hostname = origin.hostname;
  // Setting only the hostname keeps the old port, so set the port too ('' = the scheme's default).
  target.port = origin.port;
  return target.toString();
}

/**
 * Milliseconds to wait from a Retry-After header: either delay-seconds or an
 * HTTP-date (RFC 9110 §10.2.3). Undefined when absent or unreadable; a date
 * in the past means "now" (0).
 */
export function parseRetryAfter(value: string | null | undefined, nowMs: number): number | undefined {
  if (value === null || value === undefined) return undefined;
  const text = value.trim();
  if (text === '') return undefined;
  if (/^\d+$/.test(text)) return Number(text) * 1000;
  // All three HTTP-date forms start with a day name; Date.parse alone would read "-5" as a year.
  if (!/^[A-Za-z]{3,9},? /.test(text)) return undefined;
  const at = Date.parse(text);
  if (Number.isNaN(at)) return undefined;
  return Math.max(0, at - nowMs);
}

/**
 * The shared status rules: 2xx delivered; 408, 429 and 5xx retryable (with
 * Retry-After); 3xx and other 4xx permanent. `error` is the vendor's text
 * for the failure, already formatted by the provider.
 */
export function classifyStatus(answer: HttpAnswer, error: string, nowMs: number): DeliveryResult {
  const { status } = answer;
  if (status >= 200 && status < 300) return { status: 'delivered' };
  if (status === 408 || status === 429 || status >= 500) {
    const retryAfterMs = parseRetryAfter(answer.headers.get('retry-after'), nowMs);
    return retryAfterMs === undefined ? { status: 'retryable', error } : { status: 'retryable', error, retryAfterMs };
  }
  if (status >= 300 && status < 400) {
    // Redirects are not followed: a POST turned into a GET would be reported as
    // delivered while nothing was posted. The contact's URL needs updating.
    const location = answer.headers.get('location');
    return { status: 'permanent', error: location === null ? error : `${error} (redirected to ${location}; update the URL)` };
  }
  return { status: 'permanent', error };
}

/** "HTTP 404 no_service": the status and the peer's text, on one line. */
export function describeAnswer(answer: HttpAnswer, text: string = answer.body): string {
  const line = text.replace(/\s+/g, ' ').trim();
  return line === '' ? `HTTP ${answer.status}` : `HTTP ${answer.status} ${line}`;
}

/**
 * POSTs once. Never throws: a bad URL is a permanent failure; a refused
 * connection, a reset or a timeout (connect, headers or body) is retryable.
 * Credentials in the URL (https://user:pass@host/...) become a Basic
 * Authorization header, since fetch refuses URLs that carry them.
 */
export async function postOnce(request: HttpPost): Promise<HttpAttempt> {
  let url: URL;
  try {
    url = new URL(request.url);
  } catch {
    return { ok: false, result: { status: 'permanent', error: `invalid URL: ${request.url}` } };
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    return { ok: false, result: { status: 'permanent', error: `unsupported URL scheme ${url.protocol} (http or https expected)` } };
  }
  const headers: Record<string, string> = { ...request.headers };
  if (url.username !== '' || url.password !== '') {
    const user = decodeURIComponent(url.username);
    const pass = decodeURIComponent(url.password);
    headers['authorization'] ??= `Basic ${Buffer.from(`${user}:${pass}`).toString('base64')}`;
    url.username = '';
    url.password = '';
  }
  try {
    const response = await fetch(url, {
      method: 'POST',
      headers,
      body: request.body,
      redirect: 'manual',
      signal: AbortSignal.timeout(request.timeoutMs),
    });
    const body = await readCapped(response);
    return { ok: true, answer: { status: response.status, headers: response.headers, body } };
  } catch (err) {
    const error = networkError(err, request.timeoutMs);
    // fetch refuses a fixed list of ports (25, 6667, ...) before connecting: retrying cannot help.
    if (error === 'network error: bad port')
      return { ok: false, result: { status: 'permanent', error: `${error} (fetch refuses port ${url.port})` } };
    return { ok: false, result: { status: 'retryable', error } };
  }
}

/** Reads at most MAX_BODY_CHARS of the body, then stops reading (and lets the connection go). */
async function readCapped(response: Response): Promise<string> {
  if (response.body === null) return '';
  const reader = response.body.getReader();
  const decoder = new TextDecoder();
  let text = '';
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    text += decoder.decode(value, { stream: true });
    if (text.length >= MAX_BODY_CHARS) {
      await reader.cancel();
      return text.slice(0, MAX_BODY_CHARS);
    }
  }
  return text + decoder.decode();
}

/** A readable one-liner for a failed fetch: undici hides the socket error in `cause`. */
function networkError(err: unknown, timeoutMs: number): string {
  if (err instanceof Error && (err.name === 'TimeoutError' || err.name === 'AbortError')) {
    return `timed out after ${timeoutMs} ms`;
  }
  if (err instanceof Error) {
    const cause: unknown = err.cause;
    if (cause instanceof Error && cause.message !== '') return `network error: ${cause.message}`;
    return `network error: ${err.message}`;
  }
  return `network error: ${String(err)}`;
}

/**
 * POSTs a JSON body to a contact's webhook URL (Slack, Teams, a generic
 * webhook), its origin rebased when a base URL is configured. A URL that
 * does not parse is a permanent failure, named for `what`.
 */
export async function postToContact(o: {
  what: string;
  to: string;
  baseUrl: string | undefined;
  headers: Record<string, string>;
  body: string;
  timeoutMs: number;
}): Promise<HttpAttempt> {
  let url: string;
  try {
    url = rebaseOrigin(o.to, o.baseUrl);
  } catch {
    return { ok: false, result: { status: 'permanent', error: `invalid ${o.what} URL: ${o.to}` } };
  }
  return postOnce({ url, headers: o.headers, body: o.body, timeoutMs: o.timeoutMs });
}
