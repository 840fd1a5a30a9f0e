/**
 * /api/v1: thin routes (authenticate -> validate -> authorize -> command ->
 * presenter). Every query is scoped to the token's engagements; another
 * engagement's incident is a 404, exactly like one that does not exist.
 */
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { listAlertsOfIncident } from '../alert/store.js';
import type { Clock } from '../clock/clock.js';
import type { Database } from '../db/connect.js';
import type { IncidentRow } from '../db/schema.js';
import type { Deployment } from '../deployment/deployment.js';
import { readStoredJson } from '../db/json.js';
import { TandemError } from '../errors/catalog.js';
import { acknowledgeIncident, addNote, changePriority, resolveIncident, setWaitingStatus } from '../incident/commands.js';
import { INCIDENT_STATUSES, getIncident, getIncidentByNumber, listIncidents } from '../incident/store.js';
import { listTimeline } from '../incident/timeline.js';
import type { ChangeHooks } from '../incident/changes.js';
import { runIncidentCommand } from '../incident/run-command.js';
import type { IncidentWriter } from '../incident/writer.js';
import type { CalendarLinks } from '../calendar/links.js';
import type { LiveFeed } from '../live/feed.js';
import { escalateIfRaised } from '../escalation/escalation.js';
import { liveRoutes } from './live.js';
import type { PdfPrinter } from '../report/pdf.js';
import { reportRoutes } from './reports.js';
import { actorOf, authenticate, principalOf, requireRole, scopeEngagements } from './auth.js';
import { openApiDocument } from './openapi.js';
import { cursorParam, encodeCursor, instantParam, intParam, listParam, objectBody, requiredText } from './params.js';
import { iso, presentAlert, presentEngagement, presentIncidents, presentService, presentTimelineEntry } from './presenters.js';
import { personCalendars, scheduleRoutes } from './schedules.js';
import { riskRoutes } from './risk.js';
import { eventRoutes } from './events.js';

export interface ApiDeps {
  readonly database: Database;
  readonly deployment: Deployment;
  readonly clock: Clock;
  /** Wakes the engine after a change (an acknowledgement stops escalation at once). */
  readonly kick: () => void;
  /** Who follows incident changes (SLA clocks); the engine's hooks. */
  readonly hooks: ChangeHooks;
  /** Signs calendar feed URLs (schedules listing, /me). */
  readonly calendars: CalendarLinks;
  /** Pushes incident changes to dashboards. */
  readonly feed: LiveFeed;
  readonly secureCookies: boolean;
  /** Prints review PDFs in one shared browser, a few at a time. */
  readonly pdf: PdfPrinter;
}

type Q = Record<string, unknown>;

export async function apiRoutes(app: FastifyInstance, deps: ApiDeps): Promise<void> {
  const { database, deployment, clock } = deps;
  const db = database.db;

  app.get('/openapi.json', async () => openApiDocument());

  // The API speaks JSON only (other types are 415). An empty body with a JSON content type, as
  // many clients send on POST /acknowledge, is an empty object, not an error.
  app.removeAllContentTypeParsers();
  app.addContentTypeParser('application/json', { parseAs: 'string' }, (_req, body, done) => {
    const text = typeof body === 'string' ? body : body.toString('utf8');
    if (text.trim() === '') return done(null, undefined);
    try {
      done(null, JSON.parse(text) as unknown);
    } catch (err) {
      done(new TandemError('INVALID_JSON', `the body is not valid JSON: ${err instanceof Error ? err.message : String(err)}`), undefined);
    }
  });

  app.addHook('onRequest', async (req) => {
    const url = req.routeOptions.url;
    // The spec is public; signing in is how a session begins; the rest needs a token or a session.
    if (url === '/api/v1/openapi.json' || (url === '/api/v1/session' && req.method !== 'GET')) return;
    await authenticate(database, req, clock.now());
  });

  /** The largest incident number the `number` column (a 32-bit integer) holds. */
  const MAX_INCIDENT_NUMBER = 2_147_483_647;

  async function loadIncident(req: FastifyRequest, ref: string): Promise<IncidentRow> {
    const p = principalOf(req);
    let incident: IncidentRow | undefined;
    // Ids and numbers beyond what the columns hold (bigint ids, integer numbers) name no incident.
    if (/^\d+$/.test(ref)) {
      if (Number.isSafeInteger(Number(ref))) incident = await getIncident(db, p.engagements, Number(ref));
    } else {
      const m = /^(.+)-(\d+)$/.exec(ref);
      if (m?.[1] && m[2] && Number(m[2]) <= MAX_INCIDENT_NUMBER && !m[1].includes('\u0000')) incident = await getIncidentByNumber(db, p.engagements, m[1].toUpperCase(), Number(m[2]));
    }
    if (!incident) throw new TandemError('NOT_FOUND', `incident "${ref}" not found`, 'id');
    return incident;
  }

  app.get('/me', async (req) => {
    const p = principalOf(req);
    return { token: { id: p.tokenId, role: p.role, engagements: p.engagements, person: p.personId, label: p.label }, calendars: personCalendars(deployment, deps.calendars, p.engagements, p.personId) };
  });

  app.get('/engagements', async (req) => {
    const p = principalOf(req);
    return { engagements: p.engagements.map((id) => deployment.engagement(id)).filter((e) => e !== undefined).map((e) => ({ id: e.id, name: e.name, timezone: e.timezone })) };
  });

  app.get<{ Params: { engagement: string } }>('/engagements/:engagement', async (req) => {
    const [id] = scopeEngagements(principalOf(req), [req.params.engagement]);
    const e = id === undefined ? undefined : deployment.engagement(id);
    if (!e) throw new TandemError('NOT_FOUND', `engagement "${req.params.engagement}" not found`, 'engagement');
    return { engagement: presentEngagement(e) };
  });

  app.get('/services', async (req) => {
    const q = req.query as Q;
    const scope = scopeEngagements(principalOf(req), listParam(q, 'engagement'));
    const services = scope.flatMap((id) => {
      const e = deployment.engagement(id);
      return e ? e.services.map((s) => presentService(e, s.id)) : [];
    });
    return { services };
  });

  app.get('/changes', async (req) => {
    const q = req.query as Q;
    const scope = scopeEngagements(principalOf(req), listParam(q, 'engagement'));
    const services = listParam(q, 'service');
    const since = instantParam(q, 'since');
    const limit = intParam(q, 'limit', 50, 1, 500);
    let query = db.selectFrom('changes').selectAll().where('engagement_id', 'in', scope);
    if (services) query = query.where('service_id', 'in', services);
    if (since !== undefined) query = query.where('at', '>=', since);
    const rows = scope.length === 0 ? [] : await query.orderBy('at', 'desc').orderBy('id', 'desc').limit(limit).execute();
    return {
      changes: rows.map((c) => ({ id: c.id, engagement: c.engagement_id, service: c.service_id, at: iso(c.at), summary: c.summary, source: c.source, details: readStoredJson(c.data) })),
    };
  });

  app.get('/incidents', async (req) => {
    const q = req.query as Q;
    const p = principalOf(req);
    const limit = intParam(q, 'limit', 50, 1, 1000);
    const rows = await listIncidents(db, {
      engagementIds: scopeEngagements(p, listParam(q, 'engagement')),
      status: listParam(q, 'status', INCIDENT_STATUSES),
      priority: listParam(q, 'priority'),
      service: listParam(q, 'service'),
      since: instantParam(q, 'since'),
      beforeId: cursorParam(q),
      limit: limit + 1,
    });
    const page = rows.slice(0, limit);
    const last = page[page.length - 1];
    return {
      incidents: await presentIncidents(db, deployment, page, clock.now()),
      next_cursor: rows.length > limit && last ? encodeCursor(last.id) : null,
    };
  });

  app.get<{ Params: { id: string } }>('/incidents/:id', async (req) => {
    const incident = await loadIncident(req, req.params.id);
    const [alerts, timeline] = await Promise.all([listAlertsOfIncident(db, incident.id), listTimeline(db, incident.engagement_id, incident.id)]);
    const [presented] = await presentIncidents(db, deployment, [incident], clock.now());
    return { incident: { ...presented, alerts: alerts.map(presentAlert), timeline: timeline.map(presentTimelineEntry) } };
  });

  /** Runs a command on an incident in a transaction, then answers with the incident as it is now. */
  async function act(req: FastifyRequest<{ Params: { id: string } }>, run: (w: IncidentWriter, incident: IncidentRow, at: number) => Promise<unknown>) {
    const p = principalOf(req);
    const found = await loadIncident(req, req.params.id);
    requireRole(p, 'respond');
    const at = clock.now();
    const { incident } = await runIncidentCommand({ database, engagementId: found.engagement_id, incidentId: found.id, ref: req.params.id, kick: deps.kick, hooks: deps.hooks, run: (w, current) => run(w, current, at) });
    const [presented] = await presentIncidents(db, deployment, [incident], clock.now());
    return { incident: presented };
  }

  const actor = (req: FastifyRequest, incident: IncidentRow) => actorOf(principalOf(req), deployment.engagement(incident.engagement_id));

  app.post<{ Params: { id: string } }>('/incidents/:id/acknowledge', async (req) =>
    act(req, (w, incident, at) => acknowledgeIncident(w, incident, actor(req, incident), at, { via: 'API' })),
  );

  app.post<{ Params: { id: string } }>('/incidents/:id/resolve', async (req) =>
    act(req, (w, incident, at) => resolveIncident(w, incident, actor(req, incident), at, { via: 'API' })),
  );

  app.post<{ Params: { id: string } }>('/incidents/:id/status', async (req) => {
    const body = objectBody(req.body);
    const status = body['status'];
    const allowed = ['acknowledged', 'waiting_on_customer', 'waiting_on_vendor'] as const;
    if (typeof status !== 'string' || !(allowed as readonly string[]).includes(status)) {
      throw new TandemError('INVALID_BODY', `status must be one of ${allowed.join(', ')} (use /acknowledge and /resolve for those actions)`, 'status');
    }
    return act(req, (w, incident, at) => setWaitingStatus(w, incident, actor(req, incident), at, status as (typeof allowed)[number]));
  });

  app.post<{ Params: { id: string } }>('/incidents/:id/priority', async (req) => {
    const priority = objectBody(req.body)['priority'];
    const found = await loadIncident(req, req.params.id);
    const allowed = deployment.engagement(found.engagement_id)?.priorities.order ?? [];
    if (typeof priority !== 'string' || !allowed.includes(priority)) {
      throw new TandemError('INVALID_BODY', `priority must be one of ${allowed.join(', ')}`, 'priority');
    }
    return act(req, async (w, incident, at) => {
      const before = incident.priority;
      await changePriority(w, incident, actor(req, incident), at, priority);
      const engagement = deployment.engagement(incident.engagement_id);
      if (engagement) await escalateIfRaised(w, incident, engagement, before);
    });
  });

  app.post<{ Params: { id: string } }>('/incidents/:id/notes', async (req, reply) => {
    const text = requiredText(objectBody(req.body), 'text', 10_000);
    const result = await act(req, (w, incident, at) => addNote(w, incident, actor(req, incident), at, text));
    return reply.code(201).send(result);
  });

  await app.register((scope) => scheduleRoutes(scope, { database, deployment, clock, calendars: deps.calendars }));
  await app.register((scope) => reportRoutes(scope, { database, deployment, clock, pdf: deps.pdf }));
  await app.register((scope) => riskRoutes(scope, { database, deployment, clock }));
  await app.register((scope) => eventRoutes(scope, { database, clock, kick: deps.kick }));
  await app.register((scope) => liveRoutes(scope, { database, clock, feed: deps.feed, secureCookies: deps.secureCookies }));
}
