/**
 * Business-hours SLA clocks on the demo engagement: New York, mon-fri
 * 08:00-18:00, US public holidays plus the 2026-12-24 and 2026-12-31
 * closures. Expected instants are wall-clock times through luxon, or UTC
 * where the DST offset is the point.
 */
import { describe, expect, it } from 'vitest';
import type { Sla } from '../engagement/model.js';
import type { SlaState } from './clock.js';
import { deadlineAt, elapsedMs, reachesAt, slaState, targetMs, thresholdInstants } from './clock.js';
import { H, M, NY, demo, history, input, internalOla, iso, sla, utc, wall } from './test-fixtures.js';

const ny = (local: string): number => wall(NY, local);
/** A business-hours resolve target for P1, pausing on the usual statuses. */
const business = (resolve: string, warnAt: readonly number[] = []): Sla =>
  sla({ clock: 'business_hours', targets: { P1: { resolve } }, warnAt });

describe('business-hours deadlines: nights, weekends, holidays, closures, DST', () => {
  // [label, target, opened (NY local), reached at, deadline]. They differ only
  // when the target runs out exactly at closing: stopping that evening is
  // still met, so the deadline is the next opening.
  it.each([
    ['Friday 17:30 + 1h breaches Monday 08:30', '1h', '2026-11-20T17:30', ny('2026-11-23T08:30'), ny('2026-11-23T08:30')],
    ['opened Saturday night, counts from Monday 08:00', '30m', '2026-11-21T03:00', ny('2026-11-23T08:30'), ny('2026-11-23T08:30')],
    ['across a night: Tue 15:00 + 8h = 3h + 5h', '8h', '2026-11-24T15:00', ny('2026-11-25T13:00'), ny('2026-11-25T13:00')],
    ['across Thanksgiving (Thu 2026-11-26)', '8h', '2026-11-25T15:00', ny('2026-11-27T13:00'), ny('2026-11-27T13:00')],
    ['"1d" is 10h: Mon 12:00 -> Tue 12:00', '1d', '2026-11-23T12:00', ny('2026-11-24T12:00'), ny('2026-11-24T12:00')],
    [
      '"1d" from Mon 08:00 runs out at 18:00, breaches at Tue 08:00',
      '1d',
      '2026-11-23T08:00',
      ny('2026-11-23T18:00'),
      ny('2026-11-24T08:00'),
    ],
    ['"1d" opened before hours counts from 08:00', '1d', '2026-11-23T06:15', ny('2026-11-23T18:00'), ny('2026-11-24T08:00')],
    [
      '"2d" = 20h: Tue 13:00 -> Tue 5h, Wed 10h, (Thanksgiving), Fri 5h',
      '2d',
      '2026-11-24T13:00',
      ny('2026-11-27T13:00'),
      ny('2026-11-27T13:00'),
    ],
    [
      '"2d" from Wed 08:00 runs out Fri 18:00, breaches Mon 08:00',
      '2d',
      '2026-11-25T08:00',
      ny('2026-11-27T18:00'),
      ny('2026-11-30T08:00'),
    ],
    ['Christmas Eve closure, Christmas, weekend', '8h', '2026-12-23T17:00', ny('2026-12-28T15:00'), ny('2026-12-28T15:00')],
    ["New Year closure (12-31) and New Year's Day", '2d', '2026-12-30T12:00', ny('2027-01-05T12:00'), ny('2027-01-05T12:00')],
    [
      'spring DST weekend: Fri 17:00 EST + 2h = Mon 09:00 EDT',
      '2h',
      '2026-03-06T17:00',
      utc('2026-03-09T13:00Z'),
      utc('2026-03-09T13:00Z'),
    ],
    ['opened in the DST night itself (Sun 01:30 EST)', '1h', '2026-03-08T01:30', utc('2026-03-09T13:00Z'), utc('2026-03-09T13:00Z')],
    ['fall DST weekend: Fri 17:00 EDT + 2h = Mon 09:00 EST', '2h', '2026-10-30T17:00', utc('2026-11-02T14:00Z'), utc('2026-11-02T14:00Z')],
    ['opened in the repeated hour (Sun 01:30 EDT)', '1h', '2026-11-01T05:30Z', utc('2026-11-02T14:00Z'), utc('2026-11-02T14:00Z')],
  ])('%s', (_label, target, opened, reached, deadline) => {
    const openedAt = opened.endsWith('Z') ? utc(opened) : ny(opened);
    const i = input({ sla: business(target), openedAt });
    const t = targetMs(demo, i.sla, 'P1', 'resolve');
    expect(t).not.toBeNull();
    expect(iso(reachesAt(i, t ?? 0))).toBe(iso(reached));
    expect(iso(deadlineAt(i))).toBe(iso(deadline));
    expect(iso(thresholdInstants(i).at(-1)?.at ?? null)).toBe(iso(deadline));
  });
});

describe('business-hours met or breached at the boundary', () => {
  const view = (s: SlaState): Record<string, unknown> => ({ status: s.status, elapsed: s.elapsedMs, breachedAt: iso(s.breachedAt) });
  // "1d" from Monday 08:00: the clock shows 10h from 18:00 until Tuesday 08:00.
  const open = ny('2026-11-23T08:00');
  it.each([
    ['resolved Mon 17:59', ny('2026-11-23T17:59'), { status: 'met', elapsed: 10 * H - M, breachedAt: null }],
    ['resolved Mon 18:00, exactly at the target', ny('2026-11-23T18:00'), { status: 'met', elapsed: 10 * H, breachedAt: null }],
    [
      'resolved Mon 20:00: no business time passed since 18:00',
      ny('2026-11-23T20:00'),
      { status: 'met', elapsed: 10 * H, breachedAt: null },
    ],
    ['resolved Tue 08:00', ny('2026-11-24T08:00'), { status: 'met', elapsed: 10 * H, breachedAt: null }],
    [
      'resolved Tue 08:00 plus 1 ms',
      ny('2026-11-24T08:00') + 1,
      { status: 'breached', elapsed: 10 * H + 1, breachedAt: iso(ny('2026-11-24T08:00')) },
    ],
    ['resolved Tue 09:00', ny('2026-11-24T09:00'), { status: 'breached', elapsed: 11 * H, breachedAt: iso(ny('2026-11-24T08:00')) }],
  ])('%s', (_label, resolvedAt, expected) => {
    const i = input({
      sla: business('1d'),
      openedAt: open,
      history: history([open, 'triggered'], [resolvedAt, 'resolved']),
      stoppedAt: resolvedAt,
    });
    expect(view(slaState(i, ny('2026-11-30T12:00')))).toEqual(expected);
  });

  it('internal OLA respond P2 1h, opened Friday 17:30', () => {
    const open = ny('2026-11-20T17:30');
    const respond = (ack: number | null): ReturnType<typeof input> =>
      input({
        sla: internalOla,
        kind: 'respond',
        priority: 'P2',
        openedAt: open,
        history: ack === null ? history([open, 'triggered']) : history([open, 'triggered'], [ack, 'acknowledged']),
        stoppedAt: ack,
      });
    // Saturday morning: only the 30 business minutes of Friday count.
    expect(slaState(respond(ny('2026-11-21T10:00')), ny('2026-11-23T12:00'))).toMatchObject({
      status: 'met',
      elapsedMs: 30 * M,
      percentUsed: 50,
    });
    expect(slaState(respond(ny('2026-11-23T08:31')), ny('2026-11-23T12:00'))).toMatchObject({
      status: 'breached',
      breachedAt: ny('2026-11-23T08:30'),
    });
    // Still open over the weekend: running, half used, breaches Monday 08:30.
    expect(slaState(respond(null), ny('2026-11-22T12:00'))).toMatchObject({
      status: 'running',
      elapsedMs: 30 * M,
      remainingMs: 30 * M,
      percentUsed: 50,
      deadline: ny('2026-11-23T08:30'),
      clock: 'business_hours',
    });
  });
});

describe('business-hours pauses count only their business part', () => {
  const open = ny('2026-11-24T12:00'); // Tuesday; 8h -> Tue 6h + Wed 2h
  const paused = (from: string, to: string): ReturnType<typeof input> =>
    input({
      sla: business('8h'),
      openedAt: open,
      history: history([open, 'triggered'], [ny(from), 'waiting_on_customer'], [ny(to), 'acknowledged']),
    });
  const pausedAllDay = business('8h');

  it.each([
    ['no pause', input({ sla: business('8h'), openedAt: open }), ny('2026-11-25T10:00')],
    ['2h pause 17:00-19:00, 1h of it business: shifts by 1h', paused('2026-11-24T17:00', '2026-11-24T19:00'), ny('2026-11-25T11:00')],
    ['3h pause at night: shifts nothing', paused('2026-11-24T20:00', '2026-11-24T23:00'), ny('2026-11-25T10:00')],
    ['pause Tue 17:00 - Wed 09:00: 2 business hours', paused('2026-11-24T17:00', '2026-11-25T09:00'), ny('2026-11-25T12:00')],
    ['2h pause inside business hours: shifts by 2h', paused('2026-11-24T13:00', '2026-11-24T15:00'), ny('2026-11-25T12:00')],
    [
      'pause over Thanksgiving: shifts nothing',
      input({
        sla: pausedAllDay,
        openedAt: ny('2026-11-25T15:00'),
        history: history(
          [ny('2026-11-25T15:00'), 'triggered'],
          [ny('2026-11-26T09:00'), 'waiting_on_vendor'],
          [ny('2026-11-26T17:00'), 'acknowledged'],
        ),
      }),
      ny('2026-11-27T13:00'),
    ],
  ])('%s', (_label, i, expected) => {
    expect(iso(deadlineAt(i))).toBe(iso(expected));
  });

  it('the same 2h pause shifts a 24x7 deadline by the full 2h', () => {
    const wall24 = sla({ clock: '24x7', targets: { P1: { resolve: '8h' } } });
    const h = history([open, 'triggered'], [ny('2026-11-24T17:00'), 'waiting_on_customer'], [ny('2026-11-24T19:00'), 'acknowledged']);
    expect(iso(deadlineAt(input({ sla: wall24, openedAt: open, history: h })))).toBe(iso(ny('2026-11-24T22:00')));
  });

  it('paused at the end: no deadline, business elapsed frozen', () => {
    const i = input({
      sla: business('8h'),
      openedAt: open,
      history: history([open, 'triggered'], [ny('2026-11-24T16:00'), 'waiting_on_customer']),
    });
    expect(slaState(i, ny('2026-11-27T12:00'))).toMatchObject({ status: 'paused', paused: true, elapsedMs: 4 * H, deadline: null });
  });
});

describe('business-hours warnings', () => {
  it('internal OLA P1 resolve 8h warns at 75% (6h): Fri 15:00 -> Mon 11:00, breaches Mon 13:00', () => {
    const open = ny('2026-11-20T15:00');
    const i = input({ sla: internalOla, openedAt: open });
    expect(thresholdInstants(i).map((x) => [x.kind, x.threshold, iso(x.at)])).toEqual([
      ['warning', 0.75, iso(ny('2026-11-23T11:00'))],
      ['breach', 1, iso(ny('2026-11-23T13:00'))],
    ]);
    expect(slaState(i, ny('2026-11-22T12:00')).warnings).toEqual([{ threshold: 0.75, at: null }]);
    expect(slaState(i, ny('2026-11-23T11:00')).warnings).toEqual([{ threshold: 0.75, at: ny('2026-11-23T11:00') }]);
  });

  it('a warning reached exactly at closing fires at closing, not the next morning', () => {
    // 50% of "1d" from Mon 13:00 is 5h: exactly Mon 18:00.
    const i = input({ sla: business('1d', [0.5]), openedAt: ny('2026-11-23T13:00') });
    expect(thresholdInstants(i).map((x) => iso(x.at))).toEqual([iso(ny('2026-11-23T18:00')), iso(ny('2026-11-24T13:00'))]);
  });
});

describe('long histories stay cheap', () => {
  it('a business clock open two years with 400 pauses', () => {
    const open = ny('2026-01-05T09:00');
    const h = history([open, 'triggered']);
    for (let d = 1; d <= 400; d++) {
      const day = open + d * 40 * H;
      h.push({ at: day, status: 'waiting_on_customer' }, { at: day + 3 * H, status: 'acknowledged' });
    }
    const i = input({ sla: business('2d'), openedAt: open, history: h });
    const now = ny('2028-01-05T12:00');
    const s = slaState(i, now);
    expect(s.status).toBe('breached');
    expect(s.elapsedMs).toBe(elapsedMs(i, now));
    // Its speed is measured by `npm run bench:compute`, not here.
  });
});
