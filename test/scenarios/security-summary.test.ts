/**
 * The security summary behind the dashboard's Security view (issue 11,
 * point 5), on every database. Saturday 02:10 in New York a web server on
 * web-01 spawns `whoami` (SigmaHQ's "Linux Webshell Indicators", through
 * POST /integrations/security/{key}); the same morning the SOC imports a
 * Trivy scan of the fluentd image (one critical, one high, one low) and,
 * with CISA's KEV catalog loaded, one of the Spring4Shell image, whose KEV
 * due date is long past. GET /api/v1/security then shows the open detection
 * with its incident, rule and ATT&CK technique, the findings by severity,
 * one overdue, and what is due next; a second hit, the deadlines passing,
 * a risk exception and the incident's resolution each show up in it.
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import type { FindingList, ImportResult } from '../../src/api/schema/vulnerabilities.js';
import type { SecuritySummary } from '../../src/api/types.js';
import { recordingIo } from '../../src/cli/io.js';
import { main } from '../../src/cli/main.js';
import { databaseKinds } from '../support/databases.js';
import type { DatabaseKind } from '../support/databases.js';
import { startHarness } from '../support/harness.js';
import type { Harness } from '../support/harness.js';
import { FIXTURES } from '../support/paths.js';
import { SECURITY_KEY, WEBSHELL, WEBSHELL_RULE_ID, securityEngagement } from '../support/security.js';

const KEY = SECURITY_KEY;
const RULE_ID = WEBSHELL_RULE_ID;
const SCANNERS = join(FIXTURES, 'scanners');
/** Saturday 2026-11-28 02:10 in New York. */
const SATURDAY_0210 = '2026-11-28T07:10:00.000Z';

const counts = (s: SecuritySummary) => Object.fromEntries(s.findings.by_severity.map((c) => [c.severity, [c.open, c.overdue, c.excepted]]));

describe.each(databaseKinds())('the security summary, on $name', (kind: DatabaseKind) => {
  let h: Harness | undefined;
  let dir: string | undefined;
  afterEach(async () => {
    await h?.close();
    if (dir) rmSync(dir, { recursive: true, force: true });
    h = undefined;
    dir = undefined;
  });

  async function summary(t: Harness, token: string, query = ''): Promise<SecuritySummary> {
    const res = await t.api('GET', `/security${query}`, token);
    expect(res.statusCode, res.body).toBe(200);
    return res.json<SecuritySummary>();
  }
  async function importScan(t: Harness, admin: string, file: string): Promise<ImportResult> {
    const content = readFileSync(join(SCANNERS, file), 'utf8');
    const res = await t.api('POST', '/vulnerabilities/import', admin, { engagement: 'acme', format: 'trivy', content });
    expect(res.statusCode, res.body).toBe(200);
    return res.json<ImportResult>();
  }

  it('Saturday 02:10: the webshell detection and the morning scans show in one read; a second hit, deadlines passing, an exception and the resolution follow', async () => {
    dir = mkdtempSync(join(tmpdir(), 'tandem-security-summary-'));
    const t = await startHarness(kind, { start: SATURDAY_0210, config: [securityEngagement(dir)] });
    h = t;
    const viewer = await t.token('viewer');
    const admin = await t.token('admin');

    // Nothing yet: every severity listed with zeros.
    const empty = await summary(t, viewer);
    expect(empty).toEqual({
      as_of: SATURDAY_0210,
      overdue: 0,
      detections: [],
      detections_total: 0,
      findings: {
        by_severity: ['critical', 'high', 'medium', 'low'].map((severity) => ({ severity, open: 0, overdue: 0, excepted: 0 })),
        next_due: [],
      },
    });

    const sent = await t.ingest(`/integrations/security/${KEY}`, WEBSHELL);
    expect(sent.json()).toMatchObject({ events: 1, detections: 1 });
    await t.settle();
    const io = recordingIo();
    expect(await main(['kev', 'import', '--db', t.db.url, join(SCANNERS, 'kev-excerpt.json')], io)).toBe(0);
    expect(await importScan(t, admin, 'trivy-fluentd.json')).toMatchObject({ status: 'imported', findings: 3 });
    expect(await importScan(t, admin, 'trivy-spring4shell-jre11.json')).toMatchObject({ status: 'imported', findings: 1 });
    // Spring4Shell was due by the end of 2022-04-25 (KEV): overdue at once, and its incident opens.
    await t.settle();

    let s = await summary(t, viewer);
    expect(s.detections_total).toBe(1);
    expect(s.detections).toEqual([
      {
        alert_id: expect.any(Number),
        engagement: 'acme',
        incident: { id: expect.any(Number), number: expect.stringMatching(/^ACME-\d+$/), status: 'triggered', priority: 'P1' },
        service: { id: 'edr', name: expect.any(String) },
        rule: { id: RULE_ID, title: 'Linux Webshell Indicators', level: 'high' },
        tactics: ['Persistence'],
        techniques: [{ id: 'T1505.003', name: expect.stringContaining('Web Shell') }],
        host: 'web-01',
        first_hit: SATURDAY_0210,
        last_hit: SATURDAY_0210,
        hits: 1,
      },
    ]);
    // The overdue finding's incident (vuln:<fingerprint>) is a security incident but no detection.
    const incidents = (await t.api('GET', '/incidents', viewer)).json<{ incidents: Array<{ title: string }> }>().incidents;
    expect(incidents.map((i) => i.title)).toEqual(expect.arrayContaining([expect.stringContaining('CVE-2022-22965')]));
    expect(counts(s)).toEqual({ critical: [1, 1, 0], high: [1, 0, 0], medium: [0, 0, 0], low: [1, 0, 0] });
    expect(s.overdue).toBe(1);
    // Earliest due first: Spring4Shell (KEV, overdue), then critical (15 days), high (30), low (180).
    expect(s.findings.next_due.map((f) => [f.severity, f.status, f.kev, f.cve])).toEqual([
      ['critical', 'overdue', true, 'CVE-2022-22965'],
      ['critical', 'open', false, expect.any(String)],
      ['high', 'open', false, expect.any(String)],
      ['low', 'open', false, expect.any(String)],
    ]);
    expect(s.findings.next_due[1]?.due_at).toBe('2026-12-13T07:10:00.000Z');
    // The summary and the findings list agree.
    const listed = (await t.api('GET', '/vulnerabilities', viewer)).json<FindingList>().findings;
    expect(s.findings.next_due).toEqual(listed);

    // 02:13: a second hit joins the detection.
    t.clock.set('2026-11-28T07:13:00Z');
    await t.ingest(`/integrations/security/${KEY}`, { ...WEBSHELL, Image: '/usr/bin/ip' });
    await t.settle();
    s = await summary(t, viewer);
    expect(s.detections).toHaveLength(1);
    expect(s.detections[0]).toMatchObject({ first_hit: SATURDAY_0210, last_hit: '2026-11-28T07:13:00.000Z', hits: 2 });

    // Sixteen days on, the fluentd critical is overdue too; accepting its risk excepts it and takes it off the due list.
    t.clock.set('2026-12-14T12:00:00Z');
    s = await summary(t, viewer);
    expect(counts(s).critical).toEqual([0, 2, 0]);
    expect(s.overdue).toBe(2);
    const fluentdCritical = s.findings.next_due[1];
    if (!fluentdCritical) throw new Error('no second finding');
    const excepted = await t.api('POST', `/vulnerabilities/${fluentdCritical.id}/exception`, admin, {
      reason: 'Not reachable from the internet; rebuild scheduled',
      approver: 'Dana Reyes',
      expires_at: '2027-01-15T00:00:00Z',
    });
    expect(excepted.statusCode, excepted.body).toBe(200);
    s = await summary(t, viewer);
    expect(counts(s).critical).toEqual([0, 1, 1]);
    expect(s.overdue).toBe(1);
    expect(s.findings.next_due.map((f) => f.id)).not.toContain(fluentdCritical.id);

    // Resolving the detection's incident closes it.
    const responder = await t.token('responder');
    const detection = (await summary(t, viewer)).detections[0];
    expect((await t.api('POST', `/incidents/${detection?.incident.id}/resolve`, responder)).statusCode).toBe(200);
    s = await summary(t, viewer);
    expect(s.detections).toEqual([]);
    expect(s.detections_total).toBe(0);
  });

  it("is scoped to the token's engagements: another engagement is a 404, one the token has with nothing in it is empty", async () => {
    dir = mkdtempSync(join(tmpdir(), 'tandem-security-summary-'));
    const t = await startHarness(kind, { start: SATURDAY_0210, config: [securityEngagement(dir)] });
    h = t;
    await t.ingest(`/integrations/security/${KEY}`, WEBSHELL);
    await t.settle();
    const viewer = await t.token('viewer');
    expect((await summary(t, viewer, '?engagement=acme')).detections).toHaveLength(1);
    const other = await t.token('viewer', ['globex']);
    expect((await summary(t, other)).detections).toEqual([]);
    const res = await t.api('GET', '/security?engagement=acme', other);
    expect(res.statusCode).toBe(404);
    expect(res.json()).toMatchObject({ error: { code: 'NOT_FOUND', field: 'engagement' } });
    expect((await t.api('GET', '/security')).statusCode).toBe(401);
  });
});
