/**
 * `tandem sigma test` and `tandem sigma check`: what a detection engineer
 * runs before deploying a rule. `test` matches events (JSON lines) against
 * the rules and prints which rules each line fires; `check` compiles the
 * rules and lists every rule the engine refuses, as file:line:col: reason.
 */
import { readFile } from 'node:fs/promises';
import type { Logsource } from '../engagement/model.js';
import { formatRefusal, loadRuleSet } from '../sigma/index.js';
import type { RuleSet } from '../sigma/index.js';
import type { CliIo } from './io.js';
import { parseCommand } from './io.js';

const HELP = `Usage: tandem sigma test --rules PATH... --events FILE [--json]
       tandem sigma check --rules PATH... [--json]

test   matches each event of FILE against the rules and prints, per line, the
       ids of the rules that match. FILE holds JSON lines, each
       {"logsource": {"product": ..., "category": ..., "service": ...}, "event": {...}}
       ("-" reads standard input). With --json:
       {"rules": N, "events": M, "results": [{"line": 1, "matches": ["<rule id>", ...]}]}.
       Refused rules are listed on standard error and left out.
check  compiles the rules and lists every rule the engine refuses (a rule it
       cannot honour exactly) as file:line:col: reason, then a summary.

Exit status: test: 0, or 2 on bad usage or a malformed line (named by its
number); check: 0 when no rule is refused, 1 when any is, 2 on bad usage.

Options:
  --rules PATH...  rule files or folders (.yml/.yaml, folders recursively);
                   several after one --rules, or --rules repeated
  --events FILE  the events to match (test)
  --json         print a JSON document instead of lines
  -h, --help     show this help`;

/** One line of the events file, read. */
interface EventLine {
  readonly line: number;
  readonly logsource: Logsource;
  readonly event: Readonly<Record<string, unknown>>;
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** Reads one JSON line; throws with what is wrong. */
function readLine(text: string, line: number): EventLine {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (err) {
    throw new Error(`not JSON (${err instanceof Error ? err.message : String(err)})`);
  }
  if (!isObject(value)) throw new Error('expected an object {"logsource": {...}, "event": {...}}');
  const { event, logsource = {} } = value;
  if (!isObject(event)) throw new Error('"event" must be an object');
  if (!isObject(logsource)) throw new Error('"logsource" must be an object');
  const ls: { product?: string; category?: string; service?: string } = {};
  for (const key of ['product', 'category', 'service'] as const) {
    const v = logsource[key];
    if (v === undefined || v === null) continue;
    if (typeof v !== 'string') throw new Error(`"logsource.${key}" must be text`);
    ls[key] = v;
  }
  return { line, logsource: ls, event };
}

/** The events of a JSON-lines text (blank lines skipped, still counted). Throws "line N: ..." on the first bad one. */
export function readEvents(text: string): EventLine[] {
  const out: EventLine[] = [];
  text.split('\n').forEach((raw, i) => {
    const trimmed = raw.trim();
    if (trimmed === '') return;
    try {
      out.push(readLine(trimmed, i + 1));
    } catch (err) {
      throw new Error(`line ${i + 1}: ${err instanceof Error ? err.message : String(err)}`);
    }
  });
  return out;
}

async function readInput(file: string): Promise<string> {
  if (file !== '-') return readFile(file, 'utf8');
  const chunks: Buffer[] = [];
  for await (const chunk of process.stdin) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString('utf8');
}

async function runTest(set: RuleSet, eventsFile: string, json: boolean, io: CliIo): Promise<number> {
  let events: EventLine[];
  try {
    events = readEvents(await readInput(eventsFile));
  } catch (err) {
    const message = err instanceof Error ? err.message : String(err);
    const unreadable = (err as { code?: unknown }).code !== undefined;
    io.err(unreadable ? `tandem sigma test: cannot read ${eventsFile}: ${message}` : `tandem sigma test: ${eventsFile}: ${message}`);
    return 2;
  }
  const results = events.map((e) => ({ line: e.line, matches: set.match(e.event, e.logsource).map((r) => r.id) }));
  if (json) {
    io.out(JSON.stringify({ rules: set.rules.length, events: events.length, results }, null, 2));
    return 0;
  }
  const lines = results.map((r) => `line ${r.line}: ${r.matches.length === 0 ? '(no match)' : r.matches.join(', ')}`);
  const matched = results.filter((r) => r.matches.length > 0).length;
  io.out([...lines, '', `${set.rules.length} rules, ${events.length} events, ${matched} matched`].join('\n'));
  return 0;
}

function runCheck(set: RuleSet, json: boolean, io: CliIo): number {
  if (json) {
    io.out(JSON.stringify({ rules: set.rules.length, refusals: set.refusals }, null, 2));
  } else {
    const summary = `${set.rules.length} rules compiled, ${set.refusals.length} refused`;
    io.out([...set.refusals.map(formatRefusal), ...(set.refusals.length > 0 ? [''] : []), summary].join('\n'));
  }
  return set.refusals.length > 0 ? 1 : 0;
}

/** Runs `tandem sigma test|check`; returns the exit code. */
export async function run(args: string[], io: CliIo): Promise<number> {
  const [which, ...rest] = args;
  if (which !== 'test' && which !== 'check') {
    const help = which === '--help' || which === '-h';
    (help ? io.out : io.err)(help ? HELP : `tandem sigma: expected "test" or "check"\n\n${HELP}`);
    return help ? 0 : 2;
  }
  const parsed = parseCommand(
    io,
    `sigma ${which}`,
    HELP,
    rest,
    { rules: { type: 'string', multiple: true }, events: { type: 'string' }, json: { type: 'boolean' } },
    true,
  );
  if (typeof parsed === 'number') return parsed;
  const { values } = parsed;
  // "--rules a b c": the paths after the first are positionals.
  const paths = values.rules === undefined ? [] : [...values.rules, ...parsed.positionals];
  if (
    paths.length === 0 ||
    (values.rules === undefined && parsed.positionals.length > 0) ||
    (which === 'test' && values.events === undefined)
  ) {
    io.err(`tandem sigma ${which}: --rules${which === 'test' ? ' and --events are' : ' is'} required\n\n${HELP}`);
    return 2;
  }
  const set = await loadRuleSet(paths);
  if (which === 'check') return runCheck(set, values.json === true, io);
  for (const r of set.refusals) io.err(`${formatRefusal(r)} (rule left out)`);
  return runTest(set, values.events ?? '', values.json === true, io);
}
