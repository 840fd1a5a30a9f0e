/**
 * Vulnerability management on both databases (issue 11, point 5): CISA's
 * KEV catalog is loaded with `tandem kev import`; a real Trivy scan of an
 * image with Spring4Shell (CVE-2022-22965, in the catalog, KEV due
 * 2022-04-25) is imported through the API on 2022-04-20. Nothing opens
 * until the end of the KEV due date in New York; then exactly one security
 * incident opens on the SOC's service, with the finding in its alert's
 * details. Re-importing the scan changes nothing; a later scan of the image
 * without the finding fixes it. On PostgreSQL, two instances settling at
 * once still open one incident.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import type { IncidentDetailResponse, IncidentList } from '../../src/api/types.js';
import type { FindingList, ImportResult } from '../../src/api/schema/vulnerabilities.js';
import { VirtualClock } from '../../src/clock/clock.js';
import { main } from '../../src/cli/main.js';
import { recordingIo } from '../../src/cli/io.js';
import { databaseKinds, postgresOnly } from '../support/databases.js';
import type { DatabaseKind, TestDatabase } from '../support/databases.js';
import { startHarness } from '../support/harness.js';
import type { Harness } from '../support/harness.js';
import { FIXTURES } from '../support/paths.js';

const SCANNERS = join(FIXTURES, 'scanners');
const SPRING = readFileSync(join(SCANNERS, 'trivy-spring4shell-jre11.json'), 'utf8');
/** The same image scanned again after the fix: the Java result no longer lists the vulnerability. */
function springFixed(): string {
  const report = JSON.parse(SPRING) as { Results: Array<{ Vulnerabilities?: unknown[] }> };
  for (const r of report.Results) delete r.Vulnerabilities;
  return JSON.stringify(report, null, 2);
}

async function kevImport(h: Harness): Promise<void> {
  const io = recordingIo();
  const code = await main(['kev', 'import', '--db', h.db.url, join(SCANNERS, 'kev-excerpt.json')], io);
  expect(io.stderr).toEqual([]);
  expect(code).toBe(0);
  expect(io.stdout.join('\n')).toContain('KEV catalog 2025.08.25: 5 CVE(s)');
}

async function importScan(h: Harness, admin: string, content: string): Promise<ImportResult> {
  const res = await h.api('POST', '/vulnerabilities/import', admin, { engagement: 'acme', format: 'trivy', content });
  expect(res.statusCode, res.body).toBe(200);
  return res.json<ImportResult>();
}

const findings = async (h: Harness, token: string, query = '') =>
  (await h.api('GET', `/vulnerabilities${query}`, token)).json<FindingList>().findings;
const incidents = async (h: Harness, token: string) => (await h.api('GET', '/incidents', token)).json<IncidentList>().incidents;

describe.each(databaseKinds())('vulnerability findings with KEV deadlines, on $name', (kind) => {
  let h: Harness | undefined;
  afterEach(async () => {
    await h?.close();
    h = undefined;
  });

  it('Spring4Shell imported 2022-04-20 opens one security incident after its KEV due date; re-import changes nothing; a clean scan fixes it', async () => {
    h = await startHarness(kind, { start: '2022-04-20T12:00:00Z' });
    await kevImport(h);
    const admin = await h.token('admin');
    const viewer = await h.token('viewer');

    expect(await importScan(h, admin, SPRING)).toEqual({ status: 'imported', findings: 1, added: 1, seen: 0, fixed: 0 });
    const [finding] = await findings(h, viewer);
    expect(finding).toEqual({
      id: expect.any(Number),
      cve: 'CVE-2022-22965',
      title: 'spring-framework: RCE via Data Binding on JDK 9+',
      severity: 'critical',
      asset: 'testdata/fixtures/images/spring4shell-jre11.tar.gz',
      package: 'org.springframework:spring-beans',
      first_seen: '2022-04-20T12:00:00.000Z',
      last_seen: '2022-04-20T12:00:00.000Z',
      // The end of 2022-04-25 in New York (EDT), before the 15 days of a critical finding.
      due_at: '2022-04-26T03:59:59.999Z',
      status: 'open',
      kev: true,
    });

    await h.settle();
    expect(await incidents(h, viewer)).toEqual([]);

    h.clock.set('2022-04-26T03:59:59.999Z');
    await h.settle();
    expect(await incidents(h, viewer)).toEqual([]);

    h.clock.set('2022-04-26T04:00:00Z');
    await h.settle();
    const opened = await incidents(h, viewer);
    expect(opened).toHaveLength(1);
    expect(opened[0]).toMatchObject({ service: { id: 'edr' }, priority: 'P1', severity: 'critical' });
    expect(opened[0]?.title).toContain('CVE-2022-22965');
    const detail = (await h.api('GET', `/incidents/${opened[0]?.id}`, viewer)).json<IncidentDetailResponse>().incident;
    expect(detail.alerts).toHaveLength(1);
    expect(detail.alerts[0]?.details).toMatchObject({
      finding: {
        id: finding?.id,
        cve: 'CVE-2022-22965',
        package: 'org.springframework:spring-beans',
        kev: true,
        kev_due_date: '2022-04-25',
        fixed_version: '5.3.18',
      },
    });
    expect((await findings(h, viewer))[0]?.status).toBe('overdue');
    const row = await h.tandem.database.db.selectFrom('vuln_findings').selectAll().executeTakeFirstOrThrow();
    expect(Number(row.incident_id)).toBe(opened[0]?.id);

    // Later passes, and a day later, open nothing more.
    await h.settle();
    h.clock.advance(86_400_000);
    await h.settle();
    expect(await incidents(h, viewer)).toHaveLength(1);

    // The same scan again: nothing changes.
    const before = await findings(h, viewer);
    expect(await importScan(h, admin, SPRING)).toEqual({ status: 'unchanged', findings: 1, added: 0, seen: 0, fixed: 0 });
    expect(await findings(h, viewer)).toEqual(before);

    // A later scan of the image without it: fixed.
    expect(await importScan(h, admin, springFixed())).toEqual({ status: 'imported', findings: 0, added: 0, seen: 0, fixed: 1 });
    expect(await findings(h, viewer)).toEqual([]);
    expect(await findings(h, viewer, '?status=fixed')).toEqual([expect.objectContaining({ cve: 'CVE-2022-22965', status: 'fixed' })]);
    await h.settle();
    expect(await incidents(h, viewer)).toHaveLength(1);
  });

  it('an exception holds the incident off until it expires; viewers cannot import or except; bad files are refused whole', async () => {
    h = await startHarness(kind, { start: '2022-04-20T12:00:00Z' });
    await kevImport(h);
    const admin = await h.token('admin');
    const viewer = await h.token('viewer');
    await importScan(h, admin, SPRING);
    const [finding] = await findings(h, viewer);

    expect(
      (await h.api('POST', '/vulnerabilities/import', viewer, { engagement: 'acme', format: 'trivy', content: SPRING })).statusCode,
    ).toBe(403);
    const except = { reason: 'WAF rule blocks class.module.* parameters', approver: 'Dana Reyes', expires_at: '2022-05-01T00:00:00Z' };
    expect((await h.api('POST', `/vulnerabilities/${finding?.id}/exception`, viewer, except)).statusCode).toBe(403);
    const res = await h.api('POST', `/vulnerabilities/${finding?.id}/exception`, admin, except);
    expect(res.statusCode, res.body).toBe(200);
    expect(res.json<{ finding: { status: string } }>().finding.status).toBe('excepted');

    h.clock.set('2022-04-27T00:00:00Z');
    await h.settle();
    expect(await incidents(h, viewer)).toEqual([]);
    expect((await findings(h, viewer))[0]?.status).toBe('excepted');

    h.clock.set('2022-05-01T00:00:01Z');
    await h.settle();
    expect(await incidents(h, viewer)).toHaveLength(1);

    const bad = await h.api('POST', '/vulnerabilities/import', admin, {
      engagement: 'acme',
      format: 'nessus',
      content: 'Plugin ID,CVE,Risk,Host,Name\n1,,Severe,10.0.0.1,x\n',
    });
    expect(bad.statusCode).toBe(400);
    expect(bad.json<{ error: { message: string; field: string } }>().error).toMatchObject({
      field: 'content',
      message: expect.stringContaining('line 2, Risk: "Severe" is not a Nessus risk'),
    });
    const other = await h.api('POST', '/vulnerabilities/import', admin, { engagement: 'nope', format: 'trivy', content: SPRING });
    expect(other.statusCode).toBe(404);
  });
});

describe.each(postgresOnly())('two instances, one overdue finding, on $name', (kind: DatabaseKind) => {
  let db: TestDatabase | undefined;
  let a: Harness | undefined;
  let b: Harness | undefined;
  afterEach(async () => {
    await a?.close();
    await b?.close();
    await db?.drop();
  });

  it('both engines see it overdue at once: one trigger, one incident', async () => {
    db = await kind.create();
    const clock = new VirtualClock('2022-04-20T12:00:00Z');
    a = await startHarness(kind, { db, virtualClock: clock });
    b = await startHarness(kind, { db, virtualClock: clock });
    await kevImport(a);
    await importScan(a, await a.token('admin'), SPRING);
    clock.set('2022-04-27T00:00:00Z');
    for (let round = 0; round < 4; round++) await Promise.all([a.settle(), b.settle()]);
    expect(await incidents(a, await a.token('viewer'))).toHaveLength(1);
    const events = await a.tandem.database.db
      .selectFrom('events')
      .select('id')
      .where('integration_key', '=', 'tandem:vulnerabilities')
      .execute();
    expect(events).toHaveLength(1);
  });
});
