/**
 * Prometheus metrics, one registry per server (so tests can run several
 * servers in one process). Served at /metrics.
 */
import { Counter, Histogram, Registry, collectDefaultMetrics } from 'prom-client';

export interface Metrics {
  readonly registry: Registry;
  readonly eventsAccepted: Counter<'integration'>;
  readonly eventsRejected: Counter<'integration' | 'reason'>;
  readonly incidentsOpened: Counter<'engagement'>;
  readonly ingestDuration: Histogram<'integration'>;
  readonly httpRequests: Counter<'route' | 'status'>;
  readonly slaBreaches: Counter<'engagement' | 'sla' | 'kind'>;
}

export function createMetrics(options: { processMetrics?: boolean } = {}): Metrics {
  const registry = new Registry();
  if (options.processMetrics ?? true) {
    // Standard names (process_*, nodejs_*), unprefixed, so stock dashboards find them.
    collectDefaultMetrics({ register: registry });
    // prom-client's three gauges named *_total break Prometheus naming (promtool
    // check metrics: "non-counter metrics should not have _total suffix"); each is
    // the sum of its per-type gauge (nodejs_active_handles{type} etc.), so drop them.
    for (const name of ['nodejs_active_handles_total', 'nodejs_active_requests_total', 'nodejs_active_resources_total']) registry.removeSingleMetric(name);
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
    httpRequests: new Counter({
      name: 'tandem_http_requests_total',
      help: 'HTTP requests answered, by route and status code.',
      labelNames: ['route', 'status'],
      registers: [registry],
    }),
  };
}
