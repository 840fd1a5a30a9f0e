/**
 * `tandem import incidents`: brings an incident history (Tandem's CSV layout
 * or a PagerDuty export) into an engagement. The whole file is checked
 * first; any problem is reported as FILE:line: message and nothing is
 * written. Importing the same file again imports nothing.
 */
import { readFile } from 'node:fs/promises';
import { systemClock } from '../clock/clock.js';
import type { Database } from '../db/connect.js';
import { incidentPrefix } from '../deployment/deployment.js';
import type { Engagement } from '../engagement/model.js';
import { LAYOUTS } from '../import/layouts.js';
import type { Layout } from '../import/layouts.js';
import { prepareImport, splitDuplicates, writeImport } from '../import/import.js';
import type { ImportItem } from '../import/plan.js';
import { formatDuration, localDateOf } from '../report/format.js';
import type { CliIo } from './io.js';
import { parseCommand } from './io.js';
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
  const ack =
    item.acknowledgedAt === null ? 'not acknowledged' : `acknowledged +${formatDuration((item.acknowledgedAt - item.createdAt) / 1000)}`;
  const res = item.resolvedAt === null ? 'open' : `resolved +${formatDuration((item.resolvedAt - item.createdAt) / 1000)}`;
  return `line ${item.line}: ${new Date(item.createdAt).toISOString()} ${item.service.id} ${item.priority} ${item.side}, ${ack}, ${res}: ${item.title.split(/\r?\n/)[0] ?? ''}`;
}

/** Runs `tandem import incidents`; returns the exit code. */
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
  const parsed = parseCommand(
    io,
    'import',
    HELP,
    rest,
    {
      engagement: { type: 'string' },
      db: { type: 'string' },
      format: { type: 'string', default: 'auto' },
      'service-map': { type: 'string', multiple: true },
      'dry-run': { type: 'boolean' },
    },
    true,
  );
  if (typeof parsed === 'number') return parsed;
  const { values, positionals } = parsed;
  const format = values.format;
  if (!isFormat(format)) {
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
  const request = { file, text, format, serviceMap: values['service-map'] ?? [], dryRun: values['dry-run'] === true };
  return withEngagement(io, 'import', values.db, values.engagement, (database, engagement) =>
    importInto(io, database, engagement, request),
  );
}

function isFormat(format: string): format is Layout | 'auto' {
  return format === 'auto' || (LAYOUTS as readonly string[]).includes(format);
}

interface ImportRequest {
  readonly file: string;
  readonly text: string;
  readonly format: Layout | 'auto';
  readonly serviceMap: readonly string[];
  readonly dryRun: boolean;
}

/** Checks the whole file, then imports what is new (or, on a dry run, says what it would). */
async function importInto(io: CliIo, database: Database, engagement: Engagement, r: ImportRequest): Promise<number> {
  const { file } = r;
  const now = systemClock.now();
  const prepared = prepareImport({ engagement, text: r.text, format: r.format, serviceMap: r.serviceMap, now });
  if (prepared.problems.length > 0) {
    for (const p of prepared.problems) io.err(p.line === null ? `${file}: ${p.message}` : `${file}:${p.line}: ${p.message}`);
    io.err(`${file}: ${prepared.problems.length} problem${prepared.problems.length === 1 ? '' : 's'}; nothing was imported`);
    return 1;
  }
  const { fresh, duplicates } = await splitDuplicates(database.db, engagement.id, prepared.items);
  const day = (t: number) => localDateOf(new Date(t).toISOString(), engagement.timezone);
  const first = fresh[0];
  const last = fresh[fresh.length - 1];
  const range = first && last ? `opened ${day(first.createdAt)} .. ${day(last.createdAt)} (${engagement.timezone})` : 'nothing new';
  const layout = prepared.layout === 'pagerduty' ? 'PagerDuty export' : "Tandem's CSV layout";
  const plural = (n: number, word: string, many = `${word}s`) => `${n} ${n === 1 ? word : many}`;
  if (r.dryRun) {
    for (const item of fresh) io.out(describe(item));
    io.out(
      `Dry run (${layout}): would import ${plural(fresh.length, 'incident')} into ${engagement.id}, skip ${duplicates.length} already imported; ${range}. Nothing was written.`,
    );
    return 0;
  }
  const result = await writeImport(database, engagement, fresh, file, now);
  const prefix = incidentPrefix(engagement.id);
  const numbers = result.incidents.map((i) => i.number);
  const span = numbers.length ? ` (${prefix}-${Math.min(...numbers)}..${prefix}-${Math.max(...numbers)})` : '';
  io.out(
    `Imported ${plural(result.incidents.length, 'incident')}${span} from ${file} (${layout}) into ${engagement.id}, skipped ${plural(duplicates.length, 'duplicate')}; ${range}; ${plural(result.breaches, 'SLA breach', 'SLA breaches')} recorded.`,
  );
  return 0;
}
