/**
 * `tandem import incidents`: brings an incident history (Tandem's CSV layout
 * or a PagerDuty export) into an engagement. The whole file is checked
 * first; any problem is reported as FILE:line: message and nothing is
 * written. Importing the same file again imports nothing.
 */
import { readFile } from 'node:fs/promises';
import { parseArgs } from 'node:util';
import { systemClock } from '../clock/clock.js';
import { LAYOUTS } from '../import/layouts.js';
import type { Layout } from '../import/layouts.js';
import { prepareImport, splitDuplicates, writeImport } from '../import/import.js';
import type { ImportItem } from '../import/plan.js';
import { formatDuration, localDateOf } from '../report/format.js';
import type { CliIo } from './io.js';
import { withEngagement } from './offline.js';

const HELP = `Usage: tandem import incidents --engagement ID FILE [--db URL] [--format auto|tandem|pagerduty]
                               [--service-map "NAME=service-id"]... [--dry-run]

Imports an incident history so reports, risk figures and simulations work on
the organization's real history from day one. FILE is a CSV in Tandem's
layout (number,service,title,priority,severity,side,created_at,acknowledged_at,
resolved_at,acknowledged_by,resolved_by) or a PagerDuty incident export (the
raw incident report or the classic web export); --format auto tells them apart
by the header. See docs/import.md.

  --service-map "NAME=id"  the file's service NAME (or PagerDuty service id) is
                           engagement service id; repeatable. Without a map a
                           service must be named by its id or exact name.
  --dry-run                check and show what would be imported; write nothing

Every problem is reported as FILE:line: message and nothing is written (exit 1).
Incidents already imported from the same source are skipped.
--db defaults to $TANDEM_DATABASE_URL, then sqlite:./data/tandem.db.`;

function describe(item: ImportItem): string {
  const ack = item.acknowledgedAt === null ? 'not acknowledged' : `acknowledged +${formatDuration((item.acknowledgedAt - item.createdAt) / 1000)}`;
  const res = item.resolvedAt === null ? 'open' : `resolved +${formatDuration((item.resolvedAt - item.createdAt) / 1000)}`;
  return `line ${item.line}: ${new Date(item.createdAt).toISOString()} ${item.service.id} ${item.priority} ${item.side}, ${ack}, ${res}: ${item.title.split(/\r?\n/)[0] ?? ''}`;
}

export async function run(args: string[], io: CliIo): Promise<number> {
  const [what, ...rest] = args;
  if (what === undefined || what === '--help' || what === '-h') {
    io.out(HELP);
    return what === undefined ? 2 : 0;
  }
  if (what !== 'incidents') {
    io.err(`tandem import: unknown kind "${what}": only "incidents" can be imported\n\n${HELP}`);
    return 2;
  }
  let values;
  let positionals;
  try {
    ({ values, positionals } = parseArgs({
      args: rest,
      allowPositionals: true,
      options: {
        engagement: { type: 'string' },
        db: { type: 'string' },
        format: { type: 'string', default: 'auto' },
        'service-map': { type: 'string', multiple: true },
        'dry-run': { type: 'boolean' },
        help: { type: 'boolean', short: 'h' },
      },
    }));
  } catch (err) {
    io.err(`tandem import: ${err instanceof Error ? err.message : String(err)}\n\n${HELP}`);
    return 2;
  }
  if (values.help) {
    io.out(HELP);
    return 0;
  }
  const format = values.format;
  if (format !== 'auto' && !(LAYOUTS as readonly string[]).includes(format)) {
    io.err(`tandem import: --format must be auto, tandem or pagerduty, got "${format}"`);
    return 2;
  }
  const file = positionals[0];
  if (!values.engagement || file === undefined || positionals.length > 1) {
    io.err(`tandem import: --engagement and exactly one FILE are required\n\n${HELP}`);
    return 2;
  }
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (err) {
    io.err(`${file}: cannot read: ${err instanceof Error ? err.message : String(err)}`);
    return 1;
  }
  const clock = systemClock;
  return withEngagement(io, 'import', values.db, values.engagement, async (database, engagement) => {
    const now = clock.now();
    const prepared = prepareImport({ engagement, text, format: format as Layout | 'auto', serviceMap: values['service-map'] ?? [], now });
    if (prepared.problems.length > 0) {
      for (const p of prepared.problems) io.err(p.line === null ? `${file}: ${p.message}` : `${file}:${p.line}: ${p.message}`);
      io.err(`${file}: ${prepared.problems.length} problem${prepared.problems.length === 1 ? '' : 's'}; nothing was imported`);
      return 1;
    }
    const { fresh, duplicates } = await splitDuplicates(database.db, engagement.id, prepared.items);
    const range = (items: readonly ImportItem[]) => {
      const first = items[0];
      const last = items[items.length - 1];
      return first && last ? `opened ${localDateOf(new Date(first.createdAt).toISOString(), engagement.timezone)} .. ${localDateOf(new Date(last.createdAt).toISOString(), engagement.timezone)} (${engagement.timezone})` : 'nothing new';
    };
    const layout = prepared.layout === 'pagerduty' ? 'PagerDuty export' : "Tandem's CSV layout";
    if (values['dry-run']) {
      for (const item of fresh) io.out(describe(item));
      io.out(`Dry run (${layout}): would import ${fresh.length} incident${fresh.length === 1 ? '' : 's'} into ${engagement.id}, skip ${duplicates.length} already imported; ${range(fresh)}. Nothing was written.`);
      return 0;
    }
    const result = await writeImport(database, engagement, fresh, file, now);
    const prefix = engagement.id.toUpperCase();
    const numbers = result.incidents.map((i) => i.number);
    const span = numbers.length ? ` (${prefix}-${Math.min(...numbers)}..${prefix}-${Math.max(...numbers)})` : '';
    io.out(
      `Imported ${result.incidents.length} incident${result.incidents.length === 1 ? '' : 's'}${span} from ${file} (${layout}) into ${engagement.id}, skipped ${duplicates.length} duplicate${duplicates.length === 1 ? '' : 's'}; ${range(fresh)}; ${result.breaches} SLA breach${result.breaches === 1 ? '' : 'es'} recorded.`,
    );
    return 0;
  });
}
