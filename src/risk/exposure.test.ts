/**
 * The price of the gap, worked out by hand on the demo engagement
 * (payments-api 9,000/min, storefront 2,500/min, edr and laptops unpriced),
 * first response 5 minutes, the week of 2026-11-23 in New York.
 */
import { describe, expect, it } from 'vitest';
import { annualize, computeRisk, excessMs, exposureOf, responseEnd } from './exposure.js';
import { presentRisk } from './present.js';
import { M, demoFile, fact, ny } from './test-fixtures.js';

const demo = demoFile('acme.yaml');
const from = ny('2026-11-23T00:00');
const to = ny('2026-12-01T00:00');
const now = ny('2026-11-30T10:00');

// Tuesday 23:47, payments down, the partner acknowledges after 12 minutes: 7 minutes too late, 63,000.
const night = fact({ service: 'payments-api', at: ny('2026-11-24T23:47'), side: 'partner', ackMin: 12 });
// Saturday, storefront, acknowledged in 3 minutes: within first response, 0.
const weekend = fact({ service: 'storefront', at: ny('2026-11-28T10:00'), side: 'partner', ackMin: 3 });
// Wednesday 10:00, nobody acknowledges; it resolves after 20 minutes: 15 minutes too late, 135,000.
const unanswered = fact({ service: 'payments-api', at: ny('2026-11-25T10:00'), side: 'internal', ackMin: null, resolveMin: 20 });
// Thanksgiving, EDR acknowledged after 30 minutes: 25 minutes late, but EDR has no price: 0, listed.
const holiday = fact({ service: 'edr', at: ny('2026-11-26T12:00'), side: 'partner', ackMin: 30 });
// Monday 09:00, storefront, still open and unacknowledged at 10:00 (now): 55 minutes late, 137,500.
const open = fact({ service: 'storefront', at: ny('2026-11-30T09:00'), side: 'partner', ackMin: null, resolveMin: null });

describe('the risk rule', () => {
  it('excess response time and its price', () => {
    expect(excessMs(0, 12 * M, 5 * M)).toBe(7 * M);
    expect(excessMs(0, 3 * M, 5 * M)).toBe(0);
    expect(exposureOf(7 * M, 9000)).toBe(63_000);
    expect(exposureOf(7 * M, null)).toBe(0);
    expect(responseEnd({ acknowledgedAt: null, resolvedAt: 20 }, 99)).toBe(20);
    expect(responseEnd({ acknowledgedAt: null, resolvedAt: null }, 99)).toBe(99);
    expect(annualize(100, 0, 73 * 86_400_000)).toBe(500);
  });
});

describe('computeRisk on five incidents worked out by hand', () => {
  const report = computeRisk(demo, [night, unanswered, holiday, weekend, open], { from, to, firstResponseMs: 5 * M, now });
  const r = presentRisk(report);

  it('totals, annualized over 8 days', () => {
    expect(r).toMatchObject({ engagement: 'acme', first_response_s: 300, currency: 'USD', incidents: 5, priced_incidents: 4 });
    expect(r.exposure).toBe(335_500);
    expect(r.excess_minutes).toBe(7 + 15 + 25 + 55);
    expect(r.annualized).toBeCloseTo((335_500 * 365) / 8, 2);
  });

  it('by window at opening and by side', () => {
    expect(r.by_window).toEqual({
      business_hours: { incidents: 2, excess_minutes: 70, exposure: 272_500 },
      after_hours: { incidents: 1, excess_minutes: 7, exposure: 63_000 },
      weekend: { incidents: 1, excess_minutes: 0, exposure: 0 },
      holiday: { incidents: 1, excess_minutes: 25, exposure: 0 },
    });
    expect(r.by_side).toEqual({
      internal: { incidents: 1, excess_minutes: 15, exposure: 135_000 },
      partner: { incidents: 4, excess_minutes: 87, exposure: 200_500 },
    });
  });

  it('the costliest incidents first; unpriced services listed with what they missed', () => {
    expect(r.top.map((t) => [t.id, t.exposure, t.acknowledged, t.waited_s])).toEqual([
      [open.id, 137_500, false, 3600],
      [unanswered.id, 135_000, false, 1200],
      [night.id, 63_000, true, 720],
    ]);
    expect(r.top[2]).toMatchObject({
      number: `ACME-${night.number}`,
      window: 'after_hours',
      side: 'partner',
      cost_per_minute: 9000,
      excess_minutes: 7,
    });
    expect(r.unpriced_services).toEqual([
      { service: 'edr', name: 'Endpoint detection', incidents: 1, excess_minutes: 25 },
      { service: 'laptops', name: 'Staff laptops and accounts', incidents: 0, excess_minutes: 0 },
    ]);
  });

  it('an open incident counts until `to` when `to` is before now', () => {
    const early = presentRisk(computeRisk(demo, [open], { from, to: ny('2026-11-30T09:30'), firstResponseMs: 5 * M, now }));
    expect(early.exposure).toBe(25 * 2500);
  });

  it('a longer first-response time forgives more', () => {
    const lenient = presentRisk(computeRisk(demo, [night], { from, to, firstResponseMs: 10 * M, now }));
    expect(lenient.exposure).toBe(2 * 9000);
  });
});
