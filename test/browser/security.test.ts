/// <reference lib="dom" />
/**
 * The Security view in a real browser (headless Chromium) against a real
 * server on SQLite with its engine running: a webshell on web-01 (SigmaHQ's
 * "Linux Webshell Indicators", sent to POST /integrations/security/{key})
 * and two Trivy scans, one of them Spring4Shell, a KEV CVE long past its KEV
 * due date. The page shows the overdue count in red, the open detection
 * linking to its incident, findings by severity and the next due with KEV
 * marked; a new detection appears without a reload; `g` then `c` reaches
 * it from anywhere.
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { systemClock } from '../../src/clock/clock.js';
import { recordingIo } from '../../src/cli/io.js';
import { main } from '../../src/cli/main.js';
import { HAS_CHROMIUM, NO_CHROMIUM_REASON, launchChromium } from '../support/chromium.js';
import { databaseKinds } from '../support/databases.js';
import { startHarness } from '../support/harness.js';
import type { Harness } from '../support/harness.js';
import { FIXTURES } from '../support/paths.js';
import { SECURITY_KEY, WEBSHELL, securityEngagement } from '../support/security.js';
import { baseUrl, ensureBuilt, newPage, screenshot, signIn, waitForIncident } from './support.js';

const KEY = SECURITY_KEY;
const SCANNERS = join(FIXTURES, 'scanners');

const name = HAS_CHROMIUM ? 'the Security view, in Chromium, on SQLite' : `the Security view ${NO_CHROMIUM_REASON}`;

describe.skipIf(!HAS_CHROMIUM)(name, () => {
  let h: Harness;
  let browser: Browser;
  let url: string;
  let dir: string;

  async function detect(event: Record<string, string>): Promise<void> {
    const res = await fetch(`${url}/integrations/security/${KEY}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(event),
    });
    if (res.status !== 202) throw new Error(`ingest answered ${res.status}: ${await res.text()}`);
  }

  beforeAll(async () => {
    ensureBuilt();
    dir = mkdtempSync(join(tmpdir(), 'tandem-security-view-'));
    const sqlite = databaseKinds().find((k) => k.name === 'sqlite');
    if (!sqlite) throw new Error('no SQLite database kind');
    h = await startHarness(sqlite, { config: [securityEngagement(dir)], clock: systemClock, listen: true, engineLoop: true });
    url = baseUrl(h);
    browser = await launchChromium();
    const admin = await h.token('admin');
    const io = recordingIo();
    expect(await main(['kev', 'import', '--db', h.db.url, join(SCANNERS, 'kev-excerpt.json')], io)).toBe(0);
    for (const file of ['trivy-fluentd.json', 'trivy-spring4shell-jre11.json']) {
      const content = readFileSync(join(SCANNERS, file), 'utf8');
      const res = await h.api('POST', '/vulnerabilities/import', admin, { engagement: 'acme', format: 'trivy', content });
      expect(res.statusCode, res.body).toBe(200);
    }
    await detect(WEBSHELL);
    await waitForIncident(h, admin, 'Linux Webshell Indicators on web-01');
  });

  afterAll(async () => {
    await browser?.close();
    await h?.close();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('shows the overdue count, the open detection linking to its incident, findings by severity and the next due with KEV marked', async () => {
    const viewer = await h.token('viewer');
    const { context, page, errors } = await newPage(browser);
    await signIn(page, url, viewer);
    // From anywhere: g then c.
    await page.keyboard.press('g');
    await page.keyboard.press('c');
    await page.getByRole('heading', { name: 'Security', level: 1 }).waitFor();
    expect(new URL(page.url()).pathname).toBe('/security');
    expect(await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Security' }).getAttribute('aria-current')).toBe(
      'page',
    );

    // Spring4Shell is past its KEV due date: one finding overdue, in red.
    const overdue = page.locator('#overdue-count');
    await overdue.waitFor();
    expect((await overdue.textContent())?.replace(/\s+/g, ' ').trim()).toBe('1 finding overdue');
    expect(await overdue.getAttribute('class')).toContain('sec-overdue-danger');

    const detections = page.getByRole('region', { name: /Open detections \(1\)/ });
    const row = detections.getByRole('row').filter({ hasText: 'Linux Webshell Indicators' });
    await row.waitFor();
    const text = (await row.textContent()) ?? '';
    for (const part of ['P1', 'Triggered', 'high', 'T1505.003', 'Web Shell', 'Persistence', 'web-01']) expect(text).toContain(part);
    expect(await detections.getByRole('columnheader').allTextContents()).toEqual([
      'Incident',
      'Rule',
      'ATT&CK',
      'Host',
      'Service',
      'First hit',
      'Last hit',
      'Hits',
    ]);

    // Findings by severity: critical 1 open + 1 overdue, high 1, low 1.
    const bySeverity = page.getByRole('region', { name: 'Findings by severity' });
    const cells = async (severity: string) =>
      bySeverity
        .getByRole('row')
        .filter({ has: page.getByRole('rowheader', { name: severity }) })
        .getByRole('cell')
        .allTextContents();
    expect(await cells('Critical')).toEqual(['1', '1', '0', '2']);
    expect(await cells('High')).toEqual(['1', '0', '0', '1']);
    expect(await cells('Medium')).toEqual(['0', '0', '0', '0']);
    expect(await cells('Low')).toEqual(['1', '0', '0', '1']);

    // Due next: Spring4Shell first, overdue, marked KEV.
    const due = page.getByRole('region', { name: 'Due next' });
    const rows = due.getByRole('row');
    expect(await rows.count()).toBe(5);
    const first = rows.nth(1);
    expect(await first.textContent()).toContain('CVE-2022-22965');
    expect(await first.textContent()).toMatch(/25 Apr 2022.*overdue/);
    expect(await first.getByTitle("In CISA's Known Exploited Vulnerabilities catalog").textContent()).toBe('KEV');
    expect(await due.getByText('KEV', { exact: true }).count()).toBe(1);

    await page.mouse.move(0, 0);
    await screenshot(page, 'security-light');
    await page.emulateMedia({ colorScheme: 'dark' });
    await screenshot(page, 'security-dark');
    await page.emulateMedia({ colorScheme: 'light' });

    // The incident link opens the Incident view (keyboard: focus it, Enter).
    const link = row.getByRole('link', { name: /^ACME-\d+$/ });
    const number = (await link.textContent()) ?? '';
    await link.focus();
    await page.keyboard.press('Enter');
    await page.getByRole('heading', { name: 'Linux Webshell Indicators on web-01' }).waitFor();
    expect(page.url()).toBe(`${url}/incidents/${number}`);
    // The Incident view's Detection panel: the rule, and its ATT&CK technique by name, linked to MITRE's page.
    const techniques = page.getByRole('list', { name: 'ATT&CK techniques' });
    await techniques.waitFor();
    expect(await techniques.textContent()).toContain('T1505.003 Server Software Component: Web Shell');
    expect(await techniques.textContent()).toContain('Tactics: Persistence');
    expect(await techniques.getByRole('link', { name: 'T1505.003' }).getAttribute('href')).toBe(
      'https://attack.mitre.org/techniques/T1505/003/',
    );
    expect(errors).toEqual([]);
    await context.close();
  });

  it('a new detection appears without a reload', async () => {
    const viewer = await h.token('viewer');
    const { context, page, errors } = await newPage(browser);
    await signIn(page, url, viewer);
    await page.goto(`${url}/security`);
    await page.getByRole('region', { name: /Open detections \(1\)/ }).waitFor();
    await page.locator('.live-live').waitFor();
    let loads = 0;
    page.on('load', () => loads++);

    await detect({ ...WEBSHELL, Hostname: 'web-02', User: 'nginx' });
    const detections = page.getByRole('region', { name: /Open detections \(2\)/ });
    await detections.waitFor({ timeout: 30_000 });
    await detections.getByRole('row').filter({ hasText: 'web-02' }).waitFor();
    expect(loads).toBe(0);
    expect(errors).toEqual([]);
    await context.close();
  });
});
