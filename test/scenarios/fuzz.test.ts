/**
 * The random fuzz of ingest (issue 8, "Done means"): a hostile or broken
 * sender posts thousands of mutated bodies, made from real Alertmanager and
 * PagerDuty captures by a seeded mutator (test/fuzz/mutate.ts), to each ingest
 * endpoint. Every request is answered 202 or a 4xx whose JSON body names the
 * problem, never a 5xx; the process does not crash; and once the engine has
 * settled, every accepted event has been applied or set aside (quarantined)
 * with its error: none is left waiting, so nothing a sender does can stall
 * paging for everyone.
 *
 * TANDEM_FUZZ_N sets the bodies per endpoint (`npm run fuzz` runs 20,000);
 * TANDEM_FUZZ_REPORT names a file for the counts as JSON.
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { LightMyRequestResponse } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FUZZ_TARGETS, Mutator, loadBases, showPayload } from '../fuzz/mutate.js';
import type { FuzzCase, FuzzTarget } from '../fuzz/mutate.js';
import { databaseKinds } from '../support/databases.js';
import type { DatabaseKind } from '../support/databases.js';
import { startHarness } from '../support/harness.js';
import type { Harness } from '../support/harness.js';
import { FIXTURES, ROOT } from '../support/paths.js';

const N = Number(process.env['TANDEM_FUZZ_N'] ?? 500);
const REPORT = process.env['TANDEM_FUZZ_REPORT'];
/** Fixed seeds, one per endpoint: the same bodies on every run. */
const SEEDS: Record<FuzzTarget, number> = { pagerduty: 0x7a11d3, change: 0xc4a6e, alertmanager: 0xa1e27, generic: 0x9e4e1c };
/** Requests in flight at once (the inbox commits them together, as under real load). */
const CONCURRENCY = 16;
/** The engine settles after this many requests, so events are applied while more arrive. */
const SETTLE_EVERY = 400;

const bases = loadBases(FIXTURES, join(ROOT, 'docs/ingest.md'));

interface Counts {
  requests: number;
  accepted: number;
  refused: Record<string, number>;
  server_errors: number;
  quarantined: number;
  /** Quarantine errors by message (the first 160 characters). */
  quarantine_errors: Record<string, number>;
  unapplied: number;
  /** Incidents and alerts in the database after this endpoint's run (all endpoints so far). */
  incidents_so_far: number;
  alerts_so_far: number;
  seconds: number;
}
const report: Record<string, Record<string, Counts>> = {};

afterAll(() => {
  console.log(`ingest fuzz, ${N} bodies per endpoint:\n${JSON.stringify(report, null, 2)}`);
  if (REPORT) writeFileSync(REPORT, JSON.stringify({ bodies_per_endpoint: N, seeds: SEEDS, databases: report }, null, 2));
});

/** Whether a refusal's JSON body names the problem: PagerDuty's `errors[]`, or Tandem's `error.message`. */
function namesProblem(res: LightMyRequestResponse): boolean {
  let body: unknown;
  try {
    body = res.json();
  } catch {
    return false;
  }
  if (typeof body !== 'object' || body === null) return false;
  const errors = (body as { errors?: unknown }).errors;
  if (Array.isArray(errors)) return errors.length > 0 && errors.every((e) => typeof e === 'string' && e.length > 0);
  const error = (body as { error?: { code?: unknown; message?: unknown } }).error;
  return typeof error?.code === 'string' && typeof error.message === 'string' && error.message.length > 0;
}

describe.each(databaseKinds())('a sender posting mutated bodies, on $name', (kind: DatabaseKind) => {
  let h: Harness;
  const crashes: unknown[] = [];
  const onCrash = (err: unknown) => crashes.push(err);
  const counts: Record<string, Counts> = {};

  beforeAll(async () => {
    h = await startHarness(kind);
    process.on('unhandledRejection', onCrash);
    process.on('uncaughtException', onCrash);
    report[kind.name] = counts;
  });
  afterAll(async () => {
    process.off('unhandledRejection', onCrash);
    process.off('uncaughtException', onCrash);
    await h.close();
  });

  async function eventCounts(): Promise<{ all: number; unapplied: number; quarantined: number; maxId: number }> {
    const rows = await h.tandem.database.db.selectFrom('events').select(['id', 'processed_at', 'quarantined_at']).execute();
    return {
      all: rows.length,
      maxId: rows.reduce((m, r) => Math.max(m, r.id), 0),
      unapplied: rows.filter((r) => r.processed_at === null && r.quarantined_at === null).length,
      quarantined: rows.filter((r) => r.quarantined_at !== null).length,
    };
  }

  it.each(FUZZ_TARGETS)(
    '%s: every body gets 202 or a 4xx naming the problem, and every accepted event is applied or quarantined',
    async (target) => {
      const started = Date.now();
      const mutator = new Mutator(target, SEEDS[target], bases);
      const before = await eventCounts();
      const c: Counts = {
        requests: 0,
        accepted: 0,
        refused: {},
        server_errors: 0,
        quarantined: 0,
        quarantine_errors: {},
        unapplied: 0,
        incidents_so_far: 0,
        alerts_so_far: 0,
        seconds: 0,
      };
      counts[target] = c;
      const wrong: string[] = [];
      const describeCase = (fc: FuzzCase, res: LightMyRequestResponse) =>
        `${target} #${fc.index} (seed ${SEEDS[target]}) ${fc.path} [${fc.mutations.join('; ')}] -> ${res.statusCode} ${res.body.slice(0, 300)}\n  body: ${showPayload(fc)}`;

      for (let sent = 0; sent < N;) {
        const cases: FuzzCase[] = [];
        for (let i = 0; i < CONCURRENCY && sent < N; i++, sent++) cases.push(mutator.next());
        const responses = await Promise.all(
          cases.map((fc) =>
            h.tandem.http.inject({
              method: 'POST',
              url: fc.path,
              headers: fc.contentType === undefined ? {} : { 'content-type': fc.contentType },
              payload: fc.payload,
            }),
          ),
        );
        responses.forEach((res, i) => {
          const fc = cases[i] as FuzzCase;
          c.requests++;
          if (res.statusCode === 202) {
            c.accepted++;
            if ((res.json() as { status?: string }).status !== 'success') wrong.push(`202 without success: ${describeCase(fc, res)}`);
          } else if (res.statusCode >= 400 && res.statusCode < 500) {
            c.refused[res.statusCode] = (c.refused[res.statusCode] ?? 0) + 1;
            if (!namesProblem(res)) wrong.push(`a ${res.statusCode} that names no problem: ${describeCase(fc, res)}`);
          } else {
            if (res.statusCode >= 500) c.server_errors++;
            wrong.push(`status ${res.statusCode}: ${describeCase(fc, res)}`);
          }
        });
        // Time passes for the engine, escalation and delivery too.
        h.clock.advance(1_000);
        if (sent % SETTLE_EVERY < CONCURRENCY || sent === N) await h.settle();
      }
      await h.settle();

      const after = await eventCounts();
      c.quarantined = after.quarantined - before.quarantined;
      c.unapplied = after.unapplied;
      c.seconds = Math.round((Date.now() - started) / 100) / 10;
      const db = h.tandem.database.db;
      c.incidents_so_far = Number(
        (
          await db
            .selectFrom('incidents')
            .select((eb) => eb.fn.countAll<number>().as('n'))
            .executeTakeFirstOrThrow()
        ).n,
      );
      c.alerts_so_far = Number(
        (
          await db
            .selectFrom('alerts')
            .select((eb) => eb.fn.countAll<number>().as('n'))
            .executeTakeFirstOrThrow()
        ).n,
      );
      if (c.quarantined > 0) {
        // Allowed by the wording, but each one is an accepted alert that paged nobody: shown, to be looked into.
        const quarantined = await db
          .selectFrom('events')
          .select(['id', 'integration_type', 'apply_error', 'raw'])
          .where('quarantined_at', 'is not', null)
          .where('id', '>', before.maxId)
          .orderBy('id')
          .execute();
        for (const q of quarantined) {
          const error = (q.apply_error ?? '').slice(0, 160);
          c.quarantine_errors[error] = (c.quarantine_errors[error] ?? 0) + 1;
        }
        const shown = quarantined
          .slice(0, 20)
          .map((q) => `  #${q.id} ${q.integration_type}: ${q.apply_error ?? ''}\n    raw: ${JSON.stringify(q.raw.slice(0, 400))}`);
        console.log(
          `${kind.name} ${target}: ${c.quarantined} quarantined event(s)${quarantined.length > 20 ? ', the first 20' : ''}:\n${shown.join('\n')}`,
        );
      }

      expect(wrong.slice(0, 20)).toEqual([]);
      expect(c.server_errors).toBe(0);
      expect(crashes).toEqual([]);
      // Every 202 stored exactly one event, and none of them is left waiting.
      expect(after.all - before.all).toBe(c.accepted);
      expect(c.unapplied).toBe(0);
      // The bodies keep enough of their shape that the engine really is exercised.
      expect(c.accepted).toBeGreaterThan(N / 10);
      expect((await h.tandem.http.inject({ method: 'GET', url: '/healthz' })).statusCode).toBe(200);
    },
    Math.max(60_000, N * 200),
  );

  it('every incident the fuzz opened reads back in the API, strange titles and details included', async () => {
    const admin = await h.token('admin');
    const list = await h.api('GET', '/incidents?limit=100', admin);
    expect(list.statusCode).toBe(200);
    // By id: ids and numbers are apart on PostgreSQL, where a batch takes ids ahead of its inserts.
    const ids = await h.tandem.database.db.selectFrom('incidents').select('id').orderBy('id').execute();
    expect(ids.length).toBeGreaterThan(0);
    const failed: string[] = [];
    // Every incident up to 300, else an even spread of 300.
    const step = Math.max(1, Math.floor(ids.length / 300));
    for (let i = 0; i < ids.length; i += step) {
      const res = await h.api('GET', `/incidents/${String(ids[i]?.id)}`, admin);
      if (res.statusCode !== 200) failed.push(`incident ${String(ids[i]?.id)}: ${res.statusCode} ${res.body.slice(0, 200)}`);
    }
    expect(failed).toEqual([]);
    expect((await h.api('GET', '/events/quarantined', admin)).statusCode).toBe(200);
    expect((await h.tandem.http.inject({ method: 'GET', url: '/metrics' })).statusCode).toBe(200);
  });
});
