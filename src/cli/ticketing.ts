/**
 * `tandem ticketing check --config F [--id ID]`: "test connection" for the
 * engagement files' ticketing entries before the server syncs to them. Each
 * entry's client checks its credentials, its project, board or group and
 * what the sync needs, with the secrets read from this environment as the
 * server reads them; a line per finding, exit 1 when any failed.
 */
import { systemClock } from '../clock/clock.js';
import { formatDiagnostic, loadEngagements } from '../engagement/index.js';
import type { Ticketing } from '../engagement/model.js';
import { checkEntries } from '../ticketing/check.js';
import type { EntryCheck } from '../ticketing/check.js';
import type { CliIo } from './io.js';
import { parseCommand, ticketingSecretEnv } from './io.js';

const HELP = `Usage: tandem ticketing check --config FILE_OR_DIR [--id ID] [--timeout-ms N] [--json]

Checks each ticketing entry of the engagement files against its system, as
the server would talk to it: the credentials (read from the environment
variables the entry names), the project, assignment group or board, and what
the sync needs (Jira: the issue type, a workflow that reaches in progress and
done; ServiceNow: the incident table, the state and resolution choices;
ConnectWise: the company, the board's statuses for in progress and done; and
the mapped priorities). Nothing is created or changed.

Exit status: 0 when every check passed, 1 when any failed, 2 on bad usage,
invalid files, an unknown --id or no ticketing entries.

Options:
  --config FILE_OR_DIR  engagement file or directory (repeatable)
  --id ID               check only this ticketing entry
  --timeout-ms N        how long one entry's check may take (default 10000)
  --json                print a JSON document instead of lines
  -h, --help            show this help`;

const SYSTEM_NAMES: Readonly<Record<Ticketing['system'], string>> = { jira: 'Jira', servicenow: 'ServiceNow', connectwise: 'ConnectWise' };

function plural(n: number, singular: string, several: string): string {
  return `${n} ${n === 1 ? singular : several}`;
}

/** The human report: a header per entry, a ✓ or ✗ line per finding, then the summary. */
export function checkText(results: readonly EntryCheck[]): string {
  const engagements = new Set(results.map((r) => r.engagement));
  const blocks = results.map((r) => {
    const where = engagements.size > 1 ? ` in engagement ${r.engagement}` : '';
    const header = `${r.entry.id} (${SYSTEM_NAMES[r.entry.system]}, ${r.entry.side}) ${r.entry.url}${where}`;
    return [header, ...r.lines.map((l) => `  ${l.ok ? '✓' : '✗'} ${l.what}: ${l.detail}`)].join('\n');
  });
  const failed = results.filter((r) => !r.ok);
  const checked = `${plural(results.length, 'ticketing entry', 'ticketing entries')} checked`;
  const summary =
    failed.length === 0
      ? `${checked}: all ok`
      : `${checked}: ${results.length - failed.length} ok, ${failed.length} failed (${failed.map((r) => r.entry.id).join(', ')})`;
  return [...blocks, '', summary].join('\n');
}

/** The JSON report (`--json`). */
export function checkJson(results: readonly EntryCheck[]): object {
  return {
    ok: results.every((r) => r.ok),
    entries: results.map((r) => ({
      engagement: r.engagement,
      id: r.entry.id,
      system: r.entry.system,
      side: r.entry.side,
      url: r.entry.url,
      ok: r.ok,
      lines: r.lines.map((l) => ({ ok: l.ok, what: l.what, detail: l.detail })),
    })),
  };
}

/** Runs `tandem ticketing check`; returns the exit code. */
export async function run(args: string[], io: CliIo): Promise<number> {
  const [which, ...rest] = args;
  if (which !== 'check') {
    (which === '--help' || which === '-h' ? io.out : io.err)(HELP);
    return which === '--help' || which === '-h' ? 0 : 2;
  }
  const parsed = parseCommand(io, 'ticketing check', HELP, rest, {
    config: { type: 'string', multiple: true },
    id: { type: 'string' },
    'timeout-ms': { type: 'string' },
    json: { type: 'boolean' },
  });
  if (typeof parsed === 'number') return parsed;
  const { values } = parsed;
  const timeoutMs = Number(values['timeout-ms'] ?? '10000');
  if (!values.config?.length || !Number.isInteger(timeoutMs) || timeoutMs <= 0) {
    io.err(`tandem ticketing check: --config is required, and --timeout-ms must be a whole number of milliseconds above 0\n\n${HELP}`);
    return 2;
  }
  const { loaded, diagnostics } = await loadEngagements(values.config);
  if (diagnostics.length > 0) {
    for (const d of diagnostics) io.err(formatDiagnostic(d));
    return 2;
  }
  const all = loaded.flatMap((l) => l.engagement.ticketing.map((entry) => ({ engagement: l.engagement.id, entry })));
  const entries = values.id === undefined ? all : all.filter((e) => e.entry.id === values.id);
  if (entries.length === 0) {
    io.err(
      all.length === 0
        ? `tandem ticketing check: no ticketing entries in ${values.config.join(', ')} (see the ticketing section in docs/engagement.md)`
        : `tandem ticketing check: no ticketing entry "${values.id ?? ''}"; entries: ${all.map((e) => e.entry.id).join(', ')}`,
    );
    return 2;
  }
  const results = await checkEntries(entries, { secret: ticketingSecretEnv, timeoutMs, now: () => systemClock.now() });
  io.out(values.json === true ? JSON.stringify(checkJson(results), null, 2) : checkText(results));
  return results.every((r) => r.ok) ? 0 : 1;
}
