/**
 * Server settings: parsed once at start-up from flags and environment,
 * checked, frozen, and passed down. The server reads its environment only
 * here, handed in by `tandem serve` (cli/io.ts); the other commands read just
 * TANDEM_DATABASE_URL and TANDEM_WEBHOOK_SECRET, also through cli/io.ts.
 */
import { parseArgs } from 'node:util';
import { parseGroupRule } from '../sso/mapping.js';
import type { SsoMapping } from '../sso/mapping.js';
import { ROLES } from '../token/token.js';
import type { Role } from '../token/token.js';

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
  /** Connection limits: a request's headers and body must arrive within `requestTimeoutMs`; a silent connection closes after `idleTimeoutMs`; at most `maxConnections` at once. */
  readonly http: { readonly requestTimeoutMs: number; readonly idleTimeoutMs: number; readonly maxConnections: number };
  /** When set, GET /metrics needs `Authorization: Bearer <metricsToken>`. */
  readonly metricsToken: string | undefined;
  /** PDF printing: renders at once in the one shared browser, and requests that may wait for one (more get 429). */
  readonly pdf: { readonly renders: number; readonly queue: number };
  readonly enginePollMs: number;
  /** PostgreSQL: event partitions this instance applies at once, each on its own connection (src/events/partition.ts). */
  readonly applyWorkers: number;
  /** How long graceful shutdown waits for in-flight requests. */
  readonly shutdownTimeoutMs: number;
  /** Maximum PostgreSQL pool size. */
  readonly poolSize: number;
  /** Whether this instance runs the engine (escalations, notifications). */
  readonly engine: boolean;
  /** /readyz fails when the oldest accepted event still unapplied is older than this (seconds; 0 = never). */
  readonly maxEventLagSeconds: number;
  /** "live": channels reach their providers; "inbox": everything lands in the local demo inbox (/inbox). */
  readonly notify: 'live' | 'inbox';
  readonly smtpUrl: string | undefined;
  readonly emailFrom: string;
  readonly twilio:
    | {
        readonly accountSid: string;
        readonly authToken: string;
        readonly from: string;
        readonly baseUrl: string | undefined;
        /** The number voice calls come from; default `from` when it is a number. */
        readonly voiceFrom: string | undefined;
      }
    | undefined;
  readonly slackBaseUrl: string | undefined;
  /** The Slack app's signing secret (from the variable `slackSigningSecretEnv`); set, Slack pages carry buttons that act in Slack. */
  readonly slackSigningSecret: string | undefined;
  /** The environment variable the signing secret is read from (named in messages, never the secret). */
  readonly slackSigningSecretEnv: string;
  readonly teamsBaseUrl: string | undefined;
  readonly webhookBaseUrl: string | undefined;
  /** HMAC key for outbound webhook signatures; generated and kept in the database when not set. */
  readonly webhookSecret: string | undefined;
  /** Key that signs respond links; generated and kept in the database when not set. */
  readonly secret: string | undefined;
  /** Messages one contact may receive per minute before the rest wait and are bundled. */
  readonly perContactPerMinute: number;
  /** How long one call to a ticketing system may take before it counts as a timeout (and is retried). */
  readonly ticketingTimeoutMs: number;
  /** UDP and TCP port of the syslog listener (security events, on `host`); undefined: no listener. */
  readonly syslogPort: number | undefined;
  /** The SMTP listener for alert mail (email integrations); undefined: no listener. */
  readonly smtp: { readonly host: string; readonly port: number; readonly maxBytes: number } | undefined;
  /** Dashboard single sign-on (OpenID Connect); undefined: people sign in with API tokens only. */
  readonly oidc: OidcSettings | undefined;
  /** HTTPS: the certificate (PEM, chain) and private key files, read at start and on SIGHUP (server/tls.ts); undefined: plain HTTP. */
  readonly tls: { readonly certFile: string; readonly keyFile: string } | undefined;
}

/** The identity provider the dashboard signs people in with, and how its claims map to engagements. */
export interface OidcSettings {
  readonly issuer: string;
  readonly clientId: string;
  /** From the environment variable `secretEnv`; undefined: a public client (PKCE only). */
  readonly clientSecret: string | undefined;
  readonly secretEnv: string;
  /** The ID token claim holding the groups. */
  readonly groupsClaim: string;
  readonly mapping: SsoMapping;
}

export const DEFAULTS = {
  db: 'sqlite:./data/tandem.db',
  host: '127.0.0.1',
  port: 8080,
  logLevel: 'info',
  rateLimitPerSecond: 500,
  rateLimitBurst: 2000,
  ingestBodyLimit: 512 * 1024,
  requestTimeoutMs: 30_000,
  idleTimeoutMs: 120_000,
  maxConnections: 1000,
  pdfRenders: 2,
  pdfQueue: 4,
  enginePollMs: 500,
  applyWorkers: 8,
  shutdownTimeoutMs: 10_000,
  poolSize: 20,
  maxEventLagSeconds: 300,
  smtpMaxBytes: 1024 * 1024,
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
  --rate-limit N         ingest events/s per integration key (an Alertmanager alert is one), 0 = off [TANDEM_RATE_LIMIT] default ${DEFAULTS.rateLimitPerSecond}
  --rate-burst N         burst per integration key [TANDEM_RATE_BURST] default ${DEFAULTS.rateLimitBurst}
  --pool-size N          PostgreSQL connections [TANDEM_POOL_SIZE] default ${DEFAULTS.poolSize}
  --engine-poll-ms N     how often idle engine loops look for due work; they also wake at the next
                         due time and whenever work arrives. Default ${DEFAULTS.enginePollMs}
  --apply-workers N      PostgreSQL: event partitions applied at once by this instance, each on its own
                         connection (keep below --pool-size) [TANDEM_APPLY_WORKERS] default ${DEFAULTS.applyWorkers}
  --no-engine            do not run the engine on this instance (ingest and API only)
  --max-event-lag SECONDS
                         /readyz answers 503 while the oldest accepted event not yet applied is older
                         than this; 0 = never [TANDEM_MAX_EVENT_LAG] default ${DEFAULTS.maxEventLagSeconds}
  --oidc-issuer URL      sign people in to the dashboard with this OpenID Connect provider [TANDEM_OIDC_ISSUER]
  --oidc-client-id ID    the client registered there, redirect URI PUBLIC_URL/auth/callback [TANDEM_OIDC_CLIENT_ID]
  --oidc-secret-env NAME the environment variable holding the client secret [TANDEM_OIDC_SECRET_ENV]
                         default TANDEM_OIDC_CLIENT_SECRET (unset: a public client, PKCE only)
  --oidc-group GROUP=ROLE[@ENGAGEMENT]
                         members of GROUP get ROLE on ENGAGEMENT, or on each engagement they are a person
                         of; repeatable [TANDEM_OIDC_GROUPS, comma-separated]
  --oidc-groups-claim NAME  the ID token claim listing groups [TANDEM_OIDC_GROUPS_CLAIM] default groups
  --oidc-person-role ROLE   role of a person found by verified email [TANDEM_OIDC_PERSON_ROLE] default responder
  --syslog-port PORT     listen for syslog (UDP and TCP, on --host) and take each sender's lines as the
                         security events of its security.syslog range [TANDEM_SYSLOG_PORT] default off
  --tls-cert FILE        serve HTTPS with this certificate (PEM, the chain after it); needs --tls-key.
                         SIGHUP reads both files again [TANDEM_TLS_CERT]
  --tls-key FILE         the certificate's private key (PEM) [TANDEM_TLS_KEY]
  --smtp-port PORT       take alert mail for email integrations (<key>@any domain) over SMTP on this port
                         [TANDEM_SMTP_PORT] default off
  --smtp-host HOST       the SMTP listener's address [TANDEM_SMTP_HOST] default: --host
  --smtp-max-size BYTES  largest alert mail; larger is refused (552) [TANDEM_SMTP_MAX_SIZE] default ${DEFAULTS.smtpMaxBytes}
  --demo                 the bundled demo engagement, a demo token and the local inbox (what \`npm start\` runs)

Notifications:
  --notify live|inbox    live: send through the providers below; inbox: keep every message in the
                         local inbox at /inbox instead [TANDEM_NOTIFY] default live (inbox with --demo)
  --smtp-url URL         smtp://user:pass@host:587 or smtps://...; enables email [TANDEM_SMTP_URL]
  --email-from ADDRESS   From of notification emails [TANDEM_EMAIL_FROM] default "Tandem <tandem@localhost>"
  --twilio-from NUMBER   enables SMS with TANDEM_TWILIO_ACCOUNT_SID and TANDEM_TWILIO_AUTH_TOKEN [TANDEM_TWILIO_FROM]
  --twilio-url URL       Twilio API base URL [TANDEM_TWILIO_URL] default https://api.twilio.com
  --twilio-voice-from N  the Twilio number voice calls come from [TANDEM_TWILIO_VOICE_FROM] default --twilio-from when a number
  --slack-url URL, --teams-url URL, --webhook-url URL
                         send Slack / Teams / webhook messages to this origin instead of the one in
                         each contact's URL (staging, tests) [TANDEM_SLACK_URL, TANDEM_TEAMS_URL, TANDEM_WEBHOOK_URL]
  --slack-signing-secret-env NAME
                         the environment variable holding the Slack app's signing secret; when it is set,
                         Slack pages carry Acknowledge / Resolve buttons that act from Slack (the app's
                         interactivity URL: PUBLIC_URL/integrations/slack/interactions)
                         [TANDEM_SLACK_SIGNING_SECRET_ENV] default TANDEM_SLACK_SIGNING_SECRET
  --contact-rate N       messages per contact per minute before the rest wait and are bundled
                         [TANDEM_CONTACT_RATE] default 10
  --ticketing-timeout-ms N  one call to a ticketing system (Jira) times out after this and is retried
                         [TANDEM_TICKETING_TIMEOUT_MS] default 10000
Limits and exposure:
  --request-timeout-ms N a request's headers and body must arrive within this, else 408 and the
                         connection closes [TANDEM_REQUEST_TIMEOUT_MS] default ${DEFAULTS.requestTimeoutMs}
  --idle-timeout-ms N    a connection with no traffic either way closes after this (live streams send
                         a heartbeat every 15 s) [TANDEM_IDLE_TIMEOUT_MS] default ${DEFAULTS.idleTimeoutMs}
  --max-connections N    open connections at once; more are refused [TANDEM_MAX_CONNECTIONS] default ${DEFAULTS.maxConnections}
  --metrics-token TOKEN  GET /metrics needs "Authorization: Bearer TOKEN" (at least 16 characters);
                         unset, /metrics is open to anyone who reaches the port [TANDEM_METRICS_TOKEN]
  --pdf-renders N        PDF reviews printed at once, in one shared Chromium [TANDEM_PDF_RENDERS] default ${DEFAULTS.pdfRenders}
  --pdf-queue N          PDF requests that may wait for a render; more get 429 [TANDEM_PDF_QUEUE] default ${DEFAULTS.pdfQueue}

Secrets (environment only): TANDEM_WEBHOOK_SECRET signs outbound webhooks (Tandem-Signature);
TANDEM_SECRET signs respond links. When unset, each is generated once and kept in the database,
shared by every instance; \`tandem secret webhook\` prints the webhook one for receivers.

Signals: SIGHUP reloads the engagement files (a file that fails validation is
refused and the running configuration stays) and the --tls-cert/--tls-key files; SIGTERM/SIGINT shut down
gracefully, finishing in-flight requests.`;

export class SettingsError extends Error {}

/** The Slack signing secret, read from the variable the settings name (TANDEM_SLACK_SIGNING_SECRET unless told). */
function slackSigning(
  name: string | undefined,
  env: NodeJS.ProcessEnv,
): { slackSigningSecret: string | undefined; slackSigningSecretEnv: string } {
  const slackSigningSecretEnv = name || 'TANDEM_SLACK_SIGNING_SECRET';
  if (!/^[A-Z_][A-Z0-9_]*$/.test(slackSigningSecretEnv))
    throw new SettingsError(`--slack-signing-secret-env: "${slackSigningSecretEnv}" is not an environment variable name (A-Z, 0-9, _)`);
  return { slackSigningSecret: env[slackSigningSecretEnv] || undefined, slackSigningSecretEnv };
}

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
      'apply-workers': { type: 'string' },
      'no-engine': { type: 'boolean' },
      'max-event-lag': { type: 'string' },
      demo: { type: 'boolean' },
      notify: { type: 'string' },
      'smtp-url': { type: 'string' },
      'email-from': { type: 'string' },
      'twilio-from': { type: 'string' },
      'twilio-url': { type: 'string' },
      'twilio-voice-from': { type: 'string' },
      'slack-url': { type: 'string' },
      'slack-signing-secret-env': { type: 'string' },
      'teams-url': { type: 'string' },
      'webhook-url': { type: 'string' },
      'contact-rate': { type: 'string' },
      'ticketing-timeout-ms': { type: 'string' },
      'request-timeout-ms': { type: 'string' },
      'idle-timeout-ms': { type: 'string' },
      'max-connections': { type: 'string' },
      'metrics-token': { type: 'string' },
      'pdf-renders': { type: 'string' },
      'pdf-queue': { type: 'string' },
      'syslog-port': { type: 'string' },
      'smtp-port': { type: 'string' },
      'smtp-host': { type: 'string' },
      'smtp-max-size': { type: 'string' },
      'oidc-issuer': { type: 'string' },
      'oidc-client-id': { type: 'string' },
      'oidc-secret-env': { type: 'string' },
      'oidc-group': { type: 'string', multiple: true },
      'oidc-groups-claim': { type: 'string' },
      'oidc-person-role': { type: 'string' },
      'tls-cert': { type: 'string' },
      'tls-key': { type: 'string' },
    },
  });
  const demo = values.demo ?? false;
  let configPaths = values.config ?? (env['TANDEM_CONFIG'] ? env['TANDEM_CONFIG'].split(',').filter(Boolean) : []);
  if (configPaths.length === 0 && demo && demoConfig) configPaths = [demoConfig];
  if (configPaths.length === 0) throw new SettingsError('no engagement: pass --config FILE_OR_DIR (or --demo for the demo engagement)');
  const port = int('--port', values.port ?? env['TANDEM_PORT'] ?? env['PORT'], DEFAULTS.port, 0, 65535);
  const host = values.host ?? env['TANDEM_HOST'] ?? DEFAULTS.host;
  const logLevel = values['log-level'] ?? env['TANDEM_LOG_LEVEL'] ?? DEFAULTS.logLevel;
  if (!(LEVELS as readonly string[]).includes(logLevel))
    throw new SettingsError(`--log-level: "${logLevel}" is not one of ${LEVELS.join(', ')}`);
  const tls = tlsFiles(
    values['tls-cert'] ?? (env['TANDEM_TLS_CERT'] || undefined),
    values['tls-key'] ?? (env['TANDEM_TLS_KEY'] || undefined),
  );
  const publicUrl = (
    values['public-url'] ??
    env['TANDEM_PUBLIC_URL'] ??
    `${tls ? 'https' : 'http'}://${host === '0.0.0.0' || host === '::' ? '127.0.0.1' : host}:${port}`
  ).replace(/\/+$/, '');
  if (!/^https?:\/\//.test(publicUrl)) throw new SettingsError(`--public-url: "${publicUrl}" must start with http:// or https://`);
  const notify = values.notify ?? env['TANDEM_NOTIFY'] ?? (demo ? 'inbox' : 'live');
  if (notify !== 'live' && notify !== 'inbox') throw new SettingsError(`--notify: "${notify}" is not one of live, inbox`);
  const twilioFrom = values['twilio-from'] ?? env['TANDEM_TWILIO_FROM'];
  const sid = env['TANDEM_TWILIO_ACCOUNT_SID'];
  const authToken = env['TANDEM_TWILIO_AUTH_TOKEN'];
  if (twilioFrom && (!sid || !authToken))
    throw new SettingsError('--twilio-from needs TANDEM_TWILIO_ACCOUNT_SID and TANDEM_TWILIO_AUTH_TOKEN in the environment');
  const metricsToken = values['metrics-token'] ?? (env['TANDEM_METRICS_TOKEN'] || undefined);
  if (metricsToken !== undefined && !/^[\x21-\x7e]{16,}$/.test(metricsToken)) {
    throw new SettingsError('--metrics-token: use at least 16 printable characters without spaces (e.g. `openssl rand -hex 24`)');
  }
  const syslogPort = values['syslog-port'] ?? env['TANDEM_SYSLOG_PORT'];
  const smtpPort = values['smtp-port'] ?? env['TANDEM_SMTP_PORT'];
  return Object.freeze({
    notify,
    smtpUrl: values['smtp-url'] ?? env['TANDEM_SMTP_URL'],
    emailFrom: values['email-from'] ?? env['TANDEM_EMAIL_FROM'] ?? 'Tandem <tandem@localhost>',
    twilio:
      twilioFrom && sid && authToken
        ? Object.freeze({
            accountSid: sid,
            authToken,
            from: twilioFrom,
            baseUrl: values['twilio-url'] ?? env['TANDEM_TWILIO_URL'],
            voiceFrom: values['twilio-voice-from'] ?? (env['TANDEM_TWILIO_VOICE_FROM'] || undefined),
          })
        : undefined,
    slackBaseUrl: values['slack-url'] ?? env['TANDEM_SLACK_URL'],
    ...slackSigning(values['slack-signing-secret-env'] ?? env['TANDEM_SLACK_SIGNING_SECRET_ENV'], env),
    teamsBaseUrl: values['teams-url'] ?? env['TANDEM_TEAMS_URL'],
    webhookBaseUrl: values['webhook-url'] ?? env['TANDEM_WEBHOOK_URL'],
    webhookSecret: env['TANDEM_WEBHOOK_SECRET'] || undefined,
    secret: env['TANDEM_SECRET'] || undefined,
    perContactPerMinute: int('--contact-rate', values['contact-rate'] ?? env['TANDEM_CONTACT_RATE'], 10, 1, 1_000_000),
    ticketingTimeoutMs: int(
      '--ticketing-timeout-ms',
      values['ticketing-timeout-ms'] ?? env['TANDEM_TICKETING_TIMEOUT_MS'],
      10_000,
      1,
      600_000,
    ),
    oidc: oidcSettings(values, env),
    tls,
    syslogPort: syslogPort === undefined || syslogPort === '' ? undefined : int('--syslog-port', syslogPort, 0, 0, 65535),
    smtp:
      smtpPort === undefined || smtpPort === ''
        ? undefined
        : Object.freeze({
            host: values['smtp-host'] ?? (env['TANDEM_SMTP_HOST'] || host),
            port: int('--smtp-port', smtpPort, 0, 0, 65535),
            maxBytes: int(
              '--smtp-max-size',
              values['smtp-max-size'] ?? env['TANDEM_SMTP_MAX_SIZE'],
              DEFAULTS.smtpMaxBytes,
              1024,
              50 * 1024 * 1024,
            ),
          }),
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
    http: Object.freeze({
      requestTimeoutMs: int(
        '--request-timeout-ms',
        values['request-timeout-ms'] ?? env['TANDEM_REQUEST_TIMEOUT_MS'],
        DEFAULTS.requestTimeoutMs,
        10,
        3_600_000,
      ),
      idleTimeoutMs: int(
        '--idle-timeout-ms',
        values['idle-timeout-ms'] ?? env['TANDEM_IDLE_TIMEOUT_MS'],
        DEFAULTS.idleTimeoutMs,
        10,
        3_600_000,
      ),
      maxConnections: int(
        '--max-connections',
        values['max-connections'] ?? env['TANDEM_MAX_CONNECTIONS'],
        DEFAULTS.maxConnections,
        1,
        1_000_000,
      ),
    }),
    metricsToken,
    pdf: Object.freeze({
      renders: int('--pdf-renders', values['pdf-renders'] ?? env['TANDEM_PDF_RENDERS'], DEFAULTS.pdfRenders, 1, 64),
      queue: int('--pdf-queue', values['pdf-queue'] ?? env['TANDEM_PDF_QUEUE'], DEFAULTS.pdfQueue, 0, 1000),
    }),
    enginePollMs: int('--engine-poll-ms', values['engine-poll-ms'], DEFAULTS.enginePollMs, 10, 60_000),
    applyWorkers: int('--apply-workers', values['apply-workers'] ?? env['TANDEM_APPLY_WORKERS'], DEFAULTS.applyWorkers, 1, 64),
    shutdownTimeoutMs: DEFAULTS.shutdownTimeoutMs,
    poolSize: int('--pool-size', values['pool-size'] ?? env['TANDEM_POOL_SIZE'], DEFAULTS.poolSize, 1, 1000),
    engine: !(values['no-engine'] ?? false),
    maxEventLagSeconds: int(
      '--max-event-lag',
      values['max-event-lag'] ?? env['TANDEM_MAX_EVENT_LAG'],
      DEFAULTS.maxEventLagSeconds,
      0,
      7 * 24 * 3600,
    ),
  });
}

/** The HTTPS files: both or neither (the files themselves are read and checked at start, server/tls.ts). */
function tlsFiles(certFile: string | undefined, keyFile: string | undefined): Settings['tls'] {
  if (certFile === undefined && keyFile === undefined) return undefined;
  if (keyFile === undefined) throw new SettingsError('--tls-cert needs --tls-key: the private key of that certificate (PEM)');
  if (certFile === undefined) throw new SettingsError('--tls-key needs --tls-cert: the certificate of that key (PEM)');
  return Object.freeze({ certFile, keyFile });
}

/** Whether an issuer may be reached over plain http: only on this machine (a test or development provider). */
export function loopbackUrl(url: URL): boolean {
  return ['127.0.0.1', 'localhost', '[::1]'].includes(url.hostname);
}

/** The single sign-on settings, or undefined when neither issuer nor client id is set. */
function oidcSettings(values: Record<string, string | boolean | string[] | undefined>, env: NodeJS.ProcessEnv): OidcSettings | undefined {
  const text = (flag: string, name: string) => {
    const v = values[flag];
    return typeof v === 'string' ? v : env[name] || undefined;
  };
  const issuer = text('oidc-issuer', 'TANDEM_OIDC_ISSUER');
  const clientId = text('oidc-client-id', 'TANDEM_OIDC_CLIENT_ID');
  if (issuer === undefined && clientId === undefined) return undefined;
  if (issuer === undefined || clientId === undefined)
    throw new SettingsError('single sign-on needs both --oidc-issuer and --oidc-client-id');
  let url: URL;
  try {
    url = new URL(issuer);
  } catch {
    throw new SettingsError(`--oidc-issuer: "${issuer}" is not a URL`);
  }
  if (url.protocol !== 'https:' && !(url.protocol === 'http:' && loopbackUrl(url)))
    throw new SettingsError(`--oidc-issuer: "${issuer}" must be https (plain http only on 127.0.0.1 or localhost)`);
  const named = text('oidc-secret-env', 'TANDEM_OIDC_SECRET_ENV');
  const secretEnv = named ?? 'TANDEM_OIDC_CLIENT_SECRET';
  const clientSecret = env[secretEnv] || undefined;
  if (named !== undefined && clientSecret === undefined)
    throw new SettingsError(`--oidc-secret-env: ${secretEnv} is not set in the environment`);
  const personRole = text('oidc-person-role', 'TANDEM_OIDC_PERSON_ROLE') ?? 'responder';
  if (!(ROLES as readonly string[]).includes(personRole))
    throw new SettingsError(`--oidc-person-role: "${personRole}" is not one of ${ROLES.join(', ')}`);
  const flagged = values['oidc-group'];
  const rules = Array.isArray(flagged) ? flagged : (env['TANDEM_OIDC_GROUPS'] ?? '').split(',').filter((r) => r.trim() !== '');
  const groups = rules.map((r) => {
    try {
      return Object.freeze(parseGroupRule(r));
    } catch (err) {
      throw new SettingsError(`--oidc-group: ${(err as Error).message}`);
    }
  });
  return Object.freeze({
    issuer,
    clientId,
    clientSecret,
    secretEnv,
    groupsClaim: text('oidc-groups-claim', 'TANDEM_OIDC_GROUPS_CLAIM') ?? 'groups',
    mapping: Object.freeze({ personRole: personRole as Role, groups: Object.freeze(groups) }),
  });
}
