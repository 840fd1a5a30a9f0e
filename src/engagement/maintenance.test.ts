/**
 * The `maintenance:` section of the engagement file (issue 13): each broken
 * window is reported at its line and column with what would be right:
 * unknown services, an end at or before the start, a rule outside the
 * supported subset, a start that is not an occurrence of its own rule, a
 * missing reason, a date-time that is neither local nor an instant.
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { formatDiagnostic, loadEngagementText } from './index.js';

const DEMO = readFileSync('demo/acme.yaml', 'utf8');
/** The line the first appended line has. */
const FIRST = DEMO.split('\n').length + 1;

function problems(lines: readonly string[]): string[] {
  return loadEngagementText(`${DEMO}\n${lines.join('\n')}\n`, 'configs/acme.yaml').diagnostics.map(formatDiagnostic);
}

/** "configs/acme.yaml:L:C: " of `token` on appended line `n` (0 = `maintenance:`). */
function at(lines: readonly string[], n: number, token: string): string {
  const col = (lines[n] ?? '').indexOf(token) + 1;
  return `configs/acme.yaml:${FIRST + n}:${col}: `;
}

describe('the maintenance section', () => {
  it("loads the issue's windows (local times in the engagement's zone)", () => {
    const { engagement, diagnostics } = loadEngagementText(
      `${DEMO}\nmaintenance:\n  - { services: [payments-api], from: "2026-12-06T01:00", to: "2026-12-06T05:00", reason: "ERP upgrade" }\n  - { services: [storefront], from: "2026-12-06T02:00", to: "2026-12-06T03:00", rrule: "FREQ=WEEKLY;BYDAY=SU", reason: "weekly patching" }\n`,
      'configs/acme.yaml',
    );
    expect(diagnostics.map(formatDiagnostic)).toEqual([]);
    expect(engagement?.maintenance?.[0]).toEqual({
      services: ['payments-api'],
      reason: 'ERP upgrade',
      from: '2026-12-06T01:00',
      to: '2026-12-06T05:00',
      start: Date.parse('2026-12-06T06:00:00Z'), // America/New_York, EST
      end: Date.parse('2026-12-06T10:00:00Z'),
    });
    expect(engagement?.maintenance?.[1]?.rrule).toMatchObject({ text: 'FREQ=WEEKLY;BYDAY=SU', freq: 'WEEKLY', lengthMs: 3_600_000 });
  });

  it('reports an unknown service with the services there are', () => {
    const lines = [
      'maintenance:',
      '  - { services: [payments-api, erp], from: "2026-12-06T01:00", to: "2026-12-06T05:00", reason: "ERP upgrade" }',
    ];
    expect(problems(lines)).toEqual([
      `${at(lines, 1, 'erp')}unknown service 'erp' in maintenance[0]; services: payments-api, storefront, edr, laptops`,
    ]);
  });

  it('reports an end at or before the start, also across local and instant forms', () => {
    const lines = [
      'maintenance:',
      '  - { services: [edr], from: "2026-12-06T05:00", to: "2026-12-06T05:00", reason: "none" }',
      '  - { services: [edr], from: "2026-12-06T05:00", to: "2026-12-06T09:30Z", reason: "04:30 New York" }',
    ];
    expect(problems(lines)).toEqual([
      `${at(lines, 1, '"2026-12-06T05:00", reason')}the window ends (2026-12-06T05:00) at or before it starts (2026-12-06T05:00); 'to' must be after 'from'`,
      `${at(lines, 2, '"2026-12-06T09:30Z"')}the window ends (2026-12-06T09:30Z) at or before it starts (2026-12-06T05:00); 'to' must be after 'from'`,
    ]);
  });

  it('refuses rules outside the subset, at the rule', () => {
    const lines = [
      'maintenance:',
      '  - { services: [edr], from: "2026-12-06T01:00", to: "2026-12-06T02:00", rrule: "FREQ=YEARLY", reason: "yearly" }',
      '  - { services: [edr], from: "2026-12-06T01:00", to: "2026-12-06T02:00", rrule: "FREQ=WEEKLY;BYHOUR=2", reason: "hourly" }',
    ];
    expect(problems(lines)).toEqual([
      `${at(lines, 1, '"FREQ=YEARLY"')}FREQ=YEARLY is not supported: use FREQ=DAILY, WEEKLY or MONTHLY`,
      `${at(lines, 2, '"FREQ=WEEKLY;BYHOUR=2"')}BYHOUR is not supported: Tandem reads FREQ=DAILY|WEEKLY|MONTHLY with INTERVAL, BYDAY, COUNT or UNTIL, e.g. "FREQ=WEEKLY;BYDAY=SU"`,
    ]);
  });

  it('refuses a start that is not an occurrence of its rule', () => {
    const lines = [
      'maintenance:',
      '  - { services: [edr], from: "2026-12-05T02:00", to: "2026-12-05T03:00", rrule: "FREQ=WEEKLY;BYDAY=SU", reason: "patching" }',
    ];
    expect(problems(lines)).toEqual([
      `${at(lines, 1, '"2026-12-05T02:00"')}from (2026-12-05T02:00, a SA) is not an occurrence of rrule "FREQ=WEEKLY;BYDAY=SU": start the window on the rule's first occurrence`,
    ]);
  });

  it('requires a reason and dates it can read', () => {
    const lines = [
      'maintenance:',
      '  - { services: [edr], from: "2026-12-06T01:00", to: "2026-12-06T02:00" }',
      '  - { services: [edr], from: "6 Dec 2026", to: "2026-12-06T02:00", reason: "x" }',
      '  - { services: [], from: "2026-12-06T01:00", to: "2026-12-06T02:00", reason: "" }',
    ];
    const got = problems(lines);
    expect(got).toHaveLength(4);
    expect(got[0]).toMatch(new RegExp(`^configs/acme.yaml:${FIRST + 1}:\\d+: missing required key 'reason'`));
    expect(got[1]).toBe(
      `${at(lines, 2, '"6 Dec 2026"')}bad date-time "6 Dec 2026": expected local "YYYY-MM-DDTHH:MM" in the engagement's time zone, e.g. "2026-12-06T01:00", or an instant with Z or an offset, e.g. "2026-12-06T00:00Z"`,
    );
    expect(got[2]).toBe(`${at(lines, 3, '[]')}list at least one service, e.g. services: [erp]`);
    expect(got[3]).toBe(`${at(lines, 3, '""')}must not be empty: say why, e.g. "ERP upgrade"`);
  });
});
