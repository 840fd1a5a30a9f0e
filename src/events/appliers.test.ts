/**
 * The apply workers on PostgreSQL (src/events/apply.ts, Appliers): a step
 * keeps applying batch after batch while events wait, and an event for a
 * quiet service that arrives while a storm's partition is being applied is
 * applied before the storm's last batch, with incident numbers exact.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { sql } from 'kysely';
import { postgresOnly } from '../../test/support/databases.js';
import { startHarness } from '../../test/support/harness.js';
import type { Harness } from '../../test/support/harness.js';
import { emptyHooks } from '../incident/hooks.js';
import { processEventsModule } from './apply.js';

const PAYMENTS = '9f1c2a7e5b3d4c6e8a0b1d2f3e4a5b6c';
const STOREFRONT = '0a1b2c3d4e5f60718293a4b5c6d7e8f9';
const STORM = 2100;
const trigger = (key: string, dedup: string) => ({
  routing_key: key,
  event_action: 'trigger',
  dedup_key: dedup,
  payload: { summary: dedup, source: 's', severity: 'warning' },
});

describe.each(postgresOnly())('the apply workers on $name', (kind) => {
  let h: Harness;
  beforeEach(async () => {
    h = await startHarness(kind);
  });
  afterEach(async () => h.close());

  it('a storm of five batches and a P1 that arrives during it: the P1 is applied before the storm is done', async () => {
    for (let i = 0; i < STORM; i += 100)
      await Promise.all(
        Array.from({ length: 100 }, async (_, k) =>
          expect((await h.ingest('/v2/enqueue', trigger(PAYMENTS, `storm-${i + k}`))).statusCode).toBe(202),
        ),
      );
    let batches = 0;
    let arrived: Promise<void> | undefined;
    const module = processEventsModule({
      hooks: emptyHooks(),
      workers: 2,
      onBatch: () => {
        // After the storm's first batch commits, a P1 for another service comes in.
        if (++batches === 1)
          arrived = h.ingest('/v2/enqueue', trigger(STOREFRONT, 'p1')).then((r) => {
            expect(r.statusCode).toBe(202);
          });
      },
    });

    // A worker goes on to the next batch as soon as its last one commits: the first step applies several of the
    // storm's batches, not one (it hands the loop back after about a second, and the loop steps again).
    let more = await module.step(h.tandem.engine.context);
    expect(batches).toBeGreaterThan(1);
    for (let steps = 0; more; steps++) {
      expect(steps).toBeLessThan(20);
      more = await module.step(h.tandem.engine.context);
    }
    await arrived;

    const db = h.tandem.database.db;
    const waiting = await db
      .selectFrom('events')
      .select(sql<number>`count(*)`.as('n'))
      .where('processed_at', 'is', null)
      .executeTakeFirstOrThrow();
    expect(Number(waiting.n)).toBe(0);
    // The storm's partition is one applier's: five batches of at most 500, one after another, and the P1's own.
    expect(batches).toBeGreaterThanOrEqual(6);
    // Ids are taken batch by batch, so the P1's alert, applied while the storm's partition was still being
    // applied, has a smaller id than the storm's last alerts.
    const alerts = await db.selectFrom('alerts').select(['id', 'dedup_key']).orderBy('id').execute();
    const p1 = alerts.findIndex((a) => a.dedup_key === 'p1');
    expect(alerts).toHaveLength(STORM + 1);
    expect(p1).toBeGreaterThanOrEqual(0);
    expect(alerts.length - 1 - p1).toBeGreaterThanOrEqual(500);
    // Incident numbers 1..N, no gap and no repeat.
    const numbers = (await db.selectFrom('incidents').select('number').orderBy('number').execute()).map((r) => r.number);
    expect(numbers).toEqual(Array.from({ length: STORM + 1 }, (_, i) => i + 1));
  });
});
