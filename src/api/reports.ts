/**
 * /api/v1 figures for the performance view and the monthly review: metrics
 * over a period, a monthly trend, a month's credits, and the monthly review
 * document (HTML, or PDF printed by headless Chromium). The contract is
 * src/api/schema/reports.ts.
 */
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import type { Clock } from '../clock/clock.js';
import type { Database } from '../db/connect.js';
import type { Executor } from '../db/executor.js';
import type { Deployment } from '../deployment/deployment.js';
import type { Engagement } from '../engagement/model.js';
import { TandemError } from '../errors/catalog.js';
import { computeCredits } from '../metrics/credits.js';
import { computeMetrics } from '../metrics/metrics.js';
import { monthOf, monthPeriod, shiftMonth } from '../metrics/period.js';
import { buildMonthlyReview } from '../report/build.js';
import { renderMonthlyReviewHtml } from '../report/html.js';
import { PdfBusyError } from '../report/pdf.js';
import type { PdfPrinter } from '../report/pdf.js';
import { securePages } from '../pages/layout.js';
import { DAY_MS } from '../time/duration.js';
import { principalOf, visibleEngagement } from './auth.js';
import { AUTH_ERRORS, errorResponses } from './schema/common.js';
import { EngagementParams } from './schema/engagements.js';
import {
  Credits,
  Metrics,
  MetricsQuery,
  MonthQuery,
  MonthlyMetrics,
  MonthlyQuery,
  PdfBusy,
  ReviewDocument,
  ReviewQuery,
} from './schema/reports.js';
import type { MonthlyMetrics as MonthlyAnswer } from './schema/reports.js';

export interface ReportDeps {
  readonly database: Database;
  readonly deployment: Deployment;
  readonly clock: Clock;
  readonly pdf: PdfPrinter;
}

/** Default period of /metrics, before `to`. */
const DEFAULT_PERIOD_MS = 30 * DAY_MS;
/** Longest period of /metrics. */
const MAX_PERIOD_MS = 400 * DAY_MS;

const meta = (operationId: string, summary: string) => ({ operationId, summary, tags: ['performance' as const], params: EngagementParams });
const errors = errorResponses(...AUTH_ERRORS, 404);

/** The operations: their documentation, parameters and answers (src/api/schema/reports.ts). */
const routes = {
  metrics: {
    schema: {
      ...meta(
        'getEngagementMetrics',
        'MTTA, MTTR (by priority, side, window, service), SLA attainment, pages per person, noisy services and alerts, for incidents opened in [from, to)',
      ),
      querystring: MetricsQuery,
      response: { 200: Metrics, ...errors },
    },
  },
  monthly: {
    schema: {
      ...meta(
        'getMonthlyMetrics',
        'Per calendar month (engagement time zone): incidents, MTTA, MTTR, SLA attainment and credits, oldest first',
      ),
      querystring: MonthlyQuery,
      response: { 200: MonthlyMetrics, ...errors },
    },
  },
  credits: {
    schema: {
      ...meta(
        'getCredits',
        "A month's service credits: every credited breach, the percent of the monthly fee (capped per SLA) and the amount",
      ),
      querystring: MonthQuery,
      response: { 200: Credits, ...errors },
    },
  },
  review: {
    schema: {
      ...meta('getMonthlyReview', 'The monthly operational review: a self-contained HTML document, or the same as a PDF'),
      querystring: ReviewQuery,
      response: { 200: ReviewDocument, ...errors, 429: PdfBusy },
    },
  },
};

/** The period of /metrics: `to` (default now) and `from` (default 30 days before), at most {@link MAX_PERIOD_MS}. */
function metricsPeriod(from: number | undefined, to: number): { from: number; to: number } {
  const start = from ?? to - DEFAULT_PERIOD_MS;
  if (to <= start) throw new TandemError('INVALID_QUERY', 'to must be after from', 'to');
  if (to - start > MAX_PERIOD_MS) throw new TandemError('INVALID_QUERY', 'the range is limited to 400 days', 'to');
  return { from: start, to };
}

/** The last `count` months to the current one (in the engagement's time zone), oldest first. */
async function monthlyFigures(ex: Executor, e: Engagement, count: number, now: number): Promise<MonthlyAnswer['months']> {
  const current = monthOf(now, e.timezone);
  const months: MonthlyAnswer['months'] = [];
  for (let k = count - 1; k >= 0; k--) {
    const month = shiftMonth(current, -k);
    const { from, to } = monthPeriod(month, e.timezone);
    const m = await computeMetrics(ex, e, from, to);
    const c = await computeCredits(ex, e, month, now);
    months.push({
      month,
      incidents: m.incidents,
      mtta_s: m.mtta_s,
      mttr_s: m.mttr_s,
      sla_attainment_pct: m.sla_attainment_pct,
      credits_amount: c.credit_amount,
      credit_percent: c.credit_percent,
    });
  }
  return months;
}

/** Prints the review and sends it, or answers 429 with Retry-After when the printer is full. */
async function sendPdf(printer: PdfPrinter, reply: FastifyReply, name: string, review: () => Promise<string>): Promise<FastifyReply> {
  let pdf: Buffer;
  try {
    // Refused before the review is built: a request that cannot be printed costs no queries.
    printer.ensureRoom();
    pdf = await printer.print(await review());
  } catch (err) {
    if (!(err instanceof PdfBusyError)) throw err;
    reply.header('retry-after', String(err.retryAfterSeconds));
    throw new TandemError(
      'RATE_LIMITED',
      `the server is printing as many PDFs as it will at once and others are waiting; retry after ${err.retryAfterSeconds}s (or open the HTML review)`,
    );
  }
  return reply.header('content-type', 'application/pdf').header('content-disposition', `attachment; filename="${name}.pdf"`).send(pdf);
}

export async function reportRoutes(scope: FastifyInstance, deps: ReportDeps): Promise<void> {
  const { database, deployment, clock } = deps;
  const db = database.db;
  const app = scope.withTypeProvider<ZodTypeProvider>();
  // The review as HTML is a page people open: it gets the same Content-Security-Policy as the other pages.
  securePages(scope);

  const engagementOf = (req: FastifyRequest<{ Params: { engagement: string } }>) =>
    visibleEngagement(deployment, principalOf(req), req.params.engagement);
  /** The month asked for, or last month in the engagement's time zone. */
  const monthOr = (month: string | undefined, e: Engagement) => month ?? shiftMonth(monthOf(clock.now(), e.timezone), -1);

  app.get('/engagements/:engagement/metrics', routes.metrics, async (req) => {
    const e = engagementOf(req);
    const { from, to } = metricsPeriod(req.query.from, req.query.to ?? clock.now());
    return computeMetrics(db, e, from, to);
  });

  app.get('/engagements/:engagement/metrics/monthly', routes.monthly, async (req) => {
    const e = engagementOf(req);
    return { engagement: e.id, currency: e.contract.currency, months: await monthlyFigures(db, e, req.query.months, clock.now()) };
  });

  app.get('/engagements/:engagement/credits', routes.credits, async (req) => {
    const e = engagementOf(req);
    return computeCredits(db, e, monthOr(req.query.month, e), clock.now());
  });

  app.get('/engagements/:engagement/reports/monthly', routes.review, async (req, reply) => {
    const e = engagementOf(req);
    const month = monthOr(req.query.month, e);
    const name = `tandem-${e.id}-review-${month}`;
    const review = async () => renderMonthlyReviewHtml(await buildMonthlyReview(db, e, month, clock.now()));
    if (req.query.format === 'pdf') return sendPdf(deps.pdf, reply, name, review);
    return reply
      .header('content-type', 'text/html; charset=utf-8')
      .header('content-disposition', `inline; filename="${name}.html"`)
      .send(await review());
  });
}
