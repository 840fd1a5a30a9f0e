/**
 * `tandem serve`: runs the server until SIGTERM/SIGINT; SIGHUP reloads the
 * engagement files (and the --tls-cert/--tls-key files). With --demo (what `npm start` runs) it uses the bundled
 * demo engagement and prints a demo token and a curl to send a first event.
 */
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseDatabaseUrl } from '../db/connect.js';
import { MissingEnvError } from '../engagement/index.js';
import { installProcessPolicy } from '../server/process-policy.js';
import { ConfigError, startTandem } from '../server/server.js';
import { TlsError } from '../server/tls.js';
import type { Tandem } from '../server/server.js';
import { SERVE_HELP, SettingsError, parseServeSettings } from '../settings/settings.js';
import { createToken, verifyToken } from '../token/token.js';
import type { CliIo } from './io.js';
import { serveEnvironment } from './io.js';

/** Why the server could not take its address, by the error code of listen(). */
const LISTEN_PROBLEMS: Record<string, string> = {
  EADDRINUSE: 'the port is already in use (another Tandem?); stop that process or choose another with --port',
  EACCES: 'permission denied (ports below 1024 need privileges); choose another with --port',
  EADDRNOTAVAIL: 'this machine has no such address; check --host',
};

export const DEMO_CONFIG = fileURLToPath(new URL('../../demo/acme.yaml', import.meta.url));

export async function run(args: string[], io: CliIo): Promise<number> {
  if (args.includes('--help') || args.includes('-h')) {
    io.out(SERVE_HELP);
    return 0;
  }
  let settings;
  try {
    settings = parseServeSettings(args, serveEnvironment(), DEMO_CONFIG);
  } catch (err) {
    if (err instanceof SettingsError || (err instanceof Error && 'code' in err && String(err.code).startsWith('ERR_PARSE_ARGS'))) {
      io.err(`tandem serve: ${err.message}\n\n${SERVE_HELP}`);
      return 2;
    }
    throw err;
  }
  let tandem: Tandem;
  try {
    tandem = await startTandem(settings, { collectAfterReload: true });
  } catch (err) {
    if (err instanceof ConfigError || err instanceof MissingEnvError) {
      io.err(err.message);
      return 1;
    }
    if (err instanceof TlsError) {
      io.err(`tandem serve: ${err.message}`);
      return 1;
    }
    const listenProblem = err instanceof Error && 'code' in err ? LISTEN_PROBLEMS[String(err.code)] : undefined;
    if (listenProblem) {
      // The error of listen() names the address it failed on: the HTTP one, or the --syslog-port or --smtp-port listener's.
      const at = err as { address?: unknown; port?: unknown };
      const where = typeof at.port === 'number' ? `${String(at.address ?? settings.host)}:${at.port}` : `${settings.host}:${settings.port}`;
      io.err(`tandem serve: cannot listen on ${where}: ${listenProblem}`);
      return 1;
    }
    throw err;
  }
  installProcessPolicy(tandem.log, { unhandledRejection: () => tandem.metrics.unhandledRejections.inc() });
  if (settings.demo) io.out(await demoBanner(tandem));
  else
    io.out(
      `Tandem listening on ${tandem.url ?? ''} with ${tandem.deployment.all().length} engagement(s); database ${tandem.database.label}`,
    );

  return new Promise<number>((done) => {
    const shutdown = (signal: string) => {
      tandem.log.info({ signal }, 'shutting down');
      const force = setTimeout(() => {
        tandem.log.error('graceful shutdown timed out');
        done(1);
      }, settings.shutdownTimeoutMs);
      force.unref();
      tandem.close().then(
        () => done(0),
        (err: unknown) => {
          tandem.log.error({ err }, 'shutdown failed');
          done(1);
        },
      );
    };
    process.once('SIGTERM', () => shutdown('SIGTERM'));
    process.once('SIGINT', () => shutdown('SIGINT'));
    process.on('SIGHUP', () => {
      tandem.reload().catch((err: unknown) => tandem.log.error({ err }, 'reload failed'));
    });
  });
}

/** The demo's admin token: created once, kept beside the demo database so every start can print it. */
async function demoToken(tandem: Tandem): Promise<string> {
  const { dialect, target } = parseDatabaseUrl(tandem.settings.db);
  const dir = dialect === 'sqlite' && target !== ':memory:' ? dirname(resolve(target)) : resolve('data');
  const file = join(dir, 'demo-token');
  if (existsSync(file)) {
    const secret = readFileSync(file, 'utf8').trim();
    if (await verifyToken(tandem.database.db, secret)) return secret;
  }
  const engagements = tandem.deployment.all().map((e) => e.id);
  const { secret } = await createToken(tandem.database.db, { role: 'admin', engagements, label: 'demo', at: tandem.clock.now() });
  mkdirSync(dir, { recursive: true });
  writeFileSync(file, `${secret}\n`, { mode: 0o600 });
  return secret;
}

async function demoBanner(tandem: Tandem): Promise<string> {
  const token = await demoToken(tandem);
  const base = tandem.settings.publicUrl;
  const engagement = tandem.deployment.all()[0];
  const service = engagement?.services.find((s) => s.integrations.some((i) => i.type === 'pagerduty'));
  const key = service?.integrations.find((i) => i.type === 'pagerduty')?.key ?? '';
  const event = JSON.stringify({
    routing_key: key,
    event_action: 'trigger',
    payload: { summary: 'Payment API is down', source: 'payments-api-1', severity: 'critical' },
  });
  return [
    '',
    `  Tandem demo is running: ${base}`,
    `  Engagement: ${engagement?.name ?? ''} (${engagement?.id ?? ''}), database ${tandem.database.label}`,
    '',
    `  Dashboard:  ${base}/  (sign in with the token below)`,
    `  Inbox:      ${base}/inbox  (every page the demo sends lands here, with Acknowledge buttons)`,
    '',
    `  Demo API token (admin):`,
    `    ${token}`,
    '',
    `  Send a first event (${service?.name ?? 'a service'}):`,
    `    curl -sS -X POST ${base}/v2/enqueue -H 'Content-Type: application/json' -d '${event}'`,
    '',
    `  See the incident it opened:`,
    `    curl -sS ${base}/api/v1/incidents -H 'Authorization: Bearer ${token}'`,
    '',
    `  API reference: ${base}/api/v1/openapi.json`,
    '',
  ].join('\n');
}
