/**
 * What real tools sent (shared/fixtures) produces exactly the incidents and
 * timeline entries the ingest contract says, on every database.
 * The fixtures were captured with routing key "test-key"; here it is replaced
 * by the demo's payments-api integration key, byte for byte otherwise.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { databaseKinds } from '../support/databases.js';
import { startHarness } from '../support/harness.js';
import type { Harness } from '../support/harness.js';
import { FIXTURES } from '../support/paths.js';

/** What the ingest contract speaks of; routing, paging and delivery entries are the response engine's. */
const isIncidentOrAlert = (kind: string) => kind.startsWith('incident.') || kind.startsWith('alert.') || kind === 'note';

const PD_KEY = '9f1c2a7e5b3d4c6e8a0b1d2f3e4a5b6c';
const AM_KEY = 'am-payments-3c8e1f';
const AM_DEDUP = '6dcb16b79e8d5e179091f6cd6c29ca704465c44b1b26141d0f49bd578a10a908';

const fixture = (path: string) => readFileSync(join(FIXTURES, path), 'utf8').replaceAll('"test-key"', `"${PD_KEY}"`);
const requests = (path: string) =>
  readFileSync(join(FIXTURES, path), 'utf8')
    .trim()
    .split('\n')
    .map((line) => JSON.parse(line) as { path: string; raw: string });

interface TimelineEntry {
  kind: string;
  actor: { type: string; id: string | null };
  message: string;
  event: { id: number; raw: string } | null;
}
interface IncidentDetail {
  id: number;
  number: string;
  status: string;
  priority: string;
  severity: string;
  title: string;
  alert_count: number;
  open_alert_count: number;
  resolved_by: string | null;
  alerts: Array<{ dedup_key: string; status: string; summary: string; event_count: number; details: Record<string, unknown> }>;
  timeline: TimelineEntry[];
}

describe.each(databaseKinds())('fixtures from real tools, on $name', (kind) => {
  let h: Harness;
  let token: string;

  beforeEach(async () => {
    h = await startHarness(kind);
    token = await h.token('viewer');
  });
  afterEach(async () => h.close());

  async function send(path: string, raw: string): Promise<void> {
    const res = await h.ingest(path, raw);
    expect(res.statusCode, res.body).toBe(202);
    h.clock.advance(1000);
  }
  async function incidents(): Promise<IncidentDetail[]> {
    await h.settle();
    const list = (await h.api('GET', '/incidents', token)).json<{ incidents: Array<{ id: number }> }>().incidents;
    const details: IncidentDetail[] = [];
    for (const i of list.reverse())
      details.push((await h.api('GET', `/incidents/${i.id}`, token)).json<{ incident: IncidentDetail }>().incident);
    return details;
  }

  it('Alertmanager via pagerduty_configs: a group that grows is one alert, one incident; resolve closes it', async () => {
    const run = requests('alertmanager-0.25/run1-backdated-startsAt-all-requests.jsonl').filter((r) => r.path === '/v2/enqueue');
    expect(run.map((r) => (JSON.parse(r.raw) as { payload: { summary: string } }).payload.summary)).toEqual([
      '[FIRING:1] PaymentAPIDown payments (payments-api-1 critical)',
      '[FIRING:2] PaymentAPIDown payments (critical)',
      '[RESOLVED] PaymentAPIDown payments (critical)',
    ]);
    const bodies = run.map((r) => r.raw.replaceAll('"test-key"', `"${PD_KEY}"`));

    await send('/v2/enqueue', bodies[0] ?? '');
    let [incident, ...others] = await incidents();
    expect(others).toHaveLength(0);
    expect(incident).toMatchObject({
      number: 'ACME-1',
      status: 'triggered',
      priority: 'P1',
      severity: 'error',
      title: '[FIRING:1] PaymentAPIDown payments (payments-api-1 critical)',
      alert_count: 1,
    });
    expect(incident?.timeline.map((t) => t.kind).filter(isIncidentOrAlert)).toEqual(['incident.triggered', 'alert.triggered']);

    await send('/v2/enqueue', bodies[1] ?? '');
    [incident, ...others] = await incidents();
    expect(others).toHaveLength(0);
    expect(incident?.alerts).toHaveLength(1);
    expect(incident?.alerts[0]).toMatchObject({
      dedup_key: AM_DEDUP,
      status: 'triggered',
      summary: '[FIRING:2] PaymentAPIDown payments (critical)',
      event_count: 2,
    });
    expect(incident?.timeline.map((t) => t.kind).filter(isIncidentOrAlert)).toEqual([
      'incident.triggered',
      'alert.triggered',
      'alert.retriggered',
    ]);
    expect(incident?.timeline.filter((t) => isIncidentOrAlert(t.kind))[2]?.message).toContain('Nobody paged again');

    await send('/v2/enqueue', bodies[2] ?? '');
    [incident, ...others] = await incidents();
    expect(others).toHaveLength(0);
    expect(incident).toMatchObject({ status: 'resolved', open_alert_count: 0, resolved_by: 'integration:pagerduty' });
    expect(incident?.alerts[0]?.status).toBe('resolved');
    expect(incident?.timeline.map((t) => t.kind).filter(isIncidentOrAlert)).toEqual([
      'incident.triggered',
      'alert.triggered',
      'alert.retriggered',
      'alert.resolved',
      'incident.resolved',
    ]);
    // Every event entry keeps the body exactly as it arrived.
    const raws = incident?.timeline.filter((t) => t.kind.startsWith('alert.')).map((t) => t.event?.raw);
    expect(raws).toEqual(bodies);
    expect(
      incident?.timeline
        .filter((t) => isIncidentOrAlert(t.kind))
        .every((t) => t.actor.type === 'integration' && t.actor.id === 'pagerduty'),
    ).toBe(true);
  });

  it('Alertmanager via pagerduty_configs: the captured FIRING:2 trigger and resolve (single files)', async () => {
    await send('/v2/enqueue', fixture('alertmanager-0.25/pagerduty-trigger.json'));
    await send('/v2/enqueue', fixture('alertmanager-0.25/pagerduty-trigger.json'));
    let [incident] = await incidents();
    expect(incident).toMatchObject({ status: 'triggered', priority: 'P1', alert_count: 1 });
    expect(incident?.alerts[0]?.details).toMatchObject({ custom_details: { num_firing: '2', num_resolved: '0' }, client: 'Alertmanager' });
    await send('/v2/enqueue', fixture('alertmanager-0.25/pagerduty-resolve.json'));
    [incident] = await incidents();
    expect(incident?.status).toBe('resolved');
    // After resolve, the same dedup key opens a new alert and a new incident.
    await send('/v2/enqueue', fixture('alertmanager-0.25/pagerduty-trigger.json'));
    const all = await incidents();
    expect(all.map((i) => [i.number, i.status])).toEqual([
      ['ACME-1', 'resolved'],
      ['ACME-2', 'triggered'],
    ]);
  });

  it('Alertmanager webhook: one alert per fingerprint, one incident for the group, resolved when both resolve', async () => {
    await send(`/integrations/alertmanager/${AM_KEY}`, fixture('alertmanager-0.25/webhook-firing.json'));
    let [incident, ...others] = await incidents();
    expect(others).toHaveLength(0);
    expect(incident).toMatchObject({
      status: 'triggered',
      severity: 'critical',
      priority: 'P1',
      title: 'Payment API down on payments-api-1',
      alert_count: 2,
      open_alert_count: 2,
    });
    expect(incident?.alerts.map((a) => [a.dedup_key, a.status])).toEqual([
      ['aec97cc642d7808b', 'triggered'],
      ['3f38608cfc3a55ae', 'triggered'],
    ]);
    expect(incident?.alerts[1]?.details).toMatchObject({ labels: { instance: 'payments-api-2', severity: 'critical' } });
    expect(incident?.timeline.map((t) => t.kind).filter(isIncidentOrAlert)).toEqual([
      'incident.triggered',
      'alert.triggered',
      'alert.triggered',
    ]);

    await send(`/integrations/alertmanager/${AM_KEY}`, fixture('alertmanager-0.25/webhook-resolved.json'));
    [incident] = await incidents();
    expect(incident).toMatchObject({ status: 'resolved', open_alert_count: 0, resolved_by: 'integration:alertmanager' });
    expect(incident?.alerts.every((a) => a.status === 'resolved')).toBe(true);
    expect(incident?.timeline.map((t) => t.kind).filter(isIncidentOrAlert)).toEqual([
      'incident.triggered',
      'alert.triggered',
      'alert.triggered',
      'alert.resolved',
      'alert.resolved',
      'incident.resolved',
    ]);
    expect(incident?.timeline.filter((t) => isIncidentOrAlert(t.kind))[3]?.event?.raw).toBe(
      fixture('alertmanager-0.25/webhook-resolved.json'),
    );
  });

  it('Alertmanager sending both ways at once (run 2): two incidents, both resolved, nothing crossed', async () => {
    for (const r of requests('alertmanager-0.25/run2-all-requests.jsonl')) {
      await send(
        r.path === '/alertmanager' ? `/integrations/alertmanager/${AM_KEY}` : '/v2/enqueue',
        r.raw.replaceAll('"test-key"', `"${PD_KEY}"`),
      );
    }
    const all = await incidents();
    expect(all.map((i) => [i.alerts.length, i.status])).toEqual([
      [2, 'resolved'],
      [1, 'resolved'],
    ]);
  });

  it('the PagerDuty JS client (pdjs 2.2.4): a trigger opens a P1 incident with its details', async () => {
    const raw = requests('pdjs-2.2.4/pdjs-all-requests.jsonl')[0]?.raw.replaceAll('"test-key"', `"${PD_KEY}"`) ?? '';
    expect(raw).toBe(fixture('pdjs-2.2.4/pdjs-trigger.json').trim());
    const res = await h.ingest('/v2/enqueue', raw);
    expect(res.statusCode).toBe(202);
    expect(res.json()).toEqual({ status: 'success', message: 'Event processed', dedup_key: 'pdjs-feasibility-1' });
    const [incident] = await incidents();
    expect(incident).toMatchObject({
      number: 'ACME-1',
      status: 'triggered',
      severity: 'critical',
      priority: 'P1',
      title: 'PaymentAPIDown on payments-api-1',
    });
    expect(incident?.alerts[0]).toMatchObject({
      dedup_key: 'pdjs-feasibility-1',
      details: { component: 'payments', group: 'payments', class: 'availability', custom_details: { service: 'payments' } },
    });
    expect(incident?.timeline.filter((t) => isIncidentOrAlert(t.kind))[1]?.event?.raw).toBe(raw);
  });
});
