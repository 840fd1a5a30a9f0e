/**
 * /api/v1/vulnerabilities: findings from scanner output. Admins import a
 * scan (the file's text in a JSON body) and record risk exceptions; every
 * token lists the findings of its engagements. The contract is
 * src/api/schema/vulnerabilities.ts; the work is src/vulns/.
 */
import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import type { Clock } from '../clock/clock.js';
import type { Database } from '../db/connect.js';
import type { Deployment } from '../deployment/deployment.js';
import { TandemError } from '../errors/catalog.js';
import { parseIsoInstant } from '../time/iso.js';
import { formatProblem } from '../vulns/finding.js';
import { exceptFinding, importScan } from '../vulns/import.js';
import { presentFinding } from '../vulns/present.js';
import { getFinding, listFindings } from '../vulns/store.js';
import { principalOf, requireRole, scopeEngagements, visibleEngagement } from './auth.js';
import { AUTH_ERRORS, errorResponses } from './schema/common.js';
import {
  ExceptionBody,
  FindingList,
  FindingParams,
  FindingQuery,
  FindingResponse,
  ImportBody,
  ImportResult,
  MAX_SCAN_BYTES,
} from './schema/vulnerabilities.js';

export interface VulnerabilityRoutesDeps {
  readonly database: Database;
  readonly deployment: Deployment;
  readonly clock: Clock;
  /** Wakes the engine: a finding imported already past due opens its incident at once. */
  readonly kick: () => void;
}

const meta = (operationId: string, summary: string, description: string) => ({
  operationId,
  summary,
  description,
  tags: ['vulnerabilities' as const],
});
const adminOnly = async (req: FastifyRequest) => requireRole(principalOf(req), 'admin');

const routes = {
  import: {
    schema: {
      ...meta(
        'importVulnerabilityScan',
        "Import a scanner's output as findings (admin)",
        'Send `{"engagement", "format", "service"?, "content"}` with the file as text. New findings are due by the deadline for their severity (earlier for a CVE in the KEV catalog); findings reported again are seen again; findings the same scanner no longer reports on an asset it covered are fixed. The same file again changes nothing. A file with any problem is refused whole (400, every problem in the message).',
      ),
      body: ImportBody,
      response: { 200: ImportResult, ...errorResponses(...AUTH_ERRORS, 403, 404, 413) },
    },
    bodyLimit: MAX_SCAN_BYTES,
    preValidation: adminOnly,
  },
  list: {
    schema: {
      ...meta(
        'listVulnerabilities',
        'Vulnerability findings, most urgent first',
        'Open, overdue and excepted findings by default; `status=fixed` (or a list) to see others.',
      ),
      querystring: FindingQuery,
      response: { 200: FindingList, ...errorResponses(...AUTH_ERRORS, 404) },
    },
  },
  except: {
    schema: {
      ...meta(
        'exceptVulnerability',
        'Accept the risk of a finding until a date (admin)',
        'The finding is excepted (no overdue incident) until `expires_at`, recorded with the reason and who approved it. 409 on a fixed finding.',
      ),
      params: FindingParams,
      body: ExceptionBody,
      response: { 200: FindingResponse, ...errorResponses(...AUTH_ERRORS, 403, 404, 409) },
    },
    preValidation: adminOnly,
  },
};

export async function vulnerabilityRoutes(scope: FastifyInstance, deps: VulnerabilityRoutesDeps): Promise<void> {
  const { database, deployment, clock } = deps;
  const app = scope.withTypeProvider<ZodTypeProvider>();

  app.post('/vulnerabilities/import', routes.import, async (req) => {
    const b = req.body;
    const engagement = visibleEngagement(deployment, principalOf(req), b.engagement);
    const service = b.service ?? null;
    if (service !== null && !engagement.services.some((s) => s.id === service))
      throw new TandemError('INVALID_BODY', `service "${service}" is not in engagement "${engagement.id}"`, 'service');
    const outcome = await importScan(database, { engagement, format: b.format, text: b.content, serviceId: service, now: clock.now() });
    if (outcome.status === 'refused') {
      const shown = outcome.problems.slice(0, 20).map(formatProblem);
      const more = outcome.problems.length > shown.length ? `; and ${outcome.problems.length - shown.length} more` : '';
      throw new TandemError('INVALID_BODY', `the ${b.format} file was not imported: ${shown.join('; ')}${more}`, 'content');
    }
    deps.kick();
    return outcome.status === 'unchanged'
      ? { status: 'unchanged' as const, findings: outcome.findings, added: 0, seen: 0, fixed: 0 }
      : outcome;
  });

  app.get('/vulnerabilities', routes.list, async (req) => {
    const q = req.query;
    const engagementIds = scopeEngagements(principalOf(req), q.engagement);
    const statuses = q.status ?? ['open', 'overdue', 'excepted'];
    const now = clock.now();
    const rows = await listFindings(database.db, { engagementIds, includeFixed: statuses.includes('fixed') });
    const findings = rows
      .map((r) => presentFinding(r, now))
      .filter((f) => statuses.includes(f.status) && (q.severity === undefined || q.severity.includes(f.severity)));
    return { findings };
  });

  app.post('/vulnerabilities/:id/exception', routes.except, async (req) => {
    const p = principalOf(req);
    const id = req.params.id;
    const found = await getFinding(database.db, p.engagements, id);
    if (!found) throw new TandemError('NOT_FOUND', `finding ${id} not found`, 'id');
    const expiresAt = parseIsoInstant(req.body.expires_at);
    const now = clock.now();
    if (expiresAt === undefined || expiresAt <= now)
      throw new TandemError('INVALID_BODY', 'must be an ISO 8601 instant in the future', 'expires_at');
    const outcome = await exceptFinding(database, {
      engagementId: found.engagement_id,
      findingId: id,
      reason: req.body.reason,
      approver: req.body.approver,
      expiresAt,
      now,
    });
    if (outcome === 'fixed') throw new TandemError('INVALID_TRANSITION', `finding ${id} is fixed; there is nothing to except`);
    const after = await getFinding(database.db, p.engagements, id);
    if (!after) throw new TandemError('NOT_FOUND', `finding ${id} not found`, 'id');
    return { finding: presentFinding(after, now) };
  });
}
