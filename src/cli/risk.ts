/**
 * `tandem risk`: the price of the coverage gap over a period, from the
 * database: response time beyond a reasonable first response, times each
 * service's downtime cost per minute, by window and side, annualized.
 */
import { systemClock } from '../clock/clock.js';
import { windowLabel } from '../coverage/index.js';
import type { CoverageWindow, Engagement } from '../engagement/model.js';
import { formatDuration, formatInstant, formatMoney, localDateOf } from '../report/format.js';
import { parsePeriodOptions } from '../risk/options.js';
import type { PresentedRisk } from '../risk/present.js';
import { presentRisk } from '../risk/present.js';
import { riskFor } from '../risk/report.js';
import type { CliIo } from './io.js';
import { parseCommand } from './io.js';
import { withEngagement } from './offline.js';

const HELP = `Usage: tandem risk --engagement ID --from ISO|DATE --to ISO|DATE [--db URL] [--first-response 5m] [--json]

The price of the gap: for each incident opened in [from, to), the time from
trigger to acknowledgement beyond a reasonable first response (default 5m),
at most risk.priced_wait_cap (default 4h), times the service's
downtime_cost_per_minute, times the impact share of its priority
(risk.impact_share; low, expected and high). An incident nobody acknowledged
counts until it resolved (or until --to). Totals by coverage window and side,
the costliest incidents, and the figure annualized. Services without a price
count 0 and are listed as not priced. --from and --to take an ISO 8601
instant or a date (midnight in the engagement's time zone). See docs/risk-model.md.`;

/** The human table of a risk answer. */
export function riskText(engagement: Engagement, r: PresentedRisk): string {
  const money = (x: number) => formatMoney(x, r.currency);
  const days = Math.round(((Date.parse(r.to) - Date.parse(r.from)) / 86_400_000) * 10) / 10;
  const row = (label: string, t: { incidents: number; excess_minutes: number; exposure: number }) =>
    `  ${label.padEnd(16)}${String(t.incidents).padStart(9)}  ${formatDuration(t.excess_minutes * 60).padStart(9)}  ${money(t.exposure).padStart(14)}`;
  const lines = [
    `${engagement.name}: the price of the gap, ${localDateOf(r.from, engagement.timezone)} .. ${localDateOf(r.to, engagement.timezone)} (${days} days, ${engagement.timezone})`,
    `  first response ${formatDuration(r.first_response_s)}; ${r.incidents} incidents, ${r.priced_incidents} on priced services`,
    `  exposure ${money(r.exposure)}  (annualized ${money(r.annualized)})`,
    `  range ${money(r.exposure_range.low)} .. ${money(r.exposure_range.high)} at the impact shares' low and high ends (annualized ${money(r.annualized_range.low)} .. ${money(r.annualized_range.high)})`,
    '',
    `  ${r.formula.rule}:`,
    ...r.formula.text.map((t) => `    ${t}`),
    '',
    `  ${'window'.padEnd(16)}${'incidents'.padStart(9)}  ${'excess'.padStart(9)}  ${'exposure'.padStart(14)}`,
    ...Object.entries(r.by_window).map(([w, t]) => row(windowLabel(w as CoverageWindow), t)),
    '',
    `  ${'side'.padEnd(16)}${'incidents'.padStart(9)}  ${'excess'.padStart(9)}  ${'exposure'.padStart(14)}`,
    ...Object.entries(r.by_side).map(([s, t]) => row(s === 'internal' || s === 'partner' ? engagement.sides[s].name : s, t)),
  ];
  if (r.top.length) {
    lines.push('', '  costliest incidents');
    for (const i of r.top) {
      lines.push(
        `  ${i.number.padEnd(10)} ${formatInstant(i.opened_at, engagement.timezone, { year: true }).padEnd(22)}  ${i.service.padEnd(14)} ${windowLabel(i.window).padEnd(14)} ${(i.side ?? '-').padEnd(8)} ${(i.acknowledged ? 'acknowledged after' : 'unacknowledged for').padEnd(18)} ${formatDuration(i.waited_s).padEnd(8)} ${money(i.exposure).padStart(12)}  ${i.title.split(/\r?\n/)[0] ?? ''}`,
      );
    }
  }
  const unpriced = r.unpriced_services.filter((u) => u.incidents > 0);
  if (r.unpriced_services.length) {
    lines.push(
      '',
      `  not priced: ${r.unpriced_services.map((u) => `${u.service} (${u.incidents} incident${u.incidents === 1 ? '' : 's'}${u.incidents ? `, ${formatDuration(u.excess_minutes * 60)} beyond first response` : ''})`).join(', ')}`,
    );
    if (unpriced.length) lines.push('  add downtime_cost_per_minute to these services in the engagement file to price them');
  }
  return lines.join('\n');
}

/** Runs `tandem risk`; returns the exit code. */
export async function run(args: string[], io: CliIo): Promise<number> {
  const parsed = parseCommand(io, 'risk', HELP, args, {
    engagement: { type: 'string' },
    from: { type: 'string' },
    to: { type: 'string' },
    db: { type: 'string' },
    'first-response': { type: 'string' },
    json: { type: 'boolean' },
  });
  if (typeof parsed === 'number') return parsed;
  const { values } = parsed;
  if (!values.engagement || !values.from || !values.to) {
    io.err(`tandem risk: --engagement, --from and --to are required\n\n${HELP}`);
    return 2;
  }
  const clock = systemClock;
  return withEngagement(io, 'risk', values.db, values.engagement, async (database, engagement) => {
    const period = parsePeriodOptions({ from: values.from, to: values.to, firstResponse: values['first-response'] }, engagement.timezone);
    if (!period.ok) {
      io.err(`tandem risk: ${period.error.replace(/^first_response/, '--first-response')}`);
      return 2;
    }
    const presented = presentRisk(await riskFor(database.db, engagement, { ...period.value, now: clock.now() }));
    io.out(values.json ? JSON.stringify(presented, null, 2) : riskText(engagement, presented));
    return 0;
  });
}
