/**
 * /api/v1/events: the event pipeline as admins see it. Events that could not
 * be applied are quarantined (src/events/apply.ts); here admins list
 * them with their error and the body as received, and put them back in the
 * queue once the cause is fixed. The backlog figures are the same as the
 * /metrics gauges, scoped to the token's engagements where they can be.
 */
import type { FastifyInstance } from 'fastify';
import type { Clock } from '../clock/clock.js';
import type { Database } from '../db/connect.js';
import { TandemError } from '../errors/catalog.js';
import { eventBacklog, listQuarantined, retryQuarantined, waitingAgeSeconds } from '../events/store.js';
import type { QuarantinedEvent } from '../events/store.js';
import { principalOf, requireRole, scopeEngagements } from './auth.js';
import { cursorParam, encodeCursor, intParam, listParam, objectBody } from './params.js';
import { iso } from './presenters.js';

export interface EventRoutesDeps {
  readonly database: Database;
  readonly clock: Clock;
  /** Wakes the engine after events are put back in the queue. */
  readonly kick: () => void;
}

type Q = Record<string, unknown>;

export function presentQuarantined(e: QuarantinedEvent): Record<string, unknown> {
  return {
    id: e.id,
    engagement: e.engagement_id,
    service: e.service_id,
    integration: e.integration_type,
    kind: e.kind,
    received_at: iso(e.received_at),
    request_id: e.request_id,
    quarantined_at: iso(e.quarantined_at),
    error: e.apply_error,
    raw: e.raw,
    raw_truncated: e.raw_length > e.raw.length,
  };
}

export async function eventRoutes(app: FastifyInstance, deps: EventRoutesDeps): Promise<void> {
  const db = deps.database.db;

  app.get('/events/quarantined', async (req) => {
    const p = principalOf(req);
    requireRole(p, 'admin');
    const q = req.query as Q;
    const scope = scopeEngagements(p, listParam(q, 'engagement'));
    const limit = intParam(q, 'limit', 50, 1, 200);
    const before = cursorParam(q);
    const rows = await listQuarantined(db, scope, { limit: limit + 1, ...(before === undefined ? {} : { before }) });
    const page = rows.slice(0, limit);
    const last = page[page.length - 1];
    return { events: page.map(presentQuarantined), next_cursor: rows.length > limit && last ? encodeCursor(last.id) : null };
  });

  app.get('/events/backlog', async (req) => {
    const p = principalOf(req);
    requireRole(p, 'admin');
    const b = await eventBacklog(db, scopeEngagements(p, listParam(req.query as Q, 'engagement')));
    const now = deps.clock.now();
    return {
      waiting: b.waiting,
      oldest_waiting_at: b.oldestReceivedAt === null ? null : iso(b.oldestReceivedAt),
      oldest_waiting_age_seconds: waitingAgeSeconds(b.oldestReceivedAt, now),
      quarantined: b.quarantined,
    };
  });

  /** Puts quarantined events back in the queue: `{"ids":[...]}`, or `{"all":true}` for every one in scope. */
  app.post('/events/quarantined/retry', async (req) => {
    const p = principalOf(req);
    requireRole(p, 'admin');
    const body = objectBody(req.body);
    const scope = scopeEngagements(p, listParam(req.query as Q, 'engagement'));
    const ids = body['ids'];
    let selected: number[] | undefined;
    if (ids !== undefined) {
      if (!Array.isArray(ids) || ids.length === 0 || ids.length > 1000 || !ids.every((id) => Number.isSafeInteger(id) && (id as number) > 0)) {
        throw new TandemError('INVALID_BODY', 'ids must be a list of 1 to 1000 event ids (positive integers)', 'ids');
      }
      selected = ids as number[];
    } else if (body['all'] !== true) {
      throw new TandemError('INVALID_BODY', 'send {"ids":[...]} to retry some events or {"all":true} to retry every quarantined event you can see', 'ids');
    }
    const retried = await retryQuarantined(db, { engagementIds: scope, ...(selected ? { ids: selected } : {}) });
    if (retried.length > 0) deps.kick();
    const missing = selected ? selected.filter((id) => !retried.includes(id)) : [];
    return { retried, not_quarantined: missing };
  });
}
