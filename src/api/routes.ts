/**
 * /api/v1: thin routes (authenticate -> validate -> authorize -> command ->
 * presenter). Every query is scoped to the token's engagements; another
 * engagement's incident is a 404, exactly like one that does not exist.
 */
import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import type { ZodType } from 'zod';
import type { ApiTag } from '../server/openapi.js';
import { AUTH_ERRORS, OpenApiDocument, encodeCursor, errorResponses } from './schema/common.js';
import {
  ChangeList,
  ChangeQuery,
  EngagementList,
  EngagementParams,
  EngagementResponse,
  Me,
  ScopeQuery,
  ServiceList,
} from './schema/engagements.js';
import {
  IncidentDetailResponse,
  IncidentListQuery,
  IncidentList,
  IncidentParams,
  IncidentResponse,
  NoteBody,
  PriorityBody,
  StatusBody,
} from './schema/incidents.js';
import { listAlertsOfIncident } from '../alert/store.js';
import { listChanges } from '../change/store.js';
import type { Clock } from '../clock/clock.js';
import type { Database } from '../db/connect.js';
import type { IncidentRow } from '../db/schema.js';
import type { Deployment } from '../deployment/deployment.js';
import { readStoredJson } from '../db/json.js';
import { TandemError } from '../errors/catalog.js';
import { acknowledgeIncident, addNote, changePriority, resolveIncident, setWaitingStatus } from '../incident/commands.js';
import { getIncident, getIncidentByNumber, listIncidents, listTimeline } from '../incident/store.js';
import type { ChangeHooks } from '../incident/changes.js';
import { runIncidentCommand } from '../incident/run-command.js';
import type { IncidentWriter } from '../incident/writer.js';
import type { CalendarLinks } from '../calendar/links.js';
import type { LiveFeed } from '../live/feed.js';
import { escalateIfRaised } from '../escalation/escalation.js';
import { liveRoutes } from './live.js';
import type { PdfPrinter } from '../report/pdf.js';
import { reportRoutes } from './reports.js';
import { actorOf, authenticate, principalOf, requireRole, requireScope, scopeEngagements, scopeOfIncident } from './auth.js';
import type { IncidentAction } from '../scope/scope.js';
import {
  isoInstant,
  presentAlert,
  presentEngagement,
  presentIncidents,
  presentService,
  presentTicket,
  presentTimelineEntry,
} from './presenters.js';
import { ticketsOfIncident } from '../ticketing/store.js';
import { scheduleRoutes } from './schedules.js';
import { personCalendars } from './schedule-presenters.js';
import { riskRoutes } from './risk.js';
import { eventRoutes } from './events.js';
import { vulnerabilityRoutes } from './vulnerabilities.js';
import { securityRoutes } from './security.js';
import { statusNoteRoutes } from './status-notes.js';
import { maintenanceRoutes } from './maintenance.js';

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

export async function apiRoutes(scope: FastifyInstance, deps: ApiDeps): Promise<void> {
  const { database, deployment, clock } = deps;
  const db = database.db;
  const app = scope.withTypeProvider<ZodTypeProvider>();

  app.get(
    '/openapi.json',
    {
      schema: {
        operationId: 'getOpenApi',
        summary: 'This document (OpenAPI 3.1, generated from the routes)',
        tags: ['operations'],
        security: [],
        response: { 200: OpenApiDocument, ...errorResponses(408) },
      },
    },
    async () => scope.swagger(),
  );

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
      if (m?.[1] && m[2] && Number(m[2]) <= MAX_INCIDENT_NUMBER && !m[1].includes('\u0000'))
        incident = await getIncidentByNumber(db, p.engagements, m[1].toUpperCase(), Number(m[2]));
    }
    if (!incident) throw new TandemError('NOT_FOUND', `incident "${ref}" not found`, 'id');
    return incident;
  }

  const read = (operationId: string, summary: string, tags: ApiTag[]) => ({ operationId, summary, tags });

  app.get(
    '/me',
    {
      schema: {
        ...read('getMe', 'The token (or session) and its calendar feeds', ['engagements']),
        response: { 200: Me, ...errorResponses(...AUTH_ERRORS) },
      },
    },
    async (req) => {
      const p = principalOf(req);
      return {
        token: { id: p.tokenId, role: p.role, engagements: [...p.engagements], person: p.personId, label: p.label },
        calendars: personCalendars(deployment, deps.calendars, p.engagements, p.personId),
      };
    },
  );

  app.get(
    '/engagements',
    {
      schema: {
        ...read('listEngagements', "The token's engagements", ['engagements']),
        response: { 200: EngagementList, ...errorResponses(...AUTH_ERRORS) },
      },
    },
    async (req) => {
      const p = principalOf(req);
      return {
        engagements: p.engagements
          .map((id) => deployment.engagement(id))
          .filter((e) => e !== undefined)
          .map((e) => ({ id: e.id, name: e.name, timezone: e.timezone })),
      };
    },
  );

  app.get(
    '/engagements/:engagement',
    {
      schema: {
        ...read('getEngagement', 'One engagement: sides, people, teams, services, coverage, routing, policies', ['engagements']),
        params: EngagementParams,
        response: { 200: EngagementResponse, ...errorResponses(...AUTH_ERRORS, 404) },
      },
    },
    async (req) => {
      const [id] = scopeEngagements(principalOf(req), [req.params.engagement]);
      const e = id === undefined ? undefined : deployment.engagement(id);
      if (!e) throw new TandemError('NOT_FOUND', `engagement "${req.params.engagement}" not found`, 'engagement');
      return { engagement: presentEngagement(e) };
    },
  );

  app.get(
    '/services',
    {
      schema: {
        ...read('listServices', 'Services of the engagements', ['engagements']),
        querystring: ScopeQuery,
        response: { 200: ServiceList, ...errorResponses(...AUTH_ERRORS, 404) },
      },
    },
    async (req) => {
      const scope = scopeEngagements(principalOf(req), req.query.engagement);
      const services = scope.flatMap((id) => {
        const e = deployment.engagement(id);
        return e ? e.services.map((s) => presentService(e, s.id)) : [];
      });
      return { services };
    },
  );

  app.get(
    '/changes',
    {
      schema: {
        ...read('listChanges', 'Change events (deploys, config changes), newest first', ['engagements']),
        querystring: ChangeQuery,
        response: { 200: ChangeList, ...errorResponses(...AUTH_ERRORS, 404) },
      },
    },
    async (req) => {
      const q = req.query;
      const rows = await listChanges(db, {
        engagementIds: scopeEngagements(principalOf(req), q.engagement),
        services: q.service,
        since: q.since,
        limit: q.limit,
      });
      return {
        changes: rows.map((c) => ({
          id: c.id,
          engagement: c.engagement_id,
          service: c.service_id,
          at: isoInstant(c.at),
          summary: c.summary,
          source: c.source,
          details: readStoredJson(c.data),
        })),
      };
    },
  );

  app.get(
    '/incidents',
    {
      schema: {
        ...read('listIncidents', 'Incidents, newest first, with their SLA clocks', ['incidents']),
        querystring: IncidentListQuery,
        response: { 200: IncidentList, ...errorResponses(...AUTH_ERRORS, 404) },
      },
    },
    async (req) => {
      const q = req.query;
      const p = principalOf(req);
      const rows = await listIncidents(db, {
        engagementIds: scopeEngagements(p, q.engagement),
        status: q.status,
        priority: q.priority,
        service: q.service,
        since: q.since,
        beforeId: q.cursor,
        limit: q.limit + 1,
      });
      const page = rows.slice(0, q.limit);
      const last = page[page.length - 1];
      return {
        incidents: await presentIncidents(db, deployment, page, clock.now()),
        next_cursor: rows.length > q.limit && last ? encodeCursor(last.id) : null,
      };
    },
  );

  app.get(
    '/incidents/:id',
    {
      schema: {
        ...read('getIncident', 'One incident with its alerts and timeline', ['incidents']),
        params: IncidentParams,
        response: { 200: IncidentDetailResponse, ...errorResponses(...AUTH_ERRORS, 404) },
      },
    },
    async (req) => {
      const incident = await loadIncident(req, req.params.id);
      const [alerts, timeline, tickets] = await Promise.all([
        listAlertsOfIncident(db, incident.id),
        listTimeline(db, incident.engagement_id, incident.id),
        ticketsOfIncident(db, incident.id),
      ]);
      const [presented] = await presentIncidents(db, deployment, [incident], clock.now());
      if (!presented) throw new TandemError('NOT_FOUND', `incident "${req.params.id}" not found`, 'id');
      const engagement = deployment.engagement(incident.engagement_id);
      return {
        incident: {
          ...presented,
          alerts: alerts.map(presentAlert),
          timeline: timeline.map(presentTimelineEntry),
          tickets: tickets.map((t) => presentTicket(t, engagement)),
          scope: scopeOfIncident(engagement, principalOf(req), incident),
        },
      };
    },
  );

  /** Runs a command on an incident in a transaction, then answers with the incident as it is now. */
  async function act(
    req: FastifyRequest<{ Params: { id: string } }>,
    what: IncidentAction,
    run: (w: IncidentWriter, incident: IncidentRow, at: number) => Promise<unknown>,
  ) {
    const p = principalOf(req);
    const found = await loadIncident(req, req.params.id);
    requireRole(p, 'respond');
    requireScope(deployment.engagement(found.engagement_id), p, found, what);
    const at = clock.now();
    const { incident } = await runIncidentCommand({
      database,
      engagementId: found.engagement_id,
      incidentId: found.id,
      ref: req.params.id,
      kick: deps.kick,
      hooks: deps.hooks,
      run: (w, current) => run(w, current, at),
    });
    const [presented] = await presentIncidents(db, deployment, [incident], clock.now());
    if (!presented) throw new TandemError('NOT_FOUND', `incident "${req.params.id}" not found`, 'id');
    return { incident: presented };
  }

  const actor = (req: FastifyRequest, incident: IncidentRow) => actorOf(principalOf(req), deployment.engagement(incident.engagement_id));
  /** An incident action: its path, the body it takes, its answer and errors. */
  const actionErrors = errorResponses(...AUTH_ERRORS, 403, 404, 409);
  const action = <B extends ZodType | undefined, R extends object = { 200: typeof IncidentResponse }>(
    operationId: string,
    summary: string,
    description: string,
    body: B,
    answer?: R,
  ) => ({
    schema: {
      operationId,
      summary,
      description,
      tags: ['incidents'] satisfies ApiTag[],
      params: IncidentParams,
      // Actions without a body declare none (an undefined `body` key makes Fastify warn at start).
      ...((body === undefined ? {} : { body }) as B extends ZodType ? { body: B } : object),
      response: { ...(answer ?? { 200: IncidentResponse }), ...actionErrors } as R & typeof actionErrors,
    },
  });

  app.post(
    '/incidents/:id/acknowledge',
    action(
      'acknowledgeIncident',
      'Acknowledge: escalation stops',
      'A no-op on an incident already acknowledged; 409 on a resolved one. Needs the responder or admin role. Any body is ignored.',
      undefined,
    ),
    async (req) => act(req, 'acknowledge', (w, incident, at) => acknowledgeIncident(w, incident, actor(req, incident), at, { via: 'API' })),
  );

  app.post(
    '/incidents/:id/resolve',
    action(
      'resolveIncident',
      'Resolve, with its open alerts',
      'A no-op on a resolved incident. Needs the responder or admin role. Any body is ignored.',
      undefined,
    ),
    async (req) => act(req, 'resolve', (w, incident, at) => resolveIncident(w, incident, actor(req, incident), at, { via: 'API' })),
  );

  app.post(
    '/incidents/:id/status',
    action(
      'setIncidentStatus',
      'Set a waiting status (the SLA clocks that pause while waiting pause)',
      'acknowledged, waiting_on_customer or waiting_on_vendor.',
      StatusBody,
    ),
    async (req) => act(req, 'status', (w, incident, at) => setWaitingStatus(w, incident, actor(req, incident), at, req.body.status)),
  );

  app.post(
    '/incidents/:id/priority',
    action(
      'setIncidentPriority',
      'Change the priority (raising it into a paging priority starts escalation)',
      "One of the engagement's priorities.",
      PriorityBody,
    ),
    async (req) => {
      const priority = req.body.priority;
      const found = await loadIncident(req, req.params.id);
      const allowed = deployment.engagement(found.engagement_id)?.priorities.order ?? [];
      if (!allowed.includes(priority)) throw new TandemError('INVALID_BODY', `priority must be one of ${allowed.join(', ')}`, 'priority');
      return act(req, 'priority', async (w, incident, at) => {
        const before = incident.priority;
        await changePriority(w, incident, actor(req, incident), at, priority);
        const engagement = deployment.engagement(incident.engagement_id);
        if (engagement) await escalateIfRaised(w, incident, engagement, before);
      });
    },
  );

  app.post(
    '/incidents/:id/notes',
    action('addIncidentNote', 'Add a note to the timeline', 'Up to 10,000 characters.', NoteBody, { 201: IncidentResponse }),
    async (req, reply) => {
      const result = await act(req, 'note', (w, incident, at) => addNote(w, incident, actor(req, incident), at, req.body.text));
      return reply.code(201).send(result);
    },
  );

  await scope.register((s) => scheduleRoutes(s, { database, deployment, clock, calendars: deps.calendars }));
  await scope.register((s) => reportRoutes(s, { database, deployment, clock, pdf: deps.pdf }));
  await scope.register((s) => riskRoutes(s, { database, deployment, clock }));
  await scope.register((s) => eventRoutes(s, { database, clock, kick: deps.kick }));
  await scope.register((s) => vulnerabilityRoutes(s, { database, deployment, clock, kick: deps.kick }));
  await scope.register((s) => securityRoutes(s, { database, deployment, clock }));
  await scope.register((s) => statusNoteRoutes(s, { database, deployment, clock, hooks: deps.hooks, mailsQueued: deps.kick }));
  await scope.register((s) => maintenanceRoutes(s, { database, deployment, clock, kick: deps.kick }));
  await scope.register((s) => liveRoutes(s, { database, clock, feed: deps.feed, secureCookies: deps.secureCookies }));
}
