/**
 * `tandem assess`: the operational assessment of a prospect's exported
 * incident history against a proposed co-managed engagement file, with no
 * server and no database: coverage gaps by hour of week, after-hours
 * exposure, MTTA/MTTR by window, the price of the gap with its formula, and
 * what the proposed coverage would change (src/assess/).
 */
import { readFile, writeFile } from 'node:fs/promises';
import { systemClock } from '../clock/clock.js';
import { assess, factsOf } from '../assess/assess.js';
import { renderAssessmentHtml } from '../assess/html.js';
import { formatDiagnostic, loadEngagementText } from '../engagement/index.js';
import type { Engagement } from '../engagement/model.js';
import { parseDuration } from '../engagement/duration.js';
import { prepareImport } from '../import/import.js';
import { LAYOUTS } from '../import/layouts.js';
import type { Layout } from '../import/layouts.js';
import { renderPdf } from '../report/pdf.js';
import { DEFAULT_FIRST_RESPONSE_MS } from '../risk/exposure.js';
import { missingServices } from '../risk/simulate.js';
import type { CliIo } from './io.js';
import { parseCommand } from './io.js';

const HELP = `Usage: tandem assess --history FILE.csv --config ENGAGEMENT.yaml --out FILE.html|FILE.pdf
                     [--format auto|tandem|pagerduty] [--service-map "NAME=service-id"]...
                     [--current CURRENT.yaml] [--first-response 5m] [--chromium PATH]

The operational assessment of an exported incident history (a PagerDuty
export or Tandem's CSV, as \`tandem import\` reads them) against the proposed
engagement file: coverage gaps by hour of week, after-hours exposure, MTTA and
MTTR by coverage window, the price of the gap (late minutes x downtime cost per
minute x the priority's impact share, with a low-high range and its formula on
the page), and what the proposed coverage would change (the simulation of
\`tandem simulate\`). Today's coverage is the proposed file with every function
owned by the internal side and no partner fee, unless --current names a file.
No server and no database. A .pdf is printed by headless Chromium
(default /usr/bin/chromium). See docs/risk-model.md.`;

async function loadFile(io: CliIo, file: string): Promise<Engagement | undefined> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (err) {
    io.err(`${file}:1:1: cannot read: ${err instanceof Error ? err.message : String(err)}`);
    return undefined;
  }
  const loaded = loadEngagementText(text, file);
  if (!loaded.engagement) for (const d of loaded.diagnostics) io.err(formatDiagnostic(d));
  return loaded.engagement;
}

/** Runs `tandem assess`; returns the exit code. */
export async function run(args: string[], io: CliIo): Promise<number> {
  const parsed = parseCommand(io, 'assess', HELP, args, {
    history: { type: 'string' },
    config: { type: 'string' },
    current: { type: 'string' },
    out: { type: 'string' },
    format: { type: 'string', default: 'auto' },
    'service-map': { type: 'string', multiple: true },
    'first-response': { type: 'string' },
    chromium: { type: 'string' },
  });
  if (typeof parsed === 'number') return parsed;
  const { values } = parsed;
  const { history, config, out } = values;
  if (!history || !config || !out || !/\.(html|pdf)$/i.test(out)) {
    io.err(`tandem assess: --history, --config and --out FILE.html or FILE.pdf are required\n\n${HELP}`);
    return 2;
  }
  const format = values.format;
  if (format !== 'auto' && !(LAYOUTS as readonly string[]).includes(format)) {
    io.err(`tandem assess: --format must be auto, tandem or pagerduty, got "${format}"`);
    return 2;
  }
  let firstResponseMs = DEFAULT_FIRST_RESPONSE_MS;
  if (values['first-response'] !== undefined) {
    const d = parseDuration(values['first-response']);
    if (!d.ok) {
      io.err(`tandem assess: --first-response: ${d.error}`);
      return 2;
    }
    firstResponseMs = d.value.ms;
  }
  const proposed = await loadFile(io, config);
  if (!proposed) return 1;
  const current = values.current === undefined ? undefined : await loadFile(io, values.current);
  if (values.current !== undefined && !current) return 1;
  let text: string;
  try {
    text = await readFile(history, 'utf8');
  } catch (err) {
    io.err(`${history}: cannot read: ${err instanceof Error ? err.message : String(err)}`);
    return 1;
  }
  const prepared = prepareImport({
    engagement: proposed,
    text,
    format: format as Layout | 'auto',
    serviceMap: values['service-map'] ?? [],
    now: systemClock.now(),
  });
  if (prepared.problems.length > 0 || prepared.items.length === 0) {
    for (const p of prepared.problems) io.err(p.line === null ? `${history}: ${p.message}` : `${history}:${p.line}: ${p.message}`);
    io.err(
      `${history}: ${prepared.items.length === 0 && prepared.problems.length === 0 ? 'no incidents' : 'the history cannot be read'}; nothing was assessed`,
    );
    return 1;
  }
  const { incidents, evidence } = factsOf(prepared.items);
  const missing = current ? missingServices(current, incidents) : [];
  if (missing.length) {
    io.err(`tandem assess: ${values.current} has no service ${missing.map((m) => `"${m}"`).join(', ')}, which the history has`);
    return 1;
  }
  const assessment = assess({ proposed, ...(current ? { current } : {}), incidents, evidence, firstResponseMs });
  const html = renderAssessmentHtml(assessment);
  if (/\.pdf$/i.test(out)) await writeFile(out, await renderPdf(html, values.chromium ? { chromiumPath: values.chromium } : {}));
  else await writeFile(out, html);
  io.out(`Wrote ${out}: ${incidents.length} incidents assessed against ${config}.`);
  return 0;
}
