/**
 * A real Prometheus Alertmanager (Debian's prometheus-alertmanager), its
 * pagerduty_configs pointed at Tandem, opens and then resolves an incident.
 */
import { spawn, spawnSync } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { systemClock } from '../../src/clock/clock.js';
import { databaseKinds } from '../support/databases.js';
import { startHarness } from '../support/harness.js';
import type { Harness } from '../support/harness.js';
import { freePort } from '../support/server-process.js';

const BINARY = 'prometheus-alertmanager';
const installed = spawnSync('sh', ['-c', `command -v ${BINARY}`]).status === 0;
const PD_KEY = '9f1c2a7e5b3d4c6e8a0b1d2f3e4a5b6c';

async function waitFor<T>(what: string, probe: () => Promise<T | undefined>, timeoutMs = 30_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = await probe();
    if (v !== undefined) return v;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

describe.skipIf(!installed).each(databaseKinds())('a real Alertmanager pages Tandem, on $name', (kind) => {
  let h: Harness;
  let am: ChildProcess;
  let amUrl: string;
  let dir: string;
  let amLog = '';

  beforeAll(async () => {
    h = await startHarness(kind, { clock: systemClock, listen: true, engineLoop: true });
    const tandemUrl = h.tandem.url ?? '';
    dir = mkdtempSync(join(tmpdir(), 'tandem-am-'));
    const amPort = await freePort();
    amUrl = `http://127.0.0.1:${amPort}`;
    writeFileSync(
      join(dir, 'alertmanager.yml'),
      [
        'global: { resolve_timeout: 5m }',
        'route:',
        '  receiver: tandem',
        "  group_by: ['alertname', 'service']",
        '  group_wait: 1s',
        '  group_interval: 1s',
        '  repeat_interval: 1h',
        'receivers:',
        '  - name: tandem',
        '    pagerduty_configs:',
        `      - routing_key: "${PD_KEY}"`,
        `        url: "${tandemUrl}/v2/enqueue"`,
        '        send_resolved: true',
      ].join('\n'),
    );
    am = spawn(
      BINARY,
      [
        `--config.file=${join(dir, 'alertmanager.yml')}`,
        `--storage.path=${join(dir, 'data')}`,
        `--web.listen-address=127.0.0.1:${amPort}`,
        '--cluster.listen-address=',
      ],
      { stdio: ['ignore', 'pipe', 'pipe'] },
    );
    am.stdout?.on('data', (d: Buffer) => (amLog += d.toString()));
    am.stderr?.on('data', (d: Buffer) => (amLog += d.toString()));
    await waitFor('alertmanager to be ready', async () => {
      try {
        return (await fetch(`${amUrl}/-/ready`)).ok ? true : undefined;
      } catch {
        return undefined;
      }
    });
  });

  afterAll(async () => {
    am?.kill('SIGTERM');
    await h?.close();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('opens an incident when alerts fire and resolves it when they resolve', async () => {
    const token = await h.token('viewer');
    const alerts = (endsAt?: string) =>
      ['payments-api-1', 'payments-api-2'].map((instance) => ({
        labels: { alertname: 'PaymentAPIDown', severity: 'critical', service: 'payments', instance },
        annotations: { summary: `Payment API down on ${instance}` },
        generatorURL: 'http://127.0.0.1:9090/graph',
        ...(endsAt ? { endsAt } : {}),
      }));
    const post = async (body: unknown) => {
      const res = await fetch(`${amUrl}/api/v2/alerts`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify(body),
      });
      expect(res.status, amLog).toBe(200);
    };

    await post(alerts());
    type Incident = { id: number; status: string; priority: string; title: string };
    const opened = await waitFor('the incident to open', async () => {
      const list = (await h.api('GET', '/incidents', token)).json<{ incidents: Incident[] }>().incidents;
      return list[0];
    });
    expect(opened.status).toBe('triggered');
    expect(opened.priority).toBe('P1');
    expect(opened.title).toMatch(/^\[FIRING:\d\] PaymentAPIDown payments/);

    await post(alerts(new Date().toISOString()));
    const resolved = await waitFor('the incident to resolve', async () => {
      const i = (await h.api('GET', `/incidents/${opened.id}`, token)).json<{
        incident: Incident & { timeline: Array<{ kind: string; event: { raw: string } | null }> };
      }>().incident;
      return i.status === 'resolved' ? i : undefined;
    });
    expect(resolved.timeline.map((t) => t.kind)).toContain('incident.resolved');
    const raws = resolved.timeline
      .filter((t) => t.event)
      .map((t) => JSON.parse(t.event?.raw ?? '{}') as { event_action: string; client: string });
    expect(raws.every((r) => r.client === 'Alertmanager')).toBe(true);
    expect(raws.at(-1)?.event_action).toBe('resolve');
    const all = (await h.api('GET', '/incidents', token)).json<{ incidents: Incident[] }>().incidents;
    expect(all).toHaveLength(1);
  });
});
