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
export const CHROMIUM_ARGS: readonly string[] = Object.freeze([
  '--no-sandbox',
  '--disable-background-networking',
  '--disable-gpu',
  '--no-first-run',
  '--disable-component-update',
  '--disable-sync',
]);

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
  const browser = await launchChromium(options.chromiumPath, timeout);
  try {
    return await printWith(browser, html, timeout);
  } finally {
    await browser.close();
  }
}

async function launchChromium(path: string | undefined, timeout: number): Promise<Browser> {
  // Loaded on first use: the server should not pay for a browser driver until someone asks for a PDF.
  return (await import('playwright-core')).chromium.launch({ ...chromiumLaunchOptions(path), timeout });
}

/** Prints in a fresh browser context of its own (closed afterwards), so documents never share state. */
async function printWith(browser: Browser, html: string, timeout: number): Promise<Buffer> {
  const context = await browser.newContext({ javaScriptEnabled: false, offline: true });
  try {
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
    await context.close();
  }
}

/** Thrown by {@link PdfPrinter.print} when every render slot and queue place is taken. */
export class PdfBusyError extends Error {
  constructor(readonly retryAfterSeconds: number) {
    super(`PDF printing is busy; retry after ${retryAfterSeconds}s`);
    this.name = 'PdfBusyError';
  }
}

/** Options of {@link PdfPrinter}. */
export interface PdfPrinterOptions extends RenderPdfOptions {
  /** Documents printed at once (default 2). */
  renders?: number;
  /** Requests that may wait for a render; beyond them {@link PdfPrinter.print} refuses (default 4). */
  queue?: number;
  /** The shared browser closes after this long without a render (default 5 minutes). */
  idleCloseMs?: number;
}

/**
 * The server's PDF printing: one shared headless Chromium, launched on the
 * first request and closed when idle, printing at most `renders` documents
 * at once with up to `queue` requests waiting; any more are refused with
 * {@link PdfBusyError} (the API answers 429 with Retry-After), so no number
 * of viewers can start a browser each.
 */
export class PdfPrinter {
  readonly #options: Required<Omit<PdfPrinterOptions, 'chromiumPath'>> & { chromiumPath: string | undefined };
  #browser: Promise<Browser> | undefined;
  #active = 0;
  readonly #waiting: Array<() => void> = [];
  #idle: NodeJS.Timeout | undefined;
  #launches = 0;
  #peak = 0;
  #closed = false;

  constructor(options: PdfPrinterOptions = {}) {
    this.#options = {
      chromiumPath: options.chromiumPath,
      timeoutMs: options.timeoutMs ?? 30_000,
      renders: options.renders ?? 2,
      queue: options.queue ?? 4,
      idleCloseMs: options.idleCloseMs ?? 300_000,
    };
  }

  /** Browsers launched so far and the most renders that ran at once (for tests and diagnostics). */
  get stats(): { launches: number; peakRenders: number; rendering: number; waiting: number } {
    return { launches: this.#launches, peakRenders: this.#peak, rendering: this.#active, waiting: this.#waiting.length };
  }

  /**
   * Throws PdfBusyError when a print asked for now would be refused, so a
   * caller checks before doing the work the document needs (print checks again).
   */
  ensureRoom(): void {
    if (this.#active >= this.#options.renders && this.#waiting.length >= this.#options.queue) throw new PdfBusyError(this.#retryAfter());
  }

  /** Prints one self-contained HTML document, as {@link renderPdf} does; throws PdfBusyError when full. */
  async print(html: string): Promise<Buffer> {
    if (this.#closed) throw new Error('the PDF printer is closed');
    if (this.#active >= this.#options.renders) {
      if (this.#waiting.length >= this.#options.queue) throw new PdfBusyError(this.#retryAfter());
      // release() hands its slot straight to the first waiter, so #active stays counted.
      await new Promise<void>((resolve) => this.#waiting.push(resolve));
    } else {
      this.#active += 1;
    }
    if (this.#idle) clearTimeout(this.#idle);
    this.#peak = Math.max(this.#peak, this.#active);
    try {
      return await printWith(await this.#shared(), html, this.#options.timeoutMs);
    } finally {
      this.#release();
    }
  }

  /** Closes the shared browser; later calls to print fail. */
  async close(): Promise<void> {
    this.#closed = true;
    if (this.#idle) clearTimeout(this.#idle);
    await this.#closeBrowser();
  }

  /** A rough wait: the queue ahead, printed `renders` at a time, a few seconds each. */
  #retryAfter(): number {
    return Math.max(5, Math.ceil((this.#waiting.length + this.#active) / this.#options.renders) * 5);
  }

  #shared(): Promise<Browser> {
    if (!this.#browser) {
      this.#launches += 1;
      const launching = launchChromium(this.#options.chromiumPath, this.#options.timeoutMs).then((browser) => {
        // A crashed browser is replaced at the next request.
        browser.on('disconnected', () => {
          if (this.#browser === launching) this.#browser = undefined;
        });
        return browser;
      });
      // A failed launch is not kept: the next request tries again.
      launching.catch(() => {
        if (this.#browser === launching) this.#browser = undefined;
      });
      this.#browser = launching;
    }
    return this.#browser;
  }

  #release(): void {
    const next = this.#waiting.shift();
    if (next) return next();
    this.#active -= 1;
    if (this.#active === 0 && !this.#closed) {
      this.#idle = setTimeout(() => void this.#closeBrowser(), this.#options.idleCloseMs);
      this.#idle.unref();
    }
  }

  async #closeBrowser(): Promise<void> {
    const browser = this.#browser;
    this.#browser = undefined;
    if (browser) await (await browser.catch(() => undefined))?.close();
  }
}
