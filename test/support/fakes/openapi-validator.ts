/**
 * Checks a request against an OpenAPI 3.0 contract (Jira's own, for the Jira fake), so a fake answers only what the
 * real system would accept: the operation must exist, its required path/query parameters and headers must be there,
 * query values must have their declared scalar type, and the JSON body must match the operation's request body
 * schema. OpenAPI 3.0 schemas are draft-04-like with `nullable`; they are translated once (nullable to a type union)
 * and read by plain ajv with strict mode off.
 */
import { readFileSync } from 'node:fs';
import { Ajv } from 'ajv';
import type { ErrorObject, ValidateFunction } from 'ajv';
import addFormats from 'ajv-formats';

/** One way a request departs from the contract. */
export interface Violation {
  /** `METHOD /path/template` (operationId), or the raw method and path when no operation matches. */
  readonly operation: string;
  /** Where: `operation`, `path.<name>`, `query.<name>`, `header.<name>`, `body`, `body/fields/summary`, `auth`, ... */
  readonly where: string;
  /** What is wrong, in words. */
  readonly what: string;
}

/** The request as the fake received it. */
export interface ContractRequest {
  readonly method: string;
  /** Path without the query string. */
  readonly path: string;
  readonly query: URLSearchParams;
  /** Lower-case header names. */
  readonly headers: Readonly<Record<string, string | string[] | undefined>>;
  /** Raw body text; empty when none was sent. */
  readonly body: string;
}

/** A matched operation: its template, id and the path parameters taken from the request. */
export interface MatchedOperation {
  readonly method: string;
  readonly template: string;
  readonly operationId: string;
  readonly deprecated: boolean;
  readonly params: Readonly<Record<string, string>>;
}

interface Parameter {
  readonly name: string;
  readonly in: string;
  readonly required?: boolean;
  readonly schema?: { readonly type?: unknown; readonly enum?: readonly unknown[] };
}

interface Operation {
  readonly operationId?: string;
  readonly deprecated?: boolean;
  readonly parameters?: readonly Parameter[];
  readonly requestBody?: { readonly required?: boolean; readonly content?: Record<string, { readonly schema?: unknown }> };
}

interface Route {
  readonly method: string;
  readonly template: string;
  readonly pattern: RegExp;
  readonly names: readonly string[];
  readonly literalSegments: number;
  readonly operation: Operation;
}

type Json = null | boolean | number | string | Json[] | { [key: string]: Json };

const METHODS = new Set(['get', 'put', 'post', 'delete', 'patch', 'head', 'options']);
const CONTRACT_ID = 'contract.json';

/** Replaces OpenAPI 3.0's `nullable: true` by a JSON Schema type union, everywhere in a schema tree. */
function translateNullable(node: Json): Json {
  if (Array.isArray(node)) return node.map(translateNullable);
  if (node === null || typeof node !== 'object') return node;
  const out: { [key: string]: Json } = {};
  for (const [key, value] of Object.entries(node)) if (key !== 'nullable') out[key] = translateNullable(value);
  if (node.nullable === true && typeof node.type === 'string') out.type = [node.type, 'null'];
  return out;
}

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

function routeOf(method: string, template: string, operation: Operation): Route {
  const names: string[] = [];
  let literalSegments = 0;
  const source = template
    .split('/')
    .map((segment) => {
      const name = /^\{([^}]+)\}$/.exec(segment)?.[1];
      if (name === undefined) {
        literalSegments += 1;
        return escapeRegExp(segment);
      }
      names.push(name);
      return '([^/]+)';
    })
    .join('/');
  return { method, template, pattern: new RegExp(`^${source}$`), names, literalSegments, operation };
}

function describeError(error: ErrorObject): Violation['what'] {
  const params = error.params as Record<string, unknown>;
  if (error.keyword === 'additionalProperties') return `unknown property "${String(params.additionalProperty)}"`;
  if (error.keyword === 'required') return `missing required property "${String(params.missingProperty)}"`;
  if (error.keyword === 'enum') return `must be one of ${JSON.stringify(params.allowedValues)}`;
  return error.message ?? error.keyword;
}

/** What is wrong with a query parameter's text for its declared scalar type or enum, if anything. */
function queryValueProblem(value: string, parameter: Parameter): string | undefined {
  const type = parameter.schema?.type;
  if (type === 'integer' && !/^-?\d+$/.test(value)) return `must be an integer, got "${value}"`;
  if (type === 'number' && !Number.isFinite(Number(value))) return `must be a number, got "${value}"`;
  if (type === 'boolean' && value !== 'true' && value !== 'false') return `must be true or false, got "${value}"`;
  const allowed = parameter.schema?.enum;
  if (allowed !== undefined && !allowed.includes(value)) return `must be one of ${JSON.stringify(allowed)}, got "${value}"`;
  return undefined;
}

/** A request validator for one OpenAPI 3.0 contract file. */
export class OpenApiValidator {
  private readonly routes: Route[] = [];
  private readonly ajv: Ajv;
  private readonly bodyValidators = new Map<string, ValidateFunction>();

  constructor(contractFile: string) {
    const document = translateNullable(JSON.parse(readFileSync(contractFile, 'utf8')) as Json) as unknown as {
      paths: Record<string, Record<string, Operation>>;
    };
    for (const [template, item] of Object.entries(document.paths)) {
      for (const [method, operation] of Object.entries(item)) {
        if (METHODS.has(method)) this.routes.push(routeOf(method.toUpperCase(), template, operation));
      }
    }
    // The most literal template wins (`/issue/picker` before `/issue/{issueIdOrKey}`).
    this.routes.sort((a, b) => b.literalSegments - a.literalSegments);
    this.ajv = new Ajv({ strict: false, allErrors: true, logger: false, validateSchema: false });
    addFormats.default(this.ajv);
    this.ajv.addSchema({ ...document, $id: CONTRACT_ID } as object);
  }

  /** The operation a method and path call, or undefined when the contract has none. */
  match(method: string, path: string): MatchedOperation | undefined {
    for (const route of this.routes) {
      if (route.method !== method.toUpperCase()) continue;
      const found = route.pattern.exec(path);
      if (found === null) continue;
      const params: Record<string, string> = {};
      route.names.forEach((name, i) => (params[name] = decodeURIComponent(found[i + 1] ?? '')));
      const operationId = route.operation.operationId ?? `${route.method} ${route.template}`;
      return { method: route.method, template: route.template, operationId, deprecated: route.operation.deprecated === true, params };
    }
    return undefined;
  }

  /** Every way the request departs from the contract; empty when it conforms. */
  validate(request: ContractRequest): Violation[] {
    const matched = this.match(request.method, request.path);
    if (matched === undefined) {
      const operation = `${request.method.toUpperCase()} ${request.path}`;
      return [{ operation, where: 'operation', what: 'no operation in the contract has this method and path' }];
    }
    const route = this.routes.find((r) => r.method === matched.method && r.template === matched.template);
    const operation = route?.operation ?? {};
    const label = `${matched.method} ${matched.template} (${matched.operationId})`;
    return [...this.checkParameters(label, operation, matched, request), ...this.checkBody(label, matched, operation, request)];
  }

  private checkParameters(label: string, operation: Operation, matched: MatchedOperation, request: ContractRequest): Violation[] {
    const violations: Violation[] = [];
    for (const parameter of operation.parameters ?? []) {
      if (parameter.required !== true) continue;
      const present =
        parameter.in === 'path'
          ? (matched.params[parameter.name] ?? '') !== ''
          : parameter.in === 'query'
            ? request.query.has(parameter.name)
            : parameter.in === 'header'
              ? request.headers[parameter.name.toLowerCase()] !== undefined
              : true;
      if (!present)
        violations.push({
          operation: label,
          where: `${parameter.in}.${parameter.name}`,
          what: `required ${parameter.in} parameter missing`,
        });
    }
    for (const parameter of operation.parameters ?? []) {
      const value = parameter.in === 'query' ? request.query.get(parameter.name) : null;
      const what = value === null ? undefined : queryValueProblem(value, parameter);
      if (what !== undefined) violations.push({ operation: label, where: `query.${parameter.name}`, what });
    }
    return violations;
  }

  private checkBody(label: string, matched: MatchedOperation, operation: Operation, request: ContractRequest): Violation[] {
    const declared = operation.requestBody;
    const hasBody = request.body.trim() !== '';
    if (declared === undefined) return hasBody ? [{ operation: label, where: 'body', what: 'this operation takes no request body' }] : [];
    if (!hasBody) return declared.required === true ? [{ operation: label, where: 'body', what: 'required request body missing' }] : [];
    const contentType = String(request.headers['content-type'] ?? '');
    const media = declared.content?.['application/json'];
    if (media === undefined) return [];
    if (!contentType.toLowerCase().startsWith('application/json')) {
      return [{ operation: label, where: 'header.content-type', what: `expected application/json, got "${contentType}"` }];
    }
    let body: unknown;
    try {
      body = JSON.parse(request.body);
    } catch {
      return [{ operation: label, where: 'body', what: 'body is not valid JSON' }];
    }
    const validate = this.bodyValidator(matched, media.schema);
    if (validate(body)) return [];
    return (validate.errors ?? []).map((error) => ({ operation: label, where: `body${error.instancePath}`, what: describeError(error) }));
  }

  private bodyValidator(matched: MatchedOperation, schema: unknown): ValidateFunction {
    const key = `${matched.method} ${matched.template}`;
    const cached = this.bodyValidators.get(key);
    if (cached !== undefined) return cached;
    // Refs inside the operation's schema are `#/components/schemas/...`: resolve them against the whole contract.
    const rebased = JSON.parse(JSON.stringify(schema ?? {}).replaceAll('"$ref":"#/', `"$ref":"${CONTRACT_ID}#/`)) as object;
    const compiled = this.ajv.compile(rebased);
    this.bodyValidators.set(key, compiled);
    return compiled;
  }
}
