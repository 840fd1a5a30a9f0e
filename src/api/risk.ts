/**
 * /api/v1 risk and simulation: the price of the coverage gap over a period,
 * and the period replayed under another engagement file. Registered inside
 * the /api/v1 plugin, so its bearer-token hook applies; an engagement the
 * token cannot see is a 404. Simulation takes an engagement file from the
 * caller and runs the model over the whole period, so it is for admins.
 */
import type { FastifyInstance, FastifyRequest } from 'fastify';
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
import { principalOf, requireRole, scopeEngagements } from './auth.js';
import { objectBody } from './params.js';

export interface RiskDeps {
  readonly database: Database;
  readonly deployment: Deployment;
  readonly clock: Clock;
}

/** Largest alternative engagement file accepted (the demo's is ~5 KB). */
const MAX_CONFIG_CHARS = 256 * 1024;

export async function riskRoutes(app: FastifyInstance, deps: RiskDeps): Promise<void> {
  const { database, deployment, clock } = deps;

  function engagementOf(req: FastifyRequest<{ Params: { engagement: string } }>): Engagement {
    const [id] = scopeEngagements(principalOf(req), [req.params.engagement]);
    const e = id === undefined ? undefined : deployment.engagement(id);
    if (!e) throw new TandemError('NOT_FOUND', `engagement "${req.params.engagement}" not found`, 'engagement');
    return e;
  }

  function period(raw: { from?: unknown; to?: unknown; firstResponse?: unknown }, e: Engagement, code: 'INVALID_QUERY' | 'INVALID_BODY'): PeriodOptions {
    const p = parsePeriodOptions(raw, e.timezone);
    if (!p.ok) throw new TandemError(code, p.error, p.field);
    return p.value;
  }

  app.get<{ Params: { engagement: string } }>('/engagements/:engagement/risk', async (req) => {
    const e = engagementOf(req);
    const q = req.query as Record<string, unknown>;
    const options = period({ from: q['from'], to: q['to'], firstResponse: q['first_response'] }, e, 'INVALID_QUERY');
    return presentRisk(await riskFor(database.db, e, { ...options, now: clock.now() }));
  });

  app.post<{ Params: { engagement: string } }>('/engagements/:engagement/simulate', async (req) => {
    const e = engagementOf(req);
    requireRole(principalOf(req), 'admin');
    const body = objectBody(req.body);
    const options = period({ from: body['from'], to: body['to'], firstResponse: body['first_response'] }, e, 'INVALID_BODY');
    const text = body['config'];
    if (typeof text !== 'string' || text.trim() === '') throw new TandemError('INVALID_BODY', 'config is required: the alternative engagement file, as YAML text', 'config');
    if (text.length > MAX_CONFIG_CHARS) throw new TandemError('INVALID_BODY', `config is ${text.length} characters; the maximum is ${MAX_CONFIG_CHARS}`, 'config');
    const name = typeof body['file'] === 'string' && body['file'] !== '' ? body['file'] : 'config';
    const loaded = loadEngagementText(text, name);
    if (!loaded.engagement) {
      const list = loaded.diagnostics.map(formatDiagnostic);
      throw new TandemError('INVALID_BODY', `the alternative engagement file has ${list.length} problem${list.length === 1 ? '' : 's'}:\n${list.join('\n')}`, 'config');
    }
    const result = await simulationFor(database.db, e, loaded.engagement, { ...options, now: clock.now() });
    if ('missing' in result) {
      throw new TandemError('INVALID_BODY', `the alternative engagement file has no service ${result.missing.map((m) => `"${m}"`).join(', ')}, which had incidents in the period`, 'config');
    }
    return presentSimulation(result.report);
  });
}
