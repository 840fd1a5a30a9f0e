/**
 * The public status page: /status/{engagement} (HTML),
 * /status/{engagement}.json and /status/{engagement}/feed.atom. No sign-in:
 * the page is for the people who pay for the service. Only engagements whose
 * file has `status_page:` have one; any other id, known or not, is the same
 * 404, so the routes tell nobody which engagements exist.
 *
 * Each answer is made from the open incidents of the page's services
 * (service and priority only), their maintenance, and the published notes
 * (src/status/view.ts), and may be cached briefly by browsers and proxies:
 * a status page is read most when something is wrong, by many people at once.
 */
import type { FastifyInstance, FastifyReply } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { errorResponses } from '../api/schema/common.js';
import { StatusDocument, StatusFeed, StatusHtml, StatusNotFoundHtml, StatusPageParams } from '../api/schema/status.js';
import type { Clock } from '../clock/clock.js';
import type { Database } from '../db/connect.js';
import type { Deployment } from '../deployment/deployment.js';
import type { Engagement } from '../engagement/model.js';
import { TandemError } from '../errors/catalog.js';
import { securePages } from '../pages/layout.js';
import { statusAtom } from './atom.js';
import { notFoundHtml, statusHtml } from './html.js';
import { presentStatus } from './present.js';
import type { ServiceMaintenance } from './state.js';
import { listNotes, openIncidentsOf } from './store.js';
import type { StatusView } from './view.js';
import { NOTES_SHOWN, RESOLVED_NOTES_SHOWN_MS, statusView } from './view.js';

/** Which services are in maintenance at `now`, and until when. */
export type MaintenanceLookup = (engagement: Engagement, now: number) => Promise<(serviceId: string) => ServiceMaintenance | undefined>;

export interface StatusDeps {
  readonly database: Database;
  readonly deployment: Deployment;
  readonly clock: Clock;
  /** --public-url: the feed's links and ids, and the JSON's `url`. */
  readonly publicUrl: string;
  /** Maintenance windows (src/maintenance/); without it no service is ever in maintenance. */
  readonly maintenance?: MaintenanceLookup;
  /** Email subscriptions are on (an SMTP server is configured): the page shows the subscribe form (src/subscribers/). */
  readonly subscriptions?: boolean;
}

/** Browsers and proxies may reuse a page this long: many readers at once during an outage cost one read each 30 s. */
const PAGE_CACHE = 'public, max-age=30';
const FEED_CACHE = 'public, max-age=60';

const tags = ['status' as const];

/** Reads the page of an engagement; undefined when it has none. */
export async function readStatus(deps: StatusDeps, engagementId: string): Promise<StatusView | undefined> {
  const engagement = deps.deployment.engagement(engagementId);
  const page = engagement?.statusPage;
  if (engagement === undefined || page === undefined) return undefined;
  const now = deps.clock.now();
  const db = deps.database.db;
  const [incidents, notes, maintenanceOf] = await Promise.all([
    openIncidentsOf(
      db,
      engagement.id,
      page.components.flatMap((c) => c.services),
    ),
    listNotes(db, engagement.id, { resolvedSince: now - RESOLVED_NOTES_SHOWN_MS, limit: NOTES_SHOWN }),
    deps.maintenance?.(engagement, now),
  ]);
  return statusView({ engagement, page, incidents, maintenanceOf: maintenanceOf ?? (() => undefined), notes, now });
}

/** Registers the three public routes (outside /api/v1: no token). */
export async function statusRoutes(scope: FastifyInstance, deps: StatusDeps): Promise<void> {
  securePages(scope);
  const app = scope.withTypeProvider<ZodTypeProvider>();
  const notFound = (id: string) => new TandemError('NOT_FOUND', `no status page "${id}"`, 'engagement');

  const open = (reply: FastifyReply, cache: string) =>
    reply
      .header('cache-control', cache)
      // Public data, meant to be embedded: any site may read the JSON and the feed.
      .header('access-control-allow-origin', '*');

  app.get(
    '/status/:engagement',
    {
      schema: {
        operationId: 'getStatusPage',
        summary: "An engagement's public status page (HTML)",
        description:
          "No sign-in. Each component of the engagement file's `status_page` with its state, and the notes admins published. 404 (an HTML page) when the engagement is unknown or has no `status_page`.",
        tags,
        security: [],
        params: StatusPageParams,
        response: { 200: StatusHtml, 404: StatusNotFoundHtml, ...errorResponses(408) },
      },
    },
    async (req, reply) => {
      const view = await readStatus(deps, req.params.engagement);
      if (view === undefined)
        return reply.code(404).header('cache-control', 'no-store').type('text/html; charset=utf-8').send(notFoundHtml());
      return reply
        .header('cache-control', PAGE_CACHE)
        .type('text/html; charset=utf-8')
        .send(statusHtml(view, { subscribe: deps.subscriptions === true }));
    },
  );

  app.get(
    '/status/:engagement.json',
    {
      schema: {
        operationId: 'getStatusDocument',
        summary: "An engagement's public status (JSON)",
        description:
          'No sign-in; any origin may read it (`Access-Control-Allow-Origin: *`). The same content as the HTML page. 404 when the engagement is unknown or has no `status_page`.',
        tags,
        security: [],
        params: StatusPageParams,
        response: { 200: StatusDocument, ...errorResponses(404, 408) },
      },
    },
    async (req, reply) => {
      const view = await readStatus(deps, req.params.engagement);
      if (view === undefined) throw notFound(req.params.engagement);
      open(reply, PAGE_CACHE);
      return presentStatus(view, deps.publicUrl);
    },
  );

  app.get(
    '/status/:engagement/feed.atom',
    {
      schema: {
        operationId: 'getStatusFeed',
        summary: "An engagement's status notes as an Atom feed",
        description:
          'No sign-in. One entry per published note, updated with it. 404 when the engagement is unknown or has no `status_page`.',
        tags,
        security: [],
        params: StatusPageParams,
        response: { 200: StatusFeed, ...errorResponses(404, 408) },
      },
    },
    async (req, reply) => {
      const view = await readStatus(deps, req.params.engagement);
      if (view === undefined) throw notFound(req.params.engagement);
      return open(reply, FEED_CACHE).type('application/atom+xml; charset=utf-8').send(statusAtom(view, deps.publicUrl));
    },
  );
}
