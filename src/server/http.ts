/**
 * The HTTP server: one Fastify instance with the ingest endpoints, /api/v1,
 * and the operations endpoints. Errors are mapped to responses in one place.
 */
import { createHash, randomUUID, timingSafeEqual } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import type { Server as HttpsServer } from 'node:https';
import Fastify, { LogController } from 'fastify';
import type { FastifyBaseLogger, FastifyError, FastifyInstance, FastifyReply, FastifyServerOptions } from 'fastify';
import type { Logger } from 'pino';
import { bearerToken } from '../api/auth.js';
import { apiRoutes } from '../api/routes.js';
import type { ApiDeps } from '../api/routes.js';
import { TandemError } from '../errors/catalog.js';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { ErrorBody, errorResponses } from '../api/schema/common.js';
import { Health, MetricsText, Readiness } from '../api/schema/operations.js';
import { registerOpenApi } from './openapi.js';
import { ResponseContractError, requestValidationError, requestValidator, serializerCompiler } from './schema-compilers.js';
import { ingestRoutes } from '../ingest/routes.js';
import type { IngestDeps } from '../ingest/routes.js';
import type { Metrics } from '../telemetry/metrics.js';
import type { TicketingProblem } from '../ticketing/health.js';
import type { TlsMaterial } from './tls.js';

export interface HttpDeps {
  readonly log: Logger;
  readonly metrics: Metrics;
  readonly ingest: IngestDeps;
  readonly api: ApiDeps;
  /** Readiness: throws when the database does not answer; not ok (with the reason) when the pipeline is stuck. */
  readonly ready: () => Promise<{ ok: boolean; reason?: Record<string, string> }>;
  /** The failing ticketing integrations, listed by /readyz as detail: they do not make the server not ready. */
  readonly ticketingProblems?: () => Promise<readonly TicketingProblem[]>;
  /** Extra route plugins (later features register here). */
  readonly plugins?: ReadonlyArray<(app: FastifyInstance) => Promise<void>>;
  /** Connection limits (see Settings.http); Node's and Fastify's defaults when absent. */
  readonly limits?: { readonly requestTimeoutMs: number; readonly idleTimeoutMs: number; readonly maxConnections: number };
  /** When set, GET /metrics needs `Authorization: Bearer <metricsToken>`. */
  readonly metricsToken?: string | undefined;
  /** Check every JSON response against its route's schema (tests; a mismatch is a 500 naming the route). */
  readonly checkResponses?: boolean;
  /** Serve HTTPS with this certificate and key (server/tls.ts); absent: plain HTTP. */
  readonly tls?: TlsMaterial | undefined;
}

/** Keep-alive connections idle longer than this close; above the 60 s of common proxies and load balancers. */
export const KEEP_ALIVE_TIMEOUT_MS = 72_000;

/**
 * The URL as logged: the capability in a respond link or a calendar feed URL
 * (whoever has it can acknowledge an incident or read a rota), and the key of
 * an integration or a ticketing system's webhooks (whoever has it can post
 * alerts or ticket changes), and a sign-in callback's `code` and `state`, are
 * replaced by `[redacted]`, the route kept.
 */
export function redactUrl(url: string): string {
  // Most URLs (the PagerDuty endpoints, the API) hold nothing to redact: one test instead of five replaces.
  if (!MAY_HOLD_SECRET.test(url)) return url;
  return (
    url
      .replace(/(\/respond\/)[^/?#]+/i, '$1[redacted]')
      // A Twilio callback's token (a call's keypresses, a delivery's reports) before the integration rule below.
      .replace(/(\/integrations\/twilio\/(?:voice|status)\/)[^/?#]+/i, '$1[redacted]')
      // Fixed paths with nothing secret in them: Twilio's SMS replies, Slack's interactivity URL.
      .replace(/(\/integrations\/(?!(?:twilio\/(?:voice|status|sms)|slack\/interactions)(?:[/?#]|$))[^/?#]+\/)[^/?#]+/i, '$1[redacted]')
      // An OpenID Connect callback's code and state (single-use, but credentials until used).
      .replace(/([?&](?:code|state)=)[^&#]*/gi, '$1[redacted]')
      .replace(
        /(\/calendars\/(?:[^/?#]*\/)*)[^/?#]+?(\.ics)?(?=$|[?#])/i,
        (_m, prefix: string, ics: string | undefined) => `${prefix}[redacted]${ics ?? ''}`,
      )
  );
}

/** Every URL redactUrl changes matches this: the respond, integrations and calendars paths, or a code or state parameter. */
const MAY_HOLD_SECRET = /\/(?:respond|integrations|calendars)\/|[?&](?:code|state)=/i;

/** Compares a bearer token with the expected one in constant time. */
function bearerMatches(header: string | undefined, expected: string): boolean {
  const given = bearerToken(header);
  if (given === undefined) return false;
  const digest = (s: string) => createHash('sha256').update(s).digest();
  return timingSafeEqual(digest(given), digest(expected));
}

const REQUEST_ID = /^[A-Za-z0-9._:-]{1,128}$/;

export async function buildHttp(deps: HttpDeps): Promise<FastifyInstance> {
  const logger: FastifyBaseLogger = deps.log;
  // Node's connection timeouts (see below): Fastify passes them to an HTTPS server only inside its `https` options.
  const serverTimeouts = deps.limits
    ? {
        headersTimeout: deps.limits.requestTimeoutMs,
        requestTimeout: deps.limits.requestTimeoutMs,
        // Node checks the timeouts on this interval (30 s by default, which would let a trickle run 30 s past its limit).
        connectionsCheckingInterval: Math.min(1000, Math.max(10, Math.floor(deps.limits.requestTimeoutMs / 10))),
      }
    : undefined;
  const options: FastifyServerOptions = {
    loggerInstance: logger,
    // One log line per request (onResponse below) instead of Fastify's two.
    logController: new LogController({ disableRequestLogging: true }),
    // A caller's X-Request-Id is kept so a request can be followed across systems.
    genReqId: (req: IncomingMessage) => {
      const given = req.headers['x-request-id'];
      return typeof given === 'string' && REQUEST_ID.test(given) ? given : randomUUID();
    },
    requestIdHeader: false,
    bodyLimit: 1024 * 1024,
    // A client that trickles its headers or body is cut off (408) instead of holding a connection forever.
    ...(deps.limits
      ? {
          requestTimeout: deps.limits.requestTimeoutMs,
          connectionTimeout: deps.limits.idleTimeoutMs,
          keepAliveTimeout: KEEP_ALIVE_TIMEOUT_MS,
        }
      : {}),
    return503OnClosing: true,
    forceCloseConnections: 'idle',
    routerOptions: { ignoreTrailingSlash: true, maxParamLength: 500 },
    // What the router refuses before any route or error handler runs (a path with a bad percent-encoding) is
    // answered in the error catalog's format too, not Fastify's own body.
    frameworkErrors: (err, _req, reply) => {
      const e =
        err.code === 'FST_ERR_BAD_URL'
          ? new TandemError('INVALID_PATH', "the URL's path cannot be read: a '%' must start a percent-encoded byte, such as %2F")
          : toTandemError(err);
      void (reply as unknown as FastifyReply).code(e.status).send(e.toBody());
    },
  };
  // Fastify types an HTTPS instance by its raw server; requests, replies, routes and hooks are the same as over HTTP,
  // and the one HTTPS-only call (setSecureContext on reload, server.ts) checks the server it gets.
  const app: FastifyInstance = deps.tls
    ? (Fastify({
        ...(options as FastifyServerOptions<HttpsServer>),
        https: { cert: deps.tls.cert, key: deps.tls.key, ...serverTimeouts },
      }) as unknown as FastifyInstance)
    : Fastify({ ...options, ...(serverTimeouts ? { http: serverTimeouts } : {}) });

  // Route schemas (zod) parse requests and describe responses; the OpenAPI document is generated from them.
  app.setValidatorCompiler(requestValidator);
  app.setSerializerCompiler(serializerCompiler(deps.checkResponses === true));
  await registerOpenApi(app);

  if (deps.limits) {
    // Past the cap Node closes new connections at once, so file descriptors are never exhausted and
    // /healthz answers again as soon as connections close. Logged at the 1st, 10th, 100th... refusal.
    app.server.maxConnections = deps.limits.maxConnections;
    let dropped = 0;
    app.server.on('drop', () => {
      dropped += 1;
      if (Number.isInteger(Math.log10(dropped)))
        deps.log.warn(
          { maxConnections: deps.limits?.maxConnections, dropped },
          'connection refused: at the connection cap (--max-connections)',
        );
    });
  }

  // Every route, for the OpenAPI consistency test and for 405 answers.
  const routes: Array<{ method: string; url: string }> = [];
  app.decorate('routeTable', routes);
  app.addHook('onRoute', (r) => {
    for (const method of [r.method].flat()) if (method !== 'HEAD') routes.push({ method, url: r.url });
  });

  // During shutdown, requests still in flight get their answer and then the connection closes,
  // so shutdown does not wait out keep-alive timeouts.
  let closing = false;
  app.addHook('preClose', async () => {
    closing = true;
  });
  // Callback hooks, not async ones: they run on every request (ingest included), and an async hook costs a promise each.
  app.addHook('onSend', (req, reply, payload, done) => {
    reply.header('x-request-id', req.id);
    if (closing) reply.header('connection', 'close');
    done(null, payload);
  });

  app.addHook('onResponse', (req, reply, done) => {
    const route = req.routeOptions.url ?? 'unmatched';
    deps.metrics.httpRequests.inc({ route, status: String(reply.statusCode) });
    req.log.info(
      { method: req.method, url: redactUrl(req.url), route, status: reply.statusCode, ms: Math.round(reply.elapsedTime * 100) / 100 },
      'request',
    );
    done();
  });

  // The ingest routes answer in PagerDuty's format from their own scope's handler (src/ingest/routes.ts).
  app.setErrorHandler((err: FastifyError, req, reply) => {
    const e = toTandemError(err);
    if (e.status >= 500) req.log.error({ err }, 'request failed');
    return reply.code(e.status).send(e.code === 'INTERNAL' ? { error: { ...e.toBody().error, request_id: req.id } } : e.toBody());
  });

  app.setNotFoundHandler((req, reply) => {
    const path = req.url.split('?')[0] ?? '';
    const other = routes.filter((r) => r.method !== req.method && matches(r.url, path)).map((r) => r.method);
    if (other.length > 0) {
      const e = new TandemError('METHOD_NOT_ALLOWED', `${req.method} is not allowed on ${path}; use ${[...new Set(other)].join(' or ')}`);
      return reply
        .code(405)
        .header('allow', [...new Set(other)].join(', '))
        .send(e.toBody());
    }
    const e = new TandemError('ROUTE_NOT_FOUND', `no endpoint ${req.method} ${req.url.split('?')[0] ?? ''}; see /api/v1/openapi.json`);
    return reply.code(404).send(e.toBody());
  });

  const ops = app.withTypeProvider<ZodTypeProvider>();
  ops.get(
    '/healthz',
    {
      schema: {
        operationId: 'getHealth',
        summary: 'Liveness: the process answers',
        tags: ['operations'],
        security: [],
        response: { 200: Health, ...errorResponses(408) },
      },
    },
    async () => ({ status: 'ok' as const }),
  );
  ops.get(
    '/readyz',
    {
      schema: {
        operationId: 'getReadiness',
        summary: 'Readiness: the database answers and events are being applied',
        description:
          'Not ready (503) when the database does not answer, or when the oldest accepted event not yet applied is older than --max-event-lag. ' +
          'A failing ticketing integration (an operation given up on in the last 24 hours, or operations waiting after more than 3 attempts) ' +
          'is listed under `ticketing` but does not make the server not ready: incidents are still opened and people still paged.',
        tags: ['operations'],
        security: [],
        response: { 200: Readiness, 503: Readiness, ...errorResponses(408) },
      },
    },
    async (_req, reply) => {
      const r = await deps.ready().catch(() => undefined);
      if (!r) return reply.code(503).send({ status: 'not ready', database: 'unreachable' });
      // Detail only: a ticketing system that refuses Tandem does not stop incidents or pages, and a failed read leaves it out.
      const problems = (await deps.ticketingProblems?.().catch(() => undefined)) ?? [];
      const ticketing = problems.length ? { ticketing: [...problems] } : {};
      return reply.code(r.ok ? 200 : 503).send({ status: r.ok ? 'ready' : 'not ready', database: 'ok', ...r.reason, ...ticketing });
    },
  );
  ops.get(
    '/metrics',
    {
      schema: {
        operationId: 'getMetrics',
        summary: 'Prometheus metrics (text exposition format)',
        description: 'Open unless the server was started with --metrics-token; then the token is required.',
        tags: ['operations'],
        security: [{}, { metrics: [] }],
        response: {
          200: { description: 'Prometheus text exposition format 0.0.4.', content: { 'text/plain': { schema: MetricsText } } },
          401: ErrorBody.describe('--metrics-token is set and the request does not carry it.'),
          ...errorResponses(408),
        },
      },
    },
    async (req, reply) => {
      // Metrics name every engagement: with a token configured, only a scraper that sends it reads them.
      if (deps.metricsToken !== undefined && !bearerMatches(req.headers.authorization, deps.metricsToken)) {
        const e = req.headers.authorization
          ? new TandemError('AUTH_INVALID', 'the metrics token does not match (--metrics-token)', 'Authorization')
          : new TandemError(
              'AUTH_REQUIRED',
              'send the metrics token as "Authorization: Bearer <token>" (--metrics-token)',
              'Authorization',
            );
        return reply.code(401).header('www-authenticate', 'Bearer realm="metrics"').send(e.toBody());
      }
      return reply.header('content-type', deps.metrics.registry.contentType).send(await deps.metrics.registry.metrics());
    },
  );

  await app.register(async (scope) => ingestRoutes(scope, deps.ingest));
  await app.register(async (scope) => apiRoutes(scope, deps.api), { prefix: '/api/v1' });
  for (const plugin of deps.plugins ?? []) await app.register(plugin);
  return app;
}

declare module 'fastify' {
  interface FastifyInstance {
    routeTable: Array<{ method: string; url: string }>;
  }
}

/** Whether a route pattern such as /api/v1/incidents/:id matches a path. */
function matches(pattern: string, path: string): boolean {
  const a = pattern.split('/');
  const b = path.replace(/\/+$/, '').split('/');
  return a.length === b.length && a.every((seg, i) => seg.startsWith(':') || seg === b[i]);
}

function toTandemError(err: FastifyError): TandemError {
  if (err instanceof TandemError) return err;
  // Only when responses are checked (tests): the 500 names the route and the fields off its schema.
  if (err instanceof ResponseContractError) return new TandemError('INTERNAL', err.message);
  const invalid = requestValidationError(err);
  if (invalid) return invalid;
  switch (err.code) {
    case 'FST_ERR_CTP_INVALID_JSON_BODY':
    case 'FST_ERR_CTP_EMPTY_JSON_BODY':
      return new TandemError('INVALID_JSON', `the body is not valid JSON: ${err.message}`);
    case 'FST_ERR_CTP_BODY_TOO_LARGE':
      return new TandemError('BODY_TOO_LARGE', err.message);
    case 'FST_ERR_CTP_INVALID_MEDIA_TYPE':
      return new TandemError('UNSUPPORTED_MEDIA_TYPE', 'send the body as application/json');
    default:
      if (err.statusCode === 400 && err instanceof SyntaxError)
        return new TandemError('INVALID_JSON', `the body is not valid JSON: ${err.message}`);
      if (typeof err.statusCode === 'number' && err.statusCode >= 400 && err.statusCode < 500)
        return new TandemError('INVALID_BODY', err.message);
      return new TandemError('INTERNAL', 'internal error; the request id is in the logs');
  }
}
