/**
 * The `tandem` command line: one module per command under src/cli/, each
 * exporting `run(args, io)` and returning the process exit code.
 */
import type { CliIo } from './io.js';
import { processIo } from './io.js';

type CommandModule = { run(args: string[], io: CliIo): Promise<number> };

/** Commands, loaded lazily so `tandem validate` does not load the HTTP server. */
const COMMANDS: Record<string, { summary: string; load: () => Promise<CommandModule> }> = {
  serve: { summary: 'run the server (HTTP API, ingest, engine)', load: () => import('./serve.js') },
  validate: { summary: 'check engagement files; report every error as file:line:col', load: () => import('./validate.js') },
  schema: { summary: 'print the JSON Schema of the engagement file format', load: () => import('./schema.js') },
  route: { summary: 'explain who an incident on a service would page at an instant', load: () => import('./route.js') },
  metrics: { summary: 'MTTA, MTTR, SLA attainment, pages and noise over a period', load: () => import('./metrics.js') },
  credits: { summary: 'service credits SLA breaches earn in a month', load: () => import('./credits.js') },
  report: { summary: 'the monthly operational review as HTML or PDF', load: () => import('./report.js') },
  evidence: {
    summary: 'a compliance evidence pack: controls mapped to incidents, SLAs, on-call, policy',
    load: () => import('./evidence.js'),
  },
  import: { summary: 'import an incident history (Tandem CSV or a PagerDuty export)', load: () => import('./import.js') },
  risk: { summary: 'price the coverage gap: response delay beyond first response x downtime cost', load: () => import('./risk.js') },
  simulate: { summary: "replay a period's incidents under another engagement file and compare", load: () => import('./simulate.js') },
  assess: {
    summary: 'the operational assessment of an exported incident history against a proposed engagement (no server)',
    load: () => import('./assess.js'),
  },
  token: { summary: 'create, list or revoke API tokens', load: () => import('./token.js') },
  secret: { summary: 'print the key outbound webhooks are signed with', load: () => import('./secret.js') },
  events: { summary: 'the event backlog and quarantined events; retry them', load: () => import('./events.js') },
  send: { summary: 'send a test event to a Tandem (or PagerDuty-compatible) server', load: () => import('./send.js') },
  ticketing: {
    summary: 'check each ticketing entry against its system (credentials, project, what the sync needs)',
    load: () => import('./ticketing.js'),
  },
  vulns: {
    summary: 'import scanner findings (Trivy, Grype, SARIF, Nessus, Greenbone), list them, except one',
    load: () => import('./vulns.js'),
  },
  kev: {
    summary: "load CISA's Known Exploited Vulnerabilities catalog (re-dates findings)",
    load: async () => ({ run: (await import('./vulns.js')).runKev }),
  },
  sigma: { summary: 'test Sigma rules against events, or check which rules the engine refuses', load: () => import('./sigma.js') },
  verify: { summary: 'check that no incident timeline entry was changed or removed (hash chains)', load: () => import('./verify.js') },
};

const USAGE = () =>
  [
    'Usage: tandem <command> [options]',
    '',
    'Commands:',
    ...Object.entries(COMMANDS).map(([name, c]) => `  ${name.padEnd(10)} ${c.summary}`),
    '',
    'Run `tandem <command> --help` for the options of a command.',
  ].join('\n');

export async function main(argv: string[], io: CliIo = processIo): Promise<number> {
  const [name, ...rest] = argv;
  if (name === undefined || name === '--help' || name === '-h' || name === 'help') {
    io.out(USAGE());
    return name === undefined ? 2 : 0;
  }
  if (name === '--version' || name === '-v') {
    io.out((await import('../settings/version.js')).VERSION);
    return 0;
  }
  const command = COMMANDS[name];
  if (!command) {
    io.err(`tandem: unknown command "${name}"\n\n${USAGE()}`);
    return 2;
  }
  try {
    return await (await command.load()).run(rest, io);
  } catch (err) {
    // A database that cannot be opened is the operator's to fix: one line, no stack trace.
    // (By name, so this module does not load the database drivers.)
    if (err instanceof Error && err.name === 'DatabaseOpenError') {
      io.err(`tandem ${name}: ${err.message}`);
      return 1;
    }
    throw err;
  }
}
