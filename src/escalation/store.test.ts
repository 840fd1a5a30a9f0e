/**
 * The escalation store on each database: ids come back in the order the
 * escalations were given (RETURNING promises no order on SQLite), across
 * statement chunks and for rows with the same values; due steps are claimed
 * oldest first and only while pending; ends touch only active escalations.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { databaseKinds } from '../../test/support/databases.js';
import type { DatabaseKind } from '../../test/support/databases.js';
import { startHarness } from '../../test/support/harness.js';
import type { Harness } from '../../test/support/harness.js';
import type { Database } from '../db/connect.js';
import { insertIncident } from '../incident/store.js';
import {
  claimDueSteps,
  endEscalations,
  escalationsById,
  finishSteps,
  hasEscalation,
  insertEscalations,
  insertSteps,
  nextStepDue,
  stepRow,
} from './store.js';
import type { EscalationInsert } from './store.js';
import { incidentsById } from '../incident/store.js';

const T0 = Date.parse('2026-11-25T04:47:00Z');
const M = 60_000;

describe.each(databaseKinds())('escalation store, on $name', (kind: DatabaseKind) => {
  let h: Harness;
  afterEach(async () => h?.close());

  async function open(): Promise<{ database: Database; incidents: number[] }> {
    h = await startHarness(kind, { start: '2026-11-25T04:47:00Z' });
    const database = h.tandem.database;
    const incidents: number[] = [];
    for (const title of ['one', 'two']) {
      const opened = {
        engagementId: 'acme',
        serviceId: 'payments-api',
        title,
        severity: 'critical',
        priority: 'P1',
        groupKey: null,
        side: 'partner',
        at: T0,
      };
      incidents.push((await insertIncident(database.db, opened)).id);
    }
    return { database, incidents };
  }

  const escalation = (incidentId: number, policyId: string, startedAt: number): EscalationInsert => ({
    engagement_id: 'acme',
    incident_id: incidentId,
    policy_id: policyId,
    side: 'partner',
    reason: 'overflow',
    started_at: startedAt,
    status: 'active',
    ended_at: null,
  });

  it('hands escalation ids back in the order given, across chunks and for identical rows', async () => {
    const { database, incidents } = await open();
    const [a = 0, b = 0] = incidents;
    // 700 rows (more than one statement), every value repeated on some other row.
    const rows = Array.from({ length: 700 }, (_, n) => escalation(n % 2 ? a : b, n % 3 ? 'partner-noc' : 'partner-soc', T0 + (n % 5) * M));
    const ids = await insertEscalations(database.db, rows);
    expect(new Set(ids).size).toBe(700);
    const stored = await escalationsById(database.db, ids);
    ids.forEach((id, n) => expect(stored.get(id)).toMatchObject(rows[n] ?? {}));
    expect(await hasEscalation(database.db, a)).toBe(true);
  });

  it('claims due pending steps oldest first, marks them, and tells when the next is due', async () => {
    const { database, incidents } = await open();
    const [a = 0, b = 0] = incidents;
    expect(await hasEscalation(database.db, a)).toBe(false);
    expect(await nextStepDue(database.db)).toBeNull();
    const [escA = 0, escB = 0] = await insertEscalations(database.db, [escalation(a, 'partner-noc', T0), escalation(b, 'partner-noc', T0)]);
    const at = (escalationId: number | null, dueAt: number, kind: 'tier' | 'overflow' = 'tier') =>
      stepRow({ engagementId: 'acme', incidentId: escalationId === escB ? b : a, escalationId, kind, tier: 0, pass: 0, dueAt });
    await insertSteps(database.db, [at(escA, T0 + 5 * M), at(escB, T0), at(null, T0 + 10 * M, 'overflow'), at(escA, T0 + 2 * M)]);
    expect(await nextStepDue(database.db)).toBe(T0);

    const claimed = await database.db.transaction().execute((trx) => claimDueSteps(trx, database.dialect, T0 + 5 * M, 500));
    expect(claimed.map((s) => [s.escalation_id, s.due_at])).toEqual([
      [escB, T0],
      [escA, T0 + 2 * M],
      [escA, T0 + 5 * M],
    ]);
    expect([...(await incidentsById(database.db, [a, b])).keys()].sort()).toEqual([a, b].sort());

    const [first, ...rest] = claimed.map((s) => s.id);
    await finishSteps(database.db, first === undefined ? [] : [first], 'done', T0 + 5 * M, 'instance-1');
    await finishSteps(database.db, rest, 'cancelled', T0 + 5 * M, 'instance-1');
    expect(await nextStepDue(database.db)).toBe(T0 + 10 * M);
    expect(await database.db.transaction().execute((trx) => claimDueSteps(trx, database.dialect, T0 + 5 * M, 500))).toEqual([]);

    await endEscalations(database.db, [escA], 'stopped', T0 + 5 * M);
    await endEscalations(database.db, [escA, escB], 'finished', T0 + 6 * M);
    const ended = await escalationsById(database.db, [escA, escB]);
    expect(ended.get(escA)).toMatchObject({ status: 'stopped', ended_at: T0 + 5 * M });
    expect(ended.get(escB)).toMatchObject({ status: 'finished', ended_at: T0 + 6 * M });
  });
});
