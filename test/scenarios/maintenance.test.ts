/**
 * Planned work is quiet (issue 13). Acme's ERP upgrade runs Sunday
 * 6 December 01:00-05:00 New York time on the payments API (the engagement
 * file's `maintenance:`). A payments alert at 01:30 opens an incident, so
 * nothing is lost, but nobody is paged and no SLA clock starts: the timeline
 * says "in maintenance: ERP upgrade". At 05:00 the incident is still open,
 * so routing starts then: the on-call partner is paged and the SLA counts
 * from 05:00. A second alert that resolves at 03:00 never pages anyone.
 *
 * And the same through the API: an admin silences noisy disk alerts of the
 * payments API for an hour with Alertmanager-style matchers (a payments
 * outage in that hour still pages); the disk incident pages when the silence
 * expires, and with another silence ended early it pages at once. A window
 * made through the API and ended early behaves the same. On PostgreSQL, two
 * instances release a held incident once.
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { databaseKinds } from '../support/databases.js';
import { startHarness } from '../support/harness.js';
import type { Harness } from '../support/harness.js';
import { DEMO } from '../support/paths.js';

const PAYMENTS = '9f1c2a7e5b3d4c6e8a0b1d2f3e4a5b6c';
const STOREFRONT = '0a1b2c3d4e5f60718293a4b5c6d7e8f9';

const dir = mkdtempSync(join(tmpdir(), 'tandem-maintenance-'));
const CONFIG = join(dir, 'acme.yaml');
writeFileSync(
  CONFIG,
  `${readFileSync(DEMO, 'utf8')}\nmaintenance:\n  - { services: [payments-api], from: "2026-12-06T01:00", to: "2026-12-06T05:00", reason: "ERP upgrade" }\n`,
);
afterAll(() => rmSync(dir, { recursive: true, force: true }));

interface Incident {
  id: number;
  status: string;
  sla: Array<{ sla: string; kind: string; status: string; target_s: number | null; deadline: string | null }>;
  timeline: Array<{ kind: string; message: string; at: string }>;
}
interface Window {
  id: number;
  state: string;
  timeline: Array<{ kind: string; actor: string; reason: string }>;
}

describe.each(databaseKinds())('maintenance windows and silences, on $name', (kind) => {
  let h: Harness;
  let admin: string;
  afterEach(async () => h?.close());

  async function start(at: string) {
    h = await startHarness(kind, { start: at, peers: true, config: [CONFIG] });
    admin = await h.token('admin');
  }
  async function send(key: string, action: 'trigger' | 'resolve', dedup: string, summary = 'Payments API down'): Promise<void> {
    const res = await h.ingest('/v2/enqueue', {
      routing_key: key,
      event_action: action,
      dedup_key: dedup,
      payload: { summary, source: 'prometheus', severity: 'critical' },
    });
    expect(res.statusCode).toBe(202);
    await h.settle();
  }
  async function incidentOf(dedup: string): Promise<number> {
    const row = await h.tandem.database.db.selectFrom('alerts').select('incident_id').where('dedup_key', '=', dedup).executeTakeFirst();
    if (row === undefined) throw new Error(`no incident for ${dedup}`);
    return Number(row.incident_id);
  }
  const get = async (id: number) => (await h.api('GET', `/incidents/${id}`, admin)).json<{ incident: Incident }>().incident;
  const kinds = (i: Incident) => i.timeline.map((t) => t.kind);
  /** Pages written for the incident (the outbox), whatever their state. */
  async function pages(id: number): Promise<number> {
    const rows = await h.tandem.database.db.selectFrom('notifications').select('id').where('incident_id', '=', id).execute();
    return rows.length;
  }
  /** Everything the local receivers got (SMS, email, Slack, Teams, webhooks). */
  const received = () =>
    (h.peers?.twilio.messages.length ?? 0) +
    (h.peers?.smtp.messages.length ?? 0) +
    (h.peers?.slack.requests.length ?? 0) +
    (h.peers?.teams.requests.length ?? 0) +
    (h.peers?.webhook.requests.length ?? 0);
  async function at(iso: string) {
    h.clock.set(Date.parse(iso));
    for (let k = 0; k < 3; k++) await h.settle();
  }

  it('an alert during the ERP upgrade opens an incident that pages nobody, and pages at the end of the window if still open', async () => {
    await start('2026-12-06T06:30:00Z'); // 01:30 in New York
    await send(PAYMENTS, 'trigger', 'erp-db-1');
    const id = await incidentOf('erp-db-1');
    let i = await get(id);
    expect(i.status).toBe('triggered');
    const held = i.timeline.find((t) => t.kind === 'maintenance');
    expect(held?.message).toBe(
      'in maintenance: ERP upgrade. Nobody is paged and no SLA clock starts until 2026-12-06 05:00 (America/New_York); paging starts then if the incident is still open.',
    );
    expect(kinds(i)).not.toContain('routing');
    expect(i.sla).toEqual([]);
    expect(await pages(id)).toBe(0);

    // A second alert in the window resolves at 03:00: it never pages.
    await at('2026-12-06T07:00:00Z');
    await send(PAYMENTS, 'trigger', 'erp-queue-2', 'Payments queue backlog');
    const resolvedId = await incidentOf('erp-queue-2');
    await at('2026-12-06T08:00:00Z');
    await send(PAYMENTS, 'resolve', 'erp-queue-2');
    expect((await get(resolvedId)).status).toBe('resolved');

    await at('2026-12-06T09:59:59Z');
    expect(await pages(id)).toBe(0);
    expect(received()).toBe(0);

    // 05:00 in New York: the window ends with the first incident still open.
    await at('2026-12-06T10:00:00Z');
    i = await get(id);
    expect(kinds(i)).toContain('maintenance.ended');
    expect(kinds(i)).toContain('routing');
    expect(kinds(i)).toContain('escalation.paged');
    expect(await pages(id)).toBeGreaterThan(0);
    expect(received()).toBeGreaterThan(0);
    // The SLA clock started at 05:00, not at 01:30.
    const respond = i.sla.find((c) => c.kind === 'respond');
    expect(respond?.status).toBe('running');
    expect(respond?.deadline).toBe(new Date(Date.parse('2026-12-06T10:00:00Z') + (respond?.target_s ?? 0) * 1000).toISOString());

    expect(await pages(resolvedId)).toBe(0);
    expect(kinds(await get(resolvedId))).not.toContain('maintenance.ended');
    await at('2026-12-06T12:00:00Z');
    expect(await pages(resolvedId)).toBe(0);
  });

  it('a window shortened in the file (reload) releases the incidents it held at its new end', async () => {
    const own = join(dir, `shortened-${kind.name}.yaml`);
    const demo = readFileSync(DEMO, 'utf8');
    const window = (to: string) =>
      `${demo}\nmaintenance:\n  - { services: [payments-api], from: "2026-12-06T01:00", to: "${to}", reason: "ERP upgrade" }\n`;
    writeFileSync(own, window('2026-12-06T05:00'));
    h = await startHarness(kind, { start: '2026-12-06T06:30:00Z', peers: true, config: [own] });
    admin = await h.token('admin');
    await send(PAYMENTS, 'trigger', 'erp-db-1');
    const id = await incidentOf('erp-db-1');
    await at('2026-12-06T07:00:00Z');
    writeFileSync(own, window('2026-12-06T03:00'));
    expect((await h.tandem.reload()).ok).toBe(true);
    await at('2026-12-06T07:30:00Z');
    expect(await pages(id)).toBe(0);
    // 03:00 in New York, the new end.
    await at('2026-12-06T08:00:00Z');
    expect(await pages(id)).toBeGreaterThan(0);
  });

  it('an alert just after the window pages at once', async () => {
    await start('2026-12-06T10:00:00Z');
    await send(PAYMENTS, 'trigger', 'after-1');
    const id = await incidentOf('after-1');
    expect(kinds(await get(id))).not.toContain('maintenance');
    expect(await pages(id)).toBeGreaterThan(0);
  });

  it('a silence via the API holds matching alerts until it expires; an alert it does not match pages', async () => {
    await start('2026-11-25T04:47:00Z');
    const created = await h.api('POST', '/silences', admin, {
      engagement: 'acme',
      matchers: [
        { name: 'service', value: 'payments-api' },
        { name: 'summary', value: 'Disk .*', isRegex: true },
      ],
      ends_at: '2026-11-25T05:47:00Z',
      reason: 'disk alerts during the storage migration',
    });
    expect(created.statusCode).toBe(201);
    const silence = created.json<{ silence: Window }>().silence;
    expect(silence).toMatchObject({ state: 'active', timeline: [{ kind: 'created', reason: 'disk alerts during the storage migration' }] });
    expect(silence.timeline[0]?.actor).toMatch(/^token:/);

    await send(PAYMENTS, 'trigger', 'disk-1', 'Disk 91% full on db-1');
    const disk = await incidentOf('disk-1');
    await send(PAYMENTS, 'trigger', 'down-1', 'Payments API down');
    const down = await incidentOf('down-1');
    expect(kinds(await get(disk))).toContain('maintenance');
    expect(await pages(disk)).toBe(0);
    expect(await pages(down)).toBeGreaterThan(0);

    await at('2026-11-25T05:46:59Z');
    expect(await pages(disk)).toBe(0);
    await at('2026-11-25T05:47:00Z');
    expect(await pages(disk)).toBeGreaterThan(0);
    const list = (await h.api('GET', '/silences', admin)).json<{ silences: Window[] }>().silences;
    expect(list.map((s) => [s.state, s.timeline.map((t) => t.kind)])).toEqual([['expired', ['created', 'expired']]]);
  });

  it('ending a silence early pages the incidents it held at once', async () => {
    await start('2026-11-25T04:47:00Z');
    const created = await h.api('POST', '/silences', admin, {
      engagement: 'acme',
      matchers: [{ name: 'dedup_key', value: 'flappy-.*', isRegex: true }],
      ends_at: '2026-11-25T08:00:00Z',
      reason: 'flapping check',
    });
    const id = created.json<{ silence: Window }>().silence.id;
    await send(PAYMENTS, 'trigger', 'flappy-7');
    const held = await incidentOf('flappy-7');
    await at('2026-11-25T05:00:00Z');
    expect(await pages(held)).toBe(0);

    const ended = await h.api('POST', `/silences/${id}/end`, admin, { reason: 'the check is fixed' });
    expect(ended.statusCode).toBe(200);
    expect(ended.json<{ silence: Window }>().silence).toMatchObject({
      state: 'ended',
      timeline: [{ kind: 'created' }, { kind: 'ended', reason: 'the check is fixed' }],
    });
    for (let k = 0; k < 3; k++) await h.settle();
    expect(await pages(held)).toBeGreaterThan(0);
    expect(kinds(await get(held))).toContain('maintenance.ended');
    // Ending it again changes nothing.
    expect((await h.api('POST', `/silences/${id}/end`, admin, {})).json<{ silence: Window }>().silence.timeline).toHaveLength(2);
  });

  it('a window made through the API holds the storefront until an admin ends it', async () => {
    await start('2026-11-25T04:47:00Z');
    const created = await h.api('POST', '/maintenance-windows', admin, {
      engagement: 'acme',
      services: ['storefront'],
      to: '2026-11-25T06:00:00-05:00',
      reason: 'CDN cut-over',
    });
    expect(created.statusCode).toBe(201);
    const window = created.json<{ window: Window }>().window;
    await send(STOREFRONT, 'trigger', 'cdn-1', 'Storefront 502s');
    const held = await incidentOf('cdn-1');
    expect(await pages(held)).toBe(0);
    const listed = (await h.api('GET', '/maintenance-windows', admin)).json<{ windows: Window[]; file: Array<{ reason: string }> }>();
    expect(listed.windows.map((w) => w.state)).toEqual(['active']);
    // The file's ERP upgrade, in the next 14 days, is listed too.
    expect(listed.file).toEqual([
      {
        engagement: 'acme',
        services: ['payments-api'],
        from: '2026-12-06T06:00:00.000Z',
        to: '2026-12-06T10:00:00.000Z',
        reason: 'ERP upgrade',
        rrule: null,
      },
    ]);

    await at('2026-11-25T05:10:00Z');
    expect((await h.api('POST', `/maintenance-windows/${window.id}/end`, admin)).statusCode).toBe(200);
    for (let k = 0; k < 3; k++) await h.settle();
    expect(await pages(held)).toBeGreaterThan(0);
  });

  if (kind.name === 'postgres') {
    it('two instances release a held incident once', async () => {
      await start('2026-12-06T06:30:00Z');
      const second = await startHarness(kind, { db: h.db, virtualClock: h.clock, peers: true, config: [CONFIG] });
      try {
        await send(PAYMENTS, 'trigger', 'erp-db-1');
        const id = await incidentOf('erp-db-1');
        h.clock.set(Date.parse('2026-12-06T10:00:00Z'));
        await Promise.all([h.settle(), second.settle(), h.settle(), second.settle()]);
        await Promise.all([h.settle(), second.settle()]);
        const db = h.tandem.database.db;
        const escalations = await db.selectFrom('escalations').select('id').where('incident_id', '=', id).execute();
        const slas = await db.selectFrom('incident_slas').select('id').where('incident_id', '=', id).execute();
        const ended = (await get(id)).timeline.filter((t) => t.kind === 'maintenance.ended');
        const holds = await db.selectFrom('maintenance_holds').select('status').where('incident_id', '=', id).execute();
        expect({ escalations: escalations.length, ended: ended.length, slas: slas.length > 0, holds: holds.map((r) => r.status) }).toEqual({
          escalations: 1,
          ended: 1,
          slas: true,
          holds: ['released'],
        });
      } finally {
        await second.close();
      }
    });
  }
});
