/**
 * The SLA store's batch writes, on each database: a batch's new rows in one
 * insert (one array per column on PostgreSQL) read back as written; its
 * status changes making each incident's rows due at that incident's own
 * instant in one statement, other incidents untouched; and a pass's looks
 * written back in one statement, each row its own values.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { databaseKinds } from '../../test/support/databases.js';
import type { DatabaseKind } from '../../test/support/databases.js';
import { startHarness } from '../../test/support/harness.js';
import type { Harness } from '../../test/support/harness.js';
import { insertIncident } from '../incident/store.js';
import { insertSlaRows, makeSlasDue, slaRowsOf, updateSlaRows } from './store.js';
import type { NewSlaRow } from './store.js';

const T0 = Date.parse('2026-11-25T04:47:00Z');

describe.each(databaseKinds())('SLA store, on $name', (kind: DatabaseKind) => {
  let h: Harness;
  afterEach(async () => h?.close());

  it('inserts a batch of rows as written and makes each changed incident due at its own instant', async () => {
    h = await startHarness(kind, { start: '2026-11-25T04:47:00Z' });
    const { db } = h.tandem.database;
    const incidents = [];
    for (let i = 0; i < 4; i++) {
      incidents.push(
        await insertIncident(db, {
          engagementId: 'acme',
          serviceId: 'payments-api',
          title: `incident ${i}`,
          severity: 'critical',
          priority: 'P1',
          groupKey: null,
          side: 'partner',
          at: T0 + i,
        }),
      );
    }
    const row = (incidentId: number, kind: 'respond' | 'resolve', i: number): NewSlaRow => ({
      engagement_id: 'acme',
      incident_id: incidentId,
      sla_id: `sla-${kind}`,
      kind,
      status: i % 2 === 0 ? 'running' : 'breached',
      priority: 'P1',
      target_ms: kind === 'respond' ? 900_000 : null,
      deadline: kind === 'respond' ? T0 + 900_000 : null,
      next_check_at: T0 + 60_000,
      warned: i % 2 === 0 ? [] : [50, 75],
      breached_at: i % 2 === 0 ? null : T0 + 1000,
      breach_priority: i % 2 === 0 ? null : 'P1',
      stopped_at: null,
      elapsed_ms: i * 1000,
      updated_at: T0,
      clock_from: i === 3 ? T0 + 5000 : null,
    });
    const rows = incidents.flatMap((inc, i) => [row(inc.id, 'respond', i), row(inc.id, 'resolve', i)]);
    await insertSlaRows(db, rows);

    const stored = await slaRowsOf(
      db,
      incidents.map((i) => i.id),
    );
    expect([...stored.values()].flat().map(({ id: _id, ...r }) => ({ ...r, warned: [...r.warned] }))).toEqual(rows);

    // Incidents 0, 1 and 3 changed, each at its own instant; incident 2 did not.
    const [first, second, third, fourth] = incidents.map((i) => i.id);
    const due = [
      { incidentId: first ?? 0, at: T0 + 1 },
      { incidentId: second ?? 0, at: T0 + 2 },
      { incidentId: fourth ?? 0, at: T0 + 3 },
    ];
    await makeSlasDue(db, due);
    const after = await slaRowsOf(
      db,
      incidents.map((i) => i.id),
    );
    expect(third).toBeDefined();
    expect(incidents.map((i) => after.get(i.id)?.map((r) => r.next_check_at))).toEqual([
      [T0 + 1, T0 + 1],
      [T0 + 2, T0 + 2],
      [T0 + 60_000, T0 + 60_000],
      [T0 + 3, T0 + 3],
    ]);

    // A pass's looks written back together, each row its own values (nulls and warnings included); a row given
    // twice keeps its last patch, the rows not given are untouched.
    const [a, b, c] = [...after.values()].flat();
    if (!a || !b || !c) throw new Error('expected the rows inserted above');
    const patch = (r: typeof a, status: string, warned: number[], breachedAt: number | null) => ({
      status,
      priority: 'P2',
      target_ms: null,
      deadline: null,
      next_check_at: breachedAt === null ? T0 + 7 : null,
      warned,
      breached_at: breachedAt,
      breach_priority: breachedAt === null ? null : 'P2',
      stopped_at: breachedAt,
      elapsed_ms: r.elapsed_ms + 500,
      updated_at: T0 + 9,
    });
    await updateSlaRows(db, [
      { id: a.id, patch: patch(a, 'paused', [50], null) },
      { id: b.id, patch: patch(b, 'running', [], null) },
      { id: b.id, patch: patch(b, 'breached', [50, 75, 90], T0 + 8) },
    ]);
    const written = new Map(
      [
        ...(
          await slaRowsOf(
            db,
            incidents.map((i) => i.id),
          )
        ).values(),
      ]
        .flat()
        .map((r) => [r.id, { ...r, warned: [...r.warned] }]),
    );
    expect(written.get(a.id)).toEqual({ ...a, ...patch(a, 'paused', [50], null) });
    expect(written.get(b.id)).toEqual({ ...b, ...patch(b, 'breached', [50, 75, 90], T0 + 8) });
    expect(written.get(c.id)).toEqual({ ...c, warned: [...c.warned] });
  });
});
