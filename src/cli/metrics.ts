/**
 * `tandem metrics`: MTTA, MTTR, SLA attainment, pages and noise for an
 * engagement over a period, from the database.
 */
import { windowLabel } from '../coverage/index.js';
import { computeMetrics } from '../metrics/metrics.js';
import { formatDuration } from '../report/format.js';
import { parsePeriod } from '../risk/options.js';
import type { CliIo } from './io.js';
import { parseCommand } from './io.js';
import { withEngagement } from './offline.js';

const HELP = `Usage: tandem metrics --engagement ID --from ISO|DATE --to ISO|DATE [--db URL] [--json]

MTTA (trigger to first acknowledge) and MTTR (trigger to resolve), overall and
by priority, owning side, coverage window and service; SLA attainment per SLA,
priority and kind; pages per person with night pages (22:00-07:00 in their own
time zone); the noisiest services and alerts. Incidents opened in [from, to).
--from and --to take an ISO 8601 instant (2026-11-01T00:00:00-05:00) or a
date (2026-11-01: midnight in the engagement's time zone).`;

/** Runs `tandem metrics`; returns the exit code. */
export async function run(args: string[], io: CliIo): Promise<number> {
  const parsed = parseCommand(io, 'metrics', HELP, args, {
    engagement: { type: 'string' },
    from: { type: 'string' },
    to: { type: 'string' },
    db: { type: 'string' },
    json: { type: 'boolean' },
  });
  if (typeof parsed === 'number') return parsed;
  const { values } = parsed;
  const { from: fromText, to: toText } = values;
  if (!values.engagement || !fromText || !toText) {
    io.err(`tandem metrics: --engagement, --from and --to are required\n\n${HELP}`);
    return 2;
  }
  return withEngagement(io, 'metrics', values.db, values.engagement, async (database, engagement) => {
    // A date is midnight in the engagement's time zone, as in `tandem risk`.
    const period = parsePeriod(fromText, toText, engagement.timezone);
    if (typeof period === 'string') {
      io.err(`tandem metrics: ${period}`);
      return 2;
    }
    const { from, to } = period;
    const m = await computeMetrics(database.db, engagement, from, to);
    if (values.json) {
      io.out(JSON.stringify(m, null, 2));
      return 0;
    }
    const d = (s: number | null) => formatDuration(s);
    const lines = [
      `${engagement.name}: ${m.incidents} incidents opened ${m.from} .. ${m.to}`,
      `  MTTA ${d(m.mtta_s)} (${m.acknowledged} acknowledged)   MTTR ${d(m.mttr_s)} (${m.resolved} resolved)   SLA attainment ${m.sla_attainment_pct ?? '-'}%`,
      '  by side:     ' + m.by_side.map((s) => `${s.name} ${s.incidents} (MTTA ${d(s.mtta_s)})`).join('; '),
      '  by window:   ' + m.by_window.map((w) => `${windowLabel(w.window)} ${w.incidents} (MTTA ${d(w.mtta_s)})`).join('; '),
      '  by priority: ' + m.by_priority.map((p) => `${p.priority} ${p.incidents} (MTTA ${d(p.mtta_s)}, MTTR ${d(p.mttr_s)})`).join('; '),
      ...m.sla_attainment.map((a) => `  SLA ${a.sla} ${a.priority} ${a.kind}: ${a.met}/${a.total} met (${a.pct ?? '-'}%)`),
      ...m.pages.map((p) => `  pages ${p.name}: ${p.pages} (${p.night_pages} at night)`),
      ...m.noisy_services.slice(0, 5).map((s) => `  noisy ${s.name}: ${s.incidents} incidents, ${s.events} events`),
    ];
    io.out(lines.join('\n'));
    return 0;
  });
}
