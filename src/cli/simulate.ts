/**
 * `tandem simulate`: replays a period's real incidents under another
 * engagement file (say, internal-only coverage with no partner) and compares
 * it with what actually happened: MTTA, unattended minutes, exposure and the
 * partner's fee, and whether co-managed coverage pays for itself.
 */
import { readFile } from 'node:fs/promises';
import { systemClock } from '../clock/clock.js';
import { formatDiagnostic, loadEngagementText } from '../engagement/index.js';
import type { Engagement } from '../engagement/model.js';
import { formatDuration, formatMoney, formatNumber, localDateOf } from '../report/format.js';
import { parsePeriodOptions } from '../risk/options.js';
import type { PresentedSimulation } from '../risk/present.js';
import { presentSimulation } from '../risk/present.js';
import { simulationFor } from '../risk/report.js';
import type { CliIo } from './io.js';
import { parseCommand } from './io.js';
import { withEngagement } from './offline.js';

const HELP = `Usage: tandem simulate --engagement ID --from ISO|DATE --to ISO|DATE --config ALT.yaml [--db URL] [--first-response 5m] [--json]

Replays the incidents opened in [from, to) under another engagement file
(ALT.yaml: e.g. demo/internal-only.yaml, internal coverage only, no partner)
and compares with what actually happened: expected MTTA, unattended minutes,
exposure (the risk rule: response beyond --first-response x downtime cost) and
the partner's fee pro-rated to the period. Response delays come from the
engagement's own history; the model and its limits are in docs/risk-model.md.
--from and --to take an ISO 8601 instant or a date (midnight in the
engagement's time zone).`;

/** The human comparison table. */
export function simulationText(engagement: Engagement, file: string, s: PresentedSimulation): string {
  // Whole currency units in the table; the JSON keeps cents.
  const money = (x: number) => formatMoney(Math.round(x), s.currency);
  const signed = (x: number | null, f: (v: number) => string) => (x === null ? '—' : `${x > 0 ? '+' : x < 0 ? '-' : ''}${f(Math.abs(x))}`);
  const mins = (x: number) => `${formatNumber(Math.round(x))} min`;
  const dur = (x: number | null) => formatDuration(x);
  const row = (label: string, a: string, b: string, d: string) =>
    `  ${label.padEnd(12)}${a.padStart(18)}${b.padStart(18)}${d.padStart(18)}`;
  return [
    `${engagement.name}: actual vs ${file} (${s.alternative_file.name}), ${localDateOf(s.from, engagement.timezone)} .. ${localDateOf(s.to, engagement.timezone)}, ${s.incidents} incidents`,
    row('', 'actual', 'alternative', 'difference'),
    row(
      'MTTA',
      dur(s.actual.mtta_s),
      dur(s.alternative.mtta_s),
      signed(s.difference.mtta_s, (v) => formatDuration(v)),
    ),
    row(
      'unattended',
      mins(s.actual.unattended_minutes),
      mins(s.alternative.unattended_minutes),
      signed(s.difference.unattended_minutes, mins),
    ),
    row('exposure', money(s.actual.exposure), money(s.alternative.exposure), signed(s.difference.exposure, money)),
    row('partner fee', money(s.actual.fee), money(s.alternative.fee), signed(s.difference.fee, money)),
    `  exposure at the impact shares' low and high ends: actual ${money(s.actual.exposure_range.low)} .. ${money(s.actual.exposure_range.high)}, alternative ${money(s.alternative.exposure_range.low)} .. ${money(s.alternative.exposure_range.high)}`,
    '',
    `  ${s.verdict}`,
    `  ${s.net.formula}; at the impact shares' low and high ends ${money(s.net.range.low)} .. ${money(s.net.range.high)}`,
    `  model check (the actual file through the model): MTTA ${dur(s.model_check.mtta_s)}, exposure ${money(s.model_check.exposure)}; ${s.model.samples} observed responses${s.never_attended.alternative ? `; ${s.never_attended.alternative} incidents nobody could answer within 31 days under the alternative` : ''}`,
  ].join('\n');
}

/** Runs `tandem simulate`; returns the exit code. */
export async function run(args: string[], io: CliIo): Promise<number> {
  const parsed = parseCommand(io, 'simulate', HELP, args, {
    engagement: { type: 'string' },
    from: { type: 'string' },
    to: { type: 'string' },
    config: { type: 'string' },
    db: { type: 'string' },
    'first-response': { type: 'string' },
    json: { type: 'boolean' },
  });
  if (typeof parsed === 'number') return parsed;
  const { values } = parsed;
  const file = values.config;
  if (!values.engagement || !values.from || !values.to || !file) {
    io.err(`tandem simulate: --engagement, --from, --to and --config are required\n\n${HELP}`);
    return 2;
  }
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (err) {
    io.err(`${file}:1:1: cannot read: ${err instanceof Error ? err.message : String(err)}`);
    return 1;
  }
  const loaded = loadEngagementText(text, file);
  if (!loaded.engagement) {
    for (const d of loaded.diagnostics) io.err(formatDiagnostic(d));
    return 1;
  }
  const alternative = loaded.engagement;
  const clock = systemClock;
  return withEngagement(io, 'simulate', values.db, values.engagement, async (database, engagement) => {
    const period = parsePeriodOptions({ from: values.from, to: values.to, firstResponse: values['first-response'] }, engagement.timezone);
    if (!period.ok) {
      io.err(`tandem simulate: ${period.error.replace(/^first_response/, '--first-response')}`);
      return 2;
    }
    const result = await simulationFor(database.db, engagement, alternative, { ...period.value, now: clock.now() });
    if ('missing' in result) {
      io.err(
        `tandem simulate: ${file} has no service ${result.missing.map((m) => `"${m}"`).join(', ')}, which had incidents in the period; the alternative file needs every service to place them`,
      );
      return 1;
    }
    const presented = presentSimulation(result.report);
    io.out(values.json ? JSON.stringify(presented, null, 2) : simulationText(engagement, file, presented));
    return 0;
  });
}
