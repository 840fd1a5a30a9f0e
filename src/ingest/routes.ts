/**
 * The ingest endpoints: PagerDuty Events API v2, the Alertmanager webhook and
 * generic JSON. Each request is read as text (whatever its content type, so a
 * bare `curl -d` works), checked, rate limited per key, written to the
 * durable inbox, and only then answered 202. Errors use PagerDuty's body:
 * `{"status":"invalid event","message":"Event object is invalid","errors":[...]}`,
 * all of them written by the one error handler of this plugin's scope.
 */
import type { FastifyError, FastifyInstance, FastifyReply, FastifyRequest, FastifySchema, FastifySchemaCompiler } from 'fastify';
import type { SwaggerTransform } from '@fastify/swagger';
import { jsonSchemaTransform } from 'fastify-type-provider-zod';
import type { ZodType } from 'zod';
import type { Clock } from '../clock/clock.js';
import type { Deployment, IntegrationRef } from '../deployment/deployment.js';
import type { IntegrationType } from '../engagement/model.js';
import type { Metrics } from '../telemetry/metrics.js';
import { ResponseContractError } from '../server/schema-compilers.js';
import { MAX_ALERTS_PER_REQUEST, alertCount, parseAlertmanagerWebhook } from './alertmanager.js';
import type { IngestAction, IngestEvent } from './event.js';
import { parseGeneric } from './generic.js';
import { normalizeJson } from './json-shape.js';
import type { EventSink } from './inbox.js';
import { parsePagerDutyAlert, parsePagerDutyChange } from './pagerduty.js';
import type { RateLimiter } from './rate-limit.js';
import {
  AlertmanagerWebhook,
  AlertsAccepted,
  ChangeAccepted,
  EventAccepted,
  EventNotStored,
  GenericEvent,
  IntegrationKeyParams,
  InvalidEvent,
  PagerDutyChange,
  PagerDutyEvent,
  ThrottledEvent,
} from './schema.js';

export interface IngestDeps {
  readonly deployment: Deployment;
  readonly inbox: EventSink;
  readonly limiter: RateLimiter;
  readonly clock: Clock;
  readonly metrics: Metrics;
  readonly bodyLimit: number;
}

export const INVALID_EVENT = { status: 'invalid event', message: 'Event object is invalid' } as const;

/** PagerDuty's error body. */
export function invalidEvent(errors: string[]): InvalidEvent {
  return { ...INVALID_EVENT, errors };
}

type Reject = { status: number; reason: string; body: Record<string, unknown>; headers?: Record<string, string> };

/** A request refused with a PagerDuty-style body; the scope's error handler answers it. */
class Rejected extends Error {
  constructor(readonly reject: Reject) {
    super(reject.reason);
  }
}

function bad(reason: string, errors: string[], status = 400): Rejected {
  return new Rejected({ status, reason, body: invalidEvent(errors) });
}

function parseJson(raw: unknown): unknown {
  if (typeof raw !== 'string' || raw.trim() === '') throw bad('not_json', ['the body is empty; expected a JSON object']);
  let value: unknown;
  try {
    value = JSON.parse(raw);
  } catch (err) {
    throw bad('not_json', [`the body is not valid JSON: ${err instanceof Error ? err.message : String(err)}`]);
  }
  // Limits and storable text before any format reads it (json-shape.ts): no body may stall the engine.
  const shaped = normalizeJson(value);
  if (!shaped.ok) throw bad('too_complex', [shaped.error]);
  return shaped.value;
}

/**
 * The route schemas document the bodies; the parsers validate them. A schema
 * validator would stop at the first bad field and word it its own way, where
 * senders get every bad field in PagerDuty's `errors` list (and the fuzz and
 * bad-input tests hold the parsers to it); it would also parse every body a
 * second time on the hot path. So these routes pass the body (raw text) and
 * the key through untouched.
 */
const documentOnly: FastifySchemaCompiler<unknown> = () => () => true;

/** The 429 answer carries Retry-After; the zod transform has no place for response headers, so they are added here. */
const withRetryAfter: SwaggerTransform = (input) => {
  const out = jsonSchemaTransform(input as Parameters<typeof jsonSchemaTransform>[0]);
  const response = out.schema.response as Record<string, Record<string, unknown>> | undefined;
  const throttled = response?.['429'];
  if (response && throttled) {
    response['429'] = {
      ...throttled,
      headers: { 'Retry-After': { type: 'integer', minimum: 1, description: 'Seconds until this key may send again.' } },
    };
  }
  return out as { schema: FastifySchema; url: string };
};

/** The errors every ingest route can answer. */
function ingestErrors(keyInPath: boolean): Record<number, ZodType> {
  const unknownKey: Record<number, ZodType> = keyInPath
    ? { 404: InvalidEvent.describe('The key in the URL is not an integration key of this server.') }
    : {};
  return {
    400: InvalidEvent.describe(
      `Invalid event: \`errors\` names each bad field${keyInPath ? '' : ' (an unknown routing_key is one)'}. Senders do not retry a 400.`,
    ),
    ...unknownKey,
    413: InvalidEvent.describe('The body is over the size limit (512 KB by default, --ingest-body-limit).'),
    429: ThrottledEvent.describe(
      'Too many events for this integration key (an Alertmanager request costs one per alert); nothing was stored. Retry after `Retry-After` seconds.',
    ),
    503: EventNotStored.describe('The event could not be stored; it was not accepted. Retry.'),
  };
}

interface IngestRoute {
  readonly operationId: string;
  readonly summary: string;
  readonly description: string;
  readonly body: ZodType;
  readonly accepted: ZodType;
  readonly keyInPath: boolean;
  readonly integration: IntegrationType;
}

/** The route options of one ingest endpoint: its document entry, its integration (for metrics) and its limits. */
function routeOptions(r: IngestRoute, bodyLimit: number, errors: Record<number, ZodType> = ingestErrors(r.keyInPath)) {
  return {
    bodyLimit,
    validatorCompiler: documentOnly,
    config: { integration: r.integration, swaggerTransform: withRetryAfter },
    schema: {
      operationId: r.operationId,
      summary: r.summary,
      description: r.description,
      tags: ['ingest'],
      security: [],
      ...(r.keyInPath ? { params: IntegrationKeyParams } : {}),
      body: r.body,
      response: { 202: r.accepted.describe('Durably stored: the engine applies it next.'), ...errors },
    },
  };
}

/**
 * The ingest error format, for every error in this scope: a refusal
 * (Rejected) as the handler worded it, a body over the limit as 413, any
 * other client error as an invalid event, and anything else as 503 (the event
 * was not stored: senders retry a 503, not a 400). Each counts in
 * tandem_events_rejected_total under the route's integration.
 */
function ingestErrorHandler(deps: IngestDeps) {
  return (err: FastifyError | Rejected, req: FastifyRequest, reply: FastifyReply): FastifyReply => {
    // A 202 off its schema (only when responses are checked, in tests) is the server's fault, not the sender's: the parent handler names it.
    if (err instanceof ResponseContractError) throw err;
    const integration = req.routeOptions.config.integration ?? 'pagerduty';
    const rejected = (reason: string) => deps.metrics.eventsRejected.inc({ integration, reason });
    if (err instanceof Rejected) {
      rejected(err.reject.reason);
      if (err.reject.headers) reply.headers(err.reject.headers);
      return reply.code(err.reject.status).send(err.reject.body);
    }
    if (err.code === 'FST_ERR_CTP_BODY_TOO_LARGE') {
      rejected('too_large');
      return reply.code(413).send({
        ...invalidEvent([`the body is over the limit of ${deps.bodyLimit} bytes (512 KB)`]),
        message: 'Request body is too large',
      });
    }
    if (typeof err.statusCode === 'number' && err.statusCode >= 400 && err.statusCode < 500) {
      rejected('invalid');
      return reply.code(err.statusCode).send(invalidEvent([err.message]));
    }
    req.log.error({ err }, 'ingest failed');
    rejected('error');
    return reply
      .code(503)
      .send({ status: 'error', message: 'Event not stored; retry', errors: ['the server could not store the event; it was not accepted'] });
  };
}

export async function ingestRoutes(app: FastifyInstance, deps: IngestDeps): Promise<void> {
  const { deployment, inbox, limiter, clock, metrics } = deps;

  // Ingest reads every body as text, whatever its content type: the raw body is kept as evidence,
  // and a sender that forgot `Content-Type: application/json` still gets a useful answer.
  app.removeAllContentTypeParsers();
  app.addContentTypeParser('*', { parseAs: 'string', bodyLimit: deps.bodyLimit }, (_req, body, done) => done(null, body));
  app.setErrorHandler(ingestErrorHandler(deps));

  function resolveKey(key: string, expected: IntegrationType, inPath: boolean): IntegrationRef {
    const ref = deployment.integration(key);
    if (!ref) {
      throw inPath
        ? bad('unknown_key', [`the key in the URL is not an integration key of this server`], 404)
        : bad('unknown_key', [`'routing_key' is not an integration key of this server`]);
    }
    if (ref.type !== expected) {
      const where = ref.type === 'pagerduty' ? 'POST /v2/enqueue' : `POST /integrations/${ref.type}/{key}`;
      throw bad('wrong_type', [
        `'${inPath ? 'key' : 'routing_key'}' belongs to a ${ref.type} integration of service ${ref.service.id}; send its events to ${where}`,
      ]);
    }
    return ref;
  }

  async function accept(
    req: FastifyRequest<{ Body: string }>,
    reply: FastifyReply,
    ref: IntegrationRef,
    kind: 'alert' | 'change',
    actions: IngestAction[],
    answer: Record<string, unknown>,
  ): Promise<FastifyReply> {
    // Each event counts against the key's bucket: one webhook with 1,000 alerts is 1,000 events.
    const retryAfter = limiter.take(ref.key, Math.max(1, actions.length));
    if (retryAfter > 0) {
      throw new Rejected({
        status: 429,
        reason: 'rate_limited',
        headers: { 'retry-after': String(retryAfter) },
        body: {
          status: 'throttle event',
          message: `Too many events for this integration key; retry after ${retryAfter}s`,
          errors: [`rate limit exceeded for this integration key`],
        },
      });
    }
    const type = ref.type;
    const event: IngestEvent = {
      engagementId: ref.engagement.id,
      serviceId: ref.service.id,
      integrationType: type,
      integrationKey: ref.key,
      kind,
      receivedAt: clock.now(),
      requestId: req.id,
      raw: req.body,
      actions,
    };
    await inbox.append(event);
    metrics.eventsAccepted.inc({ integration: type });
    metrics.ingestDuration.observe({ integration: type }, reply.elapsedTime / 1000);
    return reply.code(202).send({ status: 'success', message: 'Event processed', ...answer });
  }

  const { bodyLimit } = deps;
  type KeyRoute = { Body: string; Params: IntegrationKeyParams };

  app.post<{ Body: string }>(
    '/v2/enqueue',
    routeOptions(
      {
        operationId: 'enqueueEvent',
        summary: 'PagerDuty Events API v2: trigger, acknowledge or resolve an alert',
        description: 'Authenticated by the `routing_key` in the body. Read as JSON whatever the content type.',
        body: PagerDutyEvent,
        accepted: EventAccepted,
        keyInPath: false,
        integration: 'pagerduty',
      },
      bodyLimit,
    ),
    async (req, reply) => {
      const parsed = parsePagerDutyAlert(parseJson(req.body));
      if (!parsed.ok) throw bad('invalid', parsed.errors);
      const ref = resolveKey(parsed.value.routingKey, 'pagerduty', false);
      return accept(req, reply, ref, 'alert', [parsed.value.action], { dedup_key: parsed.value.action.dedupKey });
    },
  );

  app.post<{ Body: string }>(
    '/v2/change/enqueue',
    routeOptions(
      {
        operationId: 'enqueueChange',
        summary: 'PagerDuty change event: record a deploy or config change on the service',
        description:
          'Authenticated by the `routing_key` in the body. Change events open no incident; they are listed under GET /api/v1/changes.',
        body: PagerDutyChange,
        accepted: ChangeAccepted,
        keyInPath: false,
        integration: 'pagerduty',
      },
      bodyLimit,
    ),
    async (req, reply) => {
      const parsed = parsePagerDutyChange(parseJson(req.body));
      if (!parsed.ok) throw bad('invalid', parsed.errors);
      const ref = resolveKey(parsed.value.routingKey, 'pagerduty', false);
      return accept(req, reply, ref, 'change', [parsed.value.change], {});
    },
  );

  const alertmanager: IngestRoute = {
    operationId: 'receiveAlertmanagerWebhook',
    summary: 'Alertmanager webhook (payload version 4): one alert per fingerprint',
    description: 'Point an Alertmanager webhook receiver here, with `max_alerts: 1000`. Authenticated by the key in the path.',
    body: AlertmanagerWebhook,
    accepted: AlertsAccepted,
    keyInPath: true,
    integration: 'alertmanager',
  };
  const tooMany = InvalidEvent.describe(
    `The body is over the size limit, or carries more than ${MAX_ALERTS_PER_REQUEST} alerts (\`"code": "TOO_MANY_ALERTS"\`); nothing was stored. Set \`max_alerts: ${MAX_ALERTS_PER_REQUEST}\` on the receiver.`,
  );
  app.post<KeyRoute>(
    '/integrations/alertmanager/:key',
    routeOptions(alertmanager, bodyLimit, { ...ingestErrors(true), 413: tooMany }),
    async (req, reply) => {
      const ref = resolveKey(req.params.key, 'alertmanager', true);
      const body = parseJson(req.body);
      const count = alertCount(body);
      if (count > MAX_ALERTS_PER_REQUEST) {
        throw new Rejected({
          status: 413,
          reason: 'too_many_alerts',
          body: {
            ...invalidEvent([
              `'alerts' has ${count} alerts; one request may carry at most ${MAX_ALERTS_PER_REQUEST} (set max_alerts: ${MAX_ALERTS_PER_REQUEST} on the Alertmanager webhook receiver)`,
            ]),
            code: 'TOO_MANY_ALERTS',
          },
        });
      }
      const parsed = parseAlertmanagerWebhook(body);
      if (!parsed.ok) throw bad('invalid', parsed.errors);
      return accept(req, reply, ref, 'alert', parsed.value, { alerts: parsed.value.length });
    },
  );

  const generic: IngestRoute = {
    operationId: 'enqueueGenericEvent',
    summary: 'Generic JSON event, for scripts, EDR consoles and forms (docs/ingest.md)',
    description: 'Authenticated by the key in the path. Without a dedup_key, the same summary and details are the same alert.',
    body: GenericEvent,
    accepted: EventAccepted,
    keyInPath: true,
    integration: 'generic',
  };
  app.post<KeyRoute>('/integrations/generic/:key', routeOptions(generic, bodyLimit), async (req, reply) => {
    const ref = resolveKey(req.params.key, 'generic', true);
    const parsed = parseGeneric(parseJson(req.body));
    if (!parsed.ok) throw bad('invalid', parsed.errors);
    return accept(req, reply, ref, 'alert', [parsed.value], { dedup_key: parsed.value.dedupKey });
  });
}

declare module 'fastify' {
  interface FastifyContextConfig {
    /** On ingest routes: the integration type, for the metrics of refused events. */
    integration?: IntegrationType;
  }
}
