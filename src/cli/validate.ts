/**
 * `tandem validate FILE_OR_DIR...`: check engagement files without starting
 * anything. Problems go to stderr as `file:line:col: message`, sorted, and
 * the exit code is 1; a clean run prints one summary line per engagement.
 */
import type { CliIo } from './io.js';
import { parseCommand } from './io.js';
import type { Engagement } from '../engagement/index.js';
import { formatDiagnostic, loadEngagements } from '../engagement/index.js';

const HELP = `Usage: tandem validate FILE_OR_DIR...

Check engagement files (format version 1) and report every problem as
file:line:col: message. A directory stands for every *.yaml and *.yml file in
it. Engagement ids and integration keys (with ticketing inbound keys) must be
unique across all of them.

Exit status: 0 when every file is valid, 1 when any is not, 2 on bad usage.

Options:
  -h, --help   show this help

See also: tandem schema (JSON Schema for editor completion and checking).`;

function count(n: number, singular: string, plural: string): string {
  return `${n} ${n === 1 ? singular : plural}`;
}

/** "engagement acme (Acme Payments): 6 people, 3 teams, ...". */
function summary(e: Engagement): string {
  return [
    `engagement ${e.id} (${e.name}): ${count(e.people.length, 'person', 'people')}`,
    count(e.teams.length, 'team', 'teams'),
    count(e.schedules.length, 'schedule', 'schedules'),
    count(e.escalationPolicies.length, 'escalation policy', 'escalation policies'),
    count(e.services.length, 'service', 'services'),
    count(e.slas.length, 'SLA', 'SLAs'),
  ].join(', ');
}

/** Runs `tandem validate`; returns the exit code. */
export async function run(args: string[], io: CliIo): Promise<number> {
  const parsed = parseCommand(io, 'validate', HELP, args, {}, true);
  if (typeof parsed === 'number') return parsed;
  if (parsed.positionals.length === 0) {
    io.err(`tandem validate: name at least one engagement file or directory\n\n${HELP}`);
    return 2;
  }
  const { loaded, diagnostics } = await loadEngagements(parsed.positionals);
  if (diagnostics.length > 0) {
    for (const d of diagnostics) io.err(formatDiagnostic(d));
    return 1;
  }
  for (const l of loaded) io.out(`${l.file}: ok: ${summary(l.engagement)}`);
  return 0;
}
