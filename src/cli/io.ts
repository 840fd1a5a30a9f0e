/**
 * What every command shares: where it writes (tests pass a recording io),
 * how it reads its flags (one preamble: a usage error is one line, the help
 * and exit 2; --help prints the help and exits 0), and the environment it
 * reads (only here, so what the CLI takes from the environment is in one
 * list). Kept free of database and server imports: `tandem validate` loads
 * this and nothing heavier.
 */
import { parseArgs } from 'node:util';
import type { ParseArgsConfig } from 'node:util';
import { DEFAULTS } from '../settings/settings.js';

/** Where a command writes. Tests pass a recording implementation. */
export interface CliIo {
  out(text: string): void;
  err(text: string): void;
}

export const processIo: CliIo = {
  out: (text) => process.stdout.write(text.endsWith('\n') ? text : `${text}\n`),
  err: (text) => process.stderr.write(text.endsWith('\n') ? text : `${text}\n`),
};

/** An io that keeps what was written, for tests. */
export function recordingIo(): CliIo & { stdout: string[]; stderr: string[] } {
  const stdout: string[] = [];
  const stderr: string[] = [];
  return { stdout, stderr, out: (t) => stdout.push(t), err: (t) => stderr.push(t) };
}

/** The environment variables the CLI reads (`tandem serve` hands the whole environment to its settings). */
export type CliEnvName = 'TANDEM_DATABASE_URL' | 'TANDEM_WEBHOOK_SECRET';

/** One variable of the environment, as `tandem serve`'s settings read it (undefined when unset). */
export function cliEnv(name: CliEnvName): string | undefined {
  return process.env[name];
}

/** The environment as a whole, for `tandem serve`'s settings (which document every variable they read). */
export function serveEnvironment(): NodeJS.ProcessEnv {
  return process.env;
}

/**
 * A variable a ticketing entry names for its secret (`token_env` and the
 * like), for `tandem ticketing check`; undefined when unset.
 */
export function ticketingSecretEnv(name: string): string | undefined {
  return process.env[name];
}

/** The database a command works on: --db, else $TANDEM_DATABASE_URL, else the default. */
export function databaseUrl(flag: string | undefined): string {
  return flag ?? cliEnv('TANDEM_DATABASE_URL') ?? DEFAULTS.db;
}

type Options = NonNullable<ParseArgsConfig['options']>;
type HelpOption = { help: { type: 'boolean'; short: 'h' } };
type CommandConfig<O extends Options, P extends boolean> = { args: string[]; options: O & HelpOption; allowPositionals: P; strict: true };

/** The flags and positionals of a command line, typed from its options. */
export type ParsedCommand<O extends Options, P extends boolean = false> = ReturnType<typeof parseArgs<CommandConfig<O, P>>>;

/**
 * Reads a command's flags (`-h`/`--help` is added to `options`); with
 * `positionals` true it also takes arguments that are not flags. Returns the
 * parsed line, or the exit code when there is nothing left to do: 0 after
 * printing the help, 2 after a usage error ("tandem NAME: message" and the
 * help, on stderr).
 */
export function parseCommand<const O extends Options>(
  io: CliIo,
  name: string,
  help: string,
  args: string[],
  options: O,
): ParsedCommand<O> | number;
export function parseCommand<const O extends Options>(
  io: CliIo,
  name: string,
  help: string,
  args: string[],
  options: O,
  positionals: true,
): ParsedCommand<O, true> | number;
export function parseCommand(
  io: CliIo,
  name: string,
  help: string,
  args: string[],
  options: Options,
  positionals = false,
): ReturnType<typeof parseArgs> | number {
  let parsed: ReturnType<typeof parseArgs>;
  try {
    parsed = parseArgs({
      args,
      options: { ...options, help: { type: 'boolean', short: 'h' } },
      allowPositionals: positionals,
      strict: true,
    });
  } catch (err) {
    io.err(`tandem ${name}: ${err instanceof Error ? err.message : String(err)}\n\n${help}`);
    return 2;
  }
  if (parsed.values['help'] === true) {
    io.out(help);
    return 0;
  }
  return parsed;
}
