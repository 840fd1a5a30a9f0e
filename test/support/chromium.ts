/**
 * One way for tests to reach headless Chromium: the same executable and
 * flags the PDF renderer uses, and a clear reason to skip when the machine
 * has no Chromium (CI installs Debian's at /usr/bin/chromium).
 */
import { existsSync } from 'node:fs';
import { chromium } from 'playwright-core';
import type { Browser } from 'playwright-core';
import { chromiumLaunchOptions, chromiumPath } from '../../src/report/pdf.js';

/** The Chromium executable tests use. */
export const CHROMIUM_PATH = chromiumPath();

/** Whether Chromium is installed here; browser tests skip when it is not. */
export const HAS_CHROMIUM = existsSync(CHROMIUM_PATH);

/** Appended to the names of skipped browser tests, so the report says why they did not run. */
export const NO_CHROMIUM_REASON = `SKIPPED: no Chromium at ${CHROMIUM_PATH} (install it, e.g. apt-get install chromium)`;

/** Launches headless Chromium with the renderer's flags; the caller closes it. */
export async function launchChromium(): Promise<Browser> {
  return chromium.launch(chromiumLaunchOptions(CHROMIUM_PATH));
}
