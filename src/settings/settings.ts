/**
 * Server settings: parsed once at start-up from flags and environment,
 * checked, frozen, and passed down. Nothing else in Tandem reads process.env.
 */
import { parseArgs } from 'node:util';

export interface Settings {
  /** `sqlite:PATH` or `postgres://...`. */
  readonly db: string;
  readonly host: string;
  readonly port: number;
  /** Engagement files or directories. */
  readonly configPaths: readonly string[];
  /** Demo mode: the bundled demo engagement, a demo token, a local inbox. */
  readonly demo: boolean;
  /** The URL people and tools reach this server at (links in notifications). */
  readonly publicUrl: string;
  readonly logLevel: 'fatal' | 'error' | 'warn' | 'info' | 'debug' | 'trace' | 'silent';
  /** Per integration key: sustained requests/s (0 = no limit) and burst. */
  readonly rateLimit: { readonly perSecond: number; readonly burst: number };
  /** Largest ingest body, bytes. */
  readonly ingestBodyLimit: number;
  readonly enginePollMs: number;
  /** How long graceful shutdown waits for in-flight requests. */
  readonly shutdownTimeoutMs: number;
  /** Maximum PostgreSQL pool size. */
  readonly poolSize: number;
  /** Whether this instance runs the engine (escalations, notifications). */
  readonly engine: boolean;
}

export const DEFAULTS = {
  db: 'sqlite:./data/tandem.db',
  host: '127.0.0.1',
  port: 8080,
  logLevel: 'info',
  rateLimitPerSecond: 500,
  rateLimitBurst: 2000,
  ingestBodyLimit: 512 * 1024,
  enginePollMs: 500,
  shutdownTimeoutMs: 10_000,
  poolSize: 10,
} as const;

export const SERVE_HELP = `Usage: tandem serve [options]

Runs the Tandem server: ingest, API, engine.

Options (environment variable in brackets):
  --config FILE_OR_DIR   engagement file or directory of *.yaml; repeatable [TANDEM_CONFIG, comma-separated]
  --db URL               sqlite:PATH or postgres://user@host:port/db [TANDEM_DATABASE_URL]
                         default ${DEFAULTS.db}
  --host HOST            listen address [TANDEM_HOST] default ${DEFAULTS.host}
  --port PORT            listen port [TANDEM_PORT, PORT] default ${DEFAULTS.port}
  --public-url URL       URL people reach this server at, for links [TANDEM_PUBLIC_URL]
  --log-level LEVEL      fatal|error|warn|info|debug|trace|silent [TANDEM_LOG_LEVEL] default info
  --rate-limit N         ingest requests/s per integration key, 0 = off [TANDEM_RATE_LIMIT] default ${DEFAULTS.rateLimitPerSecond}
  --rate-burst N         burst per integration key [TANDEM_RATE_BURST] default ${DEFAULTS.rateLimitBurst}
  --pool-size N          PostgreSQL connections [TANDEM_POOL_SIZE] default ${DEFAULTS.poolSize}
  --no-engine            do not run the engine on this instance (ingest and API only)
  --demo                 the bundled demo engagement with a demo token (what \`npm start\` runs)

Signals: SIGHUP reloads the engagement files (a file that fails validation is
refused and the running configuration stays); SIGTERM/SIGINT shut down
gracefully, finishing in-flight requests.`;

export class SettingsError extends Error {}

function int(name: string, text: string | undefined, fallback: number, min: number, max: number): number {
  if (text === undefined || text === '') return fallback;
  if (!/^\d+$/.test(text)) throw new SettingsError(`${name}: "${text}" is not a whole number`);
  const n = Number(text);
  if (n < min || n > max) throw new SettingsError(`${name}: ${n} is out of range ${min}..${max}`);
  return n;
}

const LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const;

/** Parses `tandem serve` flags over environment variables. Throws SettingsError with a clear message. */
export function parseServeSettings(args: string[], env: NodeJS.ProcessEnv = process.env, demoConfig?: string): Settings {
  const { values } = parseArgs({
    args,
    allowPositionals: false,
    options: {
      config: { type: 'string', multiple: true },
      db: { type: 'string' },
      host: { type: 'string' },
      port: { type: 'string' },
      'public-url': { type: 'string' },
      'log-level': { type: 'string' },
      'rate-limit': { type: 'string' },
      'rate-burst': { type: 'string' },
      'pool-size': { type: 'string' },
      'engine-poll-ms': { type: 'string' },
      'no-engine': { type: 'boolean' },
      demo: { type: 'boolean' },
    },
  });
  const demo = values.demo ?? false;
  let configPaths = values.config ?? (env['TANDEM_CONFIG'] ? env['TANDEM_CONFIG'].split(',').filter(Boolean) : []);
  if (configPaths.length === 0 && demo && demoConfig) configPaths = [demoConfig];
  if (configPaths.length === 0) throw new SettingsError('no engagement: pass --config FILE_OR_DIR (or --demo for the demo engagement)');
  const port = int('--port', values.port ?? env['TANDEM_PORT'] ?? env['PORT'], DEFAULTS.port, 0, 65535);
  const host = values.host ?? env['TANDEM_HOST'] ?? DEFAULTS.host;
  const logLevel = values['log-level'] ?? env['TANDEM_LOG_LEVEL'] ?? DEFAULTS.logLevel;
  if (!(LEVELS as readonly string[]).includes(logLevel)) throw new SettingsError(`--log-level: "${logLevel}" is not one of ${LEVELS.join(', ')}`);
  const publicUrl = (values['public-url'] ?? env['TANDEM_PUBLIC_URL'] ?? `http://${host === '0.0.0.0' || host === '::' ? '127.0.0.1' : host}:${port}`).replace(/\/+$/, '');
  if (!/^https?:\/\//.test(publicUrl)) throw new SettingsError(`--public-url: "${publicUrl}" must start with http:// or https://`);
  return Object.freeze({
    db: values.db ?? env['TANDEM_DATABASE_URL'] ?? DEFAULTS.db,
    host,
    port,
    configPaths: Object.freeze([...configPaths]),
    demo,
    publicUrl,
    logLevel: logLevel as Settings['logLevel'],
    rateLimit: Object.freeze({
      perSecond: int('--rate-limit', values['rate-limit'] ?? env['TANDEM_RATE_LIMIT'], DEFAULTS.rateLimitPerSecond, 0, 10_000_000),
      burst: int('--rate-burst', values['rate-burst'] ?? env['TANDEM_RATE_BURST'], DEFAULTS.rateLimitBurst, 1, 10_000_000),
    }),
    ingestBodyLimit: DEFAULTS.ingestBodyLimit,
    enginePollMs: int('--engine-poll-ms', values['engine-poll-ms'], DEFAULTS.enginePollMs, 10, 60_000),
    shutdownTimeoutMs: DEFAULTS.shutdownTimeoutMs,
    poolSize: int('--pool-size', values['pool-size'] ?? env['TANDEM_POOL_SIZE'], DEFAULTS.poolSize, 1, 1000),
    engine: !(values['no-engine'] ?? false),
  });
}
