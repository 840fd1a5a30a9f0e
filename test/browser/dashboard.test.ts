/// <reference lib="dom" />
/**
 * The dashboard in a real browser (headless Chromium) against a real server
 * on SQLite with its engine running: signing in, a new incident pushed to
 * Now without a reload, acknowledging from the page, what a viewer may not
 * do, and a partner token seeing exactly its engagements. Screenshots of
 * every view land in test-output/screenshots/ (docs/images/now.png is copied from there).
 */
import { statSync } from 'node:fs';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { HAS_CHROMIUM, NO_CHROMIUM_REASON, launchChromium } from '../support/chromium.js';
import type { Harness } from '../support/harness.js';
import { prepareImport, writeImport } from '../../src/import/import.js';
import {
  KEYS,
  baseUrl,
  ensureBuilt,
  historyCsv,
  newPage,
  screenshot,
  signIn,
  startServer,
  trigger,
  triggerGeneric,
  waitForIncident,
} from './support.js';

const name = HAS_CHROMIUM ? 'the operations dashboard, in Chromium, on SQLite' : `the operations dashboard ${NO_CHROMIUM_REASON}`;

describe.skipIf(!HAS_CHROMIUM)(name, () => {
  let h: Harness;
  let browser: Browser;
  let url: string;
  let admin: string;
  let responder: string;

  beforeAll(async () => {
    ensureBuilt();
    h = await startServer();
    url = baseUrl(h);
    browser = await launchChromium();
    admin = await h.token('admin', ['acme', 'globex', 'initech']);
    responder = await h.token('responder', ['acme']);
    // Six months of history (what `tandem import incidents` brings in), so Performance has months to show.
    const acme = h.tandem.deployment.engagement('acme');
    if (!acme) throw new Error('no acme engagement');
    const now = Date.now();
    const history = prepareImport({ engagement: acme, text: historyCsv(now), format: 'tandem', serviceMap: [], now });
    expect(history.problems).toEqual([]);
    await writeImport(h.tandem.database, acme, history.items, 'history.csv', now);
    // A realistic queue for the screenshots: every service, every priority.
    await trigger(h, KEYS.payments, 'pay-5xx', 'Payment API 5xx rate above 5% for 10 minutes', 'critical');
    await trigger(h, KEYS.payments, 'pay-latency', 'p99 latency over 2 s on /v1/charges', 'warning');
    await trigger(h, KEYS.storefront, 'cdn-origin', 'Storefront CDN origin errors in us-east-1', 'error');
    await trigger(h, KEYS.storefront, 'tls-expiry', 'TLS certificate for shop.acme.example expires in 6 days', 'info');
    await triggerGeneric(h, KEYS.edr, 'edr-ps', 'Suspicious PowerShell execution on FIN-LT-0231', 'critical');
    await triggerGeneric(h, KEYS.edr, 'mfa-fail', 'Repeated failed MFA attempts for j.doe', 'warning');
    await triggerGeneric(h, KEYS.laptops, 'vpn', 'VPN client failing for remote staff in Denver', 'error');
    await triggerGeneric(h, KEYS.laptops, 'printer', 'Print queue stuck on the 3rd floor', 'info');
    await waitForIncident(h, admin, 'Print queue stuck on the 3rd floor');
  });

  afterAll(async () => {
    await browser?.close();
    await h?.close();
  });

  it('signs in with an API token, shows who answers now, and signs out', async () => {
    const { context, page, errors } = await newPage(browser);
    await page.goto(`${url}/`);
    const signInHeading = page.getByRole('heading', { name: 'Sign in to the operations desk' });
    await signInHeading.waitFor();
    // The token field has focus, ready to paste into.
    expect(await page.evaluate(() => document.activeElement?.id)).toBe('token');
    await screenshot(page, 'sign-in');
    await page.getByLabel('API token').fill('tdm_not-a-real-token');
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.getByText('That token is unknown or has been revoked.').waitFor();

    await page.getByLabel('API token').fill(responder);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.getByRole('heading', { name: /Open incidents/ }).waitFor();
    // Signing in puts focus on the page's content; on a fresh load the first Tab reaches the skip link.
    expect(await page.evaluate(() => document.activeElement?.id)).toBe('main');
    await page.reload();
    await page.getByRole('heading', { name: /Open incidents/ }).waitFor();
    await page.keyboard.press('Tab');
    expect(await page.evaluate(() => document.activeElement?.textContent)).toBe('Skip to main content');
    await page.keyboard.press('Enter');
    expect(await page.evaluate(() => document.activeElement?.id)).toBe('main');
    // The coverage banner and both sides' on-call lists.
    const banner = page.getByRole('region', { name: 'Coverage now' });
    await banner.waitFor();
    expect(await banner.textContent()).toMatch(/(Business hours|After hours|Weekend|Holiday).*: .*covers/);
    const onCall = page.getByRole('region', { name: 'On call now' });
    await onCall.getByText('NightOwl MSP').first().waitFor();
    expect(await onCall.textContent()).toContain('Acme IT');
    await page.getByRole('link', { name: 'Payment API 5xx rate above 5% for 10 minutes' }).waitFor();
    // Sorted: P1 first.
    const firstPriority = await page.locator('.queue-list .vrow').first().locator('.prio').textContent();
    expect(firstPriority).toBe('P1');
    await page.waitForTimeout(600);
    const now = await screenshot(page, 'now-light');
    // docs/images/now.png (shown in the README) is copied from here by hand: tests never write to the tree.
    expect(statSync(now).size).toBeLessThan(400 * 1024);

    // The theme toggle switches to dark and is remembered.
    await page.getByRole('button', { name: 'Switch to dark mode' }).click();
    expect(await page.evaluate(() => document.documentElement.dataset['theme'])).toBe('dark');
    await screenshot(page, 'now-dark');
    await page.reload();
    await page.getByRole('heading', { name: /Open incidents/ }).waitFor();
    expect(await page.evaluate(() => localStorage.getItem('tandem.theme'))).toBe('dark');
    await page.getByRole('button', { name: 'Switch to light mode' }).click();

    await page.getByRole('button', { name: 'Sign out' }).click();
    await signInHeading.waitFor();
    const me = await page.evaluate(async () => (await fetch('/api/v1/me')).status);
    expect(me).toBe(401);
    expect(errors).toEqual([]);
    await context.close();
  });

  it('a new event appears on Now without a reload; acknowledging it from the page shows on its timeline and in the API', async () => {
    const { context, page, errors } = await newPage(browser);
    await signIn(page, url, responder);
    let loads = 0;
    page.on('load', () => loads++);
    await page.evaluate(() => {
      (window as unknown as { __sameDocument?: boolean }).__sameDocument = true;
    });
    await page.locator('.live-live').waitFor();

    const title = 'Checkout failing for EU cards';
    await trigger(h, KEYS.payments, 'live-1', title, 'critical');
    const row = page.getByRole('link', { name: title });
    // How fast is measured by `npm run bench:ui`; here it only has to arrive, pushed, without a reload.
    await row.waitFor({ timeout: 30_000 });
    expect(loads).toBe(0);
    expect(await page.evaluate(() => (window as unknown as { __sameDocument?: boolean }).__sameDocument)).toBe(true);
    // Highlighted as new, and announced to screen readers.
    await page.locator('.row-flash').first().waitFor();
    await expect.poll(async () => page.locator('#announcer').textContent()).toContain(title);

    await row.click();
    await page.getByRole('heading', { name: title }).waitFor();
    const number = page.url().split('/incidents/')[1] ?? '';
    expect(number).toMatch(/^ACME-\d+$/);
    await page.getByRole('button', { name: 'Acknowledge', exact: true }).click();
    const ack = page.locator('.timeline [data-kind="incident.acknowledged"]');
    await ack.waitFor({ timeout: 5000 });
    expect(await ack.textContent()).toContain('Acknowledged');
    await page.locator('.incident-meta').getByText('Acknowledged', { exact: true }).waitFor();

    const api = (await h.api('GET', `/incidents/${number}`, admin)).json<{
      incident: { status: string; acknowledged_at: string | null; timeline: Array<{ kind: string }> };
    }>().incident;
    expect(api.status).toBe('acknowledged');
    expect(api.acknowledged_at).not.toBeNull();
    expect(api.timeline.map((t) => t.kind)).toContain('incident.acknowledged');

    // A note, then the raw event behind the first alert.
    await page.getByLabel('Note').fill('Rolled back the 14:02 deploy of the card router; error rate recovering.');
    await page.getByRole('button', { name: 'Add note' }).click();
    await page.locator('.timeline [data-kind="note"]').getByText('Rolled back the 14:02 deploy').waitFor();
    await page.locator('.timeline [data-kind="alert.triggered"] summary').first().click();
    await page.locator('.timeline [data-kind="alert.triggered"] pre').first().waitFor();
    await page.mouse.move(0, 0);
    await page.locator('#main').evaluate((el) => el.scrollTo(0, 0));
    await screenshot(page, 'incident-light');
    await page.emulateMedia({ colorScheme: 'dark' });
    await screenshot(page, 'incident-dark');
    expect(errors).toEqual([]);
    await context.close();
  });

  // Retried once: in 1 of 7 CI runs on 2026-11-30 the heading of the incident opened with Enter never showed (the
  // queue re-renders on live updates; the focus read before Enter may not be the row Enter opens). Kept as a
  // known flake to find, not hidden: a second failure still fails the suite.
  it('a viewer sees the queue and the incident but no action buttons at all', { retry: 1 }, async () => {
    const viewer = await h.token('viewer', ['acme']);
    const { context, page, errors } = await newPage(browser);
    await signIn(page, url, viewer);
    await page.getByRole('link', { name: 'Suspicious PowerShell execution on FIN-LT-0231' }).waitFor();
    const actions = /^(Ack|Acknowledge|Resolve|Add note|Waiting on customer|Waiting on vendor|Change priority|Back to acknowledged)\b/;
    expect(await page.getByRole('button', { name: actions }).count()).toBe(0);
    // Keyboard: j moves down the queue, Enter opens the incident.
    await page.keyboard.press('j');
    await page.keyboard.press('j');
    const focused = await page.evaluate(() => document.activeElement?.textContent ?? '');
    expect(focused.length).toBeGreaterThan(0);
    await page.keyboard.press('Enter');
    await page.getByRole('heading', { name: focused }).waitFor();
    expect(page.url()).toMatch(/\/incidents\/ACME-\d+$/);
    await page.goBack();
    await page.getByRole('link', { name: 'Suspicious PowerShell execution on FIN-LT-0231' }).click();
    await page.getByRole('heading', { name: 'Suspicious PowerShell execution on FIN-LT-0231' }).waitFor();
    await page.getByRole('heading', { name: 'Timeline' }).waitFor();
    expect(await page.getByRole('button', { name: actions }).count()).toBe(0);
    expect(await page.getByLabel('Note').count()).toBe(0);
    expect(await page.getByRole('region', { name: 'Actions' }).count()).toBe(0);
    expect(errors).toEqual([]);
    await context.close();
  });

  it('a partner token sees one queue across its two engagements, labelled, and nothing of a third', async () => {
    const partner = await h.token('responder', ['acme', 'globex']);
    await trigger(h, KEYS.globex, 'mainframe-batch', 'Mainframe batch window overrunning', 'critical');
    await trigger(h, KEYS.initech, 'tps-1', 'TPS report service unreachable', 'critical');
    // The third engagement's incident exists: its absence below is isolation, not timing.
    await waitForIncident(h, admin, 'TPS report service unreachable');
    await waitForIncident(h, admin, 'Mainframe batch window overrunning');

    const { context, page, errors } = await newPage(browser);
    await signIn(page, url, partner);
    const acmeRow = page.locator('.vrow', { hasText: 'Payment API 5xx rate above 5% for 10 minutes' });
    const globexRow = page.locator('.vrow', { hasText: 'Mainframe batch window overrunning' });
    await acmeRow.waitFor();
    await globexRow.waitFor();
    expect(await acmeRow.locator('.eng-tag').textContent()).toBe('Acme Payments');
    expect(await globexRow.locator('.eng-tag').textContent()).toBe('Globex Corporation');
    expect(await page.getByText('TPS report service unreachable').count()).toBe(0);
    expect(await page.getByRole('region', { name: 'Coverage now' }).textContent()).toContain('Globex Corporation');

    // Live too: a new Initech incident never arrives, while a Globex one sent after it does.
    await trigger(h, KEYS.initech, 'tps-2', 'TPS cover sheets missing', 'critical');
    await trigger(h, KEYS.globex, 'mainframe-disk', 'Mainframe DASD volume 91% full', 'error');
    await page.getByRole('link', { name: 'Mainframe DASD volume 91% full' }).waitFor({ timeout: 5000 });
    expect(await page.getByText('TPS cover sheets missing').count()).toBe(0);
    const engagements = (
      await page.evaluate(async () => (await (await fetch('/api/v1/engagements')).json()) as { engagements: Array<{ id: string }> })
    ).engagements.map((e) => e.id);
    expect(engagements.sort()).toEqual(['acme', 'globex']);
    await page.waitForTimeout(5200); // let the new-incident highlight fade for the picture
    await screenshot(page, 'now-partner');

    // The engagement filter narrows the queue to one client.
    await page.getByRole('combobox', { name: 'Engagement' }).selectOption('globex');
    await acmeRow.waitFor({ state: 'detached' });
    await globexRow.waitFor();
    expect(page.url()).toContain('engagement=globex');
    // An Initech incident page is a 404 to this token, like one that does not exist.
    await page.goto(`${url}/incidents/INITECH-1`);
    await page.getByText('Incident INITECH-1 not found').waitFor();
    expect(errors).toEqual([]);
    await context.close();
  });

  it('a side whose policy pages a team shows the team, not "Nobody on call"; times carry their zone', async () => {
    const { context, page, errors } = await newPage(browser);
    await signIn(page, url, admin);
    const onCall = page.getByRole('region', { name: 'On call now' });
    // Initech's internal side is on call through no schedule at all: its policy pages the initech-it team.
    const initechIt = onCall
      .locator('.oncall-eng', { has: page.getByRole('heading', { name: 'Initech' }) })
      .locator('.side-block-internal');
    const team = initechIt.getByRole('list', { name: 'Initech IT: paged directly' }).locator('[data-target="team:initech-it"]');
    await team.waitFor();
    expect(await team.textContent()).toMatch(/^Team initech-itBill Lumbergh · paged for (infrastructure and )?end user$/);
    expect(await initechIt.textContent()).not.toContain('Nobody');

    // Times say which zone they are in (the browser's: America/New_York here), in the queue's tooltips and on the timeline.
    const zone = /\b(EST|EDT)$/;
    const firstTime = page.locator('.queue-list .vrow time').first();
    await firstTime.waitFor();
    expect(await firstTime.getAttribute('title')).toMatch(zone);
    await page.getByRole('link', { name: 'Payment API 5xx rate above 5% for 10 minutes' }).click();
    const stamp = page.locator('.timeline .tl-time').first();
    await stamp.waitFor();
    expect(await stamp.textContent()).toMatch(/^\w{3} \d{1,2} \w{3}, \d{2}:\d{2}:\d{2} (EST|EDT)$/);
    expect(await page.locator('.incident-meta time').first().getAttribute('title')).toMatch(zone);
    // On-call "until" times are in the engagement's zone, named.
    await page.getByRole('link', { name: 'Schedules' }).click();
    await page.getByRole('heading', { name: 'acme-primary' }).waitFor();
    const gapOrShift = page.locator('.shift-list li').first();
    expect(await gapOrShift.textContent()).toMatch(/\d{2}:\d{2} (EST|EDT) – .*\d{2}:\d{2} (EST|EDT)$/);
    expect(errors).toEqual([]);
    await context.close();
  });

  it('schedules, performance and engagement views render in light and dark', async () => {
    for (const scheme of ['light', 'dark'] as const) {
      const { context, page, errors } = await newPage(browser, { colorScheme: scheme });
      await signIn(page, url, admin);
      await page.getByRole('link', { name: 'Schedules' }).click();
      await page.getByRole('heading', { name: 'acme-primary' }).waitFor();
      await page.locator('.week .bar-shift').first().waitFor();
      await page.getByRole('button', { name: 'Next week' }).click();
      expect(page.url()).toContain('week=');
      await page.getByRole('button', { name: 'Previous week' }).click();
      await page.locator('.week .bar-shift').first().waitFor();
      await screenshot(page, `schedules-${scheme}`);

      await page.getByRole('link', { name: 'Performance' }).click();
      await page.getByRole('heading', { name: 'Performance', level: 1 }).waitFor();
      await page.locator('.kpis').waitFor();
      await page.waitForFunction(() => !document.querySelector('.loading'));
      const href = await page.getByRole('link', { name: 'Open monthly review' }).getAttribute('href');
      expect(href).toMatch(/^\/api\/v1\/engagements\/acme\/reports\/monthly\?month=\d{4}-\d{2}$/);
      await screenshot(page, `performance-${scheme}`);

      await page.getByRole('link', { name: 'Engagement' }).click();
      await page.getByRole('table', { name: /Coverage matrix/ }).waitFor();
      const matrix = await page.getByRole('table', { name: /Coverage matrix/ }).textContent();
      expect(matrix).toContain('partner-noc');
      expect(matrix).toContain('internal-infra');
      await screenshot(page, `engagement-${scheme}`);
      expect(errors).toEqual([]);
      await context.close();
    }
  });

  it("an incident's tickets show on its page: the key links to the ticket, a failed one shows its error", async () => {
    const incident = await waitForIncident(h, admin, 'VPN client failing for remote staff in Denver');
    const at = Date.now();
    const base = { engagement_id: 'acme', incident_id: incident.id, created_at: at, updated_at: at };
    await h.tandem.database.db
      .insertInto('tickets')
      .values([
        {
          ...base,
          ticketing_id: 'acme-jira',
          system: 'jira',
          external_key: 'OPS-7',
          external_url: 'https://acme.example/browse/OPS-7',
          state: 'open',
          last_error: null,
        },
        {
          ...base,
          ticketing_id: 'acme-snow',
          system: 'servicenow',
          external_key: null,
          external_url: null,
          state: 'failed',
          last_error: 'ServiceNow 401: bad credentials',
        },
      ])
      .execute();
    const { context, page, errors } = await newPage(browser);
    await signIn(page, url, responder);
    await page.goto(`${url}/incidents/${incident.number}`);
    const list = page.getByRole('list', { name: 'Tickets' });
    await list.waitFor();
    const link = list.getByRole('link', { name: 'OPS-7' });
    expect(await link.getAttribute('href')).toBe('https://acme.example/browse/OPS-7');
    expect(await link.getAttribute('target')).toBe('_blank');
    expect(await link.getAttribute('rel')).toBe('noopener noreferrer');
    const text = (await list.textContent()) ?? '';
    expect(text).toContain('State: open');
    expect(text).toContain('System: servicenow');
    expect(text).toContain('Last error: ServiceNow 401: bad credentials');
    expect(errors).toEqual([]);
    await context.close();
  });

  it('serves the app with its security headers, hashed assets for good, and the SPA fallback only outside the API', async () => {
    const index = await fetch(`${url}/incidents/ACME-1`);
    expect(index.status).toBe(200);
    expect(index.headers.get('content-type')).toBe('text/html; charset=utf-8');
    expect(index.headers.get('cache-control')).toBe('no-cache');
    expect(index.headers.get('content-security-policy')).toBe(
      "default-src 'self'; img-src 'self' data:; style-src 'self' 'unsafe-inline'; connect-src 'self'; frame-ancestors 'none'",
    );
    expect(index.headers.get('x-content-type-options')).toBe('nosniff');
    expect(index.headers.get('referrer-policy')).toBe('no-referrer');
    const html = await index.text();
    const script = /src="(\/assets\/[^"]+\.js)"/.exec(html)?.[1];
    expect(script).toBeDefined();
    const asset = await fetch(`${url}${script ?? ''}`);
    expect(asset.headers.get('content-type')).toBe('text/javascript; charset=utf-8');
    expect(asset.headers.get('cache-control')).toBe('public, max-age=31536000, immutable');
    expect((await fetch(`${url}/assets/missing-0000.js`)).status).toBe(404);
    const api = await fetch(`${url}/api/v1/no-such-thing`);
    expect(api.status).toBe(404);
    expect(await api.json()).toMatchObject({ error: { code: 'ROUTE_NOT_FOUND' } });
    expect((await fetch(`${url}/v2/enqueue`)).status).toBe(405);
    expect((await fetch(`${url}/healthz`)).headers.get('content-type')).toContain('application/json');
  });
});
