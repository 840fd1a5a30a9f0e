/**
 * `tandem evidence`: a compliance evidence pack for an engagement and period,
 * written as a folder an auditor can read without Tandem: an index (HTML,
 * JSON and PDF) mapping the framework's controls to CSV and JSON files.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { systemClock } from '../clock/clock.js';
import { buildEvidencePack } from '../evidence/build.js';
import { FRAMEWORKS, isFramework } from '../evidence/controls.js';
import { renderEvidenceIndexHtml } from '../evidence/html.js';
import { timelineVerifier } from '../evidence/verifier.js';
import { renderPdf } from '../report/pdf.js';
import { parsePeriod } from '../risk/options.js';
import type { CliIo } from './io.js';
import { parseCommand } from './io.js';
import { withEngagement } from './offline.js';

const HELP = `Usage: tandem evidence --engagement ID --from ISO|DATE --to ISO|DATE --framework ${FRAMEWORKS.join('|')} --out DIR [--db URL] [--chromium PATH] [--no-pdf]

A compliance evidence pack for the incidents opened in [from, to): DIR gets
index.html, index.json and index.pdf (each control of the framework with the
files that support it) and incidents.csv, sla.csv, oncall.csv,
coverage-gaps.csv, policy.json, verify.json, and security.csv and
findings.csv when the period has detections or findings. A date is midnight
in the engagement's time zone (--to 2026-12-01 ends November). The PDF is
printed by headless Chromium (default /usr/bin/chromium); --no-pdf skips it.`;

/** Runs `tandem evidence`; returns the exit code. */
export async function run(args: string[], io: CliIo): Promise<number> {
  const parsed = parseCommand(io, 'evidence', HELP, args, {
    engagement: { type: 'string' },
    from: { type: 'string' },
    to: { type: 'string' },
    framework: { type: 'string' },
    out: { type: 'string' },
    db: { type: 'string' },
    chromium: { type: 'string' },
    'no-pdf': { type: 'boolean' },
  });
  if (typeof parsed === 'number') return parsed;
  const { values } = parsed;
  const { engagement: engagementId, from: fromText, to: toText, framework, out } = values;
  if (!engagementId || !fromText || !toText || !framework || !out) {
    io.err(`tandem evidence: --engagement, --from, --to, --framework and --out are required\n\n${HELP}`);
    return 2;
  }
  if (!isFramework(framework)) {
    io.err(`tandem evidence: unknown framework "${framework}"; available: ${FRAMEWORKS.join(', ')}`);
    return 2;
  }
  return withEngagement(io, 'evidence', values.db, engagementId, async (database, engagement) => {
    const period = parsePeriod(fromText, toText, engagement.timezone);
    if (typeof period === 'string') {
      io.err(`tandem evidence: ${period}`);
      return 2;
    }
    const { from, to } = period;
    const pack = await buildEvidencePack(database.db, engagement, {
      framework,
      from,
      to,
      now: systemClock.now(),
      verifier: timelineVerifier,
    });
    mkdirSync(out, { recursive: true });
    for (const [name, text] of pack.files) writeFileSync(join(out, name), text);
    const indexHtml = renderEvidenceIndexHtml(pack.index);
    writeFileSync(join(out, 'index.json'), `${JSON.stringify(pack.index, null, 2)}\n`);
    writeFileSync(join(out, 'index.html'), indexHtml);
    if (!values['no-pdf'])
      writeFileSync(join(out, 'index.pdf'), await renderPdf(indexHtml, values.chromium ? { chromiumPath: values.chromium } : {}));
    const s = pack.index.summary;
    io.out(
      `Wrote ${out}: ${engagement.name}, ${pack.index.framework.name}, ${pack.index.controls.length} controls, ${s.incidents} incidents, ${pack.index.gaps.length} coverage gaps, ${pack.files.size + (values['no-pdf'] ? 2 : 3)} files`,
    );
    for (const note of pack.index.notes) io.out(`  ${note}`);
    return 0;
  });
}
