/**
 * Prints a review document to PDF with headless Chromium (through
 * playwright-core, which drives an installed browser and downloads none).
 * The HTML is self-contained, so the page runs with JavaScript off and every
 * network request refused: printing needs nothing from outside, and a
 * document that tried to fetch something would fail loudly in tests rather
 * than leak a request from a customer's machine.
 */
import type { Browser, LaunchOptions } from 'playwright-core';

/** Where Debian and Ubuntu install Chromium; CI installs it there too. */
export const DEFAULT_CHROMIUM_PATH = '/usr/bin/chromium';

/**
 * Flags for a quiet, offline, headless Chromium: no sandbox (containers and
 * CI run as root without user namespaces), and no background traffic
 * (updates, sync, metrics) that would stall or fail without internet.
 */
export const CHROMIUM_ARGS: readonly string[] = Object.freeze(['--no-sandbox', '--disable-background-networking', '--disable-gpu', '--no-first-run', '--disable-component-update', '--disable-sync']);

/**
 * The Chromium executable to use: the one given, else the Debian default.
 * Deliberately reads no environment variable; configuration is parsed once
 * at start-up and passed down.
 */
export function chromiumPath(override?: string): string {
  return override && override.trim() ? override : DEFAULT_CHROMIUM_PATH;
}

/** Launch options for the given (or default) Chromium executable. */
export function chromiumLaunchOptions(path?: string): LaunchOptions {
  return { executablePath: chromiumPath(path), args: [...CHROMIUM_ARGS], headless: true };
}

/** Options of {@link renderPdf}. */
export interface RenderPdfOptions {
  /** The Chromium executable; defaults to {@link DEFAULT_CHROMIUM_PATH}. */
  chromiumPath?: string;
  /** Upper bound for loading and printing, in milliseconds (default 30 s). */
  timeoutMs?: number;
}

/**
 * Prints one self-contained HTML document to an A4 PDF with backgrounds.
 * Page size, margins and running headers and footers come from the
 * document's `@page` rules; the margins given here apply only if the
 * document has none. The browser is closed whether printing succeeds or not.
 */
export async function renderPdf(html: string, options: RenderPdfOptions = {}): Promise<Buffer> {
  const timeout = options.timeoutMs ?? 30_000;
  // Loaded on first use: the server should not pay for a browser driver until someone asks for a PDF.
  const browser: Browser = await (await import('playwright-core')).chromium.launch({ ...chromiumLaunchOptions(options.chromiumPath), timeout });
  try {
    const context = await browser.newContext({ javaScriptEnabled: false, offline: true });
    await context.route('**/*', (route) => route.abort('blockedbyclient'));
    const page = await context.newPage();
    page.setDefaultTimeout(timeout);
    await page.setContent(html, { waitUntil: 'load' });
    await page.emulateMedia({ media: 'print' });
    const pdf = await page.pdf({
      format: 'A4',
      printBackground: true,
      preferCSSPageSize: true,
      margin: { top: '17mm', right: '14mm', bottom: '16mm', left: '14mm' },
      // Accessible: a tagged PDF (structure for screen readers) with an outline (bookmarks from the headings).
      tagged: true,
      outline: true,
    });
    return Buffer.from(pdf);
  } finally {
    await browser.close();
  }
}
