/**
 * Who could answer and when, and the simulation on histories where the
 * answer is obvious: the demo engagement (partner NOC 24x7, Acme IT on call
 * weekdays 08:00-18:00) against demo/internal-only.yaml (Acme IT alone),
 * September 2026, before the demo's rotations officially start (2026-11-02):
 * the rosters are replayed as if they had always run.
 */
import { describe, expect, it } from 'vitest';
import type { Engagement, Service } from '../engagement/model.js';
import { onCallAt } from '../schedule/index.js';
import { firstAttention, tierOffsetMs, withRostersSince } from './availability.js';
import { presentSimulation, verdictOf } from './present.js';
import { observeResponses, samplesFor } from './response-model.js';
import { proratedFee, simulate } from './simulate.js';
import { M, demoFile, fact, ny } from './test-fixtures.js';

const H = 60 * M;
const actualFile = demoFile('acme.yaml');
const internalFile = demoFile('internal-only.yaml');
const since = ny('2026-09-01T00:00');
const actual = withRostersSince(actualFile, since);
const internalOnly = withRostersSince(internalFile, since);
const service = (e: Engagement, id: string): Service => {
  const s = e.services.find((x) => x.id === id);
  if (!s) throw new Error(id);
  return s;
};
const iso = (t: number | undefined) => (t === undefined ? undefined : new Date(t).toISOString());

describe('withRostersSince', () => {
  it('moves each rotation back by whole cycles of its pattern, so history meets the same roster', () => {
    const start = (e: Engagement, id: string) => e.schedules.find((s) => s.id === id)?.layers[0]?.rotation.start;
    // acme-primary: weekly, two people -> 14-day cycle; nightowl-noc: daily, three -> 21 days (rounded to whole weeks).
    expect(start(actual, 'acme-primary')).toBe('2026-08-24');
    expect(start(actual, 'nightowl-noc-oncall')).toBe('2026-08-30');
    expect(start(actual, 'nightowl-soc-oncall')).toBe('2026-08-24');
    // The same people on call as the file says, where the file has anyone.
    for (const id of ['acme-primary', 'nightowl-noc-oncall', 'nightowl-soc-oncall']) {
      const before = actualFile.schedules.find((s) => s.id === id);
      const after = actual.schedules.find((s) => s.id === id);
      if (!before || !after) throw new Error(id);
      for (const t of [ny('2026-11-10T10:00'), ny('2026-11-17T23:00'), ny('2026-11-21T12:00')])
        expect(onCallAt(after, t)).toEqual(onCallAt(before, t));
    }
    // Without the move, September would meet an empty schedule: the file's rotation has not begun.
    const asWritten = actualFile.schedules.find((s) => s.id === 'acme-primary');
    if (!asWritten) throw new Error('acme-primary');
    expect(onCallAt(asWritten, ny('2026-09-08T10:00'))).toEqual([]);
  });
});

describe('firstAttention', () => {
  it.each([
    [
      'payments, Tuesday 23:47, actual: the partner NOC at once',
      actual,
      'payments-api',
      '2026-09-08T23:47',
      '2026-09-08T23:47',
      'partner',
      'owner',
    ],
    [
      'payments, Tuesday 10:00, actual: Acme IT on call at once',
      actual,
      'payments-api',
      '2026-09-08T10:00',
      '2026-09-08T10:00',
      'internal',
      'owner',
    ],
    [
      'laptops, Tuesday 23:00, actual: Acme IT in the morning',
      actual,
      'laptops',
      '2026-09-08T23:00',
      '2026-09-09T08:00',
      'internal',
      'owner',
    ],
    [
      'payments, Tuesday 23:47, internal only: Wednesday 08:00',
      internalOnly,
      'payments-api',
      '2026-09-08T23:47',
      '2026-09-09T08:00',
      'internal',
      'owner',
    ],
    [
      'storefront, Friday 19:00, internal only: Monday 08:00',
      internalOnly,
      'storefront',
      '2026-09-11T19:00',
      '2026-09-14T08:00',
      'internal',
      'owner',
    ],
  ] as const)('%s', (_label, e, svc, opened, expected, side, via) => {
    const a = firstAttention(e, service(e, svc), ny(opened));
    expect({ at: iso(a?.at), side: a?.side, via: a?.via }).toEqual({ at: iso(ny(expected)), side, via });
  });

  it('overflow: with nobody on the internal schedule, the partner policy answers after overflow.after', () => {
    const late: Engagement = {
      ...actual,
      schedules: actual.schedules.map((s) =>
        s.id === 'acme-primary'
          ? { ...s, layers: s.layers.map((l) => ({ ...l, only: [{ days: [1, 2, 3, 4, 5], from: 12 * 60, to: 18 * 60 }] })) }
          : s,
      ),
    };
    const a = firstAttention(late, service(late, 'payments-api'), ny('2026-09-08T10:00'));
    expect({ at: iso(a?.at), side: a?.side, via: a?.via, policy: a?.policy.id }).toEqual({
      at: iso(ny('2026-09-08T10:10')),
      side: 'partner',
      via: 'overflow',
      policy: 'partner-noc',
    });
  });

  it('no policy for the owner: the incident waits for coverage to hand the function to a side that has one', () => {
    const noPolicy: Engagement = {
      ...actual,
      coverage: { ...actual.coverage, overflow: undefined },
      routing: { ...actual.routing, internal: { end_user: 'internal-helpdesk' } },
    };
    const a = firstAttention(noPolicy, service(noPolicy, 'payments-api'), ny('2026-09-08T10:00'));
    expect({ at: iso(a?.at), side: a?.side, via: a?.via }).toEqual({ at: iso(ny('2026-09-08T18:00')), side: 'partner', via: 'coverage' });
  });

  it('nobody, ever: null', () => {
    const empty: Engagement = { ...internalOnly, schedules: [], teams: [] };
    expect(firstAttention(empty, service(empty, 'payments-api'), ny('2026-09-08T10:00'))).toBeNull();
  });

  it('tier offsets follow the policy (internal-infra: tier 2 at 5m, a pass every 10m)', () => {
    const policy = actual.escalationPolicies.find((p) => p.id === 'internal-infra');
    if (!policy) throw new Error('policy');
    expect([tierOffsetMs(policy, 0, 0), tierOffsetMs(policy, 1, 0), tierOffsetMs(policy, 0, 1), tierOffsetMs(policy, 5, 9)]).toEqual([
      0,
      5 * M,
      10 * M,
      15 * M,
    ]);
  });
});

describe('simulate: after-hours incidents the partner acknowledged in 4 minutes become morning waits without it', () => {
  // Three nights the partner NOC answered in 4 minutes; three business days Acme IT answered in 6.
  const nights = ['2026-09-08T23:00', '2026-09-09T02:00', '2026-09-10T21:00'].map((t) =>
    fact({ service: 'payments-api', at: ny(t), side: 'partner', ackMin: 4 }),
  );
  const days = ['2026-09-08T10:00', '2026-09-09T11:00', '2026-09-10T14:00'].map((t) =>
    fact({ service: 'payments-api', at: ny(t), side: 'internal', ackMin: 6 }),
  );
  const options = { from: since, to: ny('2026-10-01T00:00'), firstResponseMs: 5 * M, now: ny('2026-11-01T00:00') };
  const report = simulate(actualFile, internalFile, [...days, ...nights], new Map(), options);
  const s = presentSimulation(report);

  it('learns each side’s response delay in its window, with the unattended wait taken out', () => {
    expect(s.model.response_delays).toEqual([
      { side: 'internal', window: 'business_hours', paged: true, n: 3, median_s: 360, mean_s: 360 },
      { side: 'partner', window: 'after_hours', paged: true, n: 3, median_s: 240, mean_s: 240 },
    ]);
    expect(s.model.tier_shares).toEqual([
      { side: 'internal', tier: 1, n: 3, share: 1 },
      { side: 'partner', tier: 1, n: 3, share: 1 },
    ]);
  });

  it('actual: MTTA 5m, nothing unattended, 1 minute late x 3 business-hours P1 incidents x 150 = 450, the September fee', () => {
    // P1: the full price expected and high, half of it low.
    expect(s.actual).toEqual({ mtta_s: 300, unattended_minutes: 0, exposure: 450, exposure_range: { low: 225, high: 450 }, fee: 18_000 });
    // The model reproduces this history exactly: its samples are this history.
    expect(s.model_check).toMatchObject({ mtta_s: 300, unattended_minutes: 0, exposure: 450 });
  });

  it('internal only: the nights wait for 08:00 (9h, 6h, 11h), then Acme IT answers in its usual 6 minutes', () => {
    const waits = [9 * H, 6 * H, 11 * H];
    // 541, 361 and 661 minutes late; each priced up to the 4h cap.
    const pricedMin = waits.map((w) => Math.min((w + 6 * M - 5 * M) / M, 240));
    const exposure = 450 + pricedMin.reduce((a, b) => a + b, 0) * 150;
    expect(s.alternative).toEqual({
      mtta_s: (waits.reduce((a, b) => a + b, 0) + 6 * 6 * M) / 6 / 1000,
      unattended_minutes: 26 * 60,
      exposure,
      exposure_range: { low: exposure / 2, high: exposure },
      fee: 0,
    });
    expect(s.alternative.exposure).toBe(108_450);
    // MTTA: (9h06 + 6h06 + 11h06 + 3 x 6m) / 6 = 266 minutes.
    expect(s.alternative.mtta_s).toBe(266 * 60);
    expect(s.difference).toEqual({ mtta_s: 266 * 60 - 300, unattended_minutes: 1560, exposure: 108_000, fee: -18_000 });
    expect(s.net).toEqual({
      exposure_avoided: 108_000,
      extra_fee: 18_000,
      net: 90_000,
      annualized_net: Math.round(((90_000 * 365) / 30) * 100) / 100,
      // At the low shares: (54,225 - 225) - 18,000.
      range: { low: 36_000, high: 90_000 },
      formula: 'net = (alternative exposure $108,450 - actual exposure $450) - (actual fee $18,000 - alternative fee $0) = $90,000',
    });
    expect(s.verdict).toMatch(
      /^Co-managed coverage pays for itself: on this history it avoided \$108,000 of downtime exposure for \$18,000 in fees, net \$90,000/,
    );
    // The three nights change by the same capped 4 hours; the earliest comes first.
    expect(s.top_changes[0]).toMatchObject({
      actual: { side: 'partner', acknowledged_after_s: 240, exposure: 0 },
      alternative: { side: 'internal', attended_at: iso(ny('2026-09-09T08:00')), unattended_minutes: 540, exposure: 240 * 150 },
    });
  });

  it('is deterministic', () => {
    expect(presentSimulation(simulate(actualFile, internalFile, [...nights, ...days], new Map(), options))).toEqual(s);
  });

  it('an incident that resolved by itself keeps its end; the verdict says when coverage does not pay', () => {
    const flap = fact({ service: 'payments-api', at: ny('2026-09-12T03:00'), side: 'partner', ackMin: null, resolveMin: 7 });
    const quiet = simulate(actualFile, internalFile, [...days, flap], new Map(), options);
    const q = presentSimulation(quiet);
    // Both: 2 minutes past first response at 150 — a flap costs the same whoever is on call.
    expect(q.actual.exposure - 450).toBe(300);
    expect(q.alternative.exposure - 450).toBe(300);
    expect(verdictOf(quiet)).toMatch(/^Co-managed coverage does not pay for itself on this history/);
  });
});

describe('the response model', () => {
  it('takes the tier that acknowledged from the escalation timeline, and the delay from its page', () => {
    const i = fact({ service: 'payments-api', at: ny('2026-09-08T10:00'), side: 'internal', ackMin: 8 });
    const model = observeResponses(
      actual,
      [i],
      new Map([
        [
          i.id,
          {
            paged: [
              { at: i.createdAt, policy: 'internal-infra', tier: 0, pass: 0 },
              { at: i.createdAt + 5 * M, policy: 'internal-infra', tier: 1, pass: 0 },
            ],
            escalationCount: null,
          },
        ],
      ]),
    );
    expect(model.samples).toEqual([
      { incidentId: i.id, side: 'internal', window: 'business_hours', paged: true, fn: 'infrastructure', tier: 1, pass: 0, delayMs: 3 * M },
    ]);
  });

  it('reads PagerDuty’s escalation count for imported incidents', () => {
    const i = fact({ service: 'payments-api', at: ny('2026-09-08T10:00'), side: 'internal', ackMin: 8 });
    const model = observeResponses(actual, [i], new Map([[i.id, { paged: [], escalationCount: 1 }]]));
    expect(model.samples[0]).toMatchObject({ tier: 1, delayMs: 3 * M });
  });

  it('an acknowledgement before anyone was on call counts as attended from the start', () => {
    const i = fact({ service: 'laptops', at: ny('2026-09-08T23:00'), side: 'internal', ackMin: 20 });
    expect(observeResponses(actual, [i], new Map()).samples[0]).toMatchObject({ side: 'internal', window: 'after_hours', delayMs: 20 * M });
  });

  it('a queue ticket does not teach how fast a page is answered', () => {
    const pages = ['2026-09-08T10:00', '2026-09-09T10:00', '2026-09-10T10:00'].map((t) =>
      fact({ service: 'payments-api', at: ny(t), side: 'internal', ackMin: 3 }),
    );
    const tickets = ['2026-09-08T11:00', '2026-09-09T11:00', '2026-09-10T11:00'].map((t) =>
      fact({ service: 'laptops', at: ny(t), side: 'internal', ackMin: 40, priority: 'P5' }),
    );
    const model = observeResponses(actual, [...pages, ...tickets], new Map());
    expect(samplesFor(model, 'internal', 'business_hours', true, 'cloud').samples.map((x) => x.delayMs)).toEqual([3 * M, 3 * M, 3 * M]);
    expect(samplesFor(model, 'internal', 'business_hours', false, 'end_user').samples.map((x) => x.delayMs)).toEqual([
      40 * M,
      40 * M,
      40 * M,
    ]);
  });

  it('widens from the function to the side, then the window, the kind, everything, until it has 3 responses', () => {
    const nights = ['2026-09-08T23:00', '2026-09-09T23:00', '2026-09-10T23:00'].map((t) =>
      fact({ service: 'payments-api', at: ny(t), side: 'partner', ackMin: 4 }),
    );
    const model = observeResponses(actual, nights, new Map());
    expect(samplesFor(model, 'partner', 'after_hours', true, 'infrastructure').basis).toBe('function_side_window');
    expect(samplesFor(model, 'partner', 'after_hours', true, 'cloud').basis).toBe('side_window');
    expect(samplesFor(model, 'partner', 'weekend', true, 'cloud').basis).toBe('side');
    expect(samplesFor(model, 'internal', 'after_hours', true, 'cloud').basis).toBe('window');
    expect(samplesFor(model, 'internal', 'weekend', true, 'cloud').basis).toBe('kind');
    expect(samplesFor(model, 'internal', 'weekend', false, 'end_user').basis).toBe('all');
    expect(samplesFor({ samples: [], delays: [], tierShares: [] }, 'internal', 'weekend', true, 'cloud')).toMatchObject({
      basis: 'none',
      samples: [{ delayMs: 0 }],
    });
  });
});

describe('proratedFee', () => {
  it('each calendar month contributes its covered share', () => {
    expect(proratedFee(18_000, 'America/New_York', ny('2026-09-01T00:00'), ny('2026-10-01T00:00'))).toBeCloseTo(18_000, 6);
    expect(proratedFee(18_000, 'America/New_York', ny('2026-09-16T00:00'), ny('2026-10-16T00:00'))).toBeCloseTo(
      18_000 * (15 / 30) + 18_000 * (15 / 31),
      6,
    );
  });
});
