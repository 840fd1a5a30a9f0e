/** What an import does to known findings: added, seen again, reopened, fixed, and what it leaves alone. */
import { describe, expect, it } from 'vitest';
import { DEFAULT_DEADLINES } from '../engagement/security.js';
import { finding } from './finding.js';
import type { ScanResult, ScannedFinding } from './finding.js';
import { planImport } from './plan.js';
import type { KnownFinding, PlanContext } from './plan.js';

const DAY = 86_400_000;
const NOW = Date.parse('2026-11-30T12:00:00Z');
const ctx: PlanContext = {
  now: NOW,
  policy: { deadlines: DEFAULT_DEADLINES, kev: 'due_date' },
  zone: 'UTC',
  kev: new Map([['CVE-2022-22965', '2022-04-25']]),
  serviceId: 'edr',
};

const f = (cve: string, pkg: string, asset = 'img', severity: ScannedFinding['severity'] = 'high'): ScannedFinding =>
  finding({
    scanner: 'trivy',
    cve,
    ruleId: cve,
    title: cve,
    severity,
    asset,
    package: pkg,
    location: null,
    installedVersion: null,
    fixedVersion: null,
  });
const scan = (findings: ScannedFinding[], assets = ['img']): ScanResult => ({ scanner: 'trivy', findings, assets, problems: [] });
const known = (x: ScannedFinding, id: number, over: Partial<KnownFinding> = {}): KnownFinding => ({
  id,
  fingerprint: x.fingerprint,
  scanner: 'trivy',
  asset: x.asset,
  status: 'open',
  firstSeen: NOW - 10 * DAY,
  severity: x.severity,
  kevDueDate: null,
  ...over,
});

describe('planImport', () => {
  it('a new finding is due by its deadline from now; a KEV CVE by the earlier KEV date; the service is kept', () => {
    const p = planImport(scan([f('CVE-2024-1', 'a'), f('CVE-2022-22965', 'spring-beans', 'img', 'critical')]), [], ctx);
    expect(p.added.map((a) => [a.cve, new Date(a.dueAt).toISOString(), a.kevDueDate, a.serviceId])).toEqual([
      ['CVE-2024-1', '2026-12-30T12:00:00.000Z', null, 'edr'],
      ['CVE-2022-22965', '2022-04-25T23:59:59.999Z', '2022-04-25', 'edr'],
    ]);
    expect(p.seen).toEqual([]);
    expect(p.fixed).toEqual([]);
  });

  it('a known finding is seen again: its first sighting stays, a new severity moves its deadline from then', () => {
    const a = f('CVE-2024-1', 'a', 'img', 'critical');
    const p = planImport(scan([a]), [known(a, 7, { severity: 'high' })], ctx);
    expect(p.seen).toEqual([expect.objectContaining({ id: 7, firstSeen: NOW - 10 * DAY, dueAt: NOW + 5 * DAY, reopened: false })]);
    expect(p.added).toEqual([]);
  });

  it('a fixed finding that is back is open again, first seen now', () => {
    const a = f('CVE-2024-1', 'a');
    const p = planImport(scan([a]), [known(a, 7, { status: 'fixed' })], ctx);
    expect(p.seen).toEqual([expect.objectContaining({ id: 7, firstSeen: NOW, reopened: true })]);
  });

  it('fixes what the same scanner no longer reports on an asset it covered, and nothing else', () => {
    const gone = f('CVE-2024-1', 'a');
    const stays = f('CVE-2024-2', 'b');
    const otherAsset = f('CVE-2024-3', 'c', 'other-img');
    const otherScanner = f('CVE-2024-4', 'd');
    const excepted = f('CVE-2024-5', 'e');
    const p = planImport(
      scan([stays], ['img']),
      [
        known(gone, 1),
        known(stays, 2),
        known(otherAsset, 3),
        known(otherScanner, 4, { scanner: 'grype' }),
        known(excepted, 5, { status: 'excepted' }),
        known(f('CVE-2024-6', 'f'), 6, { status: 'fixed' }),
      ],
      ctx,
    );
    expect(p.fixed).toEqual([1, 5]);
    expect(p.seen.map((s) => s.id)).toEqual([2]);
  });

  it('a clean scan of an asset fixes all its findings', () => {
    const a = f('CVE-2024-1', 'a');
    expect(planImport(scan([], ['IMG']), [known(a, 1)], ctx).fixed).toEqual([1]);
  });
});
