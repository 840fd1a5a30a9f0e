/**
 * How route schemas (zod, src/api/schema) meet Fastify: requests are parsed
 * by them (with their transforms, so handlers get checked, typed values), a
 * failure becomes the error catalog's 400 naming the field, and responses are
 * written as JSON. Responses are checked against their schema only when asked
 * (`checkResponses`, which the test harness turns on): the types already hold handlers to the
 * contract at compile time, and a check on every production response would
 * turn a missed optional field into a 500 for the caller.
 */
import type { FastifyError, FastifySchemaCompiler } from 'fastify';
import type { FastifySerializerCompiler } from 'fastify/types/schema.js';
import { hasZodFastifySchemaValidationErrors, validatorCompiler } from 'fastify-type-provider-zod';
import { safeEncode } from 'zod';
import type { ZodType } from 'zod';
import { TandemError } from '../errors/catalog.js';
import type { ErrorCode } from '../errors/catalog.js';

export { validatorCompiler };

/** A response that does not match its route's schema (only when responses are checked). */
export class ResponseContractError extends Error {
  constructor(
    readonly route: string,
    readonly issues: unknown,
  ) {
    super(`the response of ${route} does not match its schema: ${JSON.stringify(issues)}`);
    this.name = 'ResponseContractError';
  }
}

function isZodType(schema: unknown): schema is ZodType {
  return typeof schema === 'object' && schema !== null && '_zod' in schema;
}

/** Writes responses as JSON; with `check`, first checks them against the route's schema. */
export function serializerCompiler(check: boolean): FastifySerializerCompiler<unknown> {
  return ({ schema, method, url }) => {
    if (!check || !isZodType(schema)) return (data) => JSON.stringify(data);
    return (data) => {
      const result = safeEncode(schema, data);
      if (!result.success) throw new ResponseContractError(`${method} ${url}`, result.error.issues);
      return JSON.stringify(data);
    };
  };
}

export const requestValidator: FastifySchemaCompiler<ZodType> = validatorCompiler;

const DEFAULT_CODE: Record<string, ErrorCode> = {
  querystring: 'INVALID_QUERY',
  body: 'INVALID_BODY',
  params: 'NOT_FOUND',
  headers: 'INVALID_BODY',
};

/** A field path as a person reads it: `tiers[0].after`. */
function fieldName(instancePath: string): string | undefined {
  const parts = instancePath.split('/').filter(Boolean);
  if (parts.length === 0) return undefined;
  return parts.map((p, i) => (/^\d+$/.test(p) ? `[${p}]` : i === 0 ? p : `.${p}`)).join('');
}

/** A sentence that names the field: `limit must be ...`, `status: "x" is not one of ...`. */
function sentence(field: string | undefined, message: string, where: string): string {
  if (field === undefined) return where === 'body' ? `the body is not valid: ${message}` : message;
  return /^(is|must|contains|has) /.test(message) ? `${field} ${message}` : `${field}: ${message}`;
}

/**
 * The catalog error for a request that failed its route's schema: the first
 * issue, its field and message; the code from the issue (INVALID_CURSOR) or
 * from where it was (query, body, path). Undefined for any other error.
 */
export function requestValidationError(err: FastifyError): TandemError | undefined {
  if (!hasZodFastifySchemaValidationErrors(err)) return undefined;
  const first = err.validation[0];
  const where = err.validationContext ?? 'body';
  const field = first ? fieldName(first.instancePath) : undefined;
  const params = first?.params as { params?: { code?: string } } | undefined;
  const given = params?.params?.code;
  const code: ErrorCode =
    given === 'INVALID_CURSOR' || given === 'INVALID_QUERY' || given === 'INVALID_BODY' ? given : (DEFAULT_CODE[where] ?? 'INVALID_BODY');
  const message =
    where === 'body' && field === undefined && first?.keyword === 'invalid_type'
      ? 'the body must be a JSON object'
      : sentence(field, first?.message ?? 'is not valid', where);
  return new TandemError(code, message, field);
}
