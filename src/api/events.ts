/**
 * /api/v1/events: the event pipeline as admins see it. Events that could not
 * be applied are quarantined (src/events/apply.ts); here admins list
 * them with their error and the body as received, and put them back in the
 * queue once the cause is fixed. The backlog figures are the same as the
 * /metrics gauges, scoped to the token's engagements where they can be.
 * The contract is src/api/schema/events.ts.
 */
import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import type { Clock } from '../clock/clock.js';
import type { Database } from '../db/connect.js';
import { TandemError } from '../errors/catalog.js';
import { eventBacklog, listQuarantined, retryQuarantined, waitingAgeSeconds } from '../events/store.js';
import type { QuarantinedEvent as QuarantinedRow } from '../events/store.js';
import { principalOf, requireRole, scopeEngagements } from './auth.js';
import { isoInstant, storedEnum } from './presenters.js';
import { AUTH_ERRORS, encodeCursor, errorResponses } from './schema/common.js';
import { ScopeQuery } from './schema/engagements.js';
import { Backlog, EVENT_KINDS, INTEGRATION_TYPES, QuarantinedList, QuarantinedQuery, RetryBody, RetryResult } from './schema/events.js';
import type { QuarantinedEvent } from './schema/events.js';

export interface EventRoutesDeps {
  readonly database: Database;
  readonly clock: Clock;
  /** Wakes the engine after events are put back in the queue. */
  readonly kick: () => void;
}

export function presentQuarantined(e: QuarantinedRow): QuarantinedEvent {
  return {
    id: e.id,
    engagement: e.engagement_id,
    service: e.service_id,
    integration: storedEnum(INTEGRATION_TYPES, e.integration_type, 'events.integration_type'),
    kind: storedEnum(EVENT_KINDS, e.kind, 'events.kind'),
    received_at: isoInstant(e.received_at),
    request_id: e.request_id,
    quarantined_at: isoInstant(e.quarantined_at),
    error: e.apply_error,
    raw: e.raw,
    raw_truncated: e.raw_length > e.raw.length,
  };
}

const meta = (operationId: string, summary: string, description?: string) => ({
  operationId,
  summary,
  ...(description ? { description } : {}),
  tags: ['events' as const],
});
const errors = errorResponses(...AUTH_ERRORS, 403, 404);

/** Every route here is for admins, checked before the query and body are read: a token that is not admin is 403 whatever it sent. */
const adminOnly = async (req: FastifyRequest) => requireRole(principalOf(req), 'admin');

/** The operations: their documentation, parameters and answers (src/api/schema/events.ts). */
const routes = {
  quarantined: {
    schema: {
      ...meta(
        'listQuarantinedEvents',
        'Quarantined events: accepted, but they could not be applied even alone (admin)',
        'Newest first. Each was set aside with its error so the events after it could go on; `raw` is the body as received (its first 4,096 characters).',
      ),
      querystring: QuarantinedQuery,
      response: { 200: QuarantinedList, ...errors },
    },
    preValidation: adminOnly,
  },
  backlog: {
    schema: {
      ...meta('getEventBacklog', 'Events waiting to be applied and quarantined, in the engagements this token can see (admin)'),
      querystring: ScopeQuery,
      response: { 200: Backlog, ...errors },
    },
    preValidation: adminOnly,
  },
  retry: {
    schema: {
      ...meta(
        'retryQuarantinedEvents',
        'Put quarantined events back in the queue (admin)',
        'Send `{"ids":[...]}` or `{"all":true}`. The engine applies them at once; one that fails again is quarantined again with its new error. `not_quarantined` lists the ids asked for that were not quarantined in the engagements this token can see.',
      ),
      querystring: ScopeQuery,
      body: RetryBody,
      response: { 200: RetryResult, ...errors },
    },
    preValidation: adminOnly,
  },
};

export async function eventRoutes(scope: FastifyInstance, deps: EventRoutesDeps): Promise<void> {
  const db = deps.database.db;
  const app = scope.withTypeProvider<ZodTypeProvider>();

  app.get('/events/quarantined', routes.quarantined, async (req) => {
    const { limit, cursor } = req.query;
    const engagements = scopeEngagements(principalOf(req), req.query.engagement);
    const rows = await listQuarantined(db, engagements, { limit: limit + 1, ...(cursor === undefined ? {} : { before: cursor }) });
    const page = rows.slice(0, limit);
    const last = page[page.length - 1];
    return { events: page.map(presentQuarantined), next_cursor: rows.length > limit && last ? encodeCursor(last.id) : null };
  });

  app.get('/events/backlog', routes.backlog, async (req) => {
    const b = await eventBacklog(db, scopeEngagements(principalOf(req), req.query.engagement));
    return {
      waiting: b.waiting,
      oldest_waiting_at: b.oldestReceivedAt === null ? null : isoInstant(b.oldestReceivedAt),
      oldest_waiting_age_seconds: waitingAgeSeconds(b.oldestReceivedAt, deps.clock.now()),
      quarantined: b.quarantined,
    };
  });

  app.post('/events/quarantined/retry', routes.retry, async (req) => {
    const engagements = scopeEngagements(principalOf(req), req.query.engagement);
    const { ids, all } = req.body;
    if (ids === undefined && all !== true) {
      throw new TandemError(
        'INVALID_BODY',
        'send {"ids":[...]} to retry some events or {"all":true} to retry every quarantined event you can see',
        'ids',
      );
    }
    const retried = await retryQuarantined(db, { engagementIds: engagements, ...(ids ? { ids } : {}) });
    if (retried.length > 0) deps.kick();
    return { retried, not_quarantined: ids ? ids.filter((id) => !retried.includes(id)) : [] };
  });
}
