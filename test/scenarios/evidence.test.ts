/**
 * The compliance evidence pack for the demo engagement's November: incidents
 * (one before the month, one after), a Sigma detection and scanner findings
 * seeded through the harness; the pack built on both databases has each file
 * with the population and figures the API and an independent tally give;
 * `tandem evidence` writes the folder, and its index.pdf is checked page by
 * page as pictures (pdftoppm) and as text (pdftotext).
 */
import { execFileSync } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { recordingIo } from '../../src/cli/io.js';
import { main } from '../../src/cli/main.js';
import { storedEngagement } from '../../src/deployment/store.js';
import { buildEvidencePack } from '../../src/evidence/build.js';
import type { EvidencePack } from '../../src/evidence/build.js';
import { CATALOG } from '../../src/evidence/controls.js';
import { timelineVerifier } from '../../src/evidence/verifier.js';
import { parseCsv } from '../../src/import/csv.js';
import { monthPeriod } from '../../src/metrics/period.js';
import { inkCoverage, pngSize } from '../../src/report/test-fixtures.js';
import { importScan } from '../../src/vulns/import.js';
import { listFindings } from '../../src/vulns/store.js';
import { HAS_CHROMIUM } from '../support/chromium.js';
import { databaseKinds } from '../support/databases.js';
import { startHarness } from '../support/harness.js';
import type { Harness } from '../support/harness.js';
import { FIXTURES, ROOT } from '../support/paths.js';
import { SECURITY_KEY, WEBSHELL, securityEngagement } from '../support/security.js';

const STOREFRONT = '0a1b2c3d4e5f60718293a4b5c6d7e8f9'; // cloud: always the partner (partner-noc: tier 2 after 5m)
const MIN = 60_000;
const PDFTOPPM = ['/usr/bin/pdftoppm', '/usr/local/bin/pdftoppm'].find((p) => existsSync(p));
const PDFTOTEXT = ['/usr/bin/pdftotext', '/usr/local/bin/pdftotext'].find((p) => existsSync(p));

interface Planned {
  at: string;
  kind: 'storefront' | 'webshell';
  severity?: 'critical' | 'error' | 'warning';
  ackAfter: number;
  resolveAfter: number;
}

/** October 31 (before the month), four November incidents, the webshell on November 28, one on December 2 (after). */
const PLAN: Planned[] = [
  { at: '2026-10-31T20:00:00Z', kind: 'storefront', severity: 'critical', ackAfter: 2 * MIN, resolveAfter: 30 * MIN },
  { at: '2026-11-03T10:00:00Z', kind: 'storefront', severity: 'critical', ackAfter: 3 * MIN, resolveAfter: 60 * MIN },
  { at: '2026-11-05T02:00:00Z', kind: 'storefront', severity: 'critical', ackAfter: 20 * MIN, resolveAfter: 300 * MIN },
  { at: '2026-11-10T12:00:00Z', kind: 'storefront', severity: 'error', ackAfter: 25 * MIN, resolveAfter: 540 * MIN },
  { at: '2026-11-20T08:00:00Z', kind: 'storefront', severity: 'warning', ackAfter: 2 * MIN, resolveAfter: 30 * MIN },
  { at: '2026-11-28T07:10:00Z', kind: 'webshell', ackAfter: 4 * MIN, resolveAfter: 60 * MIN },
  { at: '2026-12-02T12:00:00Z', kind: 'storefront', severity: 'critical', ackAfter: 2 * MIN, resolveAfter: 30 * MIN },
];

/** Opens each planned incident, acknowledges and resolves it, in time order on the virtual clock. */
async function play(h: Harness, token: string): Promise<void> {
  const steps: Array<{ at: number; run: () => Promise<void> }> = [];
  PLAN.forEach((p, k) => {
    const open = Date.parse(p.at);
    let id = 0;
    steps.push({
      at: open,
      run: async () => {
        const res =
          p.kind === 'webshell'
            ? await h.ingest(`/integrations/security/${SECURITY_KEY}`, WEBSHELL)
            : await h.ingest('/v2/enqueue', {
                routing_key: STOREFRONT,
                event_action: 'trigger',
                dedup_key: `evidence-${k}`,
                payload: { summary: `Checkout failing ${k}`, source: 'shop', severity: p.severity },
              });
        expect(res.statusCode, res.body).toBe(202);
        await h.settle();
        id = (await h.api('GET', '/incidents?limit=1', token)).json<{ incidents: Array<{ id: number }> }>().incidents[0]?.id ?? 0;
      },
    });
    steps.push({
      at: open + p.ackAfter,
      run: async () => void expect((await h.api('POST', `/incidents/${id}/acknowledge`, token)).statusCode).toBe(200),
    });
    steps.push({
      at: open + p.resolveAfter,
      run: async () => void expect((await h.api('POST', `/incidents/${id}/resolve`, token)).statusCode).toBe(200),
    });
  });
  steps.sort((a, b) => a.at - b.at);
  for (const s of steps) {
    if (s.at > h.clock.now()) {
      h.clock.set(s.at);
      await h.settle();
    }
    await s.run();
    await h.settle();
  }
}

/** A CSV file of the pack as objects keyed by its header. */
function rowsOf(pack: EvidencePack, name: Parameters<EvidencePack['files']['get']>[0]): Array<Record<string, string>> {
  const text = pack.files.get(name);
  if (text === undefined) throw new Error(`${name} missing`);
  const [header = [], ...rows] = parseCsv(text).records.map((r) => r.fields);
  return rows.map((r) => Object.fromEntries(header.map((h, k) => [h, r[k] ?? ''])));
}

describe.each(databaseKinds())('the compliance evidence pack, on $name', (kind) => {
  let h: Harness;
  let dir = '';
  let pack: EvidencePack;
  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'tandem-evidence-'));
    h = await startHarness(kind, { start: '2026-10-31T12:00:00Z', config: [securityEngagement(dir)] });
    const admin = await h.token('admin');
    await play(h, admin);
    const engagement = await storedEngagement(h.tandem.database.db, 'acme');
    if (!engagement) throw new Error('no acme');
    // Grype's findings first seen on November 10; their deadlines run from then.
    const text = readFileSync(join(FIXTURES, 'scanners', 'grype-imgs.json'), 'utf8');
    const imported = await importScan(h.tandem.database, {
      engagement,
      format: 'grype',
      text,
      serviceId: 'edr',
      now: Date.parse('2026-11-10T15:00:00Z'),
    });
    expect(imported.status).toBe('imported');
    h.clock.set('2026-12-03T00:00:00Z');
    await h.settle();
    const { from, to } = monthPeriod('2026-11', engagement.timezone);
    pack = await buildEvidencePack(h.tandem.database.db, engagement, {
      framework: 'soc2',
      from,
      to,
      now: h.clock.now(),
      verifier: timelineVerifier,
    });
  }, 120_000);
  afterAll(async () => {
    await h.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it("incidents.csv: the month's population with detected, paged, acknowledged, escalated and resolved times", async () => {
    const rows = rowsOf(pack, 'incidents.csv');
    const api = (await h.api('GET', '/incidents?limit=100&since=2026-10-01T00:00:00Z', await h.token('viewer'))).json<{
      incidents: Array<{ number: string; created_at: string; acknowledged_at: string; resolved_at: string }>;
    }>().incidents;
    const november = api.filter((i) => i.created_at >= '2026-11-01T04:00:00Z' && i.created_at < '2026-12-01T05:00:00Z');
    expect(november).toHaveLength(5);
    expect(rows.map((r) => r['incident']).sort()).toEqual(november.map((i) => i.number).sort());
    for (const i of november) {
      const row = rows.find((r) => r['incident'] === i.number);
      expect(row).toMatchObject({ detected_at: i.created_at, acknowledged_at: i.acknowledged_at, resolved_at: i.resolved_at });
      expect(Number(row?.['time_to_acknowledge_s'])).toBe((Date.parse(i.acknowledged_at) - Date.parse(i.created_at)) / 1000);
      expect(row?.['first_paged_at']).toBe(i.created_at);
    }
    // Acknowledged after 20 and 25 minutes: partner-noc's tier 2 (after 5 minutes) was paged; the quick ones never escalated.
    const byOpen = (at: string) => rows.find((r) => r['detected_at'] === new Date(Date.parse(at)).toISOString());
    for (const at of ['2026-11-05T02:00:00Z', '2026-11-10T12:00:00Z']) {
      const r = byOpen(at);
      expect(Date.parse(r?.['escalated_at'] ?? '') - Date.parse(at)).toBeGreaterThanOrEqual(5 * MIN);
      expect(Date.parse(r?.['escalated_at'] ?? '')).toBeLessThanOrEqual(Date.parse(r?.['acknowledged_at'] ?? ''));
    }
    for (const at of ['2026-11-03T10:00:00Z', '2026-11-20T08:00:00Z']) expect(byOpen(at)?.['escalated_at']).toBe('');
    expect(pack.index.summary).toMatchObject({ incidents: 5, acknowledged: 5, resolved: 5, escalated: 2 });
    expect(byOpen('2026-11-28T07:10:00Z')).toMatchObject({
      service: 'Endpoint detection',
      function: 'security',
      side: 'partner',
      priority: 'P1',
    });
  });

  it('sla.csv: adherence per SLA, priority and kind, as the metrics API reports it', async () => {
    const m = (
      await h.api('GET', '/engagements/acme/metrics?from=2026-11-01T00:00:00-04:00&to=2026-12-01T00:00:00-05:00', await h.token('admin'))
    ).json<{
      sla_attainment: Array<{ sla: string; priority: string; kind: string; total: number; met: number; breached: number }>;
    }>();
    expect(m.sla_attainment.length).toBeGreaterThan(0);
    expect(rowsOf(pack, 'sla.csv').map((r) => `${r['sla']} ${r['priority']} ${r['kind']} ${r['met']}/${r['total']}`)).toEqual(
      m.sla_attainment.map((a) => `${a.sla} ${a.priority} ${a.kind} ${a.met}/${a.total}`),
    );
    const total = m.sla_attainment.reduce((n, a) => n + a.total, 0);
    expect(pack.index.summary.sla.total).toBe(total);
  });

  it('oncall.csv covers every minute of November per function; coverage-gaps.csv lists the stretches nobody owned', () => {
    const rows = rowsOf(pack, 'oncall.csv');
    // November 2026 in New York: 30 days and the hour daylight saving time gives back on November 1.
    const minutes = 30 * 24 * 60 + 60;
    for (const fn of ['infrastructure', 'cloud', 'security', 'end_user'])
      expect(
        rows.filter((r) => r['function'] === fn && r['owns'] === 'true').reduce((n, r) => n + Number(r['minutes']), 0),
        fn,
      ).toBe(minutes);
    expect(
      rows.find((r) => r['function'] === 'security' && r['owns'] === 'true' && r['start'] === '2026-11-28T05:00:00.000Z')?.['on_call'],
    ).toBeTruthy();
    // The rotas start after the month does (see src/evidence/oncall.test.ts): four gaps.
    expect(rowsOf(pack, 'coverage-gaps.csv').map((r) => `${r['function']} ${r['side']} ${r['minutes']}`)).toEqual([
      'infrastructure internal 60',
      'infrastructure partner 840',
      'cloud partner 840',
      'security partner 1500',
    ]);
    expect(pack.index.gaps).toHaveLength(4);
  });

  it('policy.json is the configuration in force; security.csv has the detection; findings.csv every finding with its deadline', async () => {
    const policy = JSON.parse(pack.files.get('policy.json') ?? '{}') as Record<string, unknown>;
    expect(policy).toMatchObject({
      engagement: 'acme',
      config_hash: expect.stringMatching(/\S/),
      routing: { partner: { security: 'partner-soc' } },
    });
    expect((policy['escalation_policies'] as Array<{ id: string }>).map((p) => p.id)).toContain('partner-noc');
    // The scope section as in force; the demo file has none, so null (nothing restricted).
    expect(policy).toHaveProperty('scope');
    expect(rowsOf(pack, 'security.csv')).toEqual([
      expect.objectContaining({
        hits: '1',
        first_hit: '2026-11-28T07:10:00.000Z',
        priority: 'P1',
        service: 'Endpoint detection',
        respond_sla: 'met',
      }),
    ]);
    const findings = await listFindings(h.tandem.database.db, { engagementIds: ['acme'], includeFixed: true });
    const rows = rowsOf(pack, 'findings.csv');
    expect(rows).toHaveLength(findings.length);
    const to = Date.parse('2026-12-01T05:00:00Z');
    // Nothing was fixed or excepted: a deadline before the month's end was missed, a later one is still open.
    const missed = findings.filter((f) => f.due_at < to).length;
    expect(rows.filter((r) => r['deadline'] === 'missed')).toHaveLength(missed);
    expect(rows.filter((r) => r['deadline'] === 'open')).toHaveLength(findings.length - missed);
    expect(pack.index.summary.findings).toEqual({ met: 0, missed, excepted: 0, open: findings.length - missed });
  });

  it('the index maps each SOC 2 control to the files the pack has', () => {
    expect(pack.index.controls.map((c) => c.id)).toEqual(['CC7.2', 'CC7.3', 'CC7.4', 'CC7.5']);
    const names = pack.index.files.map((f) => f.name);
    expect(names).toEqual(
      expect.arrayContaining([
        'incidents.csv',
        'sla.csv',
        'oncall.csv',
        'coverage-gaps.csv',
        'policy.json',
        'security.csv',
        'findings.csv',
      ]),
    );
    for (const c of pack.index.controls) for (const f of c.files) expect(names).toContain(f);
    expect(pack.index.files.find((f) => f.name === 'incidents.csv')?.rows).toBe(5);
    expect(names).toContain('verify.json');
    expect(pack.index.summary.verify).toMatchObject({ ok: true, broken: 0, incidents: 8 });
    expect(pack.index.notes).toEqual([]);
  });

  it('verify.json: every timeline chain holds, and a later tandem verify --json shows the same heads', async () => {
    const verify = JSON.parse(pack.files.get('verify.json') ?? '{}') as {
      ok: boolean;
      broken: unknown[];
      heads: Array<{ incident: string; entryId: number; hash: string }>;
    };
    expect(verify).toMatchObject({ ok: true, broken: [] });
    // The chains cover the whole engagement: the seven played (October 31 and December 2 included)
    // and the one the overdue finding opened when the clock passed its deadline.
    expect(verify.heads).toHaveLength(8);
    for (const head of verify.heads) expect(head.hash).toMatch(/^[0-9a-f]{64}$/);
    const io = recordingIo();
    expect(await main(['verify', '--engagement', 'acme', '--json', '--db', h.db.url], io)).toBe(0);
    const again = JSON.parse(io.stdout.join('\n')) as { heads: unknown[] };
    expect(again.heads).toEqual(verify.heads);
    // The auditor's re-check, as verify.json says: tandem verify --heads with the pack's own file.
    const file = join(dir, 'kept-verify.json');
    writeFileSync(file, pack.files.get('verify.json') ?? '');
    const recheck = recordingIo();
    expect(await main(['verify', '--engagement', 'acme', '--heads', file, '--db', h.db.url], recheck)).toBe(0);
    expect(recheck.stdout.join('\n')).toContain('8 of 8 kept heads found unchanged');
  });

  it('tandem evidence writes the folder for every framework; bad flags are refused', async () => {
    const tandem = async (...args: string[]) => {
      const io = recordingIo();
      const code = await main([...args, '--db', h.db.url], io);
      return { code, out: io.stdout.join('\n'), err: io.stderr.join('\n') };
    };
    for (const framework of ['soc2', 'iso27001', 'nist-csf', 'hipaa'] as const) {
      const out = join(dir, `pack-${framework}`);
      const r = await tandem(
        'evidence',
        '--engagement',
        'acme',
        '--from',
        '2026-11-01',
        '--to',
        '2026-12-01',
        '--framework',
        framework,
        '--out',
        out,
        '--no-pdf',
      );
      expect(r.code, r.err).toBe(0);
      expect(r.out).toContain(`${CATALOG[framework].controls.length} controls, 5 incidents, 4 coverage gaps`);
      const index = JSON.parse(readFileSync(join(out, 'index.json'), 'utf8')) as {
        controls: Array<{ id: string }>;
        files: Array<{ name: string }>;
      };
      expect(index.controls.map((c) => c.id)).toEqual(CATALOG[framework].controls.map((c) => c.id));
      expect(readdirSync(out).sort()).toEqual([...index.files.map((f) => f.name), 'index.html', 'index.json'].sort());
      expect(readFileSync(join(out, 'index.html'), 'utf8')).toContain(CATALOG[framework].controls[0]?.id ?? '?');
    }
    expect(
      await tandem('evidence', '--engagement', 'acme', '--from', '2026-11-01', '--to', '2026-12-01', '--framework', 'pci', '--out', dir),
    ).toMatchObject({
      code: 2,
      err: expect.stringContaining('unknown framework "pci"'),
    });
    expect(
      await tandem('evidence', '--engagement', 'acme', '--from', '2026-12-01', '--to', '2026-11-01', '--framework', 'soc2', '--out', dir),
    ).toMatchObject({
      code: 2,
      err: expect.stringContaining('must be after'),
    });
    expect(
      await tandem('evidence', '--engagement', 'nope', '--from', '2026-11-01', '--to', '2026-12-01', '--framework', 'soc2', '--out', dir),
    ).toMatchObject({
      code: 1,
      err: expect.stringContaining('engagement "nope" is not in'),
    });
  });

  it.skipIf(kind.name !== 'sqlite' || !HAS_CHROMIUM || !PDFTOPPM || !PDFTOTEXT)(
    'index.pdf: every page is an A4 page with ink on it, and the text names each control',
    async () => {
      const out = join(dir, 'pack-pdf');
      const io = recordingIo();
      const code = await main(
        [
          'evidence',
          '--engagement',
          'acme',
          '--from',
          '2026-11-01',
          '--to',
          '2026-12-01',
          '--framework',
          'iso27001',
          '--out',
          out,
          '--db',
          h.db.url,
        ],
        io,
      );
      expect(code, io.stderr.join('\n')).toBe(0);
      const pdf = join(out, 'index.pdf');
      expect(readFileSync(pdf).subarray(0, 5).toString('latin1')).toBe('%PDF-');
      execFileSync(PDFTOPPM ?? 'pdftoppm', ['-png', '-r', '60', pdf, join(dir, 'page')]);
      const pages = readdirSync(dir)
        .filter((f) => /^page-\d+\.png$/.test(f))
        .sort();
      expect(pages.length).toBeGreaterThanOrEqual(2);
      for (const [n, page] of pages.entries()) {
        const png = readFileSync(join(dir, page));
        // A4 at 60 dpi is 8.27 x 11.69 in: 496 x 702 px.
        expect(pngSize(png), page).toEqual({ width: 496, height: 702 });
        expect(inkCoverage(png), page).toBeGreaterThan(n === pages.length - 1 ? 0.002 : 0.02);
      }
      // Kept for people to look at, like the monthly review's sample (test-output/ is not committed).
      mkdirSync(join(ROOT, 'test-output'), { recursive: true });
      copyFileSync(pdf, join(ROOT, 'test-output', 'evidence-index.pdf'));
      for (const page of pages) copyFileSync(join(dir, page), join(ROOT, 'test-output', `evidence-index-${page}`));
      const text = execFileSync(PDFTOTEXT ?? 'pdftotext', [pdf, '-'], { encoding: 'utf8' }).replace(/\s+/g, ' ');
      for (const id of ['A.5.24', 'A.5.25', 'A.5.26', 'A.5.27', 'A.5.28', 'A.8.16']) expect(text).toContain(id);
      expect(text).toContain('Acme Payments');
      expect(text).toContain('incidents.csv');
      expect(text).toContain(`Page 1 of ${pages.length}`);
    },
  );
});
