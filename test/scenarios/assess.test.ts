/**
 * The operational assessment (issue 12) of a prospect's PagerDuty export,
 * with no server and no database: `tandem assess` against the demo's
 * co-managed file, printed to PDF and checked page by page as pictures
 * (pdftoppm) and as text (pdftotext): a one-page summary first, every money
 * figure next to its formula and inputs.
 *
 * The prospect is Acme before it signed: the 13-week export of
 * test/fixtures/import/pagerduty-incidents.csv as it would have run with
 * Acme IT alone, so every incident the NightOwl NOC acknowledged outside
 * business hours instead waits for Acme IT's next morning, 08:10 on the
 * next weekday (holidays aside), and is resolved as long after that as it
 * was after its acknowledgement.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DateTime } from 'luxon';
import { describe, expect, it } from 'vitest';
import { recordingIo } from '../../src/cli/io.js';
import { main } from '../../src/cli/main.js';
import { csvLine, parseCsv } from '../../src/import/csv.js';
import { inkCoverage } from '../../src/report/test-fixtures.js';
import { FIXTURE_PATH } from '../fixtures/import/generate.js';
import { DEMO, ROOT } from '../support/paths.js';

const ZONE = 'America/New_York';
const NOC = new Set(['Sam Okafor', 'Kim Tan', 'Ana Souza']);
const hasTools = existsSync('/usr/bin/chromium') && existsSync('/usr/bin/pdftoppm') && existsSync('/usr/bin/pdftotext');

/** The next weekday 08:10 in New York at or after `t` when `t` is outside Monday-Friday 08:00-18:00; else `t`. */
function nextMorning(t: DateTime): DateTime {
  const inHours = t.weekday <= 5 && t.hour >= 8 && t.hour < 18;
  if (inHours) return t;
  let d = t.hour >= 18 ? t.plus({ days: 1 }) : t;
  while (d.weekday > 5) d = d.plus({ days: 1 });
  return d.set({ hour: 8, minute: 10, second: 0, millisecond: 0 });
}

/** The export as it would have been without the partner: NOC night and weekend answers become Acme IT's morning ones. */
function prospectExport(): string {
  const [header, ...rows] = parseCsv(readFileSync(`${ROOT}${FIXTURE_PATH}`, 'utf8')).records.map((r) => [...r.fields]);
  const col = (name: string) => header?.indexOf(name) ?? -1;
  const [created, resolved, ack, toResolve, by, resolver, team] = [
    'created_on',
    'resolved_on',
    'seconds_to_first_ack',
    'seconds_to_resolve',
    'acknowledged_by_user_names',
    'resolved_by_user_name',
    'team_name',
  ].map(col) as [number, number, number, number, number, number, number];
  const out = rows.map((r) => {
    if (!NOC.has((r[by] ?? '').split(', ')[0] ?? '') || r[ack] === '') return r;
    const opened = DateTime.fromISO(r[created] ?? '', { zone: ZONE });
    const morning = nextMorning(opened);
    if (morning.equals(opened)) return r;
    const ackS = Number(r[ack]);
    const fix = Number(r[toResolve]) - ackS;
    const newAck = Math.round(morning.diff(opened).as('seconds')) + ackS;
    const row = [...r];
    row[ack] = String(newAck);
    row[toResolve] = String(newAck + fix);
    row[resolved] = opened.plus({ seconds: newAck + fix }).toISO({ suppressMilliseconds: true }) ?? '';
    row[by] = 'Dana Reyes';
    row[resolver] = 'Dana Reyes';
    row[team] = 'Acme IT';
    return row;
  });
  return [header ?? [], ...out].map((r) => csvLine(r)).join('\r\n') + '\r\n';
}

async function assess(...args: string[]) {
  const io = recordingIo();
  const code = await main(['assess', ...args], io);
  return { code, out: io.stdout.join('\n'), err: io.stderr.join('\n') };
}

function pdfText(pdf: string, page: number): string {
  const r = spawnSync('pdftotext', ['-layout', '-f', String(page), '-l', String(page), pdf, '-'], { encoding: 'utf8' });
  expect(r.status, r.stderr).toBe(0);
  return r.stdout.replace(/[ \t]+/g, ' ');
}

describe('tandem assess: a prospect’s PagerDuty export against the proposed co-managed engagement', () => {
  const dir = mkdtempSync(join(tmpdir(), 'tandem-assess-'));
  const history = join(dir, 'prospect.csv');
  writeFileSync(history, prospectExport());
  const base = ['--history', history, '--format', 'pagerduty', '--service-map', 'Helpdesk - Laptops=laptops', '--config', DEMO];

  it('HTML: the summary, the hour-of-week grid, the windows, the price line by line and the what-if, no server or database', async () => {
    const out = join(dir, 'assessment.html');
    const r = await assess(...base, '--out', out);
    expect(r.err).toBe('');
    expect(r.code).toBe(0);
    expect(r.out).toBe(`Wrote ${out}: 200 incidents assessed against ${DEMO}.`);
    const html = readFileSync(out, 'utf8');
    for (const heading of [
      'At a glance',
      'Coverage gaps by hour of week',
      'After-hours exposure by window',
      'The price of the gap, line by line',
      'What the proposed coverage would change',
    ])
      expect(html).toContain(heading);
    expect(html.match(/<td style="background:rgb/g)).toHaveLength(7 * 24);
    // The formula and its inputs, beside the figure: late minutes x price x share.
    expect(html).toMatch(
      /payments-api P1: [\d,.]+ late minutes x \$150\/min x 100% \(50%\.\.100%\) = \$[\d,.]+ \(low \$[\d,.]+, high \$[\d,.]+; \d+ incidents\)/,
    );
    expect(html).toMatch(/payments-api P2: [\d,.]+ late minutes x \$150\/min x 30% \(10%\.\.50%\)/);
    expect(html).toContain('at most 4h 00m per incident');
    // 98 of the 200 opened outside business hours (49%), and waited for Acme IT's mornings.
    expect(html).toContain('98 (49%) opened outside business hours');
    // The partner pays for itself on this history, and the page says by how much and why.
    expect(html).toMatch(
      /On this history the proposed co-managed coverage pays for itself: it avoids \$[\d,]+ of downtime exposure for \$53,[\d]{3} in fees/,
    );
  });

  it.skipIf(!hasTools)(
    'PDF: three A4 pages, each one drawn (pdftoppm), the summary alone on the first with its formulas',
    async () => {
      const pdf = join(dir, 'assessment.pdf');
      const r = await assess(...base, '--out', pdf);
      expect(r.err).toBe('');
      expect(readFileSync(pdf).subarray(0, 5).toString()).toBe('%PDF-');
      const png = spawnSync('pdftoppm', ['-png', '-r', '40', pdf, join(dir, 'page')], { encoding: 'utf8' });
      expect(png.status, png.stderr).toBe(0);
      const pages = [1, 2, 3].map((n) => readFileSync(join(dir, `page-${n}.png`)));
      expect(existsSync(join(dir, 'page-4.png'))).toBe(false);
      for (const p of pages) expect(inkCoverage(p)).toBeGreaterThan(0.02);
      // The hour-of-week grid and the tables colour their pages more than a page of text would.
      const first = pdfText(pdf, 1);
      expect(first).toMatch(/Operational assessment/i);
      expect(first).toContain('At a glance');
      expect(first).toMatch(/Price of the gap/i);
      expect(first).toMatch(/opened outside business hours and waited [\d,]+ min/);
      expect(first).toMatch(/late minutes x downtime cost per minute x impact share of the priority/);
      expect(first).toMatch(/payments-api P1: [\d,.]+ late minutes x \$150\/min x 100%/);
      expect(first).toMatch(
        /How the net is made: \(price today \$[\d,]+ - price with the proposed coverage \$[\d,]+\) - proposed fee \$53,[\d]{3} = \$[\d,]+/,
      );
      expect(first).not.toContain('Coverage gaps by hour of week');
      const second = pdfText(pdf, 2);
      expect(second).toContain('Coverage gaps by hour of week');
      expect(second).toContain('After-hours exposure by window');
      expect(second).toMatch(/weekend\s+\d+\s+[\d,]+ min/);
      const third = pdfText(pdf, 3);
      expect(third).toContain('The price of the gap, line by line');
      expect(third).toMatch(/payments-api\s+P1\s+\d+\s+[\d,.]+\s+\$150\s+100% \(50%\.\.100%\)/);
      expect(third).toMatch(/Net = \(price today - price proposed\) - \(proposed fee - today's fee\)/);
    },
    60_000,
  );

  it('says what is wrong: a missing option, an unreadable history, a history of services the file lacks', async () => {
    expect((await assess('--history', history, '--config', DEMO)).code).toBe(2);
    const missing = await assess('--history', join(dir, 'nope.csv'), '--config', DEMO, '--out', join(dir, 'x.html'));
    expect(missing.code).toBe(1);
    expect(missing.err).toMatch(/nope\.csv: cannot read/);
    const unmapped = await assess('--history', history, '--config', DEMO, '--out', join(dir, 'x.html'));
    expect(unmapped.code).toBe(1);
    expect(unmapped.err).toMatch(/Helpdesk - Laptops/);
  });
});
