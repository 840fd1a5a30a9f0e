/// <reference lib="dom" />
/**
 * The engagement's scope in the dashboard (issue 12), in headless Chromium
 * against a real server on SQLite: with the scope, Dana (internal)
 * opens the EDR's security incident and finds Acknowledge, Resolve and the
 * waiting states disabled, each saying why (security_response, held by the
 * partner), while she can still add a note; Kim (partner) opens the same
 * incident with every button available. The engagement page shows the
 * scope as a table.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { systemClock } from '../../src/clock/clock.js';
import { HAS_CHROMIUM, NO_CHROMIUM_REASON, launchChromium } from '../support/chromium.js';
import { databaseKinds } from '../support/databases.js';
import { startHarness } from '../support/harness.js';
import type { Harness } from '../support/harness.js';
import { EDR_KEY, scopedDemo } from '../support/scope.js';
import { baseUrl, ensureBuilt, newPage, screenshot, signIn, triggerGeneric, waitForIncident } from './support.js';

const name = HAS_CHROMIUM ? 'scope in the dashboard, in Chromium, on SQLite' : `scope in the dashboard ${NO_CHROMIUM_REASON}`;
const WHY = "the engagement's scope does not give the internal side security_response on security incidents: held by partner (R)";

describe.skipIf(!HAS_CHROMIUM)(name, () => {
  let h: Harness;
  let browser: Browser;
  let url: string;
  let dir: string;
  let number: string;

  beforeAll(async () => {
    ensureBuilt();
    dir = mkdtempSync(join(tmpdir(), 'tandem-scope-view-'));
    const sqlite = databaseKinds().find((k) => k.name === 'sqlite');
    if (!sqlite) throw new Error('no SQLite database kind');
    h = await startHarness(sqlite, { config: [scopedDemo(dir)], clock: systemClock, listen: true, engineLoop: true });
    url = baseUrl(h);
    browser = await launchChromium();
    await triggerGeneric(h, EDR_KEY, 'webshell-web-01', 'Web shell on web-01', 'critical');
    number = (await waitForIncident(h, await h.token('viewer'), 'Web shell on web-01')).number;
  });

  afterAll(async () => {
    await browser?.close();
    await h?.close();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('shows an internal responder why Acknowledge and Resolve are unavailable on a security incident, and lets her add a note', async () => {
    const dana = await h.token('responder', ['acme'], 'dana');
    const { context, page, errors } = await newPage(browser);
    await signIn(page, url, dana);
    await page.goto(`${url}/incidents/${number}`);
    const actions = page.getByRole('region', { name: 'Actions' });
    const acknowledge = actions.getByRole('button', { name: 'Acknowledge' });
    await acknowledge.waitFor();
    expect(await acknowledge.isDisabled()).toBe(true);
    expect(await acknowledge.getAttribute('title')).toBe(WHY);
    expect(await actions.getByRole('button', { name: 'Resolve' }).isDisabled()).toBe(true);
    expect(await actions.getByRole('button', { name: 'Waiting on vendor' }).isDisabled()).toBe(true);
    const note = actions.getByRole('list', { name: 'Out of scope' });
    expect(await note.textContent()).toBe(`Out of scope: ${WHY}`);
    await screenshot(page, 'scope-internal-on-security-incident');
    const text = page.getByRole('textbox', { name: /note/i });
    await text.fill('web-01 is the old marketing site.');
    await page.getByRole('button', { name: /Add note/i }).click();
    await page.getByText('web-01 is the old marketing site.').first().waitFor();
    expect(errors).toEqual([]);
    await context.close();
  });

  it('shows the scope table on the engagement page, bound activities apart from documenting ones', async () => {
    const viewer = await h.token('viewer');
    const { context, page, errors } = await newPage(browser);
    await signIn(page, url, viewer);
    await page.goto(`${url}/engagement`);
    const table = page.getByRole('table', { name: 'Scope' });
    await table.waitFor();
    const rows = await table.locator('tbody tr').allTextContents();
    expect(rows).toHaveLength(6);
    expect(rows[1]).toContain('change priority');
    expect(rows[1]).toContain('AC');
    expect(rows[4]).toContain('vendor management (documents)');
    await screenshot(page, 'scope-engagement-table');
    expect(errors).toEqual([]);
    await context.close();
  });

  it('shows the partner responder every action', async () => {
    const kim = await h.token('responder', ['acme'], 'kim');
    const { context, page, errors } = await newPage(browser);
    await signIn(page, url, kim);
    await page.goto(`${url}/incidents/${number}`);
    const actions = page.getByRole('region', { name: 'Actions' });
    const acknowledge = actions.getByRole('button', { name: 'Acknowledge' });
    await acknowledge.waitFor();
    expect(await acknowledge.isDisabled()).toBe(false);
    expect(await actions.getByRole('list', { name: 'Out of scope' }).count()).toBe(0);
    expect(errors).toEqual([]);
    await context.close();
  });
});
