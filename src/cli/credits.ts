/**
 * `tandem credits`: the service credits an engagement's SLA breaches earn in
 * a calendar month (engagement time zone).
 */
import { systemClock } from '../clock/clock.js';
import { computeCredits } from '../metrics/credits.js';
import { MONTH_FORMAT, isMonth } from '../metrics/period.js';
import { formatMoney } from '../report/format.js';
import type { CliIo } from './io.js';
import { parseCommand } from './io.js';
import { withEngagement } from './offline.js';

const HELP = `Usage: tandem credits --engagement ID --month YYYY-MM [--db URL] [--json]

Each breach of an SLA with credits is worth per_breach[priority] of the
monthly fee; each SLA's total is capped at its cap. The month is a calendar
month in the engagement's time zone.`;

/** Runs `tandem credits`; returns the exit code. */
export async function run(args: string[], io: CliIo): Promise<number> {
  const parsed = parseCommand(io, 'credits', HELP, args, {
    engagement: { type: 'string' },
    month: { type: 'string' },
    db: { type: 'string' },
    json: { type: 'boolean' },
  });
  if (typeof parsed === 'number') return parsed;
  const { values } = parsed;
  if (!values.engagement || !values.month || !isMonth(values.month)) {
    io.err(`tandem credits: --engagement and --month ${MONTH_FORMAT} are required\n\n${HELP}`);
    return 2;
  }
  const month = values.month;
  return withEngagement(io, 'credits', values.db, values.engagement, async (database, engagement) => {
    const c = await computeCredits(database.db, engagement, month, systemClock.now());
    if (values.json) {
      io.out(JSON.stringify(c, null, 2));
      return 0;
    }
    const lines = [
      `${engagement.name}, ${month}: ${c.breaches.length} credited breach${c.breaches.length === 1 ? '' : 'es'}, credit ${c.credit_percent}% of ${formatMoney(c.monthly_fee, c.currency)} = ${formatMoney(c.credit_amount, c.currency)}${c.capped ? ' (capped)' : ''}`,
    ];
    for (const b of c.breaches)
      lines.push(
        `  ${b.incident} ${b.priority} ${b.sla} ${b.kind}: ${b.credit_percent}% (${formatMoney(b.credit_amount, c.currency)}) ${b.title}`,
      );
    io.out(lines.join('\n'));
    return 0;
  });
}
