import { describe, expect, it } from 'vitest';
import type { IncidentStatus } from '../incident/store.js';
import type { SlaState, StatusChange } from './clock.js';
import { businessDayMs, deadlineAt, elapsedMs, reachesAt, slaState, slasFor, targetMs, thresholdInstants } from './clock.js';
import { H, M, NY, S, demo, engagementIn, history, input, internalOla, iso, partnerSla, sla, utc, wall, weekly } from './test-fixtures.js';

const ny = (local: string): number => wall(NY, local);
/** Tuesday 23:47, the story in PRODUCT.md. */
const T = ny('2026-11-24T23:47');
/** T plus minutes. */
const at = (min: number): number => T + min * M;

/** The fields a table row checks, instants as ISO for readable failures. */
function view(s: SlaState): Record<string, unknown> {
  return {
    status: s.status,
    elapsed: s.elapsedMs,
    remaining: s.remainingMs,
    percent: s.percentUsed,
    paused: s.paused,
    deadline: iso(s.deadline),
    breachedAt: iso(s.breachedAt),
  };
}

describe('targetMs and businessDayMs', () => {
  const nightShift = engagementIn(NY, { extra: [] }, weekly('mon-fri', '22:00', '06:00'));
  const allDay = engagementIn(NY, { extra: [] }, weekly('mon-sun', '00:00', '24:00'));
  const business = (text: string): ReturnType<typeof sla> => sla({ clock: 'business_hours', targets: { P1: { resolve: text } } });

  it.each([
    ['24x7 respond P1 15m', demo, partnerSla, 'P1', 'respond', 15 * M],
    ['24x7 resolve P3 3d = 72h of wall time', demo, partnerSla, 'P3', 'resolve', 72 * H],
    ['business resolve P1 8h is 8 business hours', demo, internalOla, 'P1', 'resolve', 8 * H],
    ['business resolve P2 2d = two 10h business days', demo, internalOla, 'P2', 'resolve', 20 * H],
    ['business "1d" = 10h for 08:00-18:00', demo, business('1d'), 'P1', 'resolve', 10 * H],
    ['business "1d" = 8h for a 22:00-06:00 night shift', nightShift, business('1d'), 'P1', 'resolve', 8 * H],
    ['business "1d" = 24h for 00:00-24:00', allDay, business('1d'), 'P1', 'resolve', 24 * H],
    [
      'business "1.5d" = 15h',
      demo,
      { ...business('1d'), targets: { P1: { resolve: { text: '1.5d', n: 1.5, unit: 'd', ms: 36 * H } } } },
      'P1',
      'resolve',
      15 * H,
    ],
    ['business minutes as written', demo, business('90m'), 'P1', 'resolve', 90 * M],
    ['priority without a target', demo, partnerSla, 'P4', 'resolve', null],
    ['priority the internal OLA does not cover', demo, internalOla, 'P3', 'respond', null],
    ['kind missing for that priority', demo, sla({ targets: { P3: { resolve: '3d' } } }), 'P3', 'respond', null],
    ['a priority named like an Object.prototype member', demo, partnerSla, 'constructor', 'respond', null],
  ] as const)('%s', (_label, engagement, s, priority, kind, expected) => {
    expect(targetMs(engagement, s, priority, kind)).toBe(expected);
  });

  it('business day length', () => {
    expect(businessDayMs(demo)).toBe(10 * H);
    expect(businessDayMs(nightShift)).toBe(8 * H);
    expect(businessDayMs(allDay)).toBe(24 * H);
  });
});

describe('slasFor', () => {
  it('picks the SLAs of the side that owns the incident at opening', () => {
    expect(slasFor(demo, 'partner').map((s) => s.id)).toEqual(['partner-sla']);
    expect(slasFor(demo, 'internal').map((s) => s.id)).toEqual(['internal-ola']);
  });
});

describe('24x7 respond, P1 15m: met or breached', () => {
  // [label, acknowledged at (+min, null = not yet), now (+min), expected]
  const rows: ReadonlyArray<readonly [string, number | null, number, Record<string, unknown>]> = [
    [
      'acknowledged at 14m',
      14,
      60,
      { status: 'met', elapsed: 14 * M, remaining: M, percent: 93.3, paused: false, deadline: null, breachedAt: null },
    ],
    [
      'acknowledged exactly at 15m is met',
      15,
      60,
      { status: 'met', elapsed: 15 * M, remaining: 0, percent: 100, paused: false, deadline: null, breachedAt: null },
    ],
    [
      'acknowledged 1 ms after 15m is breached',
      15 + 1 / 60_000,
      60,
      {
        status: 'breached',
        elapsed: 15 * M + 1,
        remaining: -1,
        percent: 100,
        paused: false,
        deadline: iso(at(15)),
        breachedAt: iso(at(15)),
      },
    ],
    [
      'acknowledged at 40m',
      40,
      60,
      {
        status: 'breached',
        elapsed: 40 * M,
        remaining: -25 * M,
        percent: 266.7,
        paused: false,
        deadline: iso(at(15)),
        breachedAt: iso(at(15)),
      },
    ],
    [
      'not acknowledged, 10m in',
      null,
      10,
      { status: 'running', elapsed: 10 * M, remaining: 5 * M, percent: 66.7, paused: false, deadline: iso(at(15)), breachedAt: null },
    ],
    [
      'not acknowledged, exactly 15m in',
      null,
      15,
      { status: 'running', elapsed: 15 * M, remaining: 0, percent: 100, paused: false, deadline: iso(at(15)), breachedAt: null },
    ],
    [
      'not acknowledged, 20m in',
      null,
      20,
      {
        status: 'breached',
        elapsed: 20 * M,
        remaining: -5 * M,
        percent: 133.3,
        paused: false,
        deadline: iso(at(15)),
        breachedAt: iso(at(15)),
      },
    ],
    [
      'replayed before the acknowledgement happened',
      14,
      12,
      { status: 'running', elapsed: 12 * M, remaining: 3 * M, percent: 80, paused: false, deadline: iso(at(15)), breachedAt: null },
    ],
    [
      'replayed before the opening',
      14,
      -5,
      { status: 'running', elapsed: 0, remaining: 15 * M, percent: 0, paused: false, deadline: iso(at(15)), breachedAt: null },
    ],
  ];
  it.each(rows)('%s', (_label, ackMin, nowMin, expected) => {
    const ack = ackMin === null ? null : Math.round(at(ackMin));
    const h: StatusChange[] = [{ at: T, status: 'triggered' }];
    if (ack !== null) h.push({ at: ack, status: 'acknowledged' });
    const s = slaState(input({ sla: partnerSla, kind: 'respond', openedAt: T, history: h, stoppedAt: ack }), at(nowMin));
    expect(view(s)).toEqual(expected);
    expect(s).toMatchObject({ sla: 'partner-sla', kind: 'respond', priority: 'P1', clock: '24x7', targetMs: 15 * M });
  });

  it('a respond clock stops when the incident is resolved without an acknowledgement', () => {
    const s = slaState(
      input({ sla: partnerSla, kind: 'respond', openedAt: T, history: history([T, 'triggered'], [at(10), 'resolved']) }),
      at(60),
    );
    expect(view(s)).toMatchObject({ status: 'met', elapsed: 10 * M });
  });
});

describe('24x7 counts real time across DST', () => {
  it.each([
    // 00:30 EST + 4h real = 05:30 EDT (the 02:00-03:00 hour does not exist)
    ['spring forward', ny('2026-03-08T00:30'), '2026-03-08T09:30:00.000Z'],
    // 00:30 EDT + 4h real = 03:30 EST (01:00-02:00 happens twice)
    ['fall back', ny('2026-11-01T00:30'), '2026-11-01T08:30:00.000Z'],
  ])('%s: P1 resolve 4h', (_label, open, expected) => {
    expect(iso(deadlineAt(input({ sla: partnerSla, openedAt: open })))).toBe(expected);
    expect(slaState(input({ sla: partnerSla, openedAt: open }), utc(expected)).elapsedMs).toBe(4 * H);
  });
});

describe('pauses', () => {
  const open = ny('2026-11-24T10:00'); // Tuesday
  const t = (hhmm: string): number => ny(`2026-11-24T${hhmm}`);
  const wait = (status: IncidentStatus, from: string, to: string): StatusChange[] =>
    history([open, 'triggered'], [open + 5 * M, 'acknowledged'], [t(from), status], [t(to), 'acknowledged']);
  const noPauses = sla({ targets: { P1: { resolve: '4h' } }, pauseWhile: [] });

  it.each([
    ['no pause: 4h after opening', partnerSla, history([open, 'triggered']), '2026-11-24T19:00:00.000Z'],
    [
      '2h waiting on customer shifts a 24x7 deadline by 2h',
      partnerSla,
      wait('waiting_on_customer', '11:00', '13:00'),
      '2026-11-24T21:00:00.000Z',
    ],
    ['waiting on vendor pauses too', partnerSla, wait('waiting_on_vendor', '11:00', '13:00'), '2026-11-24T21:00:00.000Z'],
    ['an SLA without pause_while keeps counting', noPauses, wait('waiting_on_customer', '11:00', '13:00'), '2026-11-24T19:00:00.000Z'],
    [
      'two pauses add up',
      partnerSla,
      [...wait('waiting_on_customer', '11:00', '12:00'), ...history([t('12:30'), 'waiting_on_vendor'], [t('13:00'), 'acknowledged'])],
      '2026-11-24T20:30:00.000Z',
    ],
  ])('%s', (_label, s, h, expected) => {
    expect(iso(deadlineAt(input({ sla: s, openedAt: open, history: h })))).toBe(expected);
  });

  it('while paused: no deadline, elapsed frozen, no projected warnings', () => {
    const i = input({ sla: partnerSla, openedAt: open, history: history([open, 'triggered'], [t('11:00'), 'waiting_on_customer']) });
    for (const now of [t('11:00'), t('15:00'), ny('2026-11-30T12:00')]) {
      expect(view(slaState(i, now))).toEqual({
        status: 'paused',
        elapsed: H,
        remaining: 3 * H,
        percent: 25,
        paused: true,
        deadline: null,
        breachedAt: null,
      });
    }
    expect(deadlineAt(i)).toBeNull();
    expect(thresholdInstants(i).map((x) => x.at)).toEqual([null, null, null, null]);
    // Paused exactly now: the entry at `now` already applies.
    expect(slaState(i, t('11:00')).paused).toBe(true);
  });

  it('paused after breaching: breached and paused', () => {
    const i = input({ sla: partnerSla, openedAt: open, history: history([open, 'triggered'], [t('15:00'), 'waiting_on_customer']) });
    expect(view(slaState(i, t('18:00')))).toEqual({
      status: 'breached',
      elapsed: 5 * H,
      remaining: -H,
      percent: 125,
      paused: true,
      deadline: iso(t('14:00')),
      breachedAt: iso(t('14:00')),
    });
  });

  it('a pause that starts exactly when the target runs out holds the clock at 100%', () => {
    const paused = history([open, 'triggered'], [t('14:00'), 'waiting_on_customer']);
    // Resolved while still waiting: the clock never counted past 4h.
    const met = input({
      sla: partnerSla,
      openedAt: open,
      history: [...paused, ...history([t('18:00'), 'resolved'])],
      stoppedAt: t('18:00'),
    });
    expect(view(slaState(met, t('19:00')))).toMatchObject({ status: 'met', elapsed: 4 * H, percent: 100 });
    // Back to work at 16:00: the clock passes the target at once.
    const resumed = input({ sla: partnerSla, openedAt: open, history: [...paused, ...history([t('16:00'), 'acknowledged'])] });
    expect(view(slaState(resumed, t('15:00')))).toMatchObject({ status: 'paused', elapsed: 4 * H, remaining: 0, deadline: null });
    expect(view(slaState(resumed, t('16:00')))).toMatchObject({ status: 'running', elapsed: 4 * H, deadline: iso(t('16:00')) });
    expect(view(slaState(resumed, t('16:30')))).toMatchObject({ status: 'breached', elapsed: 4.5 * H, breachedAt: iso(t('16:00')) });
  });

  it('a pause before the acknowledgement pauses a respond clock', () => {
    const i = input({
      sla: partnerSla,
      kind: 'respond',
      openedAt: T,
      history: history([T, 'triggered'], [at(5), 'waiting_on_vendor'], [at(35), 'triggered']),
    });
    expect(iso(deadlineAt(i))).toBe(iso(at(45)));
  });
});

describe('warnings at 50%, 75%, 90% of P1 respond 15m', () => {
  const running = input({ sla: partnerSla, kind: 'respond', openedAt: T });
  const warnAt = (s: SlaState): Array<string | null> => s.warnings.map((w) => iso(w.at));

  it.each([
    [7.5 - 1 / 60_000, [null, null, null]],
    [7.5, [iso(at(7.5)), null, null]],
    [11.25, [iso(at(7.5)), iso(at(11.25)), null]],
    [13.5, [iso(at(7.5)), iso(at(11.25)), iso(at(13.5))]],
    [60, [iso(at(7.5)), iso(at(11.25)), iso(at(13.5))]],
  ])('at +%s min', (nowMin, expected) => {
    expect(warnAt(slaState(running, Math.round(at(nowMin))))).toEqual(expected);
  });

  it('thresholdInstants projects the running clock: warnings and the breach', () => {
    expect(thresholdInstants(running).map((x) => [x.kind, x.threshold, iso(x.at)])).toEqual([
      ['warning', 0.5, iso(at(7.5))],
      ['warning', 0.75, iso(at(11.25))],
      ['warning', 0.9, iso(at(13.5))],
      ['breach', 1, iso(at(15))],
    ]);
  });

  it('stopped at 12m: the 90% warning and the breach never happen', () => {
    const stopped = input({
      sla: partnerSla,
      kind: 'respond',
      openedAt: T,
      history: history([T, 'triggered'], [at(12), 'acknowledged']),
      stoppedAt: at(12),
    });
    expect(thresholdInstants(stopped).map((x) => iso(x.at))).toEqual([iso(at(7.5)), iso(at(11.25)), null, null]);
  });

  it('each threshold is crossed once, at one instant, as time and history advance (pause across 75%)', () => {
    // Waiting on the customer from 10m to 20m: 75% moves to 21m15s, 90% to 23m30s, the breach to 25m.
    const full = history([T, 'triggered'], [at(10), 'waiting_on_customer'], [at(20), 'triggered'], [at(25) + 1, 'acknowledged']);
    const seen = new Map<number, Set<number>>();
    let crossed = 0;
    for (let now = T; now <= at(30); now += S) {
      // The engine only knows the history up to `now`.
      const known = full.filter((h) => h.at <= now);
      const ack = known.find((h) => h.status === 'acknowledged')?.at ?? null;
      const s = slaState(input({ sla: partnerSla, kind: 'respond', openedAt: T, history: known, stoppedAt: ack }), now);
      const n = s.warnings.filter((w) => w.at !== null).length;
      expect(n).toBeGreaterThanOrEqual(crossed); // never un-crossed
      crossed = n;
      for (const w of s.warnings) {
        if (w.at === null) continue;
        const instants = seen.get(w.threshold) ?? new Set<number>();
        instants.add(w.at);
        seen.set(w.threshold, instants);
      }
    }
    expect([...seen].map(([k, v]) => [k, [...v].map(iso)])).toEqual([
      [0.5, [iso(at(7.5))]],
      [0.75, [iso(at(21.25))]],
      [0.9, [iso(at(23.5))]],
    ]);
    const final = slaState(input({ sla: partnerSla, kind: 'respond', openedAt: T, history: full, stoppedAt: at(25) + 1 }), at(30));
    expect(view(final)).toMatchObject({ status: 'breached', elapsed: 15 * M + 1, breachedAt: iso(at(25)) });
  });

  it('warn_at given out of order still maps each threshold to its own instant', () => {
    const s = sla({ targets: { P1: { respond: '15m' } }, warnAt: [0.9, 0.5] });
    expect(thresholdInstants(input({ sla: s, kind: 'respond', openedAt: T })).map((x) => [x.threshold, iso(x.at)])).toEqual([
      [0.9, iso(at(13.5))],
      [0.5, iso(at(7.5))],
      [1, iso(at(15))],
    ]);
  });
});

describe('re-targeting on priority change', () => {
  // History does not record priorities: the clock always uses the current one.
  const respond = (priority: string): ReturnType<typeof input> => input({ sla: partnerSla, kind: 'respond', priority, openedAt: T });
  const resolve = (priority: string): ReturnType<typeof input> => input({ sla: partnerSla, kind: 'resolve', priority, openedAt: T });

  it.each([
    [
      'P2 respond 30m, 20m in: running',
      respond('P2'),
      20,
      { status: 'running', elapsed: 20 * M, remaining: 10 * M, percent: 66.7, paused: false, deadline: iso(at(30)), breachedAt: null },
    ],
    [
      'raised to P1 (15m) 20m in: breached at the 15m mark',
      respond('P1'),
      20,
      {
        status: 'breached',
        elapsed: 20 * M,
        remaining: -5 * M,
        percent: 133.3,
        paused: false,
        deadline: iso(at(15)),
        breachedAt: iso(at(15)),
      },
    ],
    [
      'P1 respond breached at 20m, lowered to P3 (4h): running again',
      respond('P3'),
      20,
      { status: 'running', elapsed: 20 * M, remaining: 220 * M, percent: 8.3, paused: false, deadline: iso(at(240)), breachedAt: null },
    ],
    [
      'P1 resolve 4h, 3h in',
      resolve('P1'),
      180,
      { status: 'running', elapsed: 3 * H, remaining: H, percent: 75, paused: false, deadline: iso(at(240)), breachedAt: null },
    ],
    [
      'lowered to P3 (3d): the deadline extends, elapsed kept',
      resolve('P3'),
      180,
      { status: 'running', elapsed: 3 * H, remaining: 69 * H, percent: 4.2, paused: false, deadline: iso(at(72 * 60)), breachedAt: null },
    ],
    [
      'lowered to P4: no target, not applicable',
      resolve('P4'),
      180,
      { status: 'not_applicable', elapsed: 3 * H, remaining: null, percent: null, paused: false, deadline: null, breachedAt: null },
    ],
  ] as const)('%s', (_label, i, nowMin, expected) => {
    expect(view(slaState(i, at(nowMin)))).toEqual(expected);
  });

  it('warnings follow the new target: P2 -> P1 at 10m crosses 50% (7m30s) retroactively', () => {
    expect(slaState(respond('P2'), at(10)).warnings.map((w) => iso(w.at))).toEqual([null, null, null]);
    expect(slaState(respond('P1'), at(10)).warnings.map((w) => iso(w.at))).toEqual([iso(at(7.5)), null, null]);
  });

  it('not applicable: no thresholds, no deadline', () => {
    expect(thresholdInstants(resolve('P4'))).toEqual([]);
    expect(deadlineAt(resolve('P4'))).toBeNull();
    expect(slaState(input({ sla: internalOla, priority: 'P3', openedAt: T }), at(5))).toMatchObject({
      status: 'not_applicable',
      targetMs: null,
      warnings: [],
    });
  });
});

describe('elapsedMs, reachesAt and history checks', () => {
  const i = input({
    sla: partnerSla,
    openedAt: T,
    history: history([T, 'triggered'], [at(10), 'waiting_on_customer'], [at(20), 'acknowledged'], [at(30), 'resolved']),
    stoppedAt: at(30),
  });

  it.each([
    [-10, 0],
    [0, 0],
    [5, 5 * M],
    [15, 10 * M],
    [25, 15 * M],
    [30, 20 * M],
    [600, 20 * M],
  ])('elapsed at +%s min', (untilMin, expected) => {
    expect(elapsedMs(i, at(untilMin))).toBe(expected);
  });

  it('reachesAt: past, projected, never', () => {
    expect(reachesAt(i, 0)).toBe(T);
    expect(reachesAt(i, 10 * M)).toBe(at(10));
    expect(reachesAt(i, 12 * M)).toBe(at(22));
    expect(reachesAt(i, 20 * M)).toBe(at(30));
    expect(reachesAt(i, 20 * M + 1)).toBeNull();
    expect(reachesAt(input({ sla: partnerSla, openedAt: T }), 5 * H)).toBe(at(300));
  });

  it('time before the first entry counts as triggered; entries before opening only set the status', () => {
    expect(elapsedMs(input({ sla: partnerSla, openedAt: T, history: [] }), at(7))).toBe(7 * M);
    expect(elapsedMs(input({ sla: partnerSla, openedAt: T, history: history([at(3), 'acknowledged']) }), at(7))).toBe(7 * M);
    expect(
      elapsedMs(input({ sla: partnerSla, openedAt: T, history: history([at(-5), 'waiting_on_customer'], [at(4), 'triggered']) }), at(7)),
    ).toBe(3 * M);
  });

  it('rejects a history out of order', () => {
    expect(() =>
      elapsedMs(input({ sla: partnerSla, openedAt: T, history: history([at(5), 'acknowledged'], [at(1), 'triggered']) }), at(7)),
    ).toThrow(RangeError);
  });
});
