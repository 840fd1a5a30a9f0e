import { describe, expect, it } from 'vitest';
import { demoEngagement } from '../engagement/test-fixtures.js';
import { monthPeriod } from '../metrics/period.js';
import { coverageGaps, onCallStretches } from './oncall.js';

const iso = (t: number) => new Date(t).toISOString();

describe('on-call stretches of the demo engagement in November 2026', () => {
  const engagement = demoEngagement();
  const { from, to } = monthPeriod('2026-11', engagement.timezone);
  const stretches = onCallStretches(engagement, from, to);

  it('cover every minute of the period once per function and side, with exactly one owning side at a time', () => {
    for (const fn of Object.keys(engagement.coverage.functions)) {
      for (const side of ['internal', 'partner'] as const) {
        const mine = stretches.filter((s) => s.function === fn && s.side === side);
        expect(mine[0]?.start).toBe(from);
        expect(mine[mine.length - 1]?.end).toBe(to);
        for (let k = 1; k < mine.length; k++) expect(mine[k]?.start).toBe(mine[k - 1]?.end);
      }
      const owned = stretches.filter((s) => s.function === fn && s.owns).reduce((n, s) => n + s.end - s.start, 0);
      expect(owned, fn).toBe(to - from);
    }
  });

  it('name who the first tier pages: the rotation on call, a whole team, nobody outside a layer', () => {
    const at = (fn: string, side: string, t: string) =>
      stretches.find((s) => s.function === fn && s.side === side && s.start <= Date.parse(t) && Date.parse(t) < s.end);
    // Monday 2026-11-02 10:00 New York: Dana has acme-primary's first week; infrastructure is internal's.
    expect(at('infrastructure', 'internal', '2026-11-02T15:00:00Z')).toMatchObject({
      owns: true,
      window: 'business_hours',
      onCall: ['Dana Reyes'],
    });
    // The same hour NightOwl's NOC rota has someone, but the partner does not own infrastructure in business hours.
    expect(at('infrastructure', 'partner', '2026-11-02T15:00:00Z')).toMatchObject({ owns: false, policy: 'partner-noc' });
    // end_user pages the acme-it team: its members, every minute.
    expect(stretches.filter((s) => s.function === 'end_user' && s.side === 'internal').every((s) => s.onCall.length > 0)).toBe(true);
  });

  it('list the gaps: before each rotation starts, the owning side has nobody to page', () => {
    expect(coverageGaps(stretches).map((g) => [g.function, g.side, g.window, iso(g.start), iso(g.end)])).toEqual([
      // acme-primary's rotation starts Monday 2026-11-02 at its 09:00 handoff; business hours start at 08:00.
      ['infrastructure', 'internal', 'business_hours', '2026-11-02T13:00:00.000Z', '2026-11-02T14:00:00.000Z'],
      // nightowl-noc-oncall (UTC) starts 2026-11-01 at its 18:00 handoff; the month starts at midnight New York (04:00 UTC).
      ['infrastructure', 'partner', 'weekend', '2026-11-01T04:00:00.000Z', '2026-11-01T18:00:00.000Z'],
      ['cloud', 'partner', 'weekend', '2026-11-01T04:00:00.000Z', '2026-11-01T18:00:00.000Z'],
      // nightowl-soc-oncall starts Monday 2026-11-02 00:00 New York (05:00 UTC): all of Sunday is a gap.
      ['security', 'partner', 'weekend', '2026-11-01T04:00:00.000Z', '2026-11-02T05:00:00.000Z'],
    ]);
  });

  it('have no gaps where the rotas run', () => {
    const december = monthPeriod('2026-12', engagement.timezone);
    expect(coverageGaps(onCallStretches(engagement, december.from, december.to))).toEqual([]);
  });
});
