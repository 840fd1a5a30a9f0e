/**
 * Azure Monitor, Google Cloud Monitoring and Grafana alerting post their own
 * bodies to Tandem (issue 13, part 1). Acme's payments service has one
 * integration of each; the vendors' documented sample bodies (test/fixtures,
 * each folder's README names its source) fire, fire again and resolve:
 * one incident, then none, then resolved. Bodies of the wrong shape are a 400
 * naming the field, and a seeded fuzz of each format never gets a 5xx nor
 * leaves an accepted event unapplied.
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { LightMyRequestResponse } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Rng } from '../fuzz/mutate.js';
import type { Json, JsonObject } from '../fuzz/mutate.js';
import { databaseKinds } from '../support/databases.js';
import { startHarness } from '../support/harness.js';
import type { Harness } from '../support/harness.js';
import { DEMO, FIXTURES } from '../support/paths.js';

const KEYS = { azure: 'az-payments-5d1e', gcp: 'gcp-payments-8b2c', grafana: 'graf-payments-3f7a' } as const;
type Monitor = keyof typeof KEYS;
const MONITORS: readonly Monitor[] = ['azure', 'gcp', 'grafana'];
const FUZZ_N = Number(process.env['TANDEM_FUZZ_N'] ?? 300);

const fixture = (path: string): JsonObject => JSON.parse(readFileSync(join(FIXTURES, path), 'utf8')) as JsonObject;
const SAMPLES: Record<Monitor, { fire: JsonObject; resolve: JsonObject }> = {
  azure: { fire: fixture('azure-monitor/common-alert-fired.json'), resolve: fixture('azure-monitor/common-alert-resolved.json') },
  gcp: { fire: fixture('gcp-monitoring/webhook-1.2-open.json'), resolve: fixture('gcp-monitoring/webhook-1.2-closed.json') },
  grafana: { fire: fixture('grafana/webhook-firing.json'), resolve: fixture('grafana/webhook-resolved.json') },
};

/** The demo engagement with an Azure, a GCP and a Grafana integration on the payments service. */
function engagementWithMonitors(dir: string): string {
  const anchor = '      - { type: alertmanager, key: "am-payments-3c8e1f" }';
  const demo = readFileSync(DEMO, 'utf8');
  if (!demo.includes(anchor)) throw new Error('the demo engagement no longer has the payments Alertmanager integration');
  const added = MONITORS.map((m) => `      - { type: ${m}, key: "${KEYS[m]}" }`).join('\n');
  const file = join(dir, 'acme.yaml');
  writeFileSync(file, demo.replace(anchor, `${anchor}\n${added}`));
  return file;
}

type Incident = { id: number; number: string; status: string; priority: string; title: string; alert_count: number };

describe.each(databaseKinds())('cloud monitors post their own bodies, on $name', (kind) => {
  let h: Harness;
  let dir: string;
  let viewer: string;

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'tandem-monitors-'));
    h = await startHarness(kind, { config: [engagementWithMonitors(dir)] });
    viewer = await h.token('viewer');
  });
  afterAll(async () => {
    await h?.close();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  const post = (monitor: Monitor, body: unknown, key: string = KEYS[monitor]) => h.ingest(`/integrations/${monitor}/${key}`, body);
  const incidents = async () => (await h.api('GET', '/incidents?limit=100', viewer)).json<{ incidents: Incident[] }>().incidents;
  const ofMonitor = async (monitor: Monitor) => {
    const rows = await h.tandem.database.db
      .selectFrom('alerts')
      .select(['incident_id', 'dedup_key', 'status'])
      .where('integration_type', '=', monitor)
      .execute();
    return rows;
  };

  const expected: Record<Monitor, { title: string; priority: string; alerts: number; answer: Record<string, unknown> }> = {
    // Sev3 is info; payments is criticality 1: P4 (opens quietly).
    azure: {
      title: 'WCUS-R2-Gen2',
      priority: 'P4',
      alerts: 1,
      answer: {
        dedup_key: '/subscriptions/<subscription ID>/providers/Microsoft.AlertsManagement/alerts/aaaa0a0a-bb1b-cc2c-dd3d-eeeeee4e4e4e',
      },
    },
    // "No severity" is error: P1.
    gcp: {
      title:
        'CPU utilization for internal-project gke-cluster-1-16-default-pool-e2df4cbd-dgp3 with metric labels {instance_name=gke-cluster-1-default-pool-e2df4cbd-dgp3} and system labels {state=ACTIVE} is above the threshold of 0.900 with a value of 0.935.',
      priority: 'P1',
      alerts: 1,
      answer: { dedup_key: '0.opqiw61fsv7p' },
    },
    // No severity label is error: P1; the group's two alerts share one incident.
    grafana: { title: 'This alert was triggered for zone us-1', priority: 'P1', alerts: 2, answer: { alerts: 2 } },
  };

  it.each(MONITORS)('%s: the sample fires one incident, a repeat opens none, the resolved sample resolves it', async (monitor) => {
    const before = await incidents();
    const fired = await post(monitor, SAMPLES[monitor].fire);
    expect(fired.statusCode, fired.body).toBe(202);
    expect(fired.json()).toEqual({ status: 'success', message: 'Event processed', ...expected[monitor].answer });
    await h.settle();
    const opened = (await incidents()).filter((i) => !before.some((b) => b.id === i.id));
    expect(opened).toHaveLength(1);
    const incident = opened[0] as Incident;
    expect(incident).toMatchObject({ status: 'triggered', priority: expected[monitor].priority, title: expected[monitor].title });
    expect(incident.alert_count).toBe(expected[monitor].alerts);

    h.clock.advance(60_000);
    expect((await post(monitor, SAMPLES[monitor].fire)).statusCode).toBe(202);
    await h.settle();
    expect((await incidents()).length).toBe(before.length + 1);
    expect((await ofMonitor(monitor)).length).toBe(expected[monitor].alerts);

    h.clock.advance(60_000);
    const resolved = await post(monitor, SAMPLES[monitor].resolve);
    expect(resolved.statusCode, resolved.body).toBe(202);
    await h.settle();
    const after = (await h.api('GET', `/incidents/${incident.number}`, viewer)).json<{ incident: { status: string } }>().incident;
    expect(after.status).toBe('resolved');
    expect((await ofMonitor(monitor)).every((a) => a.status === 'resolved')).toBe(true);
    expect((await incidents()).length).toBe(before.length + 1);
  });

  it('keeps what each monitor said as details and the raw body on the timeline', async () => {
    const admin = await h.token('admin');
    const list = (await h.api('GET', '/incidents?limit=100', admin)).json<{ incidents: Incident[] }>().incidents;
    const azure = list.find((i) => i.title === 'WCUS-R2-Gen2');
    const detail = (await h.api('GET', `/incidents/${azure?.number ?? ''}`, admin)).json<{
      incident: {
        alerts: Array<{ details: Record<string, unknown>; source: string | null }>;
        timeline: Array<{ kind: string; event: { raw: string } | null }>;
      };
    }>().incident;
    const raws = detail.timeline.filter((t) => t.event !== null).map((t) => t.event?.raw);
    expect(raws[0]).toBe(JSON.stringify(SAMPLES.azure.fire));
    expect(raws.at(-1)).toBe(JSON.stringify(SAMPLES.azure.resolve));
    expect(detail.alerts[0]?.source).toBe('wcus-r2-gen2');
    expect(detail.alerts[0]?.details).toMatchObject({
      essentials: { alertRule: 'WCUS-R2-Gen2', signalType: 'Metric' },
      alertContext: { conditionType: 'SingleResourceMultipleMetricCriteria' },
    });
  });

  /** name, route, body, status, a sentence of `errors`, and the key when not the route's own. */
  const BAD: Array<[string, Monitor, unknown, number, string, string?]> = [
    [
      'an Azure body in the old metric alert schema',
      'azure',
      { schemaId: 'AzureMonitorMetricAlert', data: { status: 'Activated', context: {} } },
      400,
      `'schemaId' must be "azureMonitorCommonAlertSchema", got "AzureMonitorMetricAlert": Tandem reads Azure Monitor's common alert schema; in the action group, edit the webhook action and set "Enable the common alert schema" to Yes`,
    ],
    ['an Azure body without schemaId', 'azure', { data: {} }, 400, '\'schemaId\' must be "azureMonitorCommonAlertSchema", got undefined'],
    [
      'an Azure alert without alertId and with a bad severity',
      'azure',
      { schemaId: 'azureMonitorCommonAlertSchema', data: { essentials: { monitorCondition: 'Fired', severity: 'Sev9' } } },
      400,
      "'data.essentials.alertId' is missing or blank",
    ],
    [
      'an Azure alert neither fired nor resolved',
      'azure',
      { schemaId: 'azureMonitorCommonAlertSchema', data: { essentials: { alertId: 'a-1', monitorCondition: 'Activated' } } },
      400,
      '\'data.essentials.monitorCondition\' is invalid: got "Activated", expected one of Fired, Resolved',
    ],
    [
      'a GCP body of another version',
      'gcp',
      { version: '1.1', incident: { incident_id: 'i', state: 'open' } },
      400,
      '\'version\' must be "1.2"',
    ],
    ['a GCP incident without a state', 'gcp', { version: '1.2', incident: { incident_id: 'i' } }, 400, "'incident.state' is missing"],
    ['a GCP body without incident', 'gcp', { version: '1.2' }, 400, "'incident' must be an object, got undefined"],
    [
      'a GCP incident with started_at as text',
      'gcp',
      { version: '1.2', incident: { incident_id: 'i', state: 'open', started_at: 'yesterday' } },
      400,
      "'incident.started_at' must be a time in seconds since 1970",
    ],
    [
      'an Alertmanager body at the Grafana URL',
      'grafana',
      { version: '4', alerts: [] },
      400,
      '\'version\' must be "1" (Grafana alerting webhook',
    ],
    [
      'a Grafana alert whose values are not an object',
      'grafana',
      { version: '1', alerts: [{ status: 'firing', fingerprint: 'f', values: 3 }] },
      400,
      "'alerts[0].values' must be an object",
    ],
    [
      'a Grafana key at the Azure URL',
      'azure',
      SAMPLES.azure.fire,
      400,
      'belongs to a grafana integration of service payments-api; send its events to POST /integrations/grafana/{key}',
      KEYS.grafana,
    ],
    ['an unknown key', 'gcp', SAMPLES.gcp.fire, 404, 'the key in the URL is not an integration key of this server', 'no-such-key'],
  ];

  it.each(BAD)('refuses %s, naming the field', async (_name, monitor, body, status, message, key) => {
    const res = await post(monitor, body, key ?? KEYS[monitor]);
    expect(res.statusCode, res.body).toBe(status);
    const errors = res.json<{ errors: string[] }>().errors;
    expect(errors.join('\n')).toContain(message);
  });

  it('refuses a Grafana notification of more than 1,000 alerts whole, with 413 TOO_MANY_ALERTS', async () => {
    // Small alerts, so the body stays under the size limit and the alert count is what is refused.
    const alerts = Array.from({ length: 1001 }, (_, n) => ({ status: 'firing', fingerprint: `fp-${n}`, labels: { alertname: 'Disk' } }));
    const res = await post('grafana', { ...SAMPLES.grafana.fire, alerts });
    expect(res.statusCode).toBe(413);
    expect(res.json()).toMatchObject({ code: 'TOO_MANY_ALERTS', errors: [expect.stringContaining('set Max Alerts to 1000')] });
  });

  it.each(MONITORS)(
    '%s: a seeded fuzz of the sample bodies gets only 202 or a 4xx naming the problem, and leaves nothing unapplied',
    async (monitor) => {
      const rng = new Rng(monitor === 'azure' ? 0xa2e : monitor === 'gcp' ? 0x6c9 : 0x62af);
      const wrong: string[] = [];
      let accepted = 0;
      for (let i = 0; i < FUZZ_N; i++) {
        const base = rng.chance(0.5) ? SAMPLES[monitor].fire : SAMPLES[monitor].resolve;
        const payload = mutate(rng, base);
        const res = await h.tandem.http.inject({
          method: 'POST',
          url: `/integrations/${monitor}/${KEYS[monitor]}`,
          headers: { 'content-type': 'application/json' },
          payload,
        });
        if (res.statusCode === 202) accepted++;
        else if (res.statusCode < 400 || res.statusCode >= 500 || !namesProblem(res))
          wrong.push(`#${i} ${res.statusCode} ${res.body.slice(0, 200)}\n  body: ${payload.slice(0, 300)}`);
        if (i % 50 === 49) {
          h.clock.advance(1_000);
          await h.settle();
        }
      }
      await h.settle();
      expect(wrong.slice(0, 10)).toEqual([]);
      expect(accepted).toBeGreaterThan(FUZZ_N / 10);
      const waiting = await h.tandem.database.db
        .selectFrom('events')
        .select('id')
        .where('processed_at', 'is', null)
        .where('quarantined_at', 'is', null)
        .execute();
      expect(waiting).toEqual([]);
    },
  );
});

/** Whether a refusal's body names the problem: PagerDuty's `errors[]` of non-empty sentences. */
function namesProblem(res: LightMyRequestResponse): boolean {
  try {
    const errors = res.json<{ errors?: unknown }>().errors;
    return Array.isArray(errors) && errors.length > 0 && errors.every((e) => typeof e === 'string' && e.length > 0);
  } catch {
    return false;
  }
}

const ODD: readonly Json[] = [
  null,
  true,
  0,
  -1,
  1e308,
  '',
  ' ',
  '\ud800',
  'nul\u0000',
  '😀',
  'x'.repeat(5000),
  [],
  {},
  [1, 'a'],
  { a: { b: {} } },
];

/** A sample body with a few mutations: a leaf replaced, a key dropped or renamed, ids from a small pool, or the text broken. */
function mutate(rng: Rng, base: JsonObject): string {
  const body = structuredClone(base) as Json;
  const steps = 1 + rng.int(3);
  for (let s = 0; s < steps; s++) {
    const path = randomPath(rng, body);
    const parent = path.parent;
    if (parent === undefined || path.key === undefined) continue;
    const op = rng.int(5);
    if (op === 0) setAt(parent, path.key, rng.pick(ODD));
    else if (op === 1) deleteAt(parent, path.key);
    else if (op === 2 && !Array.isArray(parent)) {
      const value = parent[path.key as string];
      Reflect.deleteProperty(parent, path.key);
      parent[`${String(path.key)}_`] = value ?? null;
    } else if (op === 3) setAt(parent, path.key, `id-${rng.int(4)}`);
    else
      setAt(parent, path.key, rng.pick(['Fired', 'Resolved', 'open', 'CLOSED', 'firing', 'resolved', 'Sev0', 'Sev4', '1', '1.2', 'test']));
  }
  const text = JSON.stringify(body);
  if (rng.chance(0.1)) return text.slice(0, rng.int(text.length));
  return text;
}

function randomPath(rng: Rng, root: Json): { parent: JsonObject | Json[] | undefined; key: string | number | undefined } {
  let parent: JsonObject | Json[] | undefined;
  let key: string | number | undefined;
  let node: Json = root;
  for (let depth = 0; depth < 6; depth++) {
    if (Array.isArray(node) && node.length > 0) {
      parent = node;
      key = rng.int(node.length);
      node = node[key] as Json;
    } else if (node !== null && typeof node === 'object' && !Array.isArray(node) && Object.keys(node).length > 0) {
      parent = node;
      key = rng.pick(Object.keys(node));
      node = node[key] as Json;
    } else break;
    if (rng.chance(0.3)) break;
  }
  return { parent, key };
}

function setAt(parent: JsonObject | Json[], key: string | number, value: Json): void {
  if (Array.isArray(parent)) parent[Number(key)] = value;
  else parent[String(key)] = value;
}

function deleteAt(parent: JsonObject | Json[], key: string | number): void {
  if (Array.isArray(parent)) parent.splice(Number(key), 1);
  else Reflect.deleteProperty(parent, String(key));
}
