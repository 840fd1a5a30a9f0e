/**
 * Reading path, query and body values at the boundary: each helper returns a
 * checked value or throws a TandemError naming the field and what is allowed.
 */
import { TandemError } from '../errors/catalog.js';
import { parseIsoInstant } from '../time/iso.js';

type Query = Record<string, unknown>;

function text(q: Query, name: string): string | undefined {
  const v = q[name];
  if (v === undefined) return undefined;
  if (Array.isArray(v)) return v.join(',');
  if (typeof v !== 'string') throw new TandemError('INVALID_QUERY', `${name} must be a string`, name);
  // No stored value holds U+0000 (PostgreSQL text cannot): answer here rather than from the database.
  if (v.includes('\u0000')) throw new TandemError('INVALID_QUERY', `${name} contains a NUL character (%00); NUL characters are not allowed`, name);
  return v;
}

/** A comma-separated list; every item must be in `allowed` when given. */
export function listParam(q: Query, name: string, allowed?: readonly string[]): string[] | undefined {
  const v = text(q, name);
  if (v === undefined || v === '') return undefined;
  const items = v.split(',').map((s) => s.trim()).filter(Boolean);
  if (allowed) {
    for (const item of items) {
      if (!allowed.includes(item)) throw new TandemError('INVALID_QUERY', `${name}: "${item}" is not one of ${allowed.join(', ')}`, name);
    }
  }
  return items;
}

export function instantParam(q: Query, name: string): number | undefined {
  const v = text(q, name);
  if (v === undefined || v === '') return undefined;
  const t = parseIsoInstant(v);
  if (t === undefined) throw new TandemError('INVALID_QUERY', `${name}: "${v}" is not an ISO 8601 instant (e.g. 2026-11-24T23:47:00-05:00)`, name);
  return t;
}

export function intParam(q: Query, name: string, fallback: number, min: number, max: number): number {
  const v = text(q, name);
  if (v === undefined || v === '') return fallback;
  if (!/^\d+$/.test(v) || Number(v) < min || Number(v) > max) throw new TandemError('INVALID_QUERY', `${name} must be a whole number from ${min} to ${max}, got "${v}"`, name);
  return Number(v);
}

/** Opaque paging cursors: base64url of the last id seen. */
export function encodeCursor(id: number): string {
  return Buffer.from(`i:${id}`).toString('base64url');
}

export function cursorParam(q: Query, name = 'cursor'): number | undefined {
  const v = text(q, name);
  if (v === undefined || v === '') return undefined;
  const m = /^i:(\d+)$/.exec(Buffer.from(v, 'base64url').toString('utf8'));
  if (!m || !Number.isSafeInteger(Number(m[1]))) throw new TandemError('INVALID_CURSOR', `${name} is not a cursor this server issued; pass next_cursor from the previous page`, name);
  return Number(m[1]);
}

/** A JSON body that must be an object. */
export function objectBody(body: unknown): Record<string, unknown> {
  if (body === undefined || body === null || body === '') return {};
  if (typeof body !== 'object' || Array.isArray(body)) throw new TandemError('INVALID_BODY', 'the body must be a JSON object');
  return body as Record<string, unknown>;
}

export function requiredText(body: Record<string, unknown>, name: string, max: number): string {
  const v = body[name];
  if (typeof v !== 'string' || v.trim() === '') throw new TandemError('INVALID_BODY', `${name} is required: a non-empty string`, name);
  if (v.length > max) throw new TandemError('INVALID_BODY', `${name} is ${v.length} characters; the maximum is ${max}`, name);
  // PostgreSQL cannot store U+0000 in text; refuse it on every database alike.
  if (v.includes('\u0000')) throw new TandemError('INVALID_BODY', `${name} contains a NUL character (U+0000); NUL characters are not allowed`, name);
  return v;
}
