/**
 * The price of the gap, worked out by hand on the demo engagement
 * (payments-api 150/min, storefront 40/min, edr and laptops unpriced; the
 * default impact shares, P1 100% (50%..100%); the 4h priced wait cap),
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

// Tuesday 23:47, payments down (P1), the partner acknowledges after 12 minutes: 7 minutes too late, 7 x 150 = 1,050.
const night = fact({ service: 'payments-api', at: ny('2026-11-24T23:47'), side: 'partner', ackMin: 12 });
// Saturday, storefront, acknowledged in 3 minutes: within first response, 0.
const weekend = fact({ service: 'storefront', at: ny('2026-11-28T10:00'), side: 'partner', ackMin: 3 });
// Wednesday 10:00, nobody acknowledges; it resolves after 20 minutes: 15 minutes too late, 2,250.
const unanswered = fact({ service: 'payments-api', at: ny('2026-11-25T10:00'), side: 'internal', ackMin: null, resolveMin: 20 });
// Thanksgiving, EDR acknowledged after 30 minutes: 25 minutes late, but EDR has no price: 0, listed.
const holiday = fact({ service: 'edr', at: ny('2026-11-26T12:00'), side: 'partner', ackMin: 30 });
// Monday 09:00, storefront, still open and unacknowledged at 10:00 (now): 55 minutes late, 55 x 40 = 2,200.
const open = fact({ service: 'storefront', at: ny('2026-11-30T09:00'), side: 'partner', ackMin: null, resolveMin: null });

describe('the risk rule', () => {
  it('excess response time and its price', () => {
    expect(excessMs(0, 12 * M, 5 * M)).toBe(7 * M);
    expect(excessMs(0, 3 * M, 5 * M)).toBe(0);
    expect(exposureOf(7 * M, 9000)).toBe(63_000);
    expect(exposureOf(7 * M, null)).toBe(0);
    // A P2 at its expected 30%: 7 x 150 x 0.3.
    expect(exposureOf(7 * M, 150, 0.3)).toBeCloseTo(315, 9);
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
    expect(r.exposure).toBe(1050 + 2250 + 2200);
    // Every incident is a P1: low at 50%, high at 100%.
    expect(r.exposure_range).toEqual({ low: 2750, high: 5500 });
    expect(r.excess_minutes).toBe(7 + 15 + 25 + 55);
    expect(r.annualized).toBeCloseTo((5500 * 365) / 8, 2);
  });

  it('by window at opening and by side', () => {
    expect(r.by_window).toEqual({
      business_hours: { incidents: 2, excess_minutes: 70, exposure: 4450, low: 2225, high: 4450 },
      after_hours: { incidents: 1, excess_minutes: 7, exposure: 1050, low: 525, high: 1050 },
      weekend: { incidents: 1, excess_minutes: 0, exposure: 0, low: 0, high: 0 },
      holiday: { incidents: 1, excess_minutes: 25, exposure: 0, low: 0, high: 0 },
    });
    expect(r.by_side).toEqual({
      internal: { incidents: 1, excess_minutes: 15, exposure: 2250, low: 1125, high: 2250 },
      partner: { incidents: 4, excess_minutes: 87, exposure: 3250, low: 1625, high: 3250 },
    });
  });

  it('the costliest incidents first; unpriced services listed with what they missed', () => {
    expect(r.top.map((t) => [t.id, t.exposure, t.acknowledged, t.waited_s])).toEqual([
      [unanswered.id, 2250, false, 1200],
      [open.id, 2200, false, 3600],
      [night.id, 1050, true, 720],
    ]);
    expect(r.top[2]).toMatchObject({
      number: `ACME-${night.number}`,
      window: 'after_hours',
      side: 'partner',
      cost_per_minute: 150,
      priority: 'P1',
      impact_share: 1,
      excess_minutes: 7,
    });
    expect(r.unpriced_services).toEqual([
      { service: 'edr', name: 'Endpoint detection', incidents: 1, excess_minutes: 25 },
      { service: 'laptops', name: 'Staff laptops and accounts', incidents: 0, excess_minutes: 0 },
    ]);
  });

  it('an open incident counts until `to` when `to` is before now', () => {
    const early = presentRisk(computeRisk(demo, [open], { from, to: ny('2026-11-30T09:30'), firstResponseMs: 5 * M, now }));
    expect(early.exposure).toBe(25 * 40);
  });

  it('a longer first-response time forgives more', () => {
    const lenient = presentRisk(computeRisk(demo, [night], { from, to, firstResponseMs: 10 * M, now }));
    expect(lenient.exposure).toBe(2 * 150);
  });

  it('the formula: late minutes x cost per minute x share, per service and priority, adding up to the exposure', () => {
    expect(r.formula.lines.map((l) => [l.service, l.priority, l.incidents, l.priced_minutes, l.cost_per_minute, l.exposure])).toEqual([
      ['payments-api', 'P1', 2, 22, 150, 3300],
      ['storefront', 'P1', 2, 55, 40, 2200],
    ]);
    expect(r.formula.text[0]).toBe(
      'payments-api P1: 22 late minutes x $150/min x 100% (50%..100%) = $3,300 (low $1,650, high $3,300; 2 incidents)',
    );
    expect(r.formula.rule).toContain('at most 4h');
  });
});

describe('impact shares and the priced wait cap', () => {
  // The same night incident as a P2 and as a P4; a P1 nobody acknowledged for 10 hours.
  const p2 = fact({ service: 'payments-api', at: ny('2026-11-24T23:47'), side: 'partner', ackMin: 12, priority: 'P2' });
  const p4 = fact({ service: 'payments-api', at: ny('2026-11-24T23:47'), side: 'partner', ackMin: 12, priority: 'P4' });
  const long = fact({ service: 'payments-api', at: ny('2026-11-24T20:00'), side: 'internal', ackMin: 600 });

  it('a P2 costs 30% of the full price (10%..50%), a P4 nothing', () => {
    const r = presentRisk(computeRisk(demo, [p2, p4], { from, to, firstResponseMs: 5 * M, now }));
    expect(r.exposure).toBeCloseTo(7 * 150 * 0.3, 6);
    expect(r.exposure_range.low).toBeCloseTo(7 * 150 * 0.1, 6);
    expect(r.exposure_range.high).toBeCloseTo(7 * 150 * 0.5, 6);
    expect(r.excess_minutes).toBe(14);
  });

  it('a wait is priced up to the cap (4h by default, risk.priced_wait_cap), though all of it is reported', () => {
    const r = presentRisk(computeRisk(demo, [long], { from, to, firstResponseMs: 5 * M, now }));
    expect(r.excess_minutes).toBe(595);
    expect(r.exposure).toBe(240 * 150);
    const shorter = presentRisk(computeRisk({ ...demo, pricedWaitCapMs: 60 * M }, [long], { from, to, firstResponseMs: 5 * M, now }));
    expect(shorter.exposure).toBe(60 * 150);
  });

  it('the file sets shares per priority, as a figure or a range', () => {
    const custom = { ...demo, impactShares: { ...demo.impactShares, P1: { low: 0.2, expected: 0.6, high: 0.9 } } };
    const r = presentRisk(computeRisk(custom, [night], { from, to, firstResponseMs: 5 * M, now }));
    expect([r.exposure, r.exposure_range.low, r.exposure_range.high]).toEqual([630, 210, 945]);
  });
});
