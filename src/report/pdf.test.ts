/**
 * The review through a real browser: printed to PDF and rasterised, and
 * opened as a page. Needs Debian's Chromium (CI installs it) and poppler's
 * pdftoppm; without them these tests are skipped and say why.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser } from 'playwright-core';
import { HAS_CHROMIUM, NO_CHROMIUM_REASON, launchChromium } from '../../test/support/chromium.js';
import { ROOT } from '../../test/support/paths.js';
import { SECTION_TITLES, renderMonthlyReviewHtml } from './html.js';
import { chromiumPath, renderPdf } from './pdf.js';
import { emptyReview, inkCoverage, pngSize, sampleReview } from './test-fixtures.js';

const PDFTOPPM = ['/usr/bin/pdftoppm', '/usr/local/bin/pdftoppm'].find((p) => existsSync(p));
const PDFTOTEXT = ['/usr/bin/pdftotext', '/usr/local/bin/pdftotext'].find((p) => existsSync(p));
const NO_PDFTOPPM_REASON = 'SKIPPED: pdftoppm not found (apt-get install poppler-utils)';
const PDFINFO = ['/usr/bin/pdfinfo', '/usr/local/bin/pdfinfo'].find((p) => existsSync(p));
const NO_PDFINFO_REASON = 'SKIPPED: pdfinfo not found (apt-get install poppler-utils)';

/** The titles of a PDF's outline (bookmarks), in file order: Chromium writes them as uncompressed literal or UTF-16 hex strings. */
function outlineTitles(pdf: Buffer): string[] {
  const text = pdf.toString('latin1');
  const titles: string[] = [];
  // Outline items are the dictionaries with /Title and /Parent (the document info's /Title has no /Parent).
  for (const m of text.matchAll(/<<((?:(?!>>|<<)[\s\S])*?\/Parent (?:(?!>>|<<)[\s\S])*?)>>/g)) {
    const dict = m[1] ?? '';
    const literal = /\/Title \(((?:\\.|[^\\)])*)\)/.exec(dict);
    const hex = /\/Title <FEFF([0-9A-Fa-f]*)>/.exec(dict);
    if (literal) titles.push((literal[1] ?? '').replace(/\\(.)/g, '$1'));
    else if (hex)
      titles.push(
        Buffer.from(hex[1] ?? '', 'hex')
          .swap16()
          .toString('utf16le'),
      );
  }
  return titles;
}
const OUTPUT = join(ROOT, 'test-output');

/** Page 1 of a PDF as a 60 dpi PNG, written beside it as `<prefix>.png`. */
function firstPagePng(pdfPath: string, prefix: string): Buffer {
  if (!PDFTOPPM) throw new Error('pdftoppm missing');
  execFileSync(PDFTOPPM, ['-png', '-r', '60', '-f', '1', '-l', '1', '-singlefile', pdfPath, prefix]);
  return readFileSync(`${prefix}.png`);
}

describe('chromiumPath', () => {
  it('defaults to Debian Chromium and takes an explicit path', () => {
    expect(chromiumPath()).toBe('/usr/bin/chromium');
    expect(chromiumPath('/opt/chrome/chrome')).toBe('/opt/chrome/chrome');
  });
});

describe.skipIf(!HAS_CHROMIUM)(HAS_CHROMIUM ? 'the review as PDF' : `the review as PDF (${NO_CHROMIUM_REASON})`, () => {
  let dir = '';
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'tandem-review-'));
  });
  afterAll(() => {
    rmSync(dir, { recursive: true, force: true });
  });

  it('prints A4 pages with running footers', async () => {
    const pdf = await renderPdf(renderMonthlyReviewHtml(sampleReview()));
    expect(pdf.subarray(0, 5).toString('latin1')).toBe('%PDF-');
    expect(pdf.length).toBeGreaterThan(20_000);
    mkdirSync(OUTPUT, { recursive: true });
    writeFileSync(join(OUTPUT, 'monthly-review-sample.html'), renderMonthlyReviewHtml(sampleReview()));
    writeFileSync(join(OUTPUT, 'monthly-review-sample.pdf'), pdf);
    writeFileSync(join(dir, 'sample.pdf'), pdf);
    if (PDFTOTEXT) {
      // The @page margin boxes: no header on the cover page, a header on the rest, page numbers on all.
      const page = (n: number): string =>
        execFileSync(PDFTOTEXT, ['-layout', '-f', String(n), '-l', String(n), join(dir, 'sample.pdf'), '-'], { encoding: 'utf8' });
      const first = page(1);
      const pages = Number(/Page 1 of (\d+)/.exec(first)?.[1] ?? 0);
      expect(pages).toBeGreaterThanOrEqual(3);
      expect(first).toContain('Acme IT and NightOwl MSP · Confidential');
      expect(first).not.toContain('Acme Payments · Monthly operational review · November 2026');
      const second = page(2);
      expect(second).toContain('Acme Payments · Monthly operational review · November 2026');
      expect(second).toContain(`Page 2 of ${pages}`);
      // The Tickets section is printed: its figures, the operation given up with its error, each incident's ticket key.
      const all = execFileSync(PDFTOTEXT, [join(dir, 'sample.pdf'), '-'], { encoding: 'utf8' }).replace(/\s+/g, ' ');
      expect(all).toContain('10 Tickets');
      expect(all).toContain('Of 120 incidents opened in November 2026, 11 got a ticket in Jira and 4 in ServiceNow');
      expect(all).toContain("Jira 400: Field 'priority' cannot be set.");
      expect(all).toContain('ACME-1040 → OPS-101');
      expect(all).toContain('ACME-1041 → INC0010001');
    }
  });

  it.skipIf(!PDFTOPPM)(
    PDFTOPPM ? 'renders a first page that is neither blank nor mis-sized' : `renders a first page (${NO_PDFTOPPM_REASON})`,
    async () => {
      const pdfPath = join(dir, 'review.pdf');
      writeFileSync(pdfPath, await renderPdf(renderMonthlyReviewHtml(sampleReview())));
      const png = firstPagePng(pdfPath, join(dir, 'review-page1'));
      writeFileSync(join(OUTPUT, 'monthly-review-sample-page1.png'), png);

      // A blank A4 page through the same pipeline: the baseline for "not blank".
      const blankPath = join(dir, 'blank.pdf');
      writeFileSync(
        blankPath,
        await renderPdf('<!DOCTYPE html><html><head><title>blank</title><style>@page { size: A4; }</style></head><body></body></html>'),
      );
      const blank = firstPagePng(blankPath, join(dir, 'blank-page1'));

      // A4 at 60 dpi is 8.27 x 11.69 in: 496 x 702 px.
      expect(pngSize(png)).toEqual({ width: 496, height: 702 });
      expect(pngSize(blank)).toEqual({ width: 496, height: 702 });
      expect(statSync(join(dir, 'review-page1.png')).size).toBeGreaterThan(5 * blank.length);
      expect(inkCoverage(blank)).toBeLessThan(0.001);
      // Title, KPI tiles and the volume chart put real ink on the page.
      expect(inkCoverage(png)).toBeGreaterThan(0.04);
    },
  );

  it.skipIf(!PDFINFO)(
    PDFINFO ? 'is a tagged PDF with an outline of its sections' : `is a tagged PDF with an outline (${NO_PDFINFO_REASON})`,
    async () => {
      const pdfPath = join(dir, 'tagged.pdf');
      const pdf = await renderPdf(renderMonthlyReviewHtml(sampleReview()));
      writeFileSync(pdfPath, pdf);
      const info = execFileSync(PDFINFO ?? 'pdfinfo', [pdfPath], { encoding: 'utf8' });
      expect(info).toMatch(/^Tagged:\s+yes$/m);
      // The structure tree has the document's headings, so screen readers can navigate it.
      const structure = execFileSync(PDFINFO ?? 'pdfinfo', ['-struct', pdfPath], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] });
      expect(structure).toMatch(/^\s*H1\b/m);
      expect(structure).toMatch(/^\s*H2\b/m);
      // The outline (bookmarks): the catalog points at it, and it lists every numbered section, numbers apart from titles.
      expect(pdf.toString('latin1')).toMatch(/\/Outlines \d+ 0 R/);
      const titles = outlineTitles(pdf);
      expect(titles).toContain('Acme Payments');
      expect(titles).toContain(SECTION_TITLES.summary);
      for (const [n, title] of [
        SECTION_TITLES.volume,
        SECTION_TITLES.response,
        SECTION_TITLES.sla,
        SECTION_TITLES.breaches,
        SECTION_TITLES.pages,
        SECTION_TITLES.noisy,
        SECTION_TITLES.changes,
        SECTION_TITLES.gaps,
        SECTION_TITLES.trend,
        SECTION_TITLES.tickets,
      ].entries()) {
        expect(titles).toContain(`${n + 1}\u00a0${title}`);
      }
    },
  );

  it('prints an empty month too', async () => {
    const pdf = await renderPdf(renderMonthlyReviewHtml(emptyReview()));
    expect(pdf.subarray(0, 5).toString('latin1')).toBe('%PDF-');
  });

  it('closes the browser and reports the error when Chromium cannot start', async () => {
    await expect(renderPdf('<p>x</p>', { chromiumPath: join(dir, 'no-such-chromium'), timeoutMs: 5_000 })).rejects.toThrow();
  });
});

describe.skipIf(!HAS_CHROMIUM)(HAS_CHROMIUM ? 'the review in a browser' : `the review in a browser (${NO_CHROMIUM_REASON})`, () => {
  let browser: Browser | null = null;
  beforeAll(async () => {
    browser = await launchChromium();
  });
  afterAll(async () => {
    await browser?.close();
  });

  async function open(html: string, media: 'screen' | 'print' = 'screen') {
    if (!browser) throw new Error('no browser');
    const context = await browser.newContext({ viewport: { width: 1000, height: 1400 } });
    const requests: string[] = [];
    // Record and refuse every request: a self-contained document makes none.
    await context.route('**/*', async (route) => {
      requests.push(route.request().url());
      await route.abort();
    });
    const page = await context.newPage();
    await page.emulateMedia({ media });
    await page.setContent(html, { waitUntil: 'load' });
    return { page, context, requests };
  }

  it('shows every heading, sizes every chart, and fetches nothing', async () => {
    const { page, context, requests } = await open(renderMonthlyReviewHtml(sampleReview()));
    try {
      expect(await page.getByRole('heading', { level: 1 }).textContent()).toBe('Acme Payments');
      const h2 = await page.getByRole('heading', { level: 2 }).allTextContents();
      expect(h2.map((t) => t.replace(/^\d+\u00a0/, ''))).toEqual(Object.values(SECTION_TITLES));
      const boxes = await page.locator('svg').evaluateAll((svgs) =>
        svgs.map((s) => ({
          w: s.getBoundingClientRect().width,
          h: s.getBoundingClientRect().height,
          label: s.getAttribute('aria-label') ?? '',
        })),
      );
      expect(boxes.length).toBeGreaterThan(8);
      for (const b of boxes) {
        expect(b.w, b.label).toBeGreaterThan(0);
        expect(b.h, b.label).toBeGreaterThan(0);
      }
      expect(await page.getByRole('img', { name: /Incidents per day/ }).count()).toBe(1);
      expect(requests).toEqual([]);
    } finally {
      await context.close();
    }
  });

  it('fits the A4 text column when printed: nothing overflows sideways', async () => {
    const { page, context } = await open(renderMonthlyReviewHtml(sampleReview()), 'print');
    try {
      await page.setViewportSize({ width: 688, height: 1000 }); // 210 mm less 2 x 14 mm margins, at 96 dpi
      const overflow = await page.locator('main').evaluate((main) => main.scrollWidth - main.clientWidth);
      expect(overflow).toBe(0);
    } finally {
      await context.close();
    }
  });

  it('renders an empty month with every heading and no charts', async () => {
    const { page, context } = await open(renderMonthlyReviewHtml(emptyReview()));
    try {
      // Every section but Tickets, which an engagement without ticketing does not have.
      expect(await page.getByRole('heading', { level: 2 }).count()).toBe(Object.keys(SECTION_TITLES).length - 1);
      expect(await page.locator('svg').count()).toBe(0);
      expect(await page.getByText('No breaches this month').isVisible()).toBe(true);
    } finally {
      await context.close();
    }
  });
});
