// The alert storm bench:ingest and bench:apply send: an engagement of 32 infrastructure services (one
// PagerDuty key each) and a seeded mix of about 80% re-triggers of open dedup keys, 15% new keys and 5%
// resolves, starting with 2,000 open.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { mulberry32 } from '../dist/random/seeded.js';
import { ROOT } from './lib.js';

export const SERVICES = 32;
export const OPEN_AT_START = 2000;

/** The PagerDuty routing key of bench service i. */
export const key = (i) => `bench${String(i).padStart(4, '0')}`.padEnd(32, 'f');

/** The demo engagement with its services replaced by 32 infrastructure services, one PagerDuty key each. */
export function benchEngagement() {
  const demo = readFileSync(join(ROOT, 'demo/acme.yaml'), 'utf8');
  const start = demo.indexOf('\nservices:');
  const end = demo.indexOf('\n# Event severity');
  const services = Array.from({ length: SERVICES }, (_, i) =>
    [
      `  - id: svc-${i}`,
      `    name: Service ${i}`,
      '    function: infrastructure',
      `    criticality: ${(i % 4) + 1}`,
      '    integrations:',
      `      - { type: pagerduty, key: "${key(i)}" }`,
    ].join('\n'),
  );
  return withoutStatusPage(`${demo.slice(0, start)}\nservices:\n${services.join('\n')}\n${demo.slice(end)}`);
}

/** The demo's status page names its services, which the bench replaces: the bench engagement has none. */
function withoutStatusPage(text) {
  const start = text.indexOf('\nstatus_page:');
  if (start < 0) return text;
  const rest = text.slice(start + 1);
  const next = rest.search(/\n[a-z_]+:/);
  return text.slice(0, start + 1) + (next < 0 ? '' : rest.slice(next + 1));
}

/** The workload: which alert each request is about, and whether it triggers or resolves. */
export function workload(seed) {
  const rand = mulberry32(seed);
  const open = [];
  let next = 0;
  const fresh = () => ({ service: Math.floor(rand() * SERVICES), id: `alert-${seed}-${next++}` });
  for (let i = 0; i < OPEN_AT_START; i++) open.push(fresh());
  const counts = { retrigger: 0, new: 0, resolve: 0 };
  return {
    seeded: [...open],
    counts,
    next() {
      const r = rand();
      if (r < 0.8 && open.length > 0) {
        counts.retrigger++;
        return { action: 'trigger', alert: open[Math.floor(rand() * open.length)] };
      }
      if (r < 0.95 || open.length === 0) {
        counts.new++;
        const alert = fresh();
        open.push(alert);
        return { action: 'trigger', alert };
      }
      counts.resolve++;
      const i = Math.floor(rand() * open.length);
      const [alert] = open.splice(i, 1);
      return { action: 'resolve', alert };
    },
  };
}

/** A PagerDuty Events v2 body for one step of the workload, as Alertmanager's PagerDuty receiver sends it. */
export function pagerDutyBody({ action, alert }) {
  return JSON.stringify({
    routing_key: key(alert.service),
    event_action: action,
    dedup_key: alert.id,
    ...(action === 'trigger'
      ? {
          payload: {
            summary: `[FIRING:1] HighLatency svc-${alert.service} (${alert.id} warning)`,
            source: `host-${alert.id}`,
            severity: process.env.BENCH_SEVERITY ?? 'warning',
            custom_details: {
              firing: `Labels:\n - alertname = HighLatency\n - instance = ${alert.id}\n - service = svc-${alert.service}\nAnnotations:\n - summary = p99 latency above 500ms`,
              num_firing: '1',
              num_resolved: '0',
            },
          },
          client: 'Alertmanager',
          client_url: 'http://127.0.0.1:9093/#/alerts',
        }
      : {}),
  });
}
