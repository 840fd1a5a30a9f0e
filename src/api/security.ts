/**
 * GET /api/v1/security: what the dashboard's Security view shows in one
 * read: the open Sigma detections (each with its incident, rule, level and
 * ATT&CK techniques), findings by severity and status, the overdue count,
 * and the findings due next. Any token reads it for its own engagements.
 * The contract is src/api/schema/security.ts; the queries
 * src/security/store.ts; the decisions src/security/summary.ts.
 */
import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import type { Clock } from '../clock/clock.js';
import type { Database } from '../db/connect.js';
import type { Deployment } from '../deployment/deployment.js';
import { incidentPrefix } from '../deployment/deployment.js';
import { countOpenDetections, findingGroups, findingsDueNext, openDetections } from '../security/store.js';
import { foldFindingCounts, presentDetection, sortDetections } from '../security/summary.js';
import { presentFinding } from '../vulns/present.js';
import { principalOf, scopeEngagements } from './auth.js';
import { AUTH_ERRORS, errorResponses } from './schema/common.js';
import { MAX_DETECTIONS, NEXT_DUE, SecurityQuery, SecuritySummary } from './schema/security.js';

export interface SecurityRoutesDeps {
  readonly database: Database;
  readonly deployment: Deployment;
  readonly clock: Clock;
}

const route = {
  schema: {
    operationId: 'getSecuritySummary',
    summary: 'Open detections, findings by severity and status, the overdue count and the findings due next',
    description:
      "The dashboard's Security view in one read, for the token's engagements (or those named): open Sigma detections with their incident, rule and ATT&CK techniques; vulnerability findings counted by severity and status (open, overdue, excepted) as of now; and the findings due soonest. Any role may read it.",
    tags: ['dashboard' as const],
    querystring: SecurityQuery,
    response: { 200: SecuritySummary, ...errorResponses(...AUTH_ERRORS, 404) },
  },
};

export async function securityRoutes(scope: FastifyInstance, deps: SecurityRoutesDeps): Promise<void> {
  const { database, deployment, clock } = deps;
  const db = database.db;
  const app = scope.withTypeProvider<ZodTypeProvider>();

  app.get('/security', route, async (req) => {
    const engagementIds = scopeEngagements(principalOf(req), req.query.engagement);
    const now = clock.now();
    const [rows, total, groups, due] = await Promise.all([
      openDetections(db, engagementIds, MAX_DETECTIONS),
      countOpenDetections(db, engagementIds),
      findingGroups(db, engagementIds, now),
      findingsDueNext(db, engagementIds, now, NEXT_DUE),
    ]);
    const detections = rows.map((r) =>
      presentDetection(r, incidentPrefix(r.engagement_id), deployment.service(r.engagement_id, r.service_id)?.name ?? r.service_id),
    );
    const counts = foldFindingCounts(groups, now);
    return {
      as_of: new Date(now).toISOString(),
      overdue: counts.overdue,
      detections: sortDetections(detections, (id) => deployment.engagement(id)?.priorities.order ?? []),
      detections_total: total,
      findings: { by_severity: counts.bySeverity, next_due: due.map((f) => presentFinding(f, now)) },
    };
  });
}
