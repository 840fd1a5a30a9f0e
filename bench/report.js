#!/usr/bin/env node
// npm run bench:report — building the monthly review and the metrics over
// 100,000 incidents, on SQLite and PostgreSQL: wall time and peak memory of
// `tandem report monthly` (HTML) and `tandem metrics --json` as a user runs
// them (each a fresh process: the time includes Node's start-up, ~0.2 s).
// The month is generated straight into the database (incidents, their alert,
// their SLA clocks, one page each), deterministically.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { cpus, tmpdir } from 'node:os';
import { join } from 'node:path';
import { BIN, ROOT, postgresReachable, round, tempDatabase } from './lib.js';

const N = Number(process.env.BENCH_INCIDENTS ?? 100_000);
const RUNS = Number(process.env.BENCH_RUNS ?? 3);
const dist = (p) => import(join(ROOT, 'dist', p));

async function seed(url) {
  const { openDatabase } = await dist('db/connect.js');
  const { migrateToLatest } = await dist('db/migrate.js');
  const { loadEngagements } = await dist('engagement/index.js');
  const { applyEngagements } = await dist('deployment/apply.js');
  const { ownerAt } = await dist('coverage/index.js');
  const { priorityFor } = await dist('priority/priority.js');
  const { evaluate } = await dist('sla/engine.js');
  const { slasFor } = await dist('sla/clock.js');
  const database = await openDatabase(url);
  await migrateToLatest(database);
  const { loaded } = await loadEngagements([join(ROOT, 'demo/acme.yaml')]);
  await applyEngagements(database, loaded, Date.now());
  const e = loaded[0].engagement;
  let s = 42;
  const rand = () => (s = (s * 1103515245 + 12345) % 2147483648) / 2147483648;
  const from = Date.parse('2026-11-01T04:00:00Z');
  const span = Date.parse('2026-12-01T05:00:00Z') - from;
  const severities = ['critical', 'error', 'warning', 'info'];
  const started = Date.now();
  const db = database.db;
  const CHUNK = 500;
  let number = 1;
  for (let i = 0; i < N; i += CHUNK) {
    const batch = [];
    for (let k = 0; k < CHUNK && i + k < N; k++) {
      const service = e.services[Math.floor(rand() * e.services.length)];
      const created = from + Math.floor(rand() * span);
      const severity = severities[Math.floor(rand() * rand() * 4)];
      const { priority } = priorityFor(e, severity, service.criticality);
      const side = ownerAt(e, service.function, created).side;
      const open = rand() < 0.02;
      const ack = open && rand() < 0.5 ? null : created + Math.floor((0.5 + rand() * rand() * 40) * 60_000);
      const resolved = open ? null : (ack ?? created) + Math.floor((5 + rand() * 600) * 60_000);
      batch.push({ service, created, severity, priority, side, ack, resolved, number: number++ });
    }
    await db.transaction().execute(async (trx) => {
      const rows = await trx
        .insertInto('incidents')
        .values(
          batch.map((b) => ({
            engagement_id: e.id,
            number: b.number,
            service_id: b.service.id,
            title: `${b.service.name}: generated ${b.number}`,
            severity: b.severity,
            priority: b.priority,
            status: b.resolved ? 'resolved' : b.ack ? 'acknowledged' : 'triggered',
            group_key: null,
            side: b.side,
            created_at: b.created,
            updated_at: b.resolved ?? b.ack ?? b.created,
            acknowledged_at: b.ack,
            acknowledged_by: b.ack ? 'person:sam' : null,
            resolved_at: b.resolved,
            resolved_by: b.resolved ? 'person:sam' : null,
            alert_count: 1,
            open_alert_count: b.resolved ? 0 : 1,
          })),
        )
        .returning(['id', 'number'])
        .execute();
      const idOf = new Map(rows.map((r) => [r.number, r.id]));
      await trx
        .insertInto('alerts')
        .values(
          batch.map((b) => ({
            engagement_id: e.id,
            service_id: b.service.id,
            incident_id: idOf.get(b.number),
            dedup_key: `gen-${b.number}`,
            status: b.resolved ? 'resolved' : 'triggered',
            summary: `generated ${b.number}`,
            severity: b.severity,
            source: 'bench',
            details: null,
            integration_type: 'pagerduty',
            created_at: b.created,
            updated_at: b.created,
            resolved_at: b.resolved,
            event_count: 1 + Math.floor(rand() * 5),
          })),
        )
        .execute();
      const slas = [];
      const pages = [];
      for (const b of batch) {
        const id = idOf.get(b.number);
        const incident = {
          id,
          created_at: b.created,
          acknowledged_at: b.ack,
          resolved_at: b.resolved,
          priority: b.priority,
          status: b.resolved ? 'resolved' : 'acknowledged',
          side: b.side,
        };
        const history = [
          { at: b.created, status: 'triggered' },
          ...(b.ack ? [{ at: b.ack, status: 'acknowledged' }] : []),
          ...(b.resolved ? [{ at: b.resolved, status: 'resolved' }] : []),
        ];
        for (const sla of slasFor(e, b.side))
          for (const kind of ['respond', 'resolve'])
            slas.push({
              engagement_id: e.id,
              incident_id: id,
              sla_id: sla.id,
              kind,
              ...evaluate(undefined, e, sla, kind, incident, history, b.resolved ?? b.created + 86_400_000).patch,
            });
        const person = b.side === 'partner' ? ['sam', 'kim', 'ana'][b.number % 3] : ['dana', 'lee'][b.number % 2];
        pages.push({
          engagement_id: e.id,
          incident_id: id,
          step_id: null,
          recipient_kind: 'person',
          recipient_id: person,
          channel: 'email',
          address: `${person}@example`,
          kind: 'page',
          reason: 'bench',
          note: null,
          created_at: b.created,
          due_at: b.created,
          next_attempt_at: b.created,
          status: 'delivered',
          attempts: 1,
          last_error: null,
          lease_until: null,
          claimed_by: null,
          delivered_at: b.created + 2000,
          provider_id: null,
          bundle_id: null,
        });
      }
      for (let j = 0; j < slas.length; j += 500)
        await trx
          .insertInto('incident_slas')
          .values(slas.slice(j, j + 500))
          .execute();
      await trx.insertInto('notifications').values(pages).execute();
    });
  }
  await database.close();
  return (Date.now() - started) / 1000;
}

function timed(args) {
  const out = [];
  for (let r = 0; r < RUNS; r++) {
    const res = spawnSync('/usr/bin/time', ['-f', '%e %M', process.execPath, BIN, ...args], { encoding: 'utf8' });
    if (res.status !== 0) throw new Error(`tandem ${args.join(' ')} failed: ${res.stderr}`);
    const [seconds, kb] = res.stderr.trim().split('\n').pop().split(' ').map(Number);
    out.push({ seconds, peak_rss_mb: Math.round(kb / 1024) });
  }
  out.sort((a, b) => a.seconds - b.seconds);
  const median = out[Math.floor(out.length / 2)];
  return { seconds: median.seconds, peak_rss_mb: Math.max(...out.map((o) => o.peak_rss_mb)), runs: out.map((o) => o.seconds) };
}

async function bench(kind) {
  const db = await tempDatabase(kind);
  const dir = mkdtempSync(join(tmpdir(), 'tandem-bench-report-'));
  try {
    const seedSeconds = await seed(db.url);
    const html = join(dir, 'review.html');
    const review = timed(['report', 'monthly', '--engagement', 'acme', '--month', '2026-11', '--out', html, '--db', db.url]);
    const metrics = timed([
      'metrics',
      '--engagement',
      'acme',
      '--from',
      '2026-11-01T00:00:00-04:00',
      '--to',
      '2026-12-01T00:00:00-05:00',
      '--json',
      '--db',
      db.url,
    ]);
    return { incidents: N, seed_seconds: round(seedSeconds, 1), monthly_review_html: { ...review, bytes: statSync(html).size }, metrics };
  } finally {
    rmSync(dir, { recursive: true, force: true });
    await db.drop();
  }
}

const out = {
  bench: 'report',
  machine: { cpus: cpus().length, cpu: cpus()[0]?.model, node: process.version },
  note: 'seconds are wall time of the CLI process, median of runs; peak_rss_mb is the largest maximum resident set size across runs',
};
if (process.env.BENCH_SEED_ONLY) {
  const url = process.env.BENCH_SEED_ONLY;
  console.log(JSON.stringify({ seeded: url, seconds: await seed(url) }));
  process.exit(0);
}
const only = process.env.BENCH_ONLY;
if (!only || only === 'sqlite') out.sqlite = await bench('sqlite');
if (!only || only === 'postgres')
  out.postgres = (await postgresReachable()) ? await bench('postgres') : { skipped: 'PostgreSQL not reachable' };
console.log(JSON.stringify(out, null, 2));
