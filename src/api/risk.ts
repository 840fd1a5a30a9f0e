/**
 * /api/v1 risk and simulation: the price of the coverage gap over a period,
 * and the period replayed under another engagement file. Registered inside
 * the /api/v1 plugin, so its bearer-token hook applies; an engagement the
 * token cannot see is a 404. Simulation takes an engagement file from the
 * caller and runs the model over the whole period, so it is for admins.
 * The contract is src/api/schema/risk.ts.
 */
import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import type { Clock } from '../clock/clock.js';
import type { Database } from '../db/connect.js';
import type { Deployment } from '../deployment/deployment.js';
import { formatDiagnostic, loadEngagementText } from '../engagement/index.js';
import type { Engagement } from '../engagement/model.js';
import { TandemError } from '../errors/catalog.js';
import { parsePeriodOptions } from '../risk/options.js';
import type { PeriodOptions } from '../risk/options.js';
import { presentRisk, presentSimulation } from '../risk/present.js';
import { riskFor, simulationFor } from '../risk/report.js';
import { principalOf, requireRole, visibleEngagement } from './auth.js';
import { AUTH_ERRORS, errorResponses } from './schema/common.js';
import { EngagementParams } from './schema/engagements.js';
import { Risk, RiskQuery, SimulateBody, Simulation } from './schema/risk.js';

export interface RiskDeps {
  readonly database: Database;
  readonly deployment: Deployment;
  readonly clock: Clock;
}

/** The operations: their documentation, parameters and answers (src/api/schema/risk.ts). */
const routes = {
  risk: {
    schema: {
      operationId: 'getRisk',
      summary:
        'The price of the gap: response time beyond a first-response time x the service downtime cost per minute, for incidents opened in [from, to)',
      description:
        'By window and side, the costliest incidents, annualized. An incident nobody acknowledged counts until it resolved (or until `to`). Services without `downtime_cost_per_minute` count 0 and are listed in `unpriced_services`. Any token that sees the engagement may read it.',
      tags: ['risk' as const],
      params: EngagementParams,
      querystring: RiskQuery,
      response: { 200: Risk, ...errorResponses(...AUTH_ERRORS, 404) },
    },
  },
  simulate: {
    schema: {
      operationId: 'simulateEngagement',
      summary: "Replay the period's real incidents under another engagement file and compare with what happened (admin)",
      description:
        'Expected MTTA, unattended minutes, exposure, the partner\'s fee, and the verdict. A bad `config` is a 400 whose message lists every problem as `file:line:col: message` (`file` names it; default "config"). The model and its assumptions: docs/risk-model.md.',
      tags: ['risk' as const],
      params: EngagementParams,
      body: SimulateBody,
      response: { 200: Simulation, ...errorResponses(...AUTH_ERRORS, 403, 404) },
    },
  },
};

/** The period, read in the engagement's time zone (a date is its local midnight). */
function period(
  raw: { from: string; to: string; firstResponse: string | undefined },
  e: Engagement,
  code: 'INVALID_QUERY' | 'INVALID_BODY',
): PeriodOptions {
  const p = parsePeriodOptions(raw, e.timezone);
  if (!p.ok) throw new TandemError(code, p.error, p.field);
  return p.value;
}

/** The alternative engagement file, or a 400 listing every problem in it. */
function alternative(text: string, file: string | undefined): Engagement {
  const loaded = loadEngagementText(text, file ?? 'config');
  if (loaded.engagement) return loaded.engagement;
  const list = loaded.diagnostics.map(formatDiagnostic);
  throw new TandemError(
    'INVALID_BODY',
    `the alternative engagement file has ${list.length} problem${list.length === 1 ? '' : 's'}:\n${list.join('\n')}`,
    'config',
  );
}

export async function riskRoutes(scope: FastifyInstance, deps: RiskDeps): Promise<void> {
  const { database, deployment, clock } = deps;
  const app = scope.withTypeProvider<ZodTypeProvider>();
  const engagementOf = (req: FastifyRequest<{ Params: { engagement: string } }>) =>
    visibleEngagement(deployment, principalOf(req), req.params.engagement);

  app.get('/engagements/:engagement/risk', routes.risk, async (req) => {
    const e = engagementOf(req);
    const q = req.query;
    const options = period({ from: q.from, to: q.to, firstResponse: q.first_response }, e, 'INVALID_QUERY');
    return presentRisk(await riskFor(database.db, e, { ...options, now: clock.now() }));
  });

  // Before the body is read, as it always was: an engagement the token cannot see is 404, a token that is not admin 403.
  const adminOfEngagement = async (req: FastifyRequest<{ Params: { engagement: string } }>) => {
    engagementOf(req);
    requireRole(principalOf(req), 'admin');
  };

  app.post('/engagements/:engagement/simulate', { ...routes.simulate, preValidation: adminOfEngagement }, async (req) => {
    const e = engagementOf(req);
    const body = req.body;
    const options = period({ from: body.from, to: body.to, firstResponse: body.first_response }, e, 'INVALID_BODY');
    const result = await simulationFor(database.db, e, alternative(body.config, body.file), { ...options, now: clock.now() });
    if ('missing' in result) {
      throw new TandemError(
        'INVALID_BODY',
        `the alternative engagement file has no service ${result.missing.map((m) => `"${m}"`).join(', ')}, which had incidents in the period`,
        'config',
      );
    }
    return presentSimulation(result.report);
  });
}
