/**
 * Importing history: Acme has one live incident when it brings in its old
 * tickets (Tandem's CSV layout) and a PagerDuty export. Imported incidents
 * take the next numbers, carry a timeline at the historical instants and
 * settled SLA clocks; a bad file is refused whole with every problem by
 * line; the same file twice imports nothing the second time.
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { recordingIo } from '../../src/cli/io.js';
import { main } from '../../src/cli/main.js';
import { databaseKinds } from '../support/databases.js';
import { startHarness } from '../support/harness.js';
import type { Harness } from '../support/harness.js';
import { FIXTURES } from '../support/paths.js';

const TANDEM_CSV = `${FIXTURES}import/tandem-incidents.csv`;
const PAYMENTS = '9f1c2a7e5b3d4c6e8a0b1d2f3e4a5b6c';

interface Incident {
  id: number;
  number: string;
  title: string;
  service: { id: string };
  status: string;
  priority: string;
  severity: string;
  side: string;
  created_at: string;
  acknowledged_at: string | null;
  acknowledged_by: string | null;
  resolved_at: string | null;
  resolved_by: string | null;
  sla: Array<{ sla: string; kind: string; status: string; breached_at: string | null }>;
  timeline?: Array<{
    kind: string;
    at: string;
    message: string;
    data: Record<string, unknown> | null;
    actor: { type: string; id: string | null };
  }>;
}

describe.each(databaseKinds())('history import, on $name', (kind) => {
  let h: Harness;
  let admin: string;
  const dir = mkdtempSync(join(tmpdir(), 'tandem-import-'));
  const file = (name: string, text: string) => {
    const path = join(dir, name);
    writeFileSync(path, text);
    return path;
  };
  async function cli(...args: string[]) {
    const io = recordingIo();
    const code = await main([...args, '--db', h.db.url], io);
    return { code, out: io.stdout.join('\n'), err: io.stderr.join('\n') };
  }
  const incidents = async () => (await h.api('GET', '/incidents?limit=1000', admin)).json<{ incidents: Incident[] }>().incidents;
  const byTitle = async (start: string) => {
    const found = (await incidents()).find((i) => i.title.startsWith(start));
    if (!found) throw new Error(`no incident "${start}"`);
    return (await h.api('GET', `/incidents/${found.id}`, admin)).json<{ incident: Incident }>().incident;
  };

  beforeAll(async () => {
    h = await startHarness(kind, { start: '2026-11-24T12:00:00Z' });
    admin = await h.token('admin');
    // One live incident first: imported history takes the numbers after it.
    await h.ingest('/v2/enqueue', {
      routing_key: PAYMENTS,
      event_action: 'trigger',
      payload: { summary: 'Live one', source: 'x', severity: 'critical' },
    });
    await h.settle();
  });
  afterAll(async () => h.close());

  it("Tandem's layout: five old tickets become ACME-2..ACME-6 with their history", async () => {
    const r = await cli('import', 'incidents', '--engagement', 'acme', TANDEM_CSV);
    expect(r.err).toBe('');
    expect(r.code).toBe(0);
    expect(r.out).toMatch(
      /^Imported 5 incidents \(ACME-2..ACME-6\) from .*tandem-incidents.csv \(Tandem's CSV layout\) into acme, skipped 0 duplicates; opened 2026-10-06 .. 2026-10-13 \(America\/New_York\); 0 SLA breaches recorded\.$/,
    );

    const night = await byTitle('Payments API 502s');
    expect(night).toMatchObject({
      number: 'ACME-2',
      service: { id: 'payments-api' },
      status: 'resolved',
      priority: 'P1',
      severity: 'critical',
      // Tuesday 02:10 in New York: after hours, the partner owns infrastructure.
      side: 'partner',
      created_at: '2026-10-06T06:10:00.000Z',
      acknowledged_at: '2026-10-06T06:14:00.000Z',
      acknowledged_by: 'person:kim',
      resolved_at: '2026-10-06T07:05:00.000Z',
      resolved_by: 'person:kim',
    });
    expect(night.timeline?.map((t) => [t.kind, t.at])).toEqual([
      ['incident.imported', '2026-10-06T06:10:00.000Z'],
      ['incident.acknowledged', '2026-10-06T06:14:00.000Z'],
      ['incident.resolved', '2026-10-06T07:05:00.000Z'],
    ]);
    expect(night.timeline?.[0]?.message).toBe(
      'Imported from CSV incident OLD-101 (tandem-incidents.csv, line 2): P1 (priority P1 from the file); after hours: partner owns infrastructure.',
    );
    expect(night.timeline?.[0]?.data).toMatchObject({
      to: 'triggered',
      source: 'tandem-csv',
      source_id: 'OLD-101',
      line: 2,
      row: { number: 'OLD-101', acknowledged_by: 'kim' },
    });
    expect(night.timeline?.[1]).toMatchObject({ actor: { type: 'person', id: 'kim' }, data: { to: 'acknowledged' } });
    // Acknowledged in 4 minutes, resolved in 55: the partner SLA's P1 targets (15m, 4h) were met.
    expect(night.sla.map((s) => `${s.sla}/${s.kind}:${s.status}`)).toEqual(['partner-sla/respond:met', 'partner-sla/resolve:met']);

    expect(await byTitle('Storefront p99')).toMatchObject({
      priority: 'P2',
      severity: 'error',
      side: 'partner',
      acknowledged_by: 'person:sam',
    });
    expect(await byTitle('Printer on 3rd floor says "PC LOAD LETTER"')).toMatchObject({
      priority: 'P5',
      side: 'internal',
      acknowledged_by: 'person:dana',
      resolved_by: 'person:lee',
    });
    expect(await byTitle('EDR sensor')).toMatchObject({
      priority: 'P2',
      status: 'resolved',
      acknowledged_at: null,
      acknowledged_by: null,
      resolved_by: null,
    });
    // Named by its display name; the side given in the file wins; the title keeps its line break.
    expect(await byTitle('Settlement job late:\r\nnightly-settle')).toMatchObject({
      service: { id: 'payments-api' },
      side: 'internal',
      number: 'ACME-6',
    });
  });

  it('the engine leaves settled history alone: no warnings, no pages', async () => {
    h.clock.advance(60_000);
    await h.settle();
    const night = await byTitle('Payments API 502s');
    expect(night.timeline?.map((t) => t.kind)).toEqual(['incident.imported', 'incident.acknowledged', 'incident.resolved']);
  });

  it('the same file again imports nothing', async () => {
    const r = await cli('import', 'incidents', '--engagement', 'acme', TANDEM_CSV);
    expect(r.code).toBe(0);
    expect(r.out).toMatch(/^Imported 0 incidents from .* skipped 5 duplicates; nothing new; 0 SLA breaches recorded\.$/);
    expect(await incidents()).toHaveLength(6);
  });

  const pagerduty = [
    'id,incident_number,description,service_id,service_name,escalation_policy_name,created_on,resolved_on,seconds_to_first_ack,seconds_to_resolve,auto_resolved,escalation_count,acknowledged_by_user_names,resolved_by_user_name,urgency,priority_name',
    'QAAA1,901,Payments down,PQ7Z2KD,Payment processing API,Acme Infrastructure,2026-11-10T23:00:00-05:00,2026-11-11T00:10:00-05:00,1200,4200,false,1,"Ana Souza, Kim Tan",Ana Souza,high,P1',
    'QAAA2,902,VPN error 809,PL4PT0P,Helpdesk - Laptops,Acme Helpdesk,2026-11-12T10:00:00-05:00,,300,1800,false,0,Dana Reyes,Dana Reyes,low,',
    'QAAA3,903,Flapping check,PB4M9XA,Web storefront,NightOwl NOC,2026-11-13T03:00:00-05:00,,,240,true,0,,,high,SEV-2',
  ].join('\r\n');

  it('a PagerDuty export: an unmapped service is refused with the known services, nothing written', async () => {
    const path = file('pd.csv', pagerduty);
    const r = await cli('import', 'incidents', '--engagement', 'acme', path);
    expect(r.code).toBe(1);
    expect(r.err).toContain(
      `${path}: a service is not in engagement acme: "Helpdesk - Laptops" (1 row, first on line 3). its services: payments-api (Payment processing API), storefront (Web storefront), edr (Endpoint detection), laptops (Staff laptops and accounts). Map each with --service-map "NAME=service-id"`,
    );
    expect(r.err).toMatch(/1 problem; nothing was imported$/);
    expect(await incidents()).toHaveLength(6);
  });

  it('--dry-run shows what would be imported and writes nothing', async () => {
    const path = file('pd.csv', pagerduty);
    const r = await cli('import', 'incidents', '--engagement', 'acme', path, '--service-map', 'Helpdesk - Laptops=laptops', '--dry-run');
    expect(r.code).toBe(0);
    expect(r.out.split('\n')).toEqual([
      'line 2: 2026-11-11T04:00:00.000Z payments-api P1 partner, acknowledged +20m 00s, resolved +1h 10m: Payments down',
      'line 3: 2026-11-12T15:00:00.000Z laptops P5 internal, acknowledged +5m 00s, resolved +30m 00s: VPN error 809',
      'line 4: 2026-11-13T08:00:00.000Z storefront P1 partner, not acknowledged, resolved +4m 00s: Flapping check',
      'Dry run (PagerDuty export): would import 3 incidents into acme, skip 0 already imported; opened 2026-11-10 .. 2026-11-13 (America/New_York). Nothing was written.',
    ]);
    expect(await incidents()).toHaveLength(6);
  });

  it('with --service-map it imports; a late acknowledgement is a settled breach; again, it skips all three', async () => {
    const path = file('pd.csv', pagerduty);
    const first = await cli('import', 'incidents', '--engagement', 'acme', path, '--service-map', 'Helpdesk - Laptops=laptops');
    expect(first.out).toMatch(
      /^Imported 3 incidents \(ACME-7..ACME-9\) from .*pd.csv \(PagerDuty export\) into acme, skipped 0 duplicates; opened 2026-11-10 .. 2026-11-13 \(America\/New_York\); 1 SLA breach recorded\.$/,
    );
    const late = await byTitle('Payments down');
    expect(late).toMatchObject({
      side: 'partner',
      acknowledged_by: 'person:ana',
      acknowledged_at: '2026-11-11T04:20:00.000Z',
      resolved_at: '2026-11-11T05:10:00.000Z',
    });
    // P1 respond target 15m, acknowledged at 20m: breached at 15m.
    expect(late.sla.find((s) => s.kind === 'respond')).toMatchObject({
      sla: 'partner-sla',
      status: 'breached',
      breached_at: '2026-11-11T04:15:00.000Z',
    });
    expect(late.timeline?.[0]?.data).toMatchObject({
      source: 'pagerduty',
      source_id: 'QAAA1',
      escalation_count: 1,
      row: { escalation_policy_name: 'Acme Infrastructure' },
    });
    const flap = await byTitle('Flapping check');
    expect(flap).toMatchObject({ priority: 'P1', resolved_by: 'integration:pagerduty', acknowledged_at: null });
    expect(flap.timeline?.[1]).toMatchObject({
      kind: 'incident.resolved',
      actor: { type: 'integration', id: 'pagerduty' },
      message: 'Resolved automatically by the monitoring tool at 2026-11-13T08:04:00.000Z (imported)',
    });

    // The breach is history: the engine sends nothing and writes nothing for it.
    await h.settle();
    expect((await byTitle('Payments down')).timeline?.map((t) => t.kind)).toEqual([
      'incident.imported',
      'incident.acknowledged',
      'incident.resolved',
    ]);

    const again = await cli('import', 'incidents', '--engagement', 'acme', path, '--service-map', 'Helpdesk - Laptops=laptops');
    expect(again.out).toMatch(/skipped 3 duplicates/);
    expect(await incidents()).toHaveLength(9);
  });

  it('a bad file: every problem as FILE:line: message, exit 1, nothing written', async () => {
    const path = file(
      'bad.csv',
      [
        'number,service,title,created_at,acknowledged_at,resolved_at',
        'B1,payments-api,fine,2026-09-01T10:00:00Z,,',
        'B2,payments-api,"broken',
        'title",09/01/2026 10:00,,',
        'B3,nope,x,2026-09-01T10:00:00Z,2026-09-01T09:00:00Z,',
        'B4,payments-api,future,2027-09-01T10:00:00Z,,',
      ].join('\n'),
    );
    const r = await cli('import', 'incidents', '--engagement', 'acme', path);
    expect(r.code).toBe(1);
    expect(r.err.split('\n')).toEqual([
      `${path}:3: created_at "09/01/2026 10:00" is not an ISO 8601 instant (e.g. 2026-09-01T03:14:07-04:00)`,
      `${path}:5: acknowledged (2026-09-01T09:00:00.000Z) before it was created (2026-09-01T10:00:00.000Z)`,
      `${path}:6: created_at 2027-09-01T10:00:00.000Z is in the future: an import is history`,
      `${path}: 3 problems; nothing was imported`,
    ]);
    expect(await incidents()).toHaveLength(9);
  });

  it('usage errors', async () => {
    expect((await cli('import', 'tickets', '--engagement', 'acme', TANDEM_CSV)).code).toBe(2);
    expect((await cli('import', 'incidents', TANDEM_CSV)).code).toBe(2);
    expect((await cli('import', 'incidents', '--engagement', 'acme', '--format', 'xml', TANDEM_CSV)).code).toBe(2);
    const missing = await cli('import', 'incidents', '--engagement', 'globex', TANDEM_CSV);
    expect(missing).toMatchObject({ code: 1, err: expect.stringContaining('engagement "globex" is not in') });
  });
});
