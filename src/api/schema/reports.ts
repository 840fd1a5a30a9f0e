/**
 * Performance figures and the monthly review: metrics over a period (MTTA,
 * MTTR, SLA attainment, pages, noise), a monthly trend, a month's service
 * credits, and the review document itself (HTML or PDF, not JSON).
 */
import { z } from 'zod';
import { MONTH_FORMAT, isMonth } from '../../metrics/period.js';
import { ErrorBody, Instant, instantQuery, intQuery, queryText } from './common.js';
import { SIDES, SLA_KINDS } from './incidents.js';
import { COVERAGE_WINDOWS } from './schedules.js';

/** A month as YYYY-MM in the engagement's time zone; absent: last month. */
function monthQuery() {
  return queryText
    .transform((text, ctx): string | undefined => {
      if (text === '') return undefined;
      if (!isMonth(text)) ctx.addIssue({ code: 'custom', message: `must be ${MONTH_FORMAT}, got "${text}"` });
      return text;
    })
    .optional()
    .meta({ description: `${MONTH_FORMAT}, in the engagement's time zone; default: last month.` });
}

const Figures = {
  incidents: z.number().int(),
  mtta_s: z
    .number()
    .nullable()
    .meta({ description: 'Mean trigger to first acknowledgement, seconds, over the incidents acknowledged; null when none was.' }),
  mttr_s: z.number().nullable().meta({ description: 'Mean trigger to resolve, seconds, over the incidents resolved; null when none was.' }),
};

export const MetricsQuery = z.object({
  from: instantQuery().meta({ description: 'Default: 30 days before `to`. ISO 8601 with an offset.' }),
  to: instantQuery().meta({ description: 'Default: now. At most 400 days after `from`.' }),
});

export const SlaAttainment = z
  .object({
    sla: z.string(),
    priority: z.string(),
    kind: z.enum(SLA_KINDS),
    total: z.number().int(),
    met: z.number().int(),
    breached: z.number().int(),
    pct: z.number().nullable(),
  })
  .meta({ id: 'SlaAttainment', description: 'SLA clocks of incidents opened in the period that finished, per SLA, priority and kind.' });

export const Metrics = z
  .object({
    engagement: z.string(),
    from: Instant,
    to: Instant,
    ...Figures,
    acknowledged: z.number().int(),
    resolved: z.number().int(),
    by_priority: z.array(z.object({ priority: z.string(), ...Figures })),
    by_side: z
      .array(z.object({ side: z.enum(SIDES), name: z.string(), ...Figures }))
      .meta({ description: 'The side that owned each incident when it opened.' }),
    by_window: z
      .array(z.object({ window: z.enum(COVERAGE_WINDOWS), ...Figures }))
      .meta({ description: 'The coverage window each incident opened in.' }),
    by_service: z.array(z.object({ service: z.string(), name: z.string(), ...Figures })),
    sla_attainment: z.array(SlaAttainment),
    sla_attainment_pct: z
      .number()
      .nullable()
      .meta({ description: 'Over every SLA clock that finished (met or breached); null when none did.' }),
    pages: z
      .array(
        z.object({
          person: z.string(),
          name: z.string(),
          side: z.enum(SIDES),
          pages: z.number().int(),
          night_pages: z.number().int(),
          after_hours_pages: z.number().int(),
        }),
      )
      .meta({ description: "Pages per person; night pages are those between 22:00 and 07:00 in the person's own time zone." }),
    noisy_services: z.array(
      z.object({ service: z.string(), name: z.string(), incidents: z.number().int(), alerts: z.number().int(), events: z.number().int() }),
    ),
    noisy_alerts: z.array(
      z.object({ service: z.string(), dedup_key: z.string(), summary: z.string(), alerts: z.number().int(), events: z.number().int() }),
    ),
  })
  .meta({ id: 'Metrics', description: 'Figures for the incidents opened in [from, to).' });

export const MonthlyQuery = z.object({ months: intQuery(6, 1, 24) });

export const MonthlyMetrics = z
  .object({
    engagement: z.string(),
    currency: z.string(),
    months: z.array(
      z.object({
        month: z.string().meta({ description: 'YYYY-MM' }),
        ...Figures,
        sla_attainment_pct: z.number().nullable(),
        credits_amount: z.number(),
        credit_percent: z.number(),
      }),
    ),
  })
  .meta({ id: 'MonthlyMetrics', description: 'Per calendar month in the engagement time zone, oldest first.' });

export const MonthQuery = z.object({ month: monthQuery() });

export const CreditBreach = z
  .object({
    incident: z.string().meta({ description: 'The incident number, e.g. ACME-42.' }),
    incident_id: z.number().int(),
    title: z.string(),
    service: z.string(),
    sla: z.string(),
    priority: z.string().meta({ description: 'The priority the incident had when it breached.' }),
    kind: z.enum(SLA_KINDS),
    opened_at: Instant,
    breached_at: Instant,
    target_s: z.number().nullable(),
    actual_s: z.number().nullable().meta({ description: 'How long it took (to acknowledge or resolve), or until now when still open.' }),
    credit_percent: z.number(),
    credit_amount: z.number(),
  })
  .meta({ id: 'CreditBreach' });

export const Credits = z
  .object({
    month: z.string().meta({ description: 'YYYY-MM' }),
    engagement: z.string(),
    breaches: z.array(CreditBreach).meta({ description: 'Every breach of an SLA that carries credits.' }),
    credit_percent: z.number().meta({ description: 'Percent of the monthly fee, after each SLA cap.' }),
    credit_amount: z.number(),
    currency: z.string(),
    monthly_fee: z.number(),
    capped: z.boolean().meta({ description: 'Whether an SLA cap reduced the total.' }),
    caps: z.record(z.string(), z.number()).meta({ description: 'SLA id -> its cap, in percent of the monthly fee.' }),
  })
  .meta({ id: 'Credits', description: "A month's service credits." });

export const REVIEW_FORMATS = ['html', 'pdf'] as const;

export const ReviewQuery = z.object({
  format: queryText
    .transform((text, ctx) => {
      if (!(REVIEW_FORMATS as readonly string[]).includes(text)) ctx.addIssue({ code: 'custom', message: 'must be html or pdf' });
      return text === 'pdf' ? 'pdf' : 'html';
    })
    .optional()
    .transform((v) => v ?? 'html')
    .meta({ description: 'html (default) or pdf.', enum: [...REVIEW_FORMATS], default: 'html' }),
  month: monthQuery(),
});

/** The review as a response: an HTML page or a PDF file, not JSON. */
export const ReviewDocument = {
  description:
    'The review: a self-contained HTML document (served with a Content-Security-Policy), or the same printed as a PDF attachment.',
  content: {
    'text/html': { schema: z.string().meta({ description: 'The review as one HTML document.' }) },
    'application/pdf': { schema: z.string().meta({ format: 'binary', description: 'The review printed by headless Chromium.' }) },
  },
};

export const PdfBusy = ErrorBody.describe(
  'RATE_LIMITED: `format=pdf` while the server prints as many PDFs as it will at once (`--pdf-renders`, default 2) and its queue (`--pdf-queue`, default 4) is full. Retry after `Retry-After` seconds.',
);

export type Metrics = z.output<typeof Metrics>;
export type MonthlyMetrics = z.output<typeof MonthlyMetrics>;
export type Credits = z.output<typeof Credits>;
export type CreditBreach = z.output<typeof CreditBreach>;
export type SlaAttainment = z.output<typeof SlaAttainment>;
