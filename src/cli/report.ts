/**
 * `tandem report monthly`: the monthly operational review of an engagement,
 * as a self-contained HTML file or a PDF.
 */
import { writeFileSync } from 'node:fs';
import { systemClock } from '../clock/clock.js';
import { MONTH_FORMAT, isMonth } from '../metrics/period.js';
import { buildMonthlyReview } from '../report/build.js';
import { renderMonthlyReviewHtml } from '../report/html.js';
import { renderPdf } from '../report/pdf.js';
import type { CliIo } from './io.js';
import { parseCommand } from './io.js';
import { withEngagement } from './offline.js';

const HELP = `Usage: tandem report monthly --engagement ID --month YYYY-MM --out FILE.html|FILE.pdf [--db URL] [--chromium PATH]

The monthly operational review: volume, MTTA/MTTR by window and side, SLA
attainment and every breach with its credit, after-hours pages per person,
noisy services, changes before incidents, coverage gaps, six-month trend.
A .pdf is printed by headless Chromium (default /usr/bin/chromium).`;

/** Runs `tandem report monthly`; returns the exit code. */
export async function run(args: string[], io: CliIo): Promise<number> {
  const [kind, ...rest] = args;
  if (!kind || kind === '--help' || kind === '-h') {
    io.out(HELP);
    return kind ? 0 : 2;
  }
  if (kind !== 'monthly') {
    io.err(`tandem report: unknown report "${kind}"; available: monthly\n\n${HELP}`);
    return 2;
  }
  const parsed = parseCommand(io, 'report', HELP, rest, {
    engagement: { type: 'string' },
    month: { type: 'string' },
    out: { type: 'string' },
    db: { type: 'string' },
    chromium: { type: 'string' },
  });
  if (typeof parsed === 'number') return parsed;
  const { values } = parsed;
  const out = values.out;
  if (!values.engagement || !values.month || !isMonth(values.month) || !out || !/\.(html?|pdf)$/i.test(out)) {
    io.err(`tandem report monthly: --engagement, --month ${MONTH_FORMAT} and --out FILE.html or FILE.pdf are required\n\n${HELP}`);
    return 2;
  }
  const month = values.month;
  return withEngagement(io, 'report', values.db, values.engagement, async (database, engagement) => {
    const review = await buildMonthlyReview(database.db, engagement, month, systemClock.now());
    const html = renderMonthlyReviewHtml(review);
    if (/\.pdf$/i.test(out)) writeFileSync(out, await renderPdf(html, values.chromium ? { chromiumPath: values.chromium } : {}));
    else writeFileSync(out, html);
    io.out(
      `Wrote ${out}: ${engagement.name}, ${month}, ${review.summary.incidents} incidents, ${review.breaches.length} breaches, credits ${review.credits.amount} ${review.credits.currency}`,
    );
    return 0;
  });
}
