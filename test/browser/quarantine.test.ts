/// <reference lib="dom" />
/**
 * An admin sees, on the Engagement page, the event that could not be
 * applied, with its error and the body as received, and puts it back in the
 * queue once the cause is fixed; a responder sees no such panel.
 */
import { sql } from 'kysely';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { HAS_CHROMIUM, NO_CHROMIUM_REASON, launchChromium } from '../support/chromium.js';
import type { Harness } from '../support/harness.js';
import { KEYS, baseUrl, ensureBuilt, newPage, screenshot, signIn, startServer, trigger, waitForIncident } from './support.js';

const name = HAS_CHROMIUM
  ? 'quarantined events in the dashboard, in Chromium'
  : `quarantined events in the dashboard ${NO_CHROMIUM_REASON}`;

describe.skipIf(!HAS_CHROMIUM)(name, () => {
  let h: Harness;
  let browser: Browser;
  let url: string;

  beforeAll(async () => {
    ensureBuilt();
    h = await startServer();
    url = baseUrl(h);
    browser = await launchChromium();
  });

  afterAll(async () => {
    await browser?.close();
    await h?.close();
  });

  it('an admin sees the event that could not be applied and retries it; a responder does not see the panel', async () => {
    const admin = await h.token('admin', ['acme']);
    const responder = await h.token('responder', ['acme']);
    // A defect that refuses one incident (SQLite trigger), fixed later.
    await sql
      .raw(
        `create trigger test_refuse before insert on incidents when new.title = 'Poisoned payload' begin select raise(abort, 'refused by the test database'); end`,
      )
      .execute(h.tandem.database.db);
    await trigger(h, KEYS.payments, 'poison', 'Poisoned payload', 'critical');
    await trigger(h, KEYS.payments, 'healthy', 'Healthy event after the poison', 'critical');
    await waitForIncident(h, admin, 'Healthy event after the poison');

    const { context, page, errors } = await newPage(browser);
    await signIn(page, url, admin);
    await page.goto(`${url}/engagement?engagement=acme`);
    const panel = page.locator('#quarantined');
    await panel.getByRole('heading', { name: /Events that could not be applied \(1\)/ }).waitFor({ timeout: 10_000 });
    expect(await panel.textContent()).toContain('refused by the test database');
    await panel.getByText('Body as received').click();
    expect(await panel.locator('.quarantine-raw').textContent()).toContain('Poisoned payload');
    await screenshot(page, 'quarantined-events');

    await sql.raw('drop trigger test_refuse').execute(h.tandem.database.db);
    await panel.getByRole('button', { name: 'Retry' }).click();
    await panel.waitFor({ state: 'detached', timeout: 10_000 });
    await waitForIncident(h, admin, 'Poisoned payload');
    expect(errors).toEqual([]);
    await context.close();

    const other = await newPage(browser);
    await signIn(other.page, url, responder);
    await other.page.goto(`${url}/engagement?engagement=acme`);
    await other.page.getByRole('heading', { name: 'Who answers what, and when' }).waitFor();
    expect(await other.page.locator('#quarantined').count()).toBe(0);
    await other.context.close();
  });
});
