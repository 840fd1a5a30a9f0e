/// <reference lib="dom" />
/**
 * Single sign-on end to end in Chromium: the dashboard's sign-in page offers
 * the organization's sign-in, the browser goes to a real OpenID provider
 * (oidc-provider) on another site (127.0.0.1 against Tandem's localhost),
 * signs in there, and comes back signed in to the dashboard as that person:
 * the sign-in cookie survives the cross-site return and the session cookie
 * works from the first page.
 */
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { systemClock } from '../../src/clock/clock.js';
import { HAS_CHROMIUM, NO_CHROMIUM_REASON, launchChromium } from '../support/chromium.js';
import { databaseKinds } from '../support/databases.js';
import { startFakeOidc } from '../support/fakes/oidc.js';
import type { FakeOidc } from '../support/fakes/oidc.js';
import { startHarness } from '../support/harness.js';
import type { Harness } from '../support/harness.js';
import { DEMO } from '../support/paths.js';
import { freePort } from '../support/server-process.js';
import { ensureBuilt, newPage, screenshot } from './support.js';

const name = HAS_CHROMIUM ? 'single sign-on, in Chromium' : `single sign-on in a browser ${NO_CHROMIUM_REASON}`;

describe.skipIf(!HAS_CHROMIUM)(name, () => {
  let h: Harness;
  let idp: FakeOidc;
  let browser: Browser;
  let url: string;

  beforeAll(async () => {
    ensureBuilt();
    const sqlite = databaseKinds().find((k) => k.name === 'sqlite');
    if (!sqlite) throw new Error('no SQLite database kind');
    const port = await freePort();
    url = `http://localhost:${port}`;
    idp = await startFakeOidc({
      redirectUri: `${url}/auth/callback`,
      accounts: { kim: { email: 'kim@nightowl.example', email_verified: true } },
    });
    h = await startHarness(sqlite, {
      config: [DEMO],
      clock: systemClock,
      listen: true,
      engineLoop: false,
      extraArgs: ['--port', String(port), '--public-url', url, '--oidc-issuer', idp.issuer, '--oidc-client-id', idp.clientId],
      env: { TANDEM_OIDC_CLIENT_SECRET: idp.clientSecret },
    });
    browser = await launchChromium();
  }, 60_000);
  afterAll(async () => {
    await browser?.close();
    await h?.close();
    await idp?.close();
  });

  it('signs in through the identity provider and lands on the dashboard as the person', async () => {
    const { context, page, errors } = await newPage(browser);
    try {
      await page.goto(`${url}/`);
      const sso = page.getByRole('link', { name: 'Sign in with your organization' });
      await sso.waitFor({ timeout: 10_000 });
      await screenshot(page, 'sso-sign-in');
      await sso.click();
      await page.waitForURL((u) => u.origin === idp.issuer, { timeout: 10_000 });
      await page.locator('input[name="login"]').fill('kim');
      await page.locator('input[name="password"]').fill('any');
      await page.locator('button[type="submit"]').click();
      await page.waitForURL((u) => u.origin === url, { timeout: 10_000 });
      await page.getByRole('heading', { name: /Open incidents/ }).waitFor({ timeout: 10_000 });
      const me = await page.evaluate(async () => (await fetch('/api/v1/me')).json());
      expect(me).toMatchObject({ token: { role: 'responder', person: 'kim', engagements: ['acme'], label: 'sso kim@nightowl.example' } });
      expect(errors).toEqual([]);
    } finally {
      await context.close();
    }
  }, 60_000);
});
