/**
 * Re-triggers applied in bulk, on each database: one UPDATE ... FROM (VALUES
 * ...) per chunk written each database's way (db/dialect.ts valuesTable).
 * Counts add up, the newest summary wins, null details keep the stored ones,
 * and an update older than the alert's last change never moves updated_at
 * back (a batch may have resolved the alert after these re-triggers).
 */
import { afterEach, describe, expect, it } from 'vitest';
import { databaseKinds } from '../../test/support/databases.js';
import type { DatabaseKind } from '../../test/support/databases.js';
import { startHarness } from '../../test/support/harness.js';
import type { Harness } from '../../test/support/harness.js';
import { insertIncident } from '../incident/store.js';
import { applyRetriggers, insertAlert, listAlertsOfIncident } from './store.js';

const T0 = Date.parse('2026-11-25T04:47:00Z');

describe.each(databaseKinds())('alert store, on $name', (kind: DatabaseKind) => {
  let h: Harness;
  afterEach(async () => h?.close());

  it('applies many re-triggers in one statement per chunk, each alert its own values', async () => {
    h = await startHarness(kind, { start: '2026-11-25T04:47:00Z' });
    const { db, dialect } = h.tandem.database;
    const incident = await insertIncident(db, {
      engagementId: 'acme',
      serviceId: 'payments-api',
      title: 'checkout errors',
      severity: 'critical',
      priority: 'P1',
      groupKey: null,
      side: 'partner',
      at: T0,
    });
    const alert = (dedup: string, details: string | null) =>
      insertAlert(db, {
        engagement_id: 'acme',
        service_id: 'payments-api',
        incident_id: incident.id,
        dedup_key: dedup,
        status: 'triggered',
        summary: `${dedup} first`,
        severity: 'critical',
        source: null,
        details,
        integration_type: 'pagerduty',
        created_at: T0,
        updated_at: T0 + 10_000,
        resolved_at: null,
        event_count: 1,
      });
    const a = await alert('a', '{"v":1}');
    const b = await alert('b', '{"v":1}');
    // 1,500 extra alerts: the updates span two statements.
    const many = [];
    for (let i = 0; i < 1500; i++) many.push(await alert(`bulk-${i}`, null));

    await applyRetriggers(db, dialect, [
      { id: a.id, count: 3, summary: "a's newest, with 'quotes'", details: '{"v":2}', at: T0 + 20_000 },
      // Older than the alert's last change: updated_at stays.
      { id: b.id, count: 1, summary: 'b newer', details: null, at: T0 + 5_000 },
      ...many.map((m, i) => ({ id: m.id, count: i + 1, summary: `bulk ${i}`, details: null, at: T0 + 30_000 })),
    ]);

    const rows = new Map((await listAlertsOfIncident(db, incident.id)).map((r) => [r.dedup_key, r]));
    expect(rows.get('a')).toMatchObject({
      event_count: 4,
      summary: "a's newest, with 'quotes'",
      details: '{"v":2}',
      updated_at: T0 + 20_000,
    });
    expect(rows.get('b')).toMatchObject({ event_count: 2, summary: 'b newer', details: '{"v":1}', updated_at: T0 + 10_000 });
    expect(rows.get('bulk-0')).toMatchObject({ event_count: 2, summary: 'bulk 0', details: null, updated_at: T0 + 30_000 });
    expect(rows.get('bulk-1499')).toMatchObject({ event_count: 1501, summary: 'bulk 1499', updated_at: T0 + 30_000 });
  });
});
