/**
 * The pieces every route schema is built from: instants, the error body,
 * query-string readers that answer with the error catalog's codes, and the
 * error responses a route declares. The schemas under src/api/schema are the
 * HTTP contract: routes are typed from them, requests are validated by them,
 * the OpenAPI document is generated from them and the dashboard imports their
 * types. They import only zod, each other and pure helpers (the dashboard
 * compiles them).
 */
import { z } from 'zod';
import { parseIsoInstant } from '../../time/iso.js';

/** An instant as the API writes it: ISO 8601 in UTC, e.g. 2026-11-24T23:47:00.000Z. */
export const Instant = z.string().meta({ format: 'date-time', description: 'An instant, ISO 8601 in UTC.' });
export const NullableInstant = Instant.nullable();

/** Any JSON value a sender or the engagement file gave (alert details, change details). */
export const JsonValue = z.unknown().meta({ description: 'Any JSON value, as sent.' });

/** The codes of the error catalog (src/errors/catalog.ts, docs/errors.md); a test keeps the lists in step. */
export const ERROR_CODES = [
  'AUTH_REQUIRED',
  'AUTH_INVALID',
  'SLACK_SIGNATURE_INVALID',
  'SLACK_REQUEST_STALE',
  'TWILIO_SIGNATURE_INVALID',
  'FORBIDDEN',
  'OUT_OF_SCOPE',
  'NOT_FOUND',
  'ROUTE_NOT_FOUND',
  'INVALID_PATH',
  'METHOD_NOT_ALLOWED',
  'INVALID_JSON',
  'INVALID_BODY',
  'INVALID_QUERY',
  'INVALID_CURSOR',
  'UNSUPPORTED_MEDIA_TYPE',
  'BODY_TOO_LARGE',
  'TOO_MANY_ALERTS',
  'INVALID_TRANSITION',
  'RATE_LIMITED',
  'NOT_READY',
  'INTERNAL',
] as const;

export const ErrorBody = z
  .object({
    error: z.object({
      code: z.enum(ERROR_CODES).meta({ description: 'Stable code from docs/errors.md.' }),
      message: z.string().meta({ description: 'What is wrong, for a person.' }),
      field: z.string().optional().meta({ description: 'The parameter or body field at fault, when one is.' }),
      request_id: z.string().optional().meta({ description: 'On INTERNAL errors: the id to find the request in the logs.' }),
    }),
  })
  .meta({ id: 'Error', description: 'Every error under /api/v1: a stable code, a message and the field at fault.' });

const ERROR_DESCRIPTIONS: Record<number, string> = {
  400: 'The request is malformed: `error.field` names the parameter or body field and `error.message` says what is wrong.',
  401: 'No token, or an unknown, malformed or revoked one.',
  403: "The token's role does not allow this action (FORBIDDEN), or the engagement's scope does not give its side this activity (OUT_OF_SCOPE).",
  404: 'No such resource in the engagements this token can see.',
  408: 'The request was not received within the request timeout (--request-timeout).',
  409: 'The incident is not in a state that allows this action.',
  413: 'The body is over the size limit.',
  415: 'The body is not JSON.',
  429: 'Too many requests; retry after `Retry-After` seconds.',
  503: 'The server cannot answer now (shutting down, or its database is unreachable).',
};

type ErrorStatus = 400 | 401 | 403 | 404 | 408 | 409 | 413 | 415 | 429 | 503;

/** The error responses a route can give, each the catalog's error body. */
export function errorResponses<S extends ErrorStatus>(...statuses: S[]): Record<S, typeof ErrorBody> {
  const out = {} as Record<S, typeof ErrorBody>;
  for (const s of statuses) out[s] = ErrorBody.describe(ERROR_DESCRIPTIONS[s] ?? 'Error.');
  return out;
}

/** The errors every authenticated /api/v1 route can give. */
export const AUTH_ERRORS = [400, 401] as const;

/** A custom issue that maps to a catalog code other than the location's default. */
export function issueCode(code: 'INVALID_CURSOR' | 'INVALID_QUERY' | 'INVALID_BODY'): { params: { code: string } } {
  return { params: { code } };
}

/** One query-string value: a repeated parameter (?a=1&a=2) reads as a comma-separated list; NUL refused. */
export const queryText = z
  .preprocess((v) => (Array.isArray(v) ? v.join(',') : v), z.string())
  .transform((text, ctx) => {
    // No stored value holds U+0000 (PostgreSQL text cannot): answer here rather than from the database.
    if (text.includes('\u0000'))
      ctx.addIssue({ code: 'custom', message: 'contains a NUL character (%00); NUL characters are not allowed' });
    return text;
  });

/** A comma-separated list; every item must be in `allowed` when given. Absent or empty: undefined. */
export function listQuery<const T extends string>(allowed?: readonly T[]) {
  return queryText
    .transform((text, ctx): T[] | undefined => {
      if (text === '') return undefined;
      const items = text
        .split(',')
        .map((s) => s.trim())
        .filter(Boolean);
      if (allowed) {
        for (const item of items) {
          if (!(allowed as readonly string[]).includes(item))
            ctx.addIssue({ code: 'custom', message: `"${item}" is not one of ${allowed.join(', ')}` });
        }
      }
      return items as T[];
    })
    .optional()
    .meta({ description: allowed ? `Comma-separated, each one of: ${allowed.join(', ')}.` : 'Comma-separated list.' });
}

/** An ISO 8601 instant with an offset (2026-11-24T23:47:00-05:00), as epoch milliseconds. */
export function instantQuery() {
  return queryText
    .transform((text, ctx): number | undefined => {
      if (text === '') return undefined;
      const t = parseIsoInstant(text);
      if (t === undefined)
        ctx.addIssue({ code: 'custom', message: `"${text}" is not an ISO 8601 instant (e.g. 2026-11-24T23:47:00-05:00)` });
      return t;
    })
    .optional()
    .meta({ format: 'date-time', description: 'ISO 8601 instant with an offset, e.g. 2026-11-24T23:47:00-05:00.' });
}

/** A whole number from `min` to `max`; `fallback` when absent. */
export function intQuery(fallback: number, min: number, max: number) {
  return queryText
    .transform((text, ctx): number => {
      if (text === '') return fallback;
      if (!/^\d+$/.test(text) || Number(text) < min || Number(text) > max)
        ctx.addIssue({ code: 'custom', message: `must be a whole number from ${min} to ${max}, got "${text}"` });
      return Number(text);
    })
    .optional()
    .transform((v) => v ?? fallback)
    .meta({ description: `A whole number from ${min} to ${max}; ${fallback} when absent.` });
}

/** Opaque paging cursors: base64url of the last id seen. */
export function encodeCursor(id: number): string {
  return btoa(`i:${id}`).replaceAll('+', '-').replaceAll('/', '_').replace(/=+$/, '');
}

function decodeCursor(text: string): number | undefined {
  try {
    const m = /^i:(\d+)$/.exec(atob(text.replaceAll('-', '+').replaceAll('_', '/')));
    return m && Number.isSafeInteger(Number(m[1])) ? Number(m[1]) : undefined;
  } catch {
    return undefined;
  }
}

/** A paging cursor from a previous page's `next_cursor`. */
export const CursorQuery = queryText
  .transform((text, ctx): number | undefined => {
    if (text === '') return undefined;
    const id = decodeCursor(text);
    if (id === undefined)
      ctx.addIssue({
        code: 'custom',
        message: 'is not a cursor this server issued; pass next_cursor from the previous page',
        ...issueCode('INVALID_CURSOR'),
      });
    return id;
  })
  .optional()
  .meta({ description: 'The `next_cursor` of the previous page.' });

/** A text field in a JSON body: required, non-empty, at most `max` characters, no NUL. */
export function requiredText(max: number) {
  return z
    .string({ error: 'is required: a non-empty string' })
    .refine((v) => v.trim() !== '', 'is required: a non-empty string')
    .refine((v) => v.length <= max, { message: `is over the maximum of ${max} characters` })
    .refine((v) => !v.includes('\u0000'), 'contains a NUL character (U+0000); NUL characters are not allowed')
    .meta({ maxLength: max });
}

/** The OpenAPI document itself (its schema is the OpenAPI 3.1 specification). */
export const OpenApiDocument = z.unknown().meta({ description: 'The OpenAPI 3.1 document.' });
