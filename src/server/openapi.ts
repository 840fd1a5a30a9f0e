/**
 * The OpenAPI 3.1 document, generated from the routes as they are
 * registered: each route's zod schemas (src/api/schema, src/ingest/schema.ts)
 * become its parameters, body and responses, and its operationId, summary,
 * tags and security come from the same declaration. Nothing here lists a
 * path, so the document cannot drift from the server. Served at
 * /api/v1/openapi.json; `@redocly/cli lint` checks it in the test suite.
 */
import fastifySwagger from '@fastify/swagger';
import type { FastifyInstance } from 'fastify';
import { jsonSchemaTransform, jsonSchemaTransformObject } from 'fastify-type-provider-zod';
import { VERSION } from '../settings/version.js';

export const API_TAGS = [
  {
    name: 'ingest',
    description:
      'Events from monitoring tools: PagerDuty Events API v2, the Alertmanager webhook, generic JSON and security events (JSON, CEF, syslog; matched against Sigma rules), authenticated by integration key.',
  },
  { name: 'incidents', description: 'Incidents, their alerts and timeline, and what responders do to them.' },
  { name: 'engagements', description: 'Engagements, services and change events.' },
  { name: 'schedules', description: 'Who is on call now on each side, shifts and gaps, calendar feeds.' },
  { name: 'performance', description: 'Metrics, credits and the monthly review.' },
  {
    name: 'risk',
    description: 'The price of the coverage gap, and simulations of another engagement file over real history (docs/risk-model.md).',
  },
  { name: 'dashboard', description: 'Sessions and the live stream behind the web dashboard.' },
  {
    name: 'events',
    description:
      'The event pipeline for admins: the backlog, and accepted events that could not be applied (quarantined) with their error.',
  },
  {
    name: 'vulnerabilities',
    description:
      'Findings from scanner output (Trivy, Grype, SARIF, Nessus, Greenbone) with deadlines by severity and KEV, and risk exceptions.',
  },
  {
    name: 'maintenance',
    description:
      'Maintenance windows and silences (Alertmanager-style matchers): incidents still open but page nobody and start no SLA clock until they end (docs/maintenance.md).',
  },
  {
    name: 'status',
    description:
      'The public status page of an engagement (HTML, JSON, Atom; no sign-in), and the notes admins publish on it (docs/status-page.md).',
  },
  { name: 'operations', description: 'Health, readiness, metrics and this document.' },
] as const;

export type ApiTag = (typeof API_TAGS)[number]['name'];

/** Registers the generator; routes registered after it are in the document. */
export async function registerOpenApi(app: FastifyInstance): Promise<void> {
  await app.register(fastifySwagger, {
    openapi: {
      openapi: '3.1.0',
      info: {
        title: 'Tandem API',
        version: VERSION,
        description:
          'The shared operations desk of a co-managed IT engagement. Ingest speaks PagerDuty Events API v2, the Alertmanager webhook and generic JSON (authenticated by integration key). Everything under /api/v1 needs `Authorization: Bearer <token>` (or the dashboard\'s session cookie) and sees only the token\'s engagements. Errors are `{"error":{"code","message","field"}}`; the codes are listed in docs/errors.md. A tour with examples is in docs/api.md.',
        license: { name: 'Apache-2.0', identifier: 'Apache-2.0' },
      },
      servers: [{ url: 'http://127.0.0.1:8080', description: 'A local `tandem serve` (the default address).' }],
      security: [{ bearer: [] }],
      tags: [...API_TAGS],
      components: {
        securitySchemes: {
          bearer: {
            type: 'http',
            scheme: 'bearer',
            description: 'A token from `tandem token create`; the dashboard sends its session cookie instead.',
          },
          metrics: {
            type: 'http',
            scheme: 'bearer',
            description: 'The `--metrics-token` the server was started with (for `/metrics` only).',
          },
        },
      },
    },
    transform: jsonSchemaTransform,
    transformObject: (doc) =>
      withoutUnusedSchemas<SchemaHolder>(jsonSchemaTransformObject(doc)) as ReturnType<typeof jsonSchemaTransformObject>,
  });
}

interface SchemaHolder {
  readonly paths?: unknown;
  readonly components?: { readonly schemas?: Readonly<Record<string, unknown>> };
}

/**
 * Drops component schemas no operation reaches: every named schema is
 * generated twice (as a request's input and a response's output), and the
 * document keeps only the ones some path refers to, directly or through
 * another schema.
 */
export function withoutUnusedSchemas<D extends SchemaHolder>(doc: D): D {
  const schemas = doc.components?.schemas;
  if (!schemas) return doc;
  const used = new Set<string>();
  const visit = (node: unknown): void => {
    if (Array.isArray(node)) return node.forEach(visit);
    if (typeof node !== 'object' || node === null) return;
    for (const [key, value] of Object.entries(node)) {
      if (key === '$ref' && typeof value === 'string' && value.startsWith('#/components/schemas/')) {
        const name = value.slice('#/components/schemas/'.length);
        if (!used.has(name)) {
          used.add(name);
          visit(schemas[name]);
        }
      } else visit(value);
    }
  };
  visit(doc.paths);
  return {
    ...doc,
    components: { ...doc.components, schemas: Object.fromEntries(Object.entries(schemas).filter(([name]) => used.has(name))) },
  };
}
