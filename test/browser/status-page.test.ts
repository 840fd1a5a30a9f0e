/// <reference lib="dom" />
/**
 * The public status page in headless Chromium against a real server on
 * SQLite (issue 13): nobody signs in. Payments fails (P1) and the shop slows
 * down (P3); an admin publishes a note whose text carries markup and odd
 * characters. The page shows each component with its state in words, the
 * overall state as a live status, the note as written (escaped, nothing
 * runs), with no console error or blocked resource (the CSP allows nothing
 * external), in light and dark schemes; the Atom feed parses as XML with one
 * entry carrying id, title and updated.
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
import { STATUS_KEYS, statusDemo } from '../support/status-page.js';
import { baseUrl, newPage, screenshot, trigger } from './support.js';

const name = HAS_CHROMIUM ? 'the status page, in Chromium, on SQLite' : `the status page ${NO_CHROMIUM_REASON}`;
const HOSTILE = 'Card payments fail <script>alert("x")</script> & refunds wait;\u0007 next update 18:30 😀';

interface StatusJson {
  components: Array<{ name: string; state: string }>;
}

/** Waits until the JSON shows these states (the engine applies events in the background). */
async function waitForStates(url: string, expected: Record<string, string>, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const doc = (await (await fetch(`${url}/status/acme.json`)).json()) as StatusJson;
    const states = Object.fromEntries(doc.components.map((c) => [c.name, c.state]));
    if (JSON.stringify(states) === JSON.stringify(expected)) return;
    if (Date.now() > deadline) throw new Error(`states ${JSON.stringify(states)} after ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

describe.skipIf(!HAS_CHROMIUM)(name, () => {
  let h: Harness;
  let browser: Browser;
  let url: string;
  let dir: string;

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'tandem-status-view-'));
    const sqlite = databaseKinds().find((k) => k.name === 'sqlite');
    if (!sqlite) throw new Error('no SQLite database kind');
    h = await startHarness(sqlite, { config: [statusDemo(dir)], clock: systemClock, listen: true, engineLoop: true });
    url = baseUrl(h);
    browser = await launchChromium();
    await trigger(h, STATUS_KEYS.payments, 'pay-5xx', 'payments-api 5xx on pay-db-07', 'critical');
    await trigger(h, STATUS_KEYS.storefront, 'shop-slow', 'storefront p95 4 s', 'warning');
    await waitForStates(url, { Payments: 'outage', 'Online shop': 'degraded', 'Staff devices and sign-in': 'operational' });
    const admin = await h.token('admin');
    const res = await h.api('POST', '/status-notes', admin, {
      engagement: 'acme',
      title: 'Payments <b>down</b>',
      components: ['Payments'],
      state: 'outage',
      text: HOSTILE,
    });
    expect(res.statusCode).toBe(201);
  });

  afterAll(async () => {
    await browser?.close();
    await h?.close();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  for (const scheme of ['light', 'dark'] as const) {
    it(`shows each component's state in words and the published note as written (${scheme})`, async () => {
      const { context, page, errors } = await newPage(browser, { colorScheme: scheme, width: 900, height: 1000 });
      const consoleErrors: string[] = [];
      page.on('console', (m) => {
        if (m.type() === 'error') consoleErrors.push(m.text());
      });
      const requests: string[] = [];
      page.on('request', (r) => requests.push(r.url()));
      let dialogs = 0;
      page.on('dialog', (d) => {
        dialogs += 1;
        void d.dismiss();
      });
      const res = await page.goto(`${url}/status/acme`);
      expect(res?.status()).toBe(200);

      expect(await page.getByRole('heading', { level: 1 }).textContent()).toBe('Acme IT services');
      expect((await page.getByRole('status').textContent())?.trim()).toBe('■ Some systems are down');
      const components = page.getByRole('list', { name: 'Components' }).getByRole('listitem');
      expect(await components.count()).toBe(3);
      const shown = await components.evaluateAll((items) =>
        items.map((li) => [li.querySelector('.name')?.firstChild?.textContent ?? '', li.querySelector('.state')?.textContent ?? '']),
      );
      expect(shown).toEqual([
        ['Payments', '■ Outage'],
        ['Online shop', '▲ Degraded performance'],
        ['Staff devices and sign-in', '● Operational'],
      ]);
      // The state is in words; the mark beside it is hidden from screen readers.
      expect(await components.first().locator('[aria-hidden="true"]').count()).toBe(1);

      const note = page.getByRole('article', { name: 'Payments <b>down</b>' });
      await note.waitFor();
      expect(await note.locator('.text').textContent()).toBe(HOSTILE);
      expect(await note.getByRole('heading', { level: 3 }).textContent()).toBe('Payments <b>down</b>');
      expect(await page.locator('script').count()).toBe(0);

      // Only the page itself was requested: no stylesheet, font, image or script from anywhere.
      expect(requests).toEqual([`${url}/status/acme`]);
      expect(dialogs).toBe(0);
      expect(consoleErrors).toEqual([]);
      expect(errors).toEqual([]);
      await screenshot(page, `status-page-${scheme}`);
      await context.close();
    });
  }

  it('serves an Atom feed that parses as XML, one entry per note with id, title and updated', async () => {
    const { context, page } = await newPage(browser);
    const res = await fetch(`${url}/status/acme/feed.atom`);
    expect(res.headers.get('content-type')).toBe('application/atom+xml; charset=utf-8');
    // Chromium's XML parser reads it (the page's own CSP allows it no fetch, so the text is handed in).
    const feed = await page.evaluate(
      (text) => {
        const doc = new DOMParser().parseFromString(text, 'application/xml');
        const ns = 'http://www.w3.org/2005/Atom';
        const entries = [...doc.getElementsByTagNameNS(ns, 'entry')];
        return {
          error: doc.getElementsByTagName('parsererror').length,
          root: doc.documentElement.namespaceURI,
          feedId: doc.documentElement.getElementsByTagNameNS(ns, 'id')[0]?.textContent,
          updated: doc.documentElement.getElementsByTagNameNS(ns, 'updated')[0]?.textContent,
          author: doc.documentElement.getElementsByTagNameNS(ns, 'author').length,
          entries: entries.map((e) => ({
            id: e.getElementsByTagNameNS(ns, 'id')[0]?.textContent ?? '',
            title: e.getElementsByTagNameNS(ns, 'title')[0]?.textContent ?? '',
            updated: e.getElementsByTagNameNS(ns, 'updated')[0]?.textContent ?? '',
            content: e.getElementsByTagNameNS(ns, 'content')[0]?.textContent ?? '',
          })),
        };
      },
      await res.text(),
    );
    expect(feed.error).toBe(0);
    expect(feed.root).toBe('http://www.w3.org/2005/Atom');
    expect(feed.feedId).toBe(`${h.tandem.settings.publicUrl}/status/acme`);
    expect(feed.updated).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/);
    expect(feed.author).toBe(1);
    expect(feed.entries).toHaveLength(1);
    expect(feed.entries[0]?.id).toMatch(/^tag:127\.0\.0\.1,\d{4}-\d\d-\d\d:acme\/notes\/\d+$/);
    expect(feed.entries[0]?.title).toBe('Payments <b>down</b>');
    expect(feed.entries[0]?.updated).toMatch(/Z$/);
    // The BEL character XML cannot hold is replaced; the rest is the text as published, as escaped HTML.
    expect(feed.entries[0]?.content).toContain(
      'Card payments fail &lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt; &amp; refunds wait;\uFFFD next update 18:30 😀',
    );
    await context.close();
  });
});
