/**
 * /api/v1 figures for the performance view and the monthly review: metrics
 * over a period, a monthly trend, a month's credits, and the monthly review
 * document (HTML, or PDF printed by headless Chromium).
 */
import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { Clock } from '../clock/clock.js';
import type { Database } from '../db/connect.js';
import type { Deployment } from '../deployment/deployment.js';
import type { Engagement } from '../engagement/model.js';
import { TandemError } from '../errors/catalog.js';
import { computeCredits } from '../metrics/credits.js';
import { computeMetrics } from '../metrics/metrics.js';
import { MONTH_FORMAT, isMonth, monthOf, monthPeriod, shiftMonth } from '../metrics/period.js';
import { buildMonthlyReview } from '../report/build.js';
import { renderMonthlyReviewHtml } from '../report/html.js';
import { PdfBusyError } from '../report/pdf.js';
import type { PdfPrinter } from '../report/pdf.js';
import { securePages } from '../pages/layout.js';
import { principalOf, scopeEngagements } from './auth.js';
import { instantParam, intParam } from './params.js';

export interface ReportDeps {
  readonly database: Database;
  readonly deployment: Deployment;
  readonly clock: Clock;
  readonly pdf: PdfPrinter;
}

type Q = Record<string, unknown>;

export async function reportRoutes(app: FastifyInstance, deps: ReportDeps): Promise<void> {
  const { database, deployment, clock } = deps;
  const db = database.db;
  // The review as HTML is a page people open: it gets the same Content-Security-Policy as the other pages.
  securePages(app);

  function engagementOf(req: FastifyRequest<{ Params: { engagement: string } }>): Engagement {
    const [id] = scopeEngagements(principalOf(req), [req.params.engagement]);
    const e = id === undefined ? undefined : deployment.engagement(id);
    if (!e) throw new TandemError('NOT_FOUND', `engagement "${req.params.engagement}" not found`, 'engagement');
    return e;
  }

  function monthParam(q: Q, e: Engagement): string {
    const m = q['month'];
    if (m === undefined || m === '') return shiftMonth(monthOf(clock.now(), e.timezone), -1);
    if (typeof m !== 'string' || !isMonth(m)) throw new TandemError('INVALID_QUERY', `month must be ${MONTH_FORMAT}, got "${String(m)}"`, 'month');
    return m;
  }

  app.get<{ Params: { engagement: string } }>('/engagements/:engagement/metrics', async (req) => {
    const e = engagementOf(req);
    const q = req.query as Q;
    const now = clock.now();
    const to = instantParam(q, 'to') ?? now;
    const from = instantParam(q, 'from') ?? to - 30 * 86_400_000;
    if (to <= from) throw new TandemError('INVALID_QUERY', 'to must be after from', 'to');
    if (to - from > 400 * 86_400_000) throw new TandemError('INVALID_QUERY', 'the range is limited to 400 days', 'to');
    return computeMetrics(db, e, from, to);
  });

  app.get<{ Params: { engagement: string } }>('/engagements/:engagement/metrics/monthly', async (req) => {
    const e = engagementOf(req);
    const count = intParam(req.query as Q, 'months', 6, 1, 24);
    const current = monthOf(clock.now(), e.timezone);
    const months = [];
    for (let k = count - 1; k >= 0; k--) {
      const month = shiftMonth(current, -k);
      const { from, to } = monthPeriod(month, e.timezone);
      const m = await computeMetrics(db, e, from, to);
      const c = await computeCredits(db, e, month, clock.now());
      months.push({ month, incidents: m.incidents, mtta_s: m.mtta_s, mttr_s: m.mttr_s, sla_attainment_pct: m.sla_attainment_pct, credits_amount: c.credit_amount, credit_percent: c.credit_percent });
    }
    return { engagement: e.id, currency: e.contract.currency, months };
  });

  app.get<{ Params: { engagement: string } }>('/engagements/:engagement/credits', async (req) => {
    const e = engagementOf(req);
    return computeCredits(db, e, monthParam(req.query as Q, e), clock.now());
  });

  app.get<{ Params: { engagement: string } }>('/engagements/:engagement/reports/monthly', async (req, reply) => {
    const e = engagementOf(req);
    const q = req.query as Q;
    const format = q['format'] ?? 'html';
    if (format !== 'html' && format !== 'pdf') throw new TandemError('INVALID_QUERY', 'format must be html or pdf', 'format');
    const month = monthParam(q, e);
    const name = `tandem-${e.id}-review-${month}`;
    const review = async () => renderMonthlyReviewHtml(await buildMonthlyReview(db, e, month, clock.now()));
    if (format === 'pdf') {
      let pdf: Buffer;
      try {
        // Refused before the review is built: a request that cannot be printed costs no queries.
        deps.pdf.ensureRoom();
        pdf = await deps.pdf.print(await review());
      } catch (err) {
        if (!(err instanceof PdfBusyError)) throw err;
        reply.header('retry-after', String(err.retryAfterSeconds));
        throw new TandemError('RATE_LIMITED', `the server is printing as many PDFs as it will at once and others are waiting; retry after ${err.retryAfterSeconds}s (or open the HTML review)`);
      }
      return reply.header('content-type', 'application/pdf').header('content-disposition', `attachment; filename="${name}.pdf"`).send(pdf);
    }
    return reply.header('content-type', 'text/html; charset=utf-8').header('content-disposition', `inline; filename="${name}.html"`).send(await review());
  });
}
