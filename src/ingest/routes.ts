/**
 * The ingest endpoints: PagerDuty Events API v2, the Alertmanager webhook,
 * generic JSON and security events (JSON, NDJSON, CEF and syslog lines,
 * matched against the engagement's Sigma rules: src/security/). Each request is read as text (whatever its content type, so a
 * bare `curl -d` works), checked, rate limited per key, written to the
 * durable inbox, and only then answered 202. Errors use PagerDuty's body:
 * `{"status":"invalid event","message":"Event object is invalid","errors":[...]}`,
 * all of them written by the one error handler of this plugin's scope.
 */
import { createHash, createHmac, timingSafeEqual } from 'node:crypto';
import type { FastifyError, FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { Clock } from '../clock/clock.js';
import type { Deployment, IntegrationRef } from '../deployment/deployment.js';
import type { IntegrationType } from '../engagement/model.js';
import type { Metrics } from '../telemetry/metrics.js';
import { ResponseContractError } from '../server/schema-compilers.js';
import { MAX_ALERTS_PER_REQUEST, alertCount, parseAlertmanagerWebhook } from './alertmanager.js';
import type { AlertAction, IngestAction, IngestEvent, ParseResult } from '../events/event.js';
import { parseGeneric } from './generic.js';
import { receiveSns } from './cloudwatch.js';
import { CLOUDWATCH_SNS } from './cloudwatch-schema.js';
import type { SnsClient } from './sns-client.js';
import type { SnsRefusal } from './sns.js';
import { parseAzureAlert } from './azure.js';
import { parseGcpIncident } from './gcp.js';
import { parseGrafanaWebhook } from './grafana.js';
import { AZURE_WEBHOOK, GCP_WEBHOOK, GRAFANA_WEBHOOK } from './monitor-schemas.js';
import { normalizeJson, storableText } from '../events/json-shape.js';
import type { EventSink } from '../events/inbox.js';
import { parsePagerDutyAlert, parsePagerDutyChange } from './pagerduty.js';
import type { RateLimiter } from './rate-limit.js';
import { parseInbound } from '../ticketing/inbound/parse.js';
import {
  ALERTMANAGER_WEBHOOK,
  GENERIC_EVENT,
  PAGERDUTY_CHANGE,
  PAGERDUTY_EVENT,
  SECURITY_EVENTS,
  TICKETING_WEBHOOK,
  ingestRouteOptions,
} from './schema.js';
import { bodyFormat, parseSecurityBody } from '../security/body.js';
import { detectOn, detectionLevel } from '../security/ingest.js';
import type { IntegrationKeyParams, InvalidEvent } from './schema.js';
import { HEARTBEAT_GET, HEARTBEAT_POST } from './heartbeat-schema.js';
import type { BeatOutcome } from '../heartbeat/beat.js';

export interface IngestDeps {
  readonly deployment: Deployment;
  /** A secret by the environment variable name a ticketing entry gives (its webhooks' signing secret). */
  readonly secret: (name: string) => string | undefined;
  /** Stores a ticketing system's webhook durably, once per dedupe key. */
  readonly ticketInbound: (d: {
    engagementId: string;
    ticketingId: string;
    dedupeKey: string;
    payload: string;
    at: number;
  }) => Promise<'stored' | 'duplicate'>;
  readonly inbox: EventSink;
  readonly limiter: RateLimiter;
  readonly clock: Clock;
  readonly metrics: Metrics;
  readonly bodyLimit: number;
  /** Amazon SNS signing certificates (cached) and subscription confirmations, for cloudwatch integrations. */
  readonly sns: SnsClient;
  /** Records a beat of a heartbeat integration durably (src/heartbeat/beat.ts); undefined if the key is not a heartbeat. */
  readonly heartbeat: (beat: { ref: IntegrationRef; at: number; requestId: string | null }) => Promise<BeatOutcome | undefined>;
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

/** A 429 for a key over its rate. */
function throttled(retryAfter: number): Rejected {
  return new Rejected({
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

/** Whose key it is: an integration of the expected type, or a refusal that says where its events go. */
function resolveKey(deployment: Deployment, key: string, expected: IntegrationType, inPath: boolean): IntegrationRef {
  const ref = deployment.integration(key);
  if (!ref) {
    throw inPath
      ? bad('unknown_key', [`the key in the URL is not an integration key of this server`], 404)
      : bad('unknown_key', [`'routing_key' is not an integration key of this server`]);
  }
  if (ref.type !== expected) {
    const where =
      ref.type === 'pagerduty'
        ? 'POST /v2/enqueue'
        : ref.type === 'email'
          ? 'mail to {key}@any domain, over SMTP (tandem serve --smtp-port)'
          : `POST /integrations/${ref.type}/{key}`;
    throw bad('wrong_type', [
      `'${inPath ? 'key' : 'routing_key'}' belongs to a ${ref.type} integration of service ${ref.service.id}; send its events to ${where}`,
    ]);
  }
  return ref;
}

/** Rate limits the key, writes the event to the durable inbox, and only then answers 202. */
async function accept(
  deps: IngestDeps,
  req: FastifyRequest<{ Body: string }>,
  reply: FastifyReply,
  ref: IntegrationRef,
  kind: 'alert' | 'change',
  actions: IngestAction[],
  answer: Record<string, unknown>,
  /** cost: tokens of the rate limit (default one per action); raw: the body as stored, when it must differ from the one sent. */
  options: { cost?: number; raw?: string } = {},
): Promise<FastifyReply> {
  // Each event counts against the key's bucket: one webhook with 1,000 alerts is 1,000 events.
  const retryAfter = deps.limiter.take(ref.key, options.cost ?? Math.max(1, actions.length));
  if (retryAfter > 0) throw throttled(retryAfter);
  const type = ref.type;
  const event: IngestEvent = {
    engagementId: ref.engagement.id,
    serviceId: ref.service.id,
    integrationType: type,
    integrationKey: ref.key,
    kind,
    receivedAt: deps.clock.now(),
    requestId: req.id,
    raw: options.raw ?? req.body,
    actions,
  };
  await deps.inbox.append(event);
  deps.metrics.eventsAccepted.inc({ integration: type });
  deps.metrics.ingestDuration.observe({ integration: type }, reply.elapsedTime / 1000);
  return reply.code(202).send({ status: 'success', message: 'Event processed', ...answer });
}

/**
 * A ticketing system's webhook: the entry by its inbound key, the body read in
 * its system's format, and the change stored once per delivery (Jira's
 * X-Atlassian-Webhook-Identifier, else a digest of the body) before the 202.
 */
async function acceptTicketWebhook(deps: IngestDeps, req: FastifyRequest<KeyRoute>, reply: FastifyReply): Promise<FastifyReply> {
  const target = deps.deployment.ticketingInbound(req.params.key);
  if (!target) throw bad('unknown_key', ['the key in the URL is not the inbound key of a ticketing entry of this server'], 404);
  const retryAfter = deps.limiter.take(req.params.key, 1);
  if (retryAfter > 0) throw throttled(retryAfter);
  if (target.entry.inboundSecretEnv !== undefined) {
    const refused = checkSignature(deps.secret(target.entry.inboundSecretEnv) ?? '', req.headers['x-hub-signature'], req.body);
    if (refused !== null) throw bad('bad_signature', [refused], 401);
  }
  const parsed = parseInbound(target.entry.system, parseJson(req.body));
  if (!parsed.ok) throw bad('invalid', parsed.errors);
  if (parsed.kind === 'ignored') return reply.code(200).send({ status: 'ignored', message: parsed.reason });
  const stored = await deps.ticketInbound({
    engagementId: target.engagement.id,
    ticketingId: target.entry.id,
    dedupeKey: deliveryKey(req.headers['x-atlassian-webhook-identifier'], req.body),
    payload: JSON.stringify(parsed.change),
    at: deps.clock.now(),
  });
  deps.metrics.eventsAccepted.inc({ integration: 'ticketing' });
  if (stored === 'duplicate')
    return reply.code(200).send({ status: 'duplicate', message: 'This delivery was accepted before; it acts once.' });
  return reply.code(202).send({ status: 'accepted', message: `Stored; ${target.entry.id} applies it to the incident next.` });
}

/**
 * Why a signed webhook is refused, or null: `X-Hub-Signature: sha256=<HMAC-SHA256
 * of the body>`, hex (Jira) or base64 (ServiceNow's generateMac), compared in constant time.
 */
export function checkSignature(secret: string, header: string | string[] | undefined, body: string): string | null {
  const value = Array.isArray(header) ? header[0] : header;
  if (value === undefined || value.trim() === '')
    return "'X-Hub-Signature' is required: this entry's webhooks are signed (inbound_secret_env)";
  const m = /^sha256=([0-9a-fA-F]{64}|[A-Za-z0-9+/]{43}=)$/.exec(value.trim());
  if (m === null) return "'X-Hub-Signature' must be sha256=<the HMAC-SHA256 of the body, hex or base64>";
  const given = Buffer.from(m[1] ?? '', (m[1] ?? '').length === 64 ? 'hex' : 'base64');
  const expected = createHmac('sha256', secret).update(body).digest();
  if (secret === '' || given.length !== expected.length || !timingSafeEqual(given, expected))
    return "'X-Hub-Signature' does not match the body: check the secret set in the system and in inbound_secret_env";
  return null;
}

/** The key that makes a second delivery of the same webhook a duplicate. */
function deliveryKey(identifier: string | string[] | undefined, body: string): string {
  const id = Array.isArray(identifier) ? identifier[0] : identifier;
  if (id !== undefined && id.trim() !== '' && id.length <= 200) return `jira:${id.trim()}`;
  return `sha256:${createHash('sha256').update(body).digest('hex')}`;
}

/**
 * A heartbeat's beat: any POST or GET to its key (the body, if any, is not
 * read beyond the size limit). Rate limited like every key, on disk before
 * the 202, which says when silence would open an incident.
 */
async function acceptBeat(deps: IngestDeps, req: FastifyRequest<KeyRoute>, reply: FastifyReply): Promise<FastifyReply> {
  const ref = resolveKey(deps.deployment, req.params.key, 'heartbeat', true);
  const retryAfter = deps.limiter.take(ref.key, 1);
  if (retryAfter > 0) throw throttled(retryAfter);
  const beat = await deps.heartbeat({ ref, at: deps.clock.now(), requestId: req.id });
  if (beat === undefined) throw bad('wrong_type', ["the key's heartbeat integration has no 'every'"]);
  deps.metrics.eventsAccepted.inc({ integration: 'heartbeat' });
  return reply.code(202).send({
    status: 'success',
    message: 'Beat recorded',
    due_at: new Date(beat.dueAt).toISOString(),
    every: beat.config.every.text,
    grace: beat.config.grace.text,
    resolved: beat.resolved,
  });
}

/**
 * The actions of a body of Alertmanager-style alerts (Alertmanager's webhook,
 * Grafana's): a body over the per-request cap is refused whole with 413
 * TOO_MANY_ALERTS (hint: how the sender keeps under it), a bad one with 400.
 */
function alertList(body: unknown, hint: string, parse: (body: unknown) => ParseResult<AlertAction[]>): AlertAction[] {
  const count = alertCount(body);
  if (count > MAX_ALERTS_PER_REQUEST) {
    throw new Rejected({
      status: 413,
      reason: 'too_many_alerts',
      body: {
        ...invalidEvent([`'alerts' has ${count} alerts; one request may carry at most ${MAX_ALERTS_PER_REQUEST} (${hint})`]),
        code: 'TOO_MANY_ALERTS',
      },
    });
  }
  const parsed = parse(body);
  if (!parsed.ok) throw bad('invalid', parsed.errors);
  return parsed.value;
}

type BodyRoute = { Body: string };
type KeyRoute = { Body: string; Params: IntegrationKeyParams };

/** The handlers: parse the body in its format, resolve the key, accept. */
function handlers(deps: IngestDeps) {
  const { deployment } = deps;
  return {
    async pagerDutyEvent(req: FastifyRequest<BodyRoute>, reply: FastifyReply): Promise<FastifyReply> {
      const parsed = parsePagerDutyAlert(parseJson(req.body));
      if (!parsed.ok) throw bad('invalid', parsed.errors);
      const ref = resolveKey(deployment, parsed.value.routingKey, 'pagerduty', false);
      return accept(deps, req, reply, ref, 'alert', [parsed.value.action], { dedup_key: parsed.value.action.dedupKey });
    },
    async pagerDutyChange(req: FastifyRequest<BodyRoute>, reply: FastifyReply): Promise<FastifyReply> {
      const parsed = parsePagerDutyChange(parseJson(req.body));
      if (!parsed.ok) throw bad('invalid', parsed.errors);
      const ref = resolveKey(deployment, parsed.value.routingKey, 'pagerduty', false);
      return accept(deps, req, reply, ref, 'change', [parsed.value.change], {});
    },
    async alertmanager(req: FastifyRequest<KeyRoute>, reply: FastifyReply): Promise<FastifyReply> {
      const ref = resolveKey(deployment, req.params.key, 'alertmanager', true);
      const hint = `set max_alerts: ${MAX_ALERTS_PER_REQUEST} on the Alertmanager webhook receiver`;
      const actions = alertList(parseJson(req.body), hint, parseAlertmanagerWebhook);
      return accept(deps, req, reply, ref, 'alert', actions, { alerts: actions.length });
    },
    async grafana(req: FastifyRequest<KeyRoute>, reply: FastifyReply): Promise<FastifyReply> {
      const ref = resolveKey(deployment, req.params.key, 'grafana', true);
      const hint = `set Max Alerts to ${MAX_ALERTS_PER_REQUEST} in the webhook contact point's optional settings`;
      const actions = alertList(parseJson(req.body), hint, parseGrafanaWebhook);
      return accept(deps, req, reply, ref, 'alert', actions, { alerts: actions.length });
    },
    async azure(req: FastifyRequest<KeyRoute>, reply: FastifyReply): Promise<FastifyReply> {
      const ref = resolveKey(deployment, req.params.key, 'azure', true);
      const parsed = parseAzureAlert(parseJson(req.body));
      if (!parsed.ok) throw bad('invalid', parsed.errors);
      return accept(deps, req, reply, ref, 'alert', [parsed.value], { dedup_key: parsed.value.dedupKey });
    },
    async gcp(req: FastifyRequest<KeyRoute>, reply: FastifyReply): Promise<FastifyReply> {
      const ref = resolveKey(deployment, req.params.key, 'gcp', true);
      const parsed = parseGcpIncident(parseJson(req.body));
      if (!parsed.ok) throw bad('invalid', parsed.errors);
      return accept(deps, req, reply, ref, 'alert', [parsed.value], { dedup_key: parsed.value.dedupKey });
    },
    async ticketing(req: FastifyRequest<KeyRoute>, reply: FastifyReply): Promise<FastifyReply> {
      return acceptTicketWebhook(deps, req, reply);
    },
    async security(req: FastifyRequest<KeyRoute>, reply: FastifyReply): Promise<FastifyReply> {
      const ref = resolveKey(deployment, req.params.key, 'security', true);
      const body = typeof req.body === 'string' ? req.body : '';
      const parsed = parseSecurityBody(body, bodyFormat(req.headers['content-type'], body));
      if (!parsed.ok && parsed.tooMany !== undefined)
        throw new Rejected({ status: 413, reason: 'too_many_events', body: { ...invalidEvent(parsed.errors), code: 'TOO_MANY_EVENTS' } });
      if (!parsed.ok) throw bad('invalid', parsed.errors);
      const batch = detectOn(ref, parsed.events);
      const answer = { events: batch.events, detections: batch.actions.length };
      // A text body may hold a NUL or a lone surrogate (JSON cannot): stored as the parsers read it.
      const replied = await accept(deps, req, reply, ref, 'alert', batch.actions, answer, { cost: batch.events, raw: storableText(body) });
      deps.metrics.securityEvents.inc({ source: 'http' }, batch.events);
      for (const a of batch.actions) deps.metrics.securityDetections.inc({ level: detectionLevel(a) });
      return replied;
    },
    async generic(req: FastifyRequest<KeyRoute>, reply: FastifyReply): Promise<FastifyReply> {
      const ref = resolveKey(deployment, req.params.key, 'generic', true);
      const parsed = parseGeneric(parseJson(req.body));
      if (!parsed.ok) throw bad('invalid', parsed.errors);
      return accept(deps, req, reply, ref, 'alert', [parsed.value], { dedup_key: parsed.value.dedupKey });
    },
    async cloudwatch(req: FastifyRequest<KeyRoute>, reply: FastifyReply): Promise<FastifyReply> {
      const ref = resolveKey(deployment, req.params.key, 'cloudwatch', true);
      // One token before anything is fetched for the message, so a flood of forged messages costs no more fetches than the rate allows.
      const retryAfter = deps.limiter.take(ref.key, 1);
      if (retryAfter > 0) throw throttled(retryAfter);
      const header = req.headers['x-amz-sns-message-type'];
      const outcome = await receiveSns(deps.sns, parseJson(req.body), Array.isArray(header) ? header[0] : header, ref.snsCertHosts);
      switch (outcome.kind) {
        case 'refused':
          throw snsRefused(outcome.refusal);
        case 'confirmed':
          req.log.info({ topic: outcome.topicArn, service: ref.service.id }, 'Amazon SNS subscription confirmed');
          return reply.code(200).send({ status: 'confirmed', message: `Subscribed to ${outcome.topicArn}` });
        case 'unsubscribed':
          req.log.info({ topic: outcome.topicArn, service: ref.service.id }, 'Amazon SNS unsubscribe confirmed');
          return reply.code(200).send({ status: 'unsubscribed', message: `Unsubscribed from ${outcome.topicArn}; nothing was stored` });
        case 'notification': {
          const n = outcome.notification;
          const action = n.actions[0]?.action ?? 'none';
          const answer = { dedup_key: n.dedupKey, action, ...(n.state === undefined ? {} : { state: n.state }) };
          return accept(deps, req, reply, ref, 'alert', n.actions, answer, { cost: 0 });
        }
      }
    },
  };
}

/** An SNS message refused: its code and field beside PagerDuty's error body (the 503s in the not-stored body, which SNS retries). */
function snsRefused(r: SnsRefusal): Rejected {
  const extra = { code: r.code, field: r.field };
  const body =
    r.status === 503
      ? { status: 'error', message: 'Event not stored; retry', errors: [...r.errors], ...extra }
      : { ...invalidEvent([...r.errors]), ...extra };
  return new Rejected({ status: r.status, reason: r.code.toLowerCase(), body });
}

export async function ingestRoutes(app: FastifyInstance, deps: IngestDeps): Promise<void> {
  // Ingest reads every body as text, whatever its content type: the raw body is kept as evidence,
  // and a sender that forgot `Content-Type: application/json` still gets a useful answer.
  app.removeAllContentTypeParsers();
  app.addContentTypeParser('*', { parseAs: 'string', bodyLimit: deps.bodyLimit }, (_req, body, done) => done(null, body));
  app.setErrorHandler(ingestErrorHandler(deps));

  const handle = handlers(deps);
  app.post<BodyRoute>('/v2/enqueue', ingestRouteOptions(PAGERDUTY_EVENT, deps.bodyLimit), handle.pagerDutyEvent);
  app.post<BodyRoute>('/v2/change/enqueue', ingestRouteOptions(PAGERDUTY_CHANGE, deps.bodyLimit), handle.pagerDutyChange);
  app.post<KeyRoute>('/integrations/alertmanager/:key', ingestRouteOptions(ALERTMANAGER_WEBHOOK, deps.bodyLimit), handle.alertmanager);
  app.post<KeyRoute>('/integrations/generic/:key', ingestRouteOptions(GENERIC_EVENT, deps.bodyLimit), handle.generic);
  app.post<KeyRoute>('/integrations/cloudwatch/:key', ingestRouteOptions(CLOUDWATCH_SNS, deps.bodyLimit), handle.cloudwatch);
  app.post<KeyRoute>('/integrations/azure/:key', ingestRouteOptions(AZURE_WEBHOOK, deps.bodyLimit), handle.azure);
  app.post<KeyRoute>('/integrations/gcp/:key', ingestRouteOptions(GCP_WEBHOOK, deps.bodyLimit), handle.gcp);
  app.post<KeyRoute>('/integrations/grafana/:key', ingestRouteOptions(GRAFANA_WEBHOOK, deps.bodyLimit), handle.grafana);
  app.post<KeyRoute>('/integrations/security/:key', ingestRouteOptions(SECURITY_EVENTS, deps.bodyLimit), handle.security);
  app.post<KeyRoute>('/integrations/ticketing/:key', ingestRouteOptions(TICKETING_WEBHOOK, deps.bodyLimit), handle.ticketing);
  const beat = (req: FastifyRequest<KeyRoute>, reply: FastifyReply) => acceptBeat(deps, req, reply);
  app.post<KeyRoute>('/integrations/heartbeat/:key', ingestRouteOptions(HEARTBEAT_POST, deps.bodyLimit), beat);
  // No automatic HEAD: a probe's HEAD is not a beat. It, a PUT or a DELETE gets the server's 405 with `Allow: POST, GET`.
  app.get<KeyRoute>('/integrations/heartbeat/:key', { ...ingestRouteOptions(HEARTBEAT_GET, deps.bodyLimit), exposeHeadRoute: false }, beat);
}

declare module 'fastify' {
  interface FastifyContextConfig {
    /** On ingest routes: the integration type (or `ticketing`), for the metrics of refused events. */
    integration?: IntegrationType | 'ticketing';
  }
}
