/**
 * /api/v1/maintenance-windows and /api/v1/silences: planned work and ad-hoc
 * silences made by admins (src/maintenance/). During one, incidents still
 * open but page nobody and start no SLA clock; when it ends (or is ended
 * early here) those still open start paging. Every token lists those of its
 * engagements; only admins create and end them. Each has its own timeline
 * with reason and author.
 */
import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import type { Clock } from '../clock/clock.js';
import type { Database } from '../db/connect.js';
import type { Deployment } from '../deployment/deployment.js';
import type { Engagement } from '../engagement/model.js';
import { lookup } from '../engagement/model.js';
import { TandemError } from '../errors/catalog.js';
import { actorRef } from '../incident/actor.js';
import type { Matcher } from '../maintenance/silences.js';
import { checkMatchers } from '../maintenance/silences.js';
import type { LogEntry, StoredWindow } from '../maintenance/store.js';
import { appendLog, effectiveEnd, endWindow, getWindow, insertWindow, listWindows, logsOf, makeHoldsDue } from '../maintenance/store.js';
import { fileWindowsBetween } from '../maintenance/windows.js';
import { parseIsoInstant } from '../time/iso.js';
import { actorOf, principalOf, requireRole, scopeEngagements, visibleEngagement } from './auth.js';
import { isoInstant } from './presenters.js';
import { AUTH_ERRORS, errorResponses } from './schema/common.js';
import {
  MAX_MAINTENANCE_MS,
  MaintenanceEndBody,
  MaintenanceParams,
  MaintenanceQuery,
  MaintenanceWindowCreate,
  MaintenanceWindowList,
  MaintenanceWindowResponse,
  SilenceCreate,
  SilenceList,
  SilenceResponse,
} from './schema/maintenance.js';

export interface MaintenanceDeps {
  readonly database: Database;
  readonly deployment: Deployment;
  readonly clock: Clock;
  /** Wakes the engine: ending a window early releases its incidents at once. */
  readonly kick: () => void;
}

/** How far back lists reach for ended and expired windows, and ahead for the file's. */
const LISTED_PAST_MS = 30 * 86_400_000;
const FILE_AHEAD_MS = 14 * 86_400_000;
const LISTED_MAX = 500;

const meta = (operationId: string, summary: string, description: string) => ({
  operationId,
  summary,
  description,
  tags: ['maintenance' as const],
});
const adminOnly = async (req: FastifyRequest) => requireRole(principalOf(req), 'admin');

const routes = {
  listWindows: {
    schema: {
      ...meta(
        'listMaintenanceWindows',
        'Maintenance windows: made through the API, and the engagement file’s coming up',
        "Any token, for its engagements. API windows not ended, or ended in the last 30 days, each with its own timeline; the file's windows (occurrences of recurring ones) in force now or starting in the next 14 days.",
      ),
      querystring: MaintenanceQuery,
      response: { 200: MaintenanceWindowList, ...errorResponses(...AUTH_ERRORS, 404) },
    },
  },
  createWindow: {
    schema: {
      ...meta(
        'createMaintenanceWindow',
        'Create a maintenance window (admin)',
        'Incidents of the services that open from `from` until `to` page nobody and start no SLA clock; at `to` those still open start paging (the first tier at once, later tiers and SLA targets counted from then). Incidents already open are not affected. 400 naming the field: an unknown service, `to` not after `from` or in the past, longer than 366 days.',
      ),
      body: MaintenanceWindowCreate,
      response: { 201: MaintenanceWindowResponse, ...errorResponses(...AUTH_ERRORS, 403, 404) },
    },
    preValidation: adminOnly,
  },
  endWindow: {
    schema: {
      ...meta(
        'endMaintenanceWindow',
        'End a maintenance window early (admin)',
        'Incidents it holds that are still open start paging at once. A no-op on a window that already ended or expired.',
      ),
      params: MaintenanceParams,
      body: MaintenanceEndBody.nullish(),
      response: { 200: MaintenanceWindowResponse, ...errorResponses(...AUTH_ERRORS, 403, 404) },
    },
    preValidation: adminOnly,
  },
  listSilences: {
    schema: {
      ...meta(
        'listSilences',
        'Silences',
        'Any token, for its engagements: not ended, or ended in the last 30 days, each with its own timeline.',
      ),
      querystring: MaintenanceQuery,
      response: { 200: SilenceList, ...errorResponses(...AUTH_ERRORS, 404) },
    },
  },
  createSilence: {
    schema: {
      ...meta(
        'createSilence',
        'Create a silence (admin)',
        "Alertmanager-style matchers over an alert's fields and labels (docs/maintenance.md): an incident whose alert they all match, opening between `starts_at` and `ends_at`, pages nobody and starts no SLA clock until the silence expires or is ended. 400 naming the field: a bad regular expression, matchers that would match every alert, `ends_at` not after `starts_at` or in the past.",
      ),
      body: SilenceCreate,
      response: { 201: SilenceResponse, ...errorResponses(...AUTH_ERRORS, 403, 404) },
    },
    preValidation: adminOnly,
  },
  endSilence: {
    schema: {
      ...meta(
        'endSilence',
        'End a silence early (admin)',
        'Incidents it holds that are still open start paging at once. A no-op on a silence that already ended or expired.',
      ),
      params: MaintenanceParams,
      body: MaintenanceEndBody.nullish(),
      response: { 200: SilenceResponse, ...errorResponses(...AUTH_ERRORS, 403, 404) },
    },
    preValidation: adminOnly,
  },
};

/** An instant from the body, or 400 naming the field. */
function instant(text: string | undefined, field: string, fallback: number): number {
  if (text === undefined) return fallback;
  const t = /(Z|z|[+-]\d{2}(:?\d{2})?)$/.test(text) ? parseIsoInstant(text) : undefined;
  if (t === undefined)
    throw new TandemError(
      'INVALID_BODY',
      `"${text.slice(0, 64)}" is not an ISO 8601 instant with Z or an offset, e.g. 2026-12-06T01:00:00+01:00`,
      field,
    );
  return t;
}

/** Checks a span: `to` after `from`, in the future, at most a year. */
function checkSpan(from: number, to: number, now: number, fields: readonly [string, string]): void {
  const [fromField, toField] = fields;
  if (to <= from) throw new TandemError('INVALID_BODY', `must be after ${fromField} (${isoInstant(from)})`, toField);
  if (to <= now) throw new TandemError('INVALID_BODY', `must be in the future (now is ${isoInstant(now)})`, toField);
  if (to - from > MAX_MAINTENANCE_MS)
    throw new TandemError('INVALID_BODY', 'is more than 366 days after the start; a longer window belongs in the engagement file', toField);
}

function stateOf(w: StoredWindow, now: number): 'scheduled' | 'active' | 'ended' | 'expired' {
  if (w.endedAt !== null && w.endedAt < w.endsAt) return 'ended';
  if (w.endsAt <= now) return 'expired';
  return w.startsAt > now ? 'scheduled' : 'active';
}

function presentLog(entries: readonly LogEntry[] | undefined) {
  return (entries ?? []).map((e) => ({ at: isoInstant(e.at), kind: e.kind, actor: e.actor, reason: e.reason }));
}

function presentCommon(w: StoredWindow, log: readonly LogEntry[] | undefined, now: number) {
  return {
    id: w.id,
    engagement: w.engagementId,
    reason: w.reason,
    state: stateOf(w, now),
    created_by: w.createdBy,
    created_at: isoInstant(w.createdAt),
    ended_at: w.endedAt === null ? null : isoInstant(w.endedAt),
    ended_by: w.endedBy,
    timeline: presentLog(log),
  };
}

function presentWindow(w: StoredWindow, log: readonly LogEntry[] | undefined, now: number) {
  return { ...presentCommon(w, log, now), services: [...w.services], from: isoInstant(w.startsAt), to: isoInstant(effectiveEnd(w)) };
}

function presentSilence(w: StoredWindow, log: readonly LogEntry[] | undefined, now: number) {
  return {
    ...presentCommon(w, log, now),
    matchers: w.matchers.map((m) => ({ ...m })),
    starts_at: isoInstant(w.startsAt),
    ends_at: isoInstant(effectiveEnd(w)),
  };
}

/** The services as the engagement names them; 400 naming the first unknown one. */
function servicesOf(engagement: Engagement, given: readonly string[]): string[] {
  const out: string[] = [];
  given.forEach((id, i) => {
    if (lookup(engagement).service(id) === undefined)
      throw new TandemError(
        'INVALID_BODY',
        `"${id.slice(0, 200)}" is not a service of engagement "${engagement.id}"; services: ${engagement.services.map((s) => s.id).join(', ')}`,
        `services[${i}]`,
      );
    if (!out.includes(id)) out.push(id);
  });
  return out;
}

export async function maintenanceRoutes(scope: FastifyInstance, deps: MaintenanceDeps): Promise<void> {
  const { database, deployment, clock } = deps;
  const db = database.db;
  const app = scope.withTypeProvider<ZodTypeProvider>();

  async function list(req: FastifyRequest, engagements: readonly string[] | undefined, kind: 'window' | 'silence', now: number) {
    const ids = scopeEngagements(principalOf(req), engagements);
    const windows: StoredWindow[] = [];
    for (const id of ids) windows.push(...(await listWindows(db, id, { kind, since: now - LISTED_PAST_MS, limit: LISTED_MAX })));
    windows.sort((a, b) => a.startsAt - b.startsAt || a.id - b.id);
    const shown = windows.slice(0, LISTED_MAX);
    return {
      ids,
      shown,
      logs: await logsOf(
        db,
        shown.map((w) => w.id),
      ),
    };
  }

  /** A window or silence of the token's engagements, or 404. */
  async function load(req: FastifyRequest, id: number, kind: 'window' | 'silence'): Promise<{ w: StoredWindow; engagement: Engagement }> {
    const w = await getWindow(db, principalOf(req).engagements, id);
    const engagement = w === undefined ? undefined : deployment.engagement(w.engagementId);
    if (w === undefined || w.kind !== kind || engagement === undefined)
      throw new TandemError('NOT_FOUND', `${kind === 'window' ? 'maintenance window' : 'silence'} ${id} not found`, 'id');
    return { w, engagement };
  }

  async function reread(req: FastifyRequest, id: number, kind: 'window' | 'silence') {
    const { w } = await load(req, id, kind);
    return { w, log: (await logsOf(db, [w.id])).get(w.id) };
  }

  /** Ends a window or silence early: its own timeline says so, and the engagement's held incidents are looked at again now. */
  async function end(req: FastifyRequest, id: number, kind: 'window' | 'silence', reason: string | undefined) {
    const { w, engagement } = await load(req, id, kind);
    const at = clock.now();
    const author = actorRef(actorOf(principalOf(req), engagement));
    const ended = await db.transaction().execute(async (trx) => {
      if (!(await endWindow(trx, w.id, at, author))) return false;
      await appendLog(trx, w.engagementId, [{ windowId: w.id, at, kind: 'ended', actor: author, reason: reason?.trim() ?? 'ended early' }]);
      await makeHoldsDue(trx, w.engagementId, at);
      return true;
    });
    if (ended) deps.kick();
    return reread(req, id, kind);
  }

  app.get('/maintenance-windows', routes.listWindows, async (req) => {
    const now = clock.now();
    const { ids, shown, logs } = await list(req, req.query.engagement, 'window', now);
    const file = ids.flatMap((id) => {
      const e = deployment.engagement(id);
      return e === undefined
        ? []
        : fileWindowsBetween(e, now, now + FILE_AHEAD_MS).map((o) => ({
            engagement: id,
            services: [...o.services],
            from: isoInstant(o.from),
            to: isoInstant(o.to),
            reason: o.reason,
            rrule: o.rrule ?? null,
          }));
    });
    return { windows: shown.map((w) => presentWindow(w, logs.get(w.id), now)), file };
  });

  app.post('/maintenance-windows', routes.createWindow, async (req, reply) => {
    const p = principalOf(req);
    const b = req.body;
    const engagement = visibleEngagement(deployment, p, b.engagement);
    const now = clock.now();
    const services = servicesOf(engagement, b.services);
    const from = instant(b.from, 'from', now);
    const to = instant(b.to, 'to', now);
    checkSpan(from, to, now, ['from', 'to']);
    const author = actorRef(actorOf(p, engagement));
    const id = await db.transaction().execute((trx) =>
      insertWindow(trx, {
        engagementId: engagement.id,
        kind: 'window',
        services,
        startsAt: from,
        endsAt: to,
        reason: b.reason.trim(),
        author,
        at: now,
      }),
    );
    const { w, log } = await reread(req, id, 'window');
    return reply.code(201).send({ window: presentWindow(w, log, now) });
  });

  app.post('/maintenance-windows/:id/end', routes.endWindow, async (req) => {
    const { w, log } = await end(req, req.params.id, 'window', req.body?.reason);
    return { window: presentWindow(w, log, clock.now()) };
  });

  app.get('/silences', routes.listSilences, async (req) => {
    const now = clock.now();
    const { shown, logs } = await list(req, req.query.engagement, 'silence', now);
    return { silences: shown.map((w) => presentSilence(w, logs.get(w.id), now)) };
  });

  app.post('/silences', routes.createSilence, async (req, reply) => {
    const p = principalOf(req);
    const b = req.body;
    const engagement = visibleEngagement(deployment, p, b.engagement);
    const now = clock.now();
    const matchers: Matcher[] = b.matchers.map((m) => ({ name: m.name, value: m.value, isRegex: m.isRegex, isEqual: m.isEqual }));
    const [problem] = checkMatchers(matchers);
    if (problem !== undefined) throw new TandemError('INVALID_BODY', problem.reason, problem.field);
    const from = instant(b.starts_at, 'starts_at', now);
    const to = instant(b.ends_at, 'ends_at', now);
    checkSpan(from, to, now, ['starts_at', 'ends_at']);
    const author = actorRef(actorOf(p, engagement));
    const id = await db.transaction().execute((trx) =>
      insertWindow(trx, {
        engagementId: engagement.id,
        kind: 'silence',
        matchers,
        startsAt: from,
        endsAt: to,
        reason: b.reason.trim(),
        author,
        at: now,
      }),
    );
    const { w, log } = await reread(req, id, 'silence');
    return reply.code(201).send({ silence: presentSilence(w, log, now) });
  });

  app.post('/silences/:id/end', routes.endSilence, async (req) => {
    const { w, log } = await end(req, req.params.id, 'silence', req.body?.reason);
    return { silence: presentSilence(w, log, clock.now()) };
  });
}
