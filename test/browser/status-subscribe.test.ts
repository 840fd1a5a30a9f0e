/// <reference lib="dom" />
/**
 * Subscribing to the public status page in headless Chromium, with no
 * script (issue 13): Dana fills in the page's form, ticks Payments and
 * submits; the answer page says a confirmation link is on its way; the
 * confirmation mail reaches a real SMTP server; she opens its link in the
 * browser, and later the unsubscribe link, whose page has one button. No
 * console error, no blocked resource or form (the CSP allows posting only to
 * the server itself).
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
import { startSmtpReceiver } from '../support/receivers/smtp.js';
import type { SmtpReceiver } from '../support/receivers/smtp.js';
import { statusDemo } from '../support/status-page.js';
import { baseUrl, newPage } from './support.js';

const name = HAS_CHROMIUM
  ? 'subscribing to the status page, in Chromium, on SQLite'
  : `subscribing to the status page ${NO_CHROMIUM_REASON}`;

describe.skipIf(!HAS_CHROMIUM)(name, () => {
  let h: Harness;
  let smtp: SmtpReceiver;
  let browser: Browser;
  let url: string;
  let dir: string;

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'tandem-status-subscribe-'));
    smtp = await startSmtpReceiver();
    const sqlite = databaseKinds().find((k) => k.name === 'sqlite');
    if (!sqlite) throw new Error('no SQLite database kind');
    h = await startHarness(sqlite, {
      config: [statusDemo(dir)],
      clock: systemClock,
      listen: true,
      engineLoop: true,
      extraArgs: ['--notify', 'live', '--smtp-url', smtp.url],
    });
    url = baseUrl(h);
    browser = await launchChromium();
  });

  afterAll(async () => {
    await browser?.close();
    await h?.close();
    await smtp?.close();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('subscribes through the form, confirms and unsubscribes from the links', async () => {
    const { context, page, errors } = await newPage(browser, { width: 900, height: 1000 });
    const consoleErrors: string[] = [];
    page.on('console', (m) => {
      if (m.type() === 'error') consoleErrors.push(m.text());
    });
    expect((await page.goto(`${url}/status/acme`))?.status()).toBe(200);
    await page.getByLabel('Email address').fill('Dana@Example.com');
    await page.getByLabel('Payments').check();
    await Promise.all([page.waitForURL(`${url}/status/acme/subscribe`), page.getByRole('button', { name: 'Subscribe' }).click()]);
    expect(await page.getByRole('heading', { level: 1 }).textContent()).toBe('Check your inbox');

    const [mail] = await smtp.waitFor(1, 10_000);
    expect(mail?.envelope.to).toEqual(['dana@example.com']);
    // The links point at --public-url; the path is what matters here.
    const path = (kind: string) => `${url}${new RegExp(`/status/acme/${kind}/[A-Za-z0-9_-]+`).exec(mail?.text ?? '')?.[0] ?? ''}`;
    const confirm = path('confirm');
    const unsubscribe = path('unsubscribe');
    expect((await page.goto(confirm))?.status()).toBe(200);
    expect(await page.getByRole('heading', { level: 1 }).textContent()).toBe('Subscribed');

    expect((await page.goto(unsubscribe))?.status()).toBe(200);
    await Promise.all([page.waitForLoadState('load'), page.getByRole('button', { name: 'Unsubscribe' }).click()]);
    await page.getByRole('heading', { level: 1, name: 'Unsubscribed' }).waitFor();
    expect(consoleErrors).toEqual([]);
    expect(errors).toEqual([]);
    await context.close();
  });
});
