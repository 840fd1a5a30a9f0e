/**
 * The `risk:` section (issue 12): what the risk model (src/risk/) prices.
 *
 * - `impact_share`: how much of a service's downtime cost a minute of
 *   waiting on an incident of each priority stands for, as a low, expected
 *   and high share. Not every P2 stops the business: a P2 is a degradation
 *   with a workaround, a P4 a ticket.
 * - `priced_wait_cap`: the longest wait one incident is priced for. With
 *   nobody on call an outage still gets noticed (customers call, staff
 *   arrive, an executive's payment fails) and someone is phoned; past that
 *   point the loss is the outage's, not the coverage gap's.
 *
 * The risk model multiplies each incident's late minutes (capped) by its
 * service's `downtime_cost_per_minute` and by its priority's share
 * (docs/risk-model.md, "Impact shares").
 *
 * ```yaml
 * risk:
 *   impact_share:
 *     P1: 100%                                  # low = expected = high
 *     P2: { low: 10%, expected: 30%, high: 50% }
 *   priced_wait_cap: 4h
 * ```
 */
import * as z from 'zod';
import type { Duration } from './model.js';
import { parseDuration } from './duration.js';

/** A share of the full downtime cost, 0..1. */
export interface ImpactShare {
  readonly low: number;
  readonly expected: number;
  readonly high: number;
}

const share = (low: number, expected: number, high: number): ImpactShare => Object.freeze({ low, expected, high });

/**
 * The defaults, per priority name (docs/risk-model.md justifies them):
 * P1 is the service down for most users (expected 100%, low 50% for a
 * partial outage); P2 a serious degradation with a workaround (30%, 10..50%);
 * P3 a minor fault a few users notice (5%, 0..10%); P4 and P5 are tickets
 * that page nobody and cost nothing by the minute. A priority name outside
 * these (a custom matrix) defaults to 0 until the file prices it.
 */
export const DEFAULT_IMPACT_SHARES: Readonly<Record<string, ImpactShare>> = Object.freeze({
  P1: share(0.5, 1, 1),
  P2: share(0.1, 0.3, 0.5),
  P3: share(0, 0.05, 0.1),
  P4: share(0, 0, 0),
  P5: share(0, 0, 0),
});

const NONE = share(0, 0, 0);

const percent = z
  .union([
    z.number().min(0).max(1),
    z
      .string()
      .regex(/^\d{1,3}(\.\d+)?%$/, 'a share like "30%" or 0.3')
      .transform((s) => Number(s.slice(0, -1)) / 100)
      .refine((n) => n <= 1, 'a share is at most 100%'),
  ])
  .describe('A share of the full downtime cost: 0.3 or "30%".');

/** One priority's share: a single figure, or a low / expected / high range. */
export const ImpactShareEntrySchema = z
  .union([percent, z.strictObject({ low: percent, expected: percent, high: percent })])
  .transform((v, ctx): ImpactShare => {
    const r = typeof v === 'number' ? share(v, v, v) : share(v.low, v.expected, v.high);
    if (r.low <= r.expected && r.expected <= r.high) return r;
    ctx.addIssue({ code: 'custom', message: `a range needs low <= expected <= high; got ${r.low}, ${r.expected}, ${r.high}`, input: v });
    return z.NEVER;
  });

/** Priority name -> share. */
export const ImpactShareSchema = z
  .record(z.string(), ImpactShareEntrySchema)
  .describe(
    'The share of a service’s downtime cost per minute that a late minute on an incident of each priority costs (defaults P1 100%, P2 30%, P3 5%, P4/P5 0%).',
  )
  .meta({ title: 'Impact shares' });

/** Four hours: a business-hours outage is noticed within one; a night or weekend one by morning calls, customers or a monitoring e-mail someone reads. */
export const DEFAULT_PRICED_WAIT_CAP_MS = 4 * 3_600_000;

/** The `risk:` section. */
export const RiskSectionSchema = z
  .strictObject({
    impact_share: ImpactShareSchema.optional(),
    priced_wait_cap: z
      .string()
      .transform((value, ctx): Duration => {
        const d = parseDuration(value);
        if (d.ok && d.value.ms > 0) return d.value;
        ctx.addIssue({ code: 'custom', message: d.ok ? 'must be above 0' : d.error, input: value });
        return z.NEVER;
      })
      .optional()
      .describe('The longest wait one incident is priced for (default 4h).'),
  })
  .meta({
    title: 'Risk',
    description: 'What the risk model prices: impact shares per priority, the priced wait cap (docs/risk-model.md).',
  });

export type RiskSectionOut = z.output<typeof RiskSectionSchema>;

/** The longest wait one incident is priced for, in ms. */
export function pricedWaitCapOf(engagement: { readonly pricedWaitCapMs?: number }): number {
  return engagement.pricedWaitCapMs ?? DEFAULT_PRICED_WAIT_CAP_MS;
}

/** Every priority of the matrix with its share: the file's, else the default. */
export function normalizeImpactShares(
  file: Readonly<Record<string, ImpactShare>> | undefined,
  priorities: readonly string[],
): Readonly<Record<string, ImpactShare>> {
  return Object.fromEntries(priorities.map((p) => [p, file?.[p] ?? DEFAULT_IMPACT_SHARES[p] ?? NONE]));
}

/** The share of an incident of `priority` under an engagement (files loaded before impact shares existed get the defaults). */
export function impactShareOf(
  engagement: { readonly impactShares?: Readonly<Record<string, ImpactShare>> },
  priority: string,
): ImpactShare {
  return engagement.impactShares?.[priority] ?? DEFAULT_IMPACT_SHARES[priority] ?? NONE;
}
