/**
 * Prometheus metrics, one registry per server (so tests can run several
 * servers in one process). Served at /metrics.
 */
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';

export interface Metrics {
  readonly registry: Registry;
  readonly eventsAccepted: Counter<'integration'>;
  readonly eventsRejected: Counter<'integration' | 'reason'>;
  readonly incidentsOpened: Counter<'engagement'>;
  readonly ingestDuration: Histogram<'integration'>;
  readonly httpRequests: Counter<'route' | 'status'>;
  readonly pagesSent: Counter<'channel'>;
  readonly pagesFailed: Counter<'channel'>;
  readonly deliveryLatency: Histogram<'channel'>;
  readonly escalationLateness: Histogram<'kind'>;
  readonly slaBreaches: Counter<'engagement' | 'sla' | 'kind'>;
  readonly eventsQuarantined: Counter;
  readonly unhandledRejections: Counter;
  /** Security events stored (each line or object of a request), by how they came (http, syslog). */
  readonly securityEvents: Counter<'source'>;
  /** Sigma rule matches that became a trigger, by rule level. */
  readonly securityDetections: Counter<'level'>;
  /** Syslog lines, by what became of them (accepted, unknown_sender, invalid, rate_limited, error). */
  readonly syslogLines: Counter<'result'>;
  /** Alert mail refused or dropped (SMTP ingest), by reason (unknown_key, wrong_type, sender, sender_header, too_large, invalid, rate_limited, error). */
  readonly emailRefused: Counter<'reason'>;
  /** Slack button clicks (POST /integrations/slack/interactions), by outcome. */
  readonly slackInteractions: Counter<'outcome'>;
}

export function createMetrics(options: { processMetrics?: boolean } = {}): Metrics {
  const registry = new Registry();
  if (options.processMetrics ?? true) {
    // Standard names (process_*, nodejs_*), unprefixed, so stock dashboards find them.
    collectDefaultMetrics({ register: registry });
    // prom-client's three gauges named *_total break Prometheus naming (promtool
    // check metrics: "non-counter metrics should not have _total suffix"); each is
    // the sum of its per-type gauge (nodejs_active_handles{type} etc.), so drop them.
    for (const name of ['nodejs_active_handles_total', 'nodejs_active_requests_total', 'nodejs_active_resources_total'])
      registry.removeSingleMetric(name);
  }
  return {
    registry,
    eventsAccepted: new Counter({
      name: 'tandem_events_accepted_total',
      help: 'Ingest requests durably stored (answered 202), by integration type.',
      labelNames: ['integration'],
      registers: [registry],
    }),
    eventsRejected: new Counter({
      name: 'tandem_events_rejected_total',
      help: 'Ingest requests refused, by integration type and reason (invalid, unknown_key, rate_limited, too_large, too_complex, not_json, error).',
      labelNames: ['integration', 'reason'],
      registers: [registry],
    }),
    incidentsOpened: new Counter({
      name: 'tandem_incidents_opened_total',
      help: 'Incidents opened, by engagement.',
      labelNames: ['engagement'],
      registers: [registry],
    }),
    ingestDuration: new Histogram({
      name: 'tandem_ingest_duration_seconds',
      help: 'Time from request received to 202 sent (includes the durable commit), by integration type.',
      labelNames: ['integration'],
      buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5],
      registers: [registry],
    }),
    slaBreaches: new Counter({
      name: 'tandem_sla_breaches_total',
      help: 'SLA targets missed, by engagement, SLA and kind (respond, resolve).',
      labelNames: ['engagement', 'sla', 'kind'],
      registers: [registry],
    }),
    eventsQuarantined: new Counter({
      name: 'tandem_events_quarantined_total',
      help: 'Accepted events set aside because they could not be applied, even alone.',
      registers: [registry],
    }),
    pagesSent: new Counter({
      name: 'tandem_pages_sent_total',
      help: 'Messages a provider accepted, by channel (a bundle counts once).',
      labelNames: ['channel'],
      registers: [registry],
    }),
    pagesFailed: new Counter({
      name: 'tandem_pages_failed_total',
      help: 'Messages given up on (permanent error, or out of attempts), by channel.',
      labelNames: ['channel'],
      registers: [registry],
    }),
    deliveryLatency: new Histogram({
      name: 'tandem_delivery_latency_seconds',
      help: 'Time from a message coming due to its provider accepting it (retries included), by channel.',
      labelNames: ['channel'],
      buckets: [0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 300, 900],
      registers: [registry],
    }),
    escalationLateness: new Histogram({
      name: 'tandem_escalation_lateness_seconds',
      help: 'Time from an escalation step coming due to it firing, by step kind (tier, overflow, end).',
      labelNames: ['kind'],
      buckets: [0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 300],
      registers: [registry],
    }),
    unhandledRejections: new Counter({
      name: 'tandem_unhandled_rejections_total',
      help: 'Promise rejections nothing handled (bugs): logged, and the server kept serving.',
      registers: [registry],
    }),
    securityEvents: new Counter({
      name: 'tandem_security_events_total',
      help: 'Security events durably stored, by how they came (http, syslog).',
      labelNames: ['source'],
      registers: [registry],
    }),
    securityDetections: new Counter({
      name: 'tandem_security_detections_total',
      help: 'Sigma rule matches that became a trigger (informational ones never do), by rule level.',
      labelNames: ['level'],
      registers: [registry],
    }),
    syslogLines: new Counter({
      name: 'tandem_syslog_lines_total',
      help: 'Syslog lines received, by result: accepted, unknown_sender (no security.syslog range), invalid, rate_limited, error (not stored).',
      labelNames: ['result'],
      registers: [registry],
    }),
    emailRefused: new Counter({
      name: 'tandem_email_refused_total',
      help: 'Alert mail refused over SMTP, per recipient, by reason: unknown_key, wrong_type, sender (envelope), sender_header (From), too_large, invalid (MIME), rate_limited, error (not stored).',
      labelNames: ['reason'],
      registers: [registry],
    }),
    slackInteractions: new Counter({
      name: 'tandem_slack_interactions_total',
      help: 'Slack button clicks, by outcome: acknowledged, resolved, unchanged (already so), unknown_member, out_of_scope, no_incident, failed; refused: forged, stale, invalid; ignored (link buttons).',
      labelNames: ['outcome'],
      registers: [registry],
    }),
    httpRequests: new Counter({
      name: 'tandem_http_requests_total',
      help: 'HTTP requests answered, by route and status code.',
      labelNames: ['route', 'status'],
      registers: [registry],
    }),
  };
}

/** How far event application is behind (read from the database at each scrape). */
export interface BacklogReading {
  waiting: number;
  oldestAgeSeconds: number;
  quarantined: number;
}

/**
 * The event backlog gauges: a pipeline that stopped applying events shows as
 * a growing oldest age long before anyone misses a page.
 */
export function registerBacklogGauges(metrics: Metrics, read: () => Promise<BacklogReading>): void {
  // prom-client collects the gauges of one scrape concurrently: the three share the read in flight,
  // so a scrape costs one query. A database that does not answer leaves the last values (and
  // /readyz says why).
  let inFlight: Promise<BacklogReading | undefined> | undefined;
  const reading = (): Promise<BacklogReading | undefined> =>
    (inFlight ??= read()
      .catch(() => undefined)
      .finally(() => {
        inFlight = undefined;
      }));
  const gauge = (name: string, help: string, value: (r: BacklogReading) => number) =>
    new Gauge({
      name,
      help,
      registers: [metrics.registry],
      async collect() {
        const r = await reading();
        if (r) this.set(value(r));
      },
    });
  gauge(
    'tandem_event_backlog_oldest_age_seconds',
    'Age of the oldest accepted event not yet applied to alerts and incidents (0 when none waits; quarantined events excluded).',
    (r) => r.oldestAgeSeconds,
  );
  gauge('tandem_event_backlog_events', 'Accepted events not yet applied (quarantined events excluded).', (r) => r.waiting);
  gauge(
    'tandem_events_quarantined',
    'Accepted events that could not be applied and wait for an admin (tandem events retry).',
    (r) => r.quarantined,
  );
}

/** The ticketing integrations as read from the database at a scrape. */
export interface TicketingReading {
  readonly integrations: ReadonlyArray<{
    readonly engagement: string;
    readonly ticketing: string;
    readonly system: string;
    readonly ops: { readonly pending: number; readonly running: number; readonly done: number; readonly failed: number };
    readonly failing: boolean;
  }>;
  readonly inbound: ReadonlyArray<{
    readonly engagement: string;
    readonly ticketing: string;
    readonly result: string;
    readonly count: number;
  }>;
}

/**
 * The ticketing sync's series, read from the outbox at each scrape (one read
 * per scrape, shared by the series): the outbox by status, operations
 * delivered and given up on, webhooks accepted, and whether each
 * integration is up (0 when failing, as /readyz's `ticketing` lists it).
 * The totals are counted in the database, so every instance reports the
 * same figure (aggregate with max, not sum), and a series drops out with
 * its integration.
 */
export function registerTicketingMetrics(metrics: Metrics, read: () => Promise<TicketingReading>): void {
  let inFlight: Promise<TicketingReading | undefined> | undefined;
  const reading = (): Promise<TicketingReading | undefined> =>
    (inFlight ??= read()
      .catch(() => undefined)
      .finally(() => {
        inFlight = undefined;
      }));
  const registers = [metrics.registry];
  const integration = ['engagement', 'ticketing', 'system'] as const;
  new Gauge({
    name: 'tandem_ticket_ops',
    help: 'Ticket operations in the outbox now, by integration and status (pending, running, failed: given up on).',
    labelNames: [...integration, 'status'],
    registers,
    async collect() {
      const r = await reading();
      if (!r) return;
      this.reset();
      for (const i of r.integrations)
        for (const status of ['pending', 'running', 'failed'] as const)
          this.set({ engagement: i.engagement, ticketing: i.ticketing, system: i.system, status }, i.ops[status]);
    },
  });
  const total = (name: string, help: string, value: (ops: TicketingReading['integrations'][number]['ops']) => number) =>
    new Counter({
      name,
      help,
      labelNames: integration,
      registers,
      async collect() {
        const r = await reading();
        if (!r) return;
        this.reset();
        for (const i of r.integrations) this.inc({ engagement: i.engagement, ticketing: i.ticketing, system: i.system }, value(i.ops));
      },
    });
  total('tandem_ticket_ops_delivered_total', 'Ticket operations the ticketing system accepted, by integration.', (ops) => ops.done);
  total(
    'tandem_ticket_ops_failed_total',
    'Ticket operations given up on (permanent error, or out of attempts), by integration.',
    (ops) => ops.failed,
  );
  new Counter({
    name: 'tandem_ticket_inbound_total',
    help: 'Ticketing webhooks accepted, by integration and result (done: applied, or an echo or no-op; failed; pending; running).',
    labelNames: ['engagement', 'ticketing', 'result'],
    registers,
    async collect() {
      const r = await reading();
      if (!r) return;
      this.reset();
      for (const i of r.inbound) this.inc({ engagement: i.engagement, ticketing: i.ticketing, result: i.result }, i.count);
    },
  });
  new Gauge({
    name: 'tandem_ticketing_up',
    help: 'Whether a ticketing integration works: 0 when an operation was given up on in the last 24 h or operations wait after more than 3 attempts.',
    labelNames: integration,
    registers,
    async collect() {
      const r = await reading();
      if (!r) return;
      this.reset();
      for (const i of r.integrations) this.set({ engagement: i.engagement, ticketing: i.ticketing, system: i.system }, i.failing ? 0 : 1);
    },
  });
}
