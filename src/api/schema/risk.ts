/**
 * Risk and simulation (docs/risk-model.md): the price of the coverage gap
 * over a period, and the period's real incidents replayed under another
 * engagement file. The period's bounds may be dates, read in the
 * engagement's time zone, so they are checked by the route once it knows
 * the engagement; here they are text.
 */
import { z } from 'zod';
import { Instant, queryText } from './common.js';
import { SIDES } from './incidents.js';
import { COVERAGE_WINDOWS } from './schedules.js';

/** Largest alternative engagement file accepted (the demo's is ~5 KB). */
export const MAX_CONFIG_CHARS = 256 * 1024;

const BOUND = 'An ISO 8601 instant (2026-09-01T00:00:00-04:00), or a date (2026-09-01: midnight in the engagement time zone).';
const FIRST_RESPONSE = 'A reasonable first-response time; responding within it costs nothing. Default 5m.';

/**
 * A required bound: absent reads as empty, which the route answers with what
 * it expects (naming the engagement's zone); a repeated one reads as a list.
 */
const requiredBound = (description: string) =>
  z.preprocess((v) => (v === undefined ? '' : Array.isArray(v) ? v.join(',') : v), z.string()).meta({ description });

export const RiskQuery = z.object({
  from: requiredBound(BOUND),
  to: requiredBound(`${BOUND} After \`from\`, at most 800 days later.`),
  first_response: queryText.optional().meta({ description: FIRST_RESPONSE, examples: ['5m', '90s'] }),
});

const Tally = z.object({
  incidents: z.number().int(),
  excess_minutes: z.number(),
  exposure: z.number(),
  low: z.number().meta({ description: 'The exposure at the low impact shares.' }),
  high: z.number().meta({ description: 'The exposure at the high impact shares.' }),
});

const Range = z.object({ low: z.number(), high: z.number() });

const ImpactShare = z
  .object({ low: z.number(), expected: z.number(), high: z.number() })
  .meta({ description: 'Share of the downtime cost per minute a late minute costs at this priority (engagement file `impact_share`).' });

export const Risk = z
  .object({
    engagement: z.string(),
    from: Instant,
    to: Instant,
    first_response_s: z.number(),
    currency: z.string(),
    incidents: z.number().int(),
    priced_incidents: z.number().int(),
    excess_minutes: z.number(),
    exposure: z
      .number()
      .meta({ description: 'Sum over incidents of excess minutes x cost per minute x the impact share of the priority.' }),
    exposure_range: Range.meta({ description: 'The exposure at the low and high impact shares.' }),
    annualized: z.number().meta({ description: 'exposure x 365 days / the period.' }),
    annualized_range: Range,
    formula: z
      .object({
        rule: z.string(),
        lines: z.array(
          z.object({
            service: z.string(),
            priority: z.string(),
            incidents: z.number().int(),
            excess_minutes: z.number(),
            priced_minutes: z.number().meta({ description: 'The excess minutes within the priced wait cap: what the exposure counts.' }),
            cost_per_minute: z.number(),
            impact_share: ImpactShare,
            exposure: z.number(),
            low: z.number(),
            high: z.number(),
          }),
        ),
        text: z.array(z.string()),
      })
      .meta({ description: 'The exposure line by line: priced incidents by service and priority, with their inputs.' }),
    by_window: z.record(z.string(), Tally).meta({ description: 'business_hours, after_hours, weekend, holiday (window at opening).' }),
    by_side: z.record(z.string(), Tally).meta({ description: 'internal, partner (and unknown).' }),
    top: z.array(
      z.object({
        id: z.number().int(),
        number: z.string(),
        service: z.string(),
        title: z.string(),
        opened_at: Instant,
        window: z.enum(COVERAGE_WINDOWS),
        side: z.string().nullable(),
        acknowledged: z.boolean(),
        waited_s: z.number().int(),
        excess_minutes: z.number(),
        cost_per_minute: z.number().nullable(),
        priority: z.string(),
        impact_share: z.number(),
        exposure: z.number(),
      }),
    ),
    unpriced_services: z.array(
      z.object({ service: z.string(), name: z.string(), incidents: z.number().int(), excess_minutes: z.number() }),
    ),
  })
  .meta({ id: 'Risk', description: 'The exposure over the period.' });

/** A JSON body that is absent or null reads as `{}`, so a missing field is named rather than the body. */
const orEmpty = (v: unknown) => v ?? {};
/** Any value that is not a non-empty string reads as empty: the route then says what it expects. */
const textOrEmpty = (v: unknown) => (typeof v === 'string' ? v : '');

export const SimulateBody = z.preprocess(
  orEmpty,
  z.object({
    from: z.preprocess(textOrEmpty, z.string()).meta({ description: BOUND }),
    to: z.preprocess(textOrEmpty, z.string()).meta({ description: `${BOUND} After \`from\`, at most 800 days later.` }),
    config: z
      .string({ error: 'is required: the alternative engagement file, as YAML text' })
      .refine((v) => v.trim() !== '', 'is required: the alternative engagement file, as YAML text')
      .superRefine((v, ctx) => {
        if (v.length > MAX_CONFIG_CHARS)
          ctx.addIssue({ code: 'custom', message: `is ${v.length} characters; the maximum is ${MAX_CONFIG_CHARS}` });
      })
      .meta({ description: 'The alternative engagement file (YAML text), e.g. demo/internal-only.yaml.', maxLength: MAX_CONFIG_CHARS }),
    first_response: z.string({ error: 'expected a duration such as "5m"' }).optional().meta({ description: FIRST_RESPONSE }),
    file: z
      .preprocess((v) => (typeof v === 'string' && v !== '' ? v : undefined), z.string().optional())
      .meta({ description: 'The name diagnostics give the file (default "config").' }),
  }),
);

const SimFigures = z.object({
  mtta_s: z
    .number()
    .int()
    .nullable()
    .meta({ description: 'Mean trigger-to-acknowledge over the incidents acknowledged in the history (expected, for the alternative).' }),
  unattended_minutes: z.number().meta({ description: 'Time incidents waited with nobody on call who could answer.' }),
  exposure: z.number().meta({ description: 'The risk rule in money (observed for `actual`, expected for the alternative).' }),
  exposure_range: Range.meta({ description: 'The exposure at the low and high impact shares.' }),
  fee: z.number().meta({ description: "The file's monthly fee pro-rated to the period." }),
});

const Difference = z.object({
  mtta_s: z.number().int().nullable(),
  unattended_minutes: z.number().nullable(),
  exposure: z.number(),
  fee: z.number(),
});

const TopChange = z.object({
  number: z.string(),
  service: z.string(),
  title: z.string(),
  opened_at: Instant,
  actual: z.object({ side: z.string().nullable(), acknowledged_after_s: z.number().int().nullable(), exposure: z.number() }),
  alternative: z.object({
    side: z.enum(SIDES).nullable(),
    attended_at: Instant.nullable(),
    unattended_minutes: z.number(),
    expected_ack_s: z.number().int().nullable(),
    exposure: z.number(),
  }),
});

const ResponseModel = z.object({
  samples: z.number().int(),
  response_delays: z.array(
    z.object({
      side: z.enum(SIDES),
      window: z.enum(COVERAGE_WINDOWS),
      paged: z.boolean(),
      n: z.number().int(),
      median_s: z.number().int().nullable(),
      mean_s: z.number().int().nullable(),
    }),
  ),
  tier_shares: z.array(z.object({ side: z.enum(SIDES), tier: z.number().int(), n: z.number().int(), share: z.number() })),
  basis: z.record(z.string(), z.number().int()).meta({
    description:
      'How many incidents drew their response samples from each fallback level: function_side_window, side_window, side, window, kind, all, none.',
  }),
});

export const Simulation = z
  .object({
    engagement: z.string(),
    alternative_file: z.object({ engagement: z.string(), name: z.string() }),
    from: Instant,
    to: Instant,
    first_response_s: z.number(),
    currency: z.string(),
    incidents: z.number().int(),
    actual: SimFigures,
    alternative: SimFigures,
    difference: Difference.meta({ description: 'alternative - actual.' }),
    net: z.object({
      exposure_avoided: z.number(),
      extra_fee: z.number(),
      net: z.number(),
      annualized_net: z.number(),
      range: Range.meta({ description: 'The net at the low and high impact shares.' }),
      formula: z.string().meta({ description: 'How the net is made, with its inputs.' }),
    }),
    verdict: z.string().meta({
      examples: [
        'Co-managed coverage pays for itself: on this history it avoided $1,234,000 of downtime exposure for $54,000 in fees, net $1,180,000 ($4,733,000 a year).',
      ],
    }),
    model_check: SimFigures.extend({ note: z.string() }).meta({
      description: 'The actual file replayed through the model: its distance from `actual` is the model error on this history.',
    }),
    never_attended: z.object({ actual: z.number().int(), alternative: z.number().int() }),
    model: ResponseModel,
    top_changes: z.array(TopChange).meta({ description: 'The incidents whose exposure changes most.' }),
  })
  .meta({ id: 'Simulation', description: 'Actual against alternative.' });

export type Risk = z.output<typeof Risk>;
export type Simulation = z.output<typeof Simulation>;
