/**
 * The ingest endpoints: PagerDuty Events API v2, the Alertmanager webhook and
 * generic JSON. Each request is read as text (whatever its content type, so a
 * bare `curl -d` works), checked, rate limited per key, written to the
 * durable inbox, and only then answered 202. Errors use PagerDuty's body:
 * `{"status":"invalid event","message":"Event object is invalid","errors":[...]}`.
 */
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { Clock } from '../clock/clock.js';
import type { Deployment, IntegrationRef } from '../deployment/deployment.js';
import type { IntegrationType } from '../engagement/model.js';
import type { Metrics } from '../telemetry/metrics.js';
import { MAX_ALERTS_PER_REQUEST, alertCount, parseAlertmanagerWebhook } from './alertmanager.js';
import type { IngestAction, IngestEvent } from './event.js';
import { parseGeneric } from './generic.js';
import { normalizeJson } from './json-shape.js';
import type { EventSink } from './inbox.js';
import { parsePagerDutyAlert, parsePagerDutyChange } from './pagerduty.js';
import type { RateLimiter } from './rate-limit.js';

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
export function invalidEvent(errors: string[]): { status: string; message: string; errors: string[] } {
  return { ...INVALID_EVENT, errors };
}

type Reject = { status: number; reason: string; body: Record<string, unknown>; headers?: Record<string, string> };

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

export async function ingestRoutes(app: FastifyInstance, deps: IngestDeps): Promise<void> {
  const { deployment, inbox, limiter, clock, metrics } = deps;

  // Ingest reads every body as text, whatever its content type: the raw body is kept as evidence,
  // and a sender that forgot `Content-Type: application/json` still gets a useful answer.
  app.removeAllContentTypeParsers();
  app.addContentTypeParser('*', { parseAs: 'string', bodyLimit: deps.bodyLimit }, (_req, body, done) => done(null, body));

  function resolveKey(key: string, expected: IntegrationType, inPath: boolean): IntegrationRef {
    const ref = deployment.integration(key);
    if (!ref) {
      throw inPath
        ? bad('unknown_key', [`the key in the URL is not an integration key of this server`], 404)
        : bad('unknown_key', [`'routing_key' is not an integration key of this server`]);
    }
    if (ref.type !== expected) {
      const where = ref.type === 'pagerduty' ? 'POST /v2/enqueue' : `POST /integrations/${ref.type}/{key}`;
      throw bad('wrong_type', [`'${inPath ? 'key' : 'routing_key'}' belongs to a ${ref.type} integration of service ${ref.service.id}; send its events to ${where}`]);
    }
    return ref;
  }

  async function accept(
    req: FastifyRequest,
    reply: FastifyReply,
    type: IntegrationType,
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
        body: { status: 'throttle event', message: `Too many events for this integration key; retry after ${retryAfter}s`, errors: [`rate limit exceeded for this integration key`] },
      });
    }
    const event: IngestEvent = {
      engagementId: ref.engagement.id,
      serviceId: ref.service.id,
      integrationType: type,
      integrationKey: ref.key,
      kind,
      receivedAt: clock.now(),
      requestId: req.id,
      raw: req.body as string,
      actions,
    };
    await inbox.append(event);
    metrics.eventsAccepted.inc({ integration: type });
    metrics.ingestDuration.observe({ integration: type }, reply.elapsedTime / 1000);
    return reply.code(202).send({ status: 'success', message: 'Event processed', ...answer });
  }

  function wrap(type: IntegrationType, handler: (req: FastifyRequest, reply: FastifyReply) => Promise<FastifyReply>) {
    return async (req: FastifyRequest, reply: FastifyReply): Promise<FastifyReply> => {
      try {
        return await handler(req, reply);
      } catch (err) {
        if (!(err instanceof Rejected)) throw err;
        metrics.eventsRejected.inc({ integration: type, reason: err.reject.reason });
        if (err.reject.headers) reply.headers(err.reject.headers);
        return reply.code(err.reject.status).send(err.reject.body);
      }
    };
  }

  const ingestConfig = { config: { ingest: true }, bodyLimit: deps.bodyLimit };

  app.post(
    '/v2/enqueue',
    ingestConfig,
    wrap('pagerduty', async (req, reply) => {
      const parsed = parsePagerDutyAlert(parseJson(req.body));
      if (!parsed.ok) throw bad('invalid', parsed.errors);
      const ref = resolveKey(parsed.value.routingKey, 'pagerduty', false);
      return accept(req, reply, 'pagerduty', ref, 'alert', [parsed.value.action], { dedup_key: parsed.value.action.dedupKey });
    }),
  );

  app.post(
    '/v2/change/enqueue',
    ingestConfig,
    wrap('pagerduty', async (req, reply) => {
      const parsed = parsePagerDutyChange(parseJson(req.body));
      if (!parsed.ok) throw bad('invalid', parsed.errors);
      const ref = resolveKey(parsed.value.routingKey, 'pagerduty', false);
      return accept(req, reply, 'pagerduty', ref, 'change', [parsed.value.change], {});
    }),
  );

  app.post<{ Params: { key: string } }>(
    '/integrations/alertmanager/:key',
    ingestConfig,
    wrap('alertmanager', async (req, reply) => {
      const ref = resolveKey((req.params as { key: string }).key, 'alertmanager', true);
      const body = parseJson(req.body);
      const count = alertCount(body);
      if (count > MAX_ALERTS_PER_REQUEST) {
        throw new Rejected({
          status: 413,
          reason: 'too_many_alerts',
          body: {
            ...invalidEvent([`'alerts' has ${count} alerts; one request may carry at most ${MAX_ALERTS_PER_REQUEST} (set max_alerts: ${MAX_ALERTS_PER_REQUEST} on the Alertmanager webhook receiver)`]),
            code: 'TOO_MANY_ALERTS',
          },
        });
      }
      const parsed = parseAlertmanagerWebhook(body);
      if (!parsed.ok) throw bad('invalid', parsed.errors);
      return accept(req, reply, 'alertmanager', ref, 'alert', parsed.value, { alerts: parsed.value.length });
    }),
  );

  app.post<{ Params: { key: string } }>(
    '/integrations/generic/:key',
    ingestConfig,
    wrap('generic', async (req, reply) => {
      const ref = resolveKey((req.params as { key: string }).key, 'generic', true);
      const parsed = parseGeneric(parseJson(req.body));
      if (!parsed.ok) throw bad('invalid', parsed.errors);
      return accept(req, reply, 'generic', ref, 'alert', [parsed.value], { dedup_key: parsed.value.dedupKey });
    }),
  );
}
