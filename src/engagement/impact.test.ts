/**
 * The `risk:` section of the engagement file (issue 12): impact shares per
 * priority (a figure or a low / expected / high range, as a fraction or a
 * percentage) and the priced wait cap; defaults when absent; a diagnostic
 * for each broken variant.
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { DEFAULT_IMPACT_SHARES, DEFAULT_PRICED_WAIT_CAP_MS, impactShareOf } from './impact.js';
import { formatDiagnostic, loadEngagementText } from './index.js';

const DEMO = readFileSync('demo/acme.yaml', 'utf8');

function load(extra: string) {
  return loadEngagementText(`${DEMO}\n${extra}\n`, 'acme.yaml');
}

describe('the risk section', () => {
  it('without one, every priority of the matrix has its default share and the cap is 4h', () => {
    const { engagement, diagnostics } = load('');
    expect(diagnostics).toEqual([]);
    expect(engagement?.impactShares).toEqual({
      P1: { low: 0.5, expected: 1, high: 1 },
      P2: { low: 0.1, expected: 0.3, high: 0.5 },
      P3: { low: 0, expected: 0.05, high: 0.1 },
      P4: { low: 0, expected: 0, high: 0 },
      P5: { low: 0, expected: 0, high: 0 },
    });
    expect(engagement?.pricedWaitCapMs).toBe(DEFAULT_PRICED_WAIT_CAP_MS);
  });

  it('reads a share as a fraction, a percentage or a range, and the cap as a duration', () => {
    const { engagement, diagnostics } = load(
      ['risk:', '  impact_share:', '    P1: 80%', '    P2: { low: 5%, expected: 0.2, high: "40%" }', '  priced_wait_cap: 2h'].join('\n'),
    );
    expect(diagnostics.map(formatDiagnostic)).toEqual([]);
    expect(engagement?.impactShares?.['P1']).toEqual({ low: 0.8, expected: 0.8, high: 0.8 });
    expect(engagement?.impactShares?.['P2']).toEqual({ low: 0.05, expected: 0.2, high: 0.4 });
    expect(engagement?.impactShares?.['P3']).toEqual(DEFAULT_IMPACT_SHARES['P3']);
    expect(engagement?.pricedWaitCapMs).toBe(2 * 3_600_000);
  });

  it('refuses an unknown priority, a share above 100%, a range out of order and a zero cap', () => {
    const cases: Array<[string, RegExp]> = [
      ['risk:\n  impact_share:\n    P9: 50%', /unknown priority 'P9' in risk.impact_share/],
      ['risk:\n  impact_share:\n    P1: 150%', /risk\.impact_share\.P1|at most 100%/],
      ['risk:\n  impact_share:\n    P2: { low: 40%, expected: 30%, high: 50% }', /low <= expected <= high/],
      ['risk:\n  priced_wait_cap: 0m', /above 0/],
    ];
    for (const [yaml, message] of cases) {
      const { engagement, diagnostics } = load(yaml);
      expect(engagement, yaml).toBeUndefined();
      expect(diagnostics.map(formatDiagnostic).join('\n'), yaml).toMatch(message);
    }
  });

  it('an engagement stored before the section existed reads the defaults', () => {
    expect(impactShareOf({}, 'P2')).toEqual(DEFAULT_IMPACT_SHARES['P2']);
    expect(impactShareOf({}, 'URGENT')).toEqual({ low: 0, expected: 0, high: 0 });
  });
});
