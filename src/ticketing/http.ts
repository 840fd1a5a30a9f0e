/**
 * The HTTP plumbing every ticketing client shares: one call with a timeout,
 * the answer read as JSON when it is JSON (an HTML error page is kept as
 * text), and a failed answer classified: permanent (400, 401, 403, 404, 422:
 * the system's error text is kept) or retryable (429 with or without
 * Retry-After, 5xx, timeouts, network errors), with when to come back.
 */
import type { CallResult } from './client.js';

/** An answer as received. */
export interface Answer {
  readonly status: number;
  readonly json: unknown;
  readonly text: string;
  readonly headers: Headers;
}

const PERMANENT = new Set([400, 401, 403, 404, 422]);

export function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** One request; a network error or timeout comes back as `{error}`. */
export async function call(
  url: string,
  init: { method: string; headers: Record<string, string>; body?: unknown; timeoutMs: number },
  system: string,
): Promise<Answer | { error: string }> {
  const headers: Record<string, string> = { accept: 'application/json', ...init.headers };
  if (init.body !== undefined) headers['content-type'] = 'application/json';
  try {
    const response = await fetch(url, {
      method: init.method,
      headers,
      ...(init.body === undefined ? {} : { body: JSON.stringify(init.body) }),
      signal: AbortSignal.timeout(init.timeoutMs),
    });
    const text = await response.text();
    let json: unknown;
    try {
      json = text === '' ? undefined : (JSON.parse(text) as unknown);
    } catch {
      json = undefined; // An HTML error page: kept as text.
    }
    return { status: response.status, json, text, headers: response.headers };
  } catch (err) {
    return { error: `${system} unreachable: ${err instanceof Error ? err.message : String(err)}` };
  }
}

/** Retry-After in seconds (or an HTTP date), as ms from `now`; undefined when absent or unreadable. */
export function retryAfterMs(header: string | null, now: number): number | undefined {
  if (header === null || header.trim() === '') return undefined;
  const seconds = Number(header);
  if (Number.isFinite(seconds)) return Math.max(0, seconds) * 1000;
  const date = Date.parse(header);
  return Number.isNaN(date) ? undefined : Math.max(0, date - now);
}

/**
 * A failed answer's class. `errorText` makes the system's error body one
 * line; `later` says when to come back when the system said so (429 mostly,
 * but a 503 may say it too).
 */
export function failure(a: Answer, errorText: (a: Answer) => string, later: number | undefined): CallResult<never> {
  if (PERMANENT.has(a.status)) return { kind: 'permanent', error: errorText(a) };
  return { kind: 'retryable', error: errorText(a), ...(later === undefined ? {} : { retryAfterMs: later }) };
}

/** A call that got no answer: retryable, and marked so the retry waits for a late action to land. */
export function noAnswer(a: { error: string }): CallResult<never> {
  return { kind: 'retryable', error: a.error, unanswered: true };
}

/**
 * One call of a ticketing client, classified: no answer (retryable, marked),
 * a 2xx read by `ok`, or a failure made one line by the system's `errorText`,
 * coming back when `later` (the system's own rate-limit headers) says.
 */
export async function request<T>(
  system: string,
  url: string,
  init: { method: string; headers: Record<string, string>; body?: unknown; timeoutMs: number },
  c: { ok: (a: Answer) => T; errorText: (a: Answer) => string; later: (a: Answer) => number | undefined },
): Promise<CallResult<T>> {
  const a = await call(url, init, system);
  if ('error' in a) return noAnswer(a);
  if (a.status >= 200 && a.status < 300) return { kind: 'delivered', value: c.ok(a) };
  return failure(a, c.errorText, c.later(a));
}

/** The start of a body that is not the system's error shape. */
export function bodyStart(system: string, a: Answer): string {
  return `${system} ${a.status}: ${a.text.replace(/\s+/g, ' ').trim().slice(0, 200)}`;
}
