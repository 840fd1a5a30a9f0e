/**
 * The composition root: opens the database, migrates, loads and applies the
 * engagements, starts the engine and the HTTP server, and owns their
 * lifecycle (SIGHUP reload, graceful shutdown). Tests start it in-process
 * with a virtual clock; `tandem serve` starts it for real.
 */
import type { FastifyInstance } from 'fastify';
import pino from 'pino';
import type { Logger } from 'pino';
import type { Clock } from '../clock/clock.js';
import { systemClock } from '../clock/clock.js';
import { openDatabase } from '../db/connect.js';
import { flushWalInBackground } from '../db/dialect.js';
import type { Database } from '../db/connect.js';
import { migrateToLatest } from '../db/migrate.js';
import { ping } from '../db/ping.js';
import { applyEngagements } from '../deployment/apply.js';
import { Deployment } from '../deployment/deployment.js';
import type { Diagnostic } from '../engagement/index.js';
import { LoadCache, MissingEnvError, formatDiagnostic, loadEngagements, missingTicketingEnv } from '../engagement/index.js';
import type { Engine } from '../engine/engine.js';
import { inboxRoutes } from '../inbox/routes.js';
import { dashboardRoutes } from '../dashboard/routes.js';
import { CalendarLinks } from '../calendar/links.js';
import { calendarRoutes } from '../calendar/routes.js';
import { statusRoutes } from '../status/routes.js';
import { maintenanceLookup } from '../status/maintenance.js';
import { apiWindowsOf } from '../maintenance/store.js';
import { LinkSigner } from '../respond/links.js';
import { respondRoutes } from '../respond/routes.js';
import { twilioRoutes } from '../respond/twilio.js';
import { slackInteractionRoutes } from '../chat/routes.js';
import { DEFAULT_TIMEOUT_MS } from '../notify/http-delivery.js';
import { VERSION } from '../settings/version.js';
import { serverSecret } from '../secrets/secrets.js';
import { Inbox } from '../events/inbox.js';
import { RateLimiter } from '../ingest/rate-limit.js';
import type { Settings } from '../settings/settings.js';
import { ssoRoutes } from '../sso/routes.js';
import { createMetrics, registerBacklogGauges, registerTicketingMetrics } from '../telemetry/metrics.js';
import { readTicketInbound, readTicketingHealth, ticketingProblems } from '../ticketing/health.js';
import { eventBacklog, oldestWaitingEvent, waitingAgeSeconds } from '../events/store.js';
import type { Metrics } from '../telemetry/metrics.js';
import { buildHttp } from './http.js';
import { collectGarbage } from './heap.js';
import { PdfPrinter } from '../report/pdf.js';
import { buildChannels, createEngines, subscriberMailEnabled } from './engines.js';
import { subscriberRoutes } from '../subscribers/routes.js';
import { storeInbound } from '../ticketing/inbound/store.js';
import { recordBeat } from '../heartbeat/beat.js';
import { presentIncidents } from '../api/presenters.js';
import { LiveFeed } from '../live/feed.js';
import { startSyslogListener } from '../security/syslog-listener.js';
import type { SyslogListener } from '../security/syslog-listener.js';
import { SnsClient, httpsGetter } from '../ingest/sns-client.js';
import type { HttpsGet } from '../ingest/sns-client.js';
import { Server as TlsServer } from 'node:tls';
import { describeCertificate, readTls } from './tls.js';
import type { TlsFiles } from './tls.js';
import { startSmtpListener } from '../ingest/smtp-listener.js';
import type { SmtpListener } from '../ingest/smtp-listener.js';

export interface StartOptions {
  clock?: Clock;
  log?: Logger;
  /** Do not listen on a port (tests use app.http.inject). */
  listen?: boolean;
  /** Do not run the engine loop in the background (tests call engine.runOnce on a virtual clock). */
  engineLoop?: boolean;
  /** Check every JSON response against its route's schema; a mismatch is a 500 naming the route (tests turn it on). */
  checkResponses?: boolean;
  /** Where the secrets named by ticketing sections are read from; default process.env. */
  env?: Readonly<Record<string, string | undefined>>;
  /** How Amazon SNS certificates and subscribe URLs are fetched; default https with Node's trust store (tests trust their own CA). */
  snsHttps?: HttpsGet;
  /** After a successful reload, collect the old engagement models' memory at once (`tandem serve`; server/heap.ts). */
  collectAfterReload?: boolean;
}

export interface Tandem {
  readonly settings: Settings;
  readonly database: Database;
  readonly deployment: Deployment;
  /** Applies accepted events to alerts and incidents (and routes new incidents). */
  readonly engine: Engine;
  /** Fires due escalation steps and SLA clocks. */
  readonly escalation: Engine;
  /** Sends the outbox (its own loop, so a slow provider never delays an escalation). */
  readonly delivery: Engine;
  readonly links: LinkSigner;
  readonly http: FastifyInstance;
  readonly inbox: Inbox;
  readonly metrics: Metrics;
  /** The shared browser that prints review PDFs. */
  readonly pdf: PdfPrinter;
  readonly clock: Clock;
  readonly log: Logger;
  /** The URL the server listens on, when it listens. */
  readonly url: string | undefined;
  /** The syslog listener's port (UDP and TCP), when --syslog-port is set. */
  readonly syslogPort: number | undefined;
  /** The SMTP listener's port (alert mail), when --smtp-port is set. */
  readonly smtpPort: number | undefined;
  /** Re-reads the engagement files (and the TLS certificate); a file that fails validation is refused and the running config stays. */
  reload(): Promise<{ ok: boolean; diagnostics: Diagnostic[] }>;
  /** Graceful shutdown: stop accepting, finish in-flight requests, drain the inbox, stop the engine. */
  close(): Promise<void>;
}

export class ConfigError extends Error {
  constructor(readonly diagnostics: Diagnostic[]) {
    super(`invalid engagement configuration:\n${diagnostics.map(formatDiagnostic).join('\n')}`);
  }
}

export async function startTandem(settings: Settings, options: StartOptions = {}): Promise<Tandem> {
  const clock = options.clock ?? systemClock;
  const log = options.log ?? pino({ level: settings.logLevel, base: { service: 'tandem' }, timestamp: pino.stdTimeFunctions.isoTime });
  // Kept for SIGHUP: a reload parses only the files that changed since (issue 14: an MSP may host 2,000).
  const loadCache = new LoadCache();
  const first = await loadEngagements([...settings.configPaths], loadCache);
  if (first.diagnostics.length > 0) throw new ConfigError(first.diagnostics);
  const env = options.env ?? process.env;
  const missingEnv = missingTicketingEnv(
    first.loaded.map((l) => l.engagement),
    env,
  );
  if (missingEnv.length > 0) throw new MissingEnvError(missingEnv);
  // HTTPS: a certificate that cannot be served stops the start here (TlsError names the file), before the database opens.
  const tls = settings.tls ? readTls(settings.tls) : undefined;

  const database = await openDatabase(settings.db, { poolSize: settings.poolSize });
  // An ingest-only instance flushes SQLite's WAL off the event loop; with the engine on, inside the commit is cheaper (db/dialect.ts).
  if (!settings.engine) flushWalInBackground(database);
  try {
    const applied = await migrateToLatest(database);
    if (applied.length) log.info({ migrations: applied }, 'database migrated');
    await applyEngagements(database, first.loaded, clock.now());
  } catch (err) {
    await database.close();
    throw err;
  }
  const deployment = new Deployment(first.loaded);
  const metrics = createMetrics();
  registerBacklogGauges(metrics, async () => {
    const b = await eventBacklog(database.db);
    return { waiting: b.waiting, quarantined: b.quarantined, oldestAgeSeconds: waitingAgeSeconds(b.oldestReceivedAt, clock.now()) };
  });
  // Ticketing health is read only while some engagement has ticketing: without it, a scrape or probe costs no query.
  const withTicketing = () => deployment.all().some((e) => e.ticketing.length > 0);
  registerTicketingMetrics(metrics, async () =>
    withTicketing()
      ? {
          integrations: await readTicketingHealth(database.db, deployment.all(), clock.now()),
          inbound: await readTicketInbound(database.db),
        }
      : { integrations: [], inbound: [] },
  );
  // One key signs respond links and calendar feed URLs; each MAC's payload says which it is.
  const linkKey = await serverSecret(database, 'link-signing-key', settings.secret, clock.now());
  const links = new LinkSigner(linkKey, settings.publicUrl);
  const calendars = new CalendarLinks(linkKey, settings.publicUrl);
  const feed = new LiveFeed(database, log.child({ component: 'live' }), (rows) =>
    presentIncidents(database.db, deployment, rows, clock.now()),
  );
  const { engine, escalation, delivery, hooks } = createEngines({
    settings,
    database,
    clock,
    deployment,
    log,
    links,
    channels: await buildChannels(settings, database, clock),
    onIncidentsOpened: (engagement, n) => metrics.incidentsOpened.inc({ engagement }, n),
    onSlaBreach: (engagement, sla, kind) => metrics.slaBreaches.inc({ engagement, sla, kind }),
    ticketingSecret: (name) => env[name],
    subscriberKey: linkKey,
    onEventQuarantined: () => metrics.eventsQuarantined.inc(),
    onDelivery: ({ channel, status, latenciesMs }) => {
      if (status === 'delivered') metrics.pagesSent.inc({ channel });
      if (status === 'failed') metrics.pagesFailed.inc({ channel });
      for (const ms of latenciesMs) metrics.deliveryLatency.observe({ channel }, ms / 1000);
    },
    onStepFired: (kind, lateMs) => metrics.escalationLateness.observe({ kind }, lateMs / 1000),
    onChanged: () => feed.kick(),
  });
  const runEngine = settings.engine && (options.engineLoop ?? true);
  const inbox = new Inbox(database, { onCommit: () => engine.kick() });
  const limiter = new RateLimiter(settings.rateLimit, clock);
  const pdf = new PdfPrinter({ renders: settings.pdf.renders, queue: settings.pdf.queue });
  const oidc = settings.oidc;

  const twilio = settings.twilio;
  const http = await buildHttp({
    log,
    metrics,
    ingest: {
      deployment,
      inbox,
      limiter,
      clock,
      metrics,
      bodyLimit: settings.ingestBodyLimit,
      sns: new SnsClient(options.snsHttps ?? httpsGetter(), clock),
      secret: (name) => env[name],
      heartbeat: async (beat) => {
        const outcome = await recordBeat(database, beat);
        // A silent heartbeat's resolve was written: apply it now rather than at the next poll.
        if (outcome?.resolved === true) engine.kick();
        return outcome;
      },
      ticketInbound: async (d) => {
        const stored = await storeInbound(database, d);
        delivery.kick();
        return stored;
      },
    },
    api: {
      database,
      deployment,
      clock,
      kick: () => engine.kick(),
      hooks,
      calendars,
      feed,
      secureCookies: settings.publicUrl.startsWith('https:'),
      pdf,
    },
    limits: settings.http,
    metricsToken: settings.metricsToken,
    checkResponses: options.checkResponses === true,
    tls,
    ticketingProblems: async () => {
      if (!withTicketing()) return [];
      const now = clock.now();
      return ticketingProblems(database.db, await readTicketingHealth(database.db, deployment.all(), now), now);
    },
    ready: async () => {
      if (settings.maxEventLagSeconds === 0) {
        await ping(database.db);
        return { ok: true };
      }
      // A pipeline that stopped applying events is not ready, even though it still accepts them.
      // (This query also proves the database answers.)
      const lag = waitingAgeSeconds(await oldestWaitingEvent(database.db), clock.now());
      return lag > settings.maxEventLagSeconds
        ? {
            ok: false,
            reason: {
              events: `the oldest event waiting to be applied was accepted ${Math.round(lag)} s ago (limit ${settings.maxEventLagSeconds} s)`,
            },
          }
        : { ok: true };
    },
    plugins: [
      (app) => respondRoutes(app, { database, deployment, clock, links, kick: () => engine.kick(), hooks }),
      // Twilio's callbacks (call keypresses, delivery reports, SMS replies): only when this server sends through Twilio.
      ...(twilio && settings.notify === 'live'
        ? [
            (app: FastifyInstance) =>
              twilioRoutes(app, {
                database,
                deployment,
                clock,
                links,
                kick: () => engine.kick(),
                hooks,
                accountSid: twilio.accountSid,
                authToken: twilio.authToken,
                publicUrl: settings.publicUrl,
              }),
          ]
        : []),
      (app) =>
        slackInteractionRoutes(app, {
          database,
          deployment,
          clock,
          kick: () => engine.kick(),
          hooks,
          onOutcome: (outcome) => metrics.slackInteractions.inc({ outcome }),
          log: log.child({ component: 'slack' }),
          signingSecret: settings.slackSigningSecret,
          signingSecretEnv: settings.slackSigningSecretEnv,
          baseUrl: settings.slackBaseUrl,
          timeoutMs: DEFAULT_TIMEOUT_MS,
          userAgent: `Tandem/${VERSION}`,
        }),
      (app) => calendarRoutes(app, { deployment, clock, calendars }),
      (app) =>
        statusRoutes(app, {
          database,
          deployment,
          clock,
          publicUrl: settings.publicUrl,
          maintenance: maintenanceLookup((id, now) => apiWindowsOf(database.db, id, now)),
          subscriptions: subscriberMailEnabled(settings),
        }),
      (app) =>
        subscriberRoutes(app, {
          database,
          deployment,
          clock,
          key: linkKey,
          enabled: subscriberMailEnabled(settings),
          kick: () => delivery.kick(),
        }),
      ...(settings.notify === 'inbox' ? [(app: FastifyInstance) => inboxRoutes(app, { database, clock, demo: settings.demo })] : []),
      ...(oidc
        ? [
            (app: FastifyInstance) =>
              ssoRoutes(app, {
                database,
                deployment,
                clock,
                settings: oidc,
                publicUrl: settings.publicUrl,
                log: log.child({ component: 'sso' }),
              }),
          ]
        : []),
      (app) => dashboardRoutes(app, { root: new URL('../../dist/web/', import.meta.url) }),
    ],
  });

  // Live streams never end on their own: close them first so shutdown does not wait on them.
  http.addHook('preClose', async () => {
    await feed.stop();
  });
  let url: string | undefined;
  if (options.listen ?? true) {
    try {
      url = await http.listen({ host: settings.host, port: settings.port });
    } catch (err) {
      // A port in use or not permitted: release what was opened so the process can exit.
      await http.close().catch(() => {});
      await database.close();
      throw err;
    }
  }
  if (tls) log.info({ certificate: describeCertificate(tls) }, 'serving HTTPS');
  /** On SIGHUP: the certificate files again (a renewed certificate); a pair that fails its checks is refused and the running one stays. */
  const reloadCertificate = (files: TlsFiles) => {
    try {
      const next = readTls(files);
      if (http.server instanceof TlsServer) http.server.setSecureContext({ cert: next.cert, key: next.key });
      smtp?.updateTls(next);
      log.info({ certificate: describeCertificate(next) }, 'TLS certificate reloaded');
    } catch (err) {
      log.error({ problem: err instanceof Error ? err.message : String(err) }, 'TLS certificate refused; keeping the running certificate');
    }
  };
  let syslog: SyslogListener | undefined;
  if (settings.syslogPort !== undefined) {
    try {
      syslog = await startSyslogListener(
        { deployment, inbox, limiter, clock, metrics, log: log.child({ component: 'syslog' }) },
        settings.host,
        settings.syslogPort,
      );
    } catch (err) {
      await http.close().catch(() => {});
      await database.close();
      throw err;
    }
  }
  let smtp: SmtpListener | undefined;
  if (settings.smtp !== undefined) {
    try {
      smtp = await startSmtpListener(
        { deployment, inbox, limiter, clock, metrics, log: log.child({ component: 'smtp' }) },
        // STARTTLS with the HTTPS certificate (--tls-cert/--tls-key), when there is one.
        { ...settings.smtp, name: new URL(settings.publicUrl).hostname, tls },
      );
    } catch (err) {
      await syslog?.close();
      await http.close().catch(() => {});
      await database.close();
      throw err;
    }
  }
  if (runEngine) {
    engine.start();
    escalation.start();
    delivery.start();
  }

  let closing: Promise<void> | undefined;
  return {
    settings,
    database,
    deployment,
    engine,
    escalation,
    delivery,
    links,
    http,
    inbox,
    metrics,
    pdf,
    clock,
    log,
    url,
    syslogPort: syslog?.port,
    smtpPort: smtp?.port,
    async reload() {
      if (settings.tls) reloadCertificate(settings.tls);
      const next = await loadEngagements([...settings.configPaths], loadCache);
      if (next.diagnostics.length > 0) {
        for (const d of next.diagnostics)
          log.error({ diagnostic: formatDiagnostic(d) }, 'engagement file refused; keeping the running configuration');
        return { ok: false, diagnostics: next.diagnostics };
      }
      await applyEngagements(database, next.loaded, clock.now());
      deployment.replace(next.loaded);
      const collectedMs = options.collectAfterReload ? collectGarbage() : undefined;
      log.info({ engagements: next.loaded.map((l) => l.engagement.id), collectedMs }, 'engagements reloaded');
      return { ok: true, diagnostics: [] };
    },
    close() {
      closing ??= (async () => {
        await syslog?.close();
        await smtp?.close();
        await http.close();
        await pdf.close();
        await inbox.drained();
        await engine.stop();
        await escalation.stop();
        await delivery.stop();
        await database.close();
      })();
      return closing;
    },
  };
}
