/**
 * The ticket sync's soak (issue 10): 1,000 incidents (TANDEM_SOAK_INCIDENTS)
 * opened, acknowledged, noted, re-prioritised and resolved while Jira,
 * ServiceNow and ConnectWise answer with 429s (with Retry-After 0 and
 * without), 503s, lost answers (the system acts, Tandem has stopped waiting)
 * and no answer at all, and one Tandem restarts midway with operations still
 * claimed. At the end each incident has exactly one ticket in each system,
 * in the incident's state and priority, with each of its notes exactly once;
 * no operation failed and every fake saw only requests its vendor accepts.
 * The figures are printed as one JSON line (`ticketing soak`).
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { VirtualClock } from '../../src/clock/clock.js';
import { adfText } from '../../src/ticketing/jira.js';
import { nextDueOp } from '../../src/ticketing/store.js';
import { databaseKinds } from '../support/databases.js';
import type { DatabaseKind, TestDatabase } from '../support/databases.js';
import { startConnectWiseFake } from '../support/fakes/connectwise.js';
import type { ConnectWiseFake } from '../support/fakes/connectwise.js';
import { startJiraFake } from '../support/fakes/jira.js';
import type { JiraFake } from '../support/fakes/jira.js';
import { startServiceNowFake } from '../support/fakes/servicenow.js';
import type { ServiceNowFake } from '../support/fakes/servicenow.js';
import { startHarness } from '../support/harness.js';
import type { Harness } from '../support/harness.js';
import { connectWiseEntry, demoWithTicketing, jiraEntry, serviceNowEntry } from '../support/ticketing.js';

const INCIDENTS = Number(process.env['TANDEM_SOAK_INCIDENTS'] ?? 1000);
const BATCH = 100;
const PAYMENTS = '9f1c2a7e5b3d4c6e8a0b1d2f3e4a5b6c'; // payments-api, criticality 1: info is P4, warning P2
const TIMEOUT_MS = 300;
/** A lost answer: the fake acts after this long, when Tandem has long stopped waiting. */
const LOST_MS = 700;
/** One fault every this many requests, per system. */
const FAULT_EVERY = 25;
const LEASE_MS = 120_000;
const SYSTEMS = ['jira', 'servicenow', 'connectwise'] as const;
type System = (typeof SYSTEMS)[number];

const FAULT_KINDS = ['429 Retry-After 0', '429', '503', 'lost answer', 'no answer'] as const;
type FaultKind = (typeof FAULT_KINDS)[number];
type Fault = { status: 429; retryAfter?: '0' } | { status: 503 } | { delayMs: number } | { hang: true };
const FAULTS: Record<FaultKind, Fault> = {
  '429 Retry-After 0': { status: 429, retryAfter: '0' },
  '429': { status: 429 },
  '503': { status: 503 },
  'lost answer': { delayMs: LOST_MS },
  'no answer': { hang: true },
};

/** What a fake offers the soak: its fault queue and request log. */
interface Faulty {
  inject(fault: Fault, times?: number): void;
  readonly requests: readonly unknown[];
}

/**
 * Loads a fake's fault queue for the whole run: every `FAULT_EVERY`-th request
 * gets the next fault kind in turn, the others pass (a zero delay). Returns
 * the request index each fault lands on.
 */
function scheduleFaults(fake: Faulty, requests: number): Array<{ index: number; kind: FaultKind }> {
  const plan: Array<{ index: number; kind: FaultKind }> = [];
  for (let at = FAULT_EVERY - 1, k = 0; at < requests; at += FAULT_EVERY, k++) {
    const kind = FAULT_KINDS[k % FAULT_KINDS.length] ?? '503';
    fake.inject({ delayMs: 0 }, FAULT_EVERY - 1);
    fake.inject(FAULTS[kind]);
    plan.push({ index: at, kind });
  }
  return plan;
}

/** One soak incident: what was done to it in Tandem, hence what its tickets must show. */
interface Planned {
  readonly i: number;
  id: number;
  number: number;
  acknowledged: boolean;
  resolved: boolean;
  priority: string;
  readonly notes: string[];
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Jira's, ServiceNow's and ConnectWise's view of a ticket, in Tandem's terms. */
interface Seen {
  readonly key: string;
  readonly state: 'open' | 'in_progress' | 'done';
  readonly priority: string;
  readonly notes: readonly string[];
}

const JIRA_PRIORITY: Record<string, string> = { P1: 'Highest', P2: 'High', P3: 'Medium', P4: 'Low', P5: 'Lowest' };
const SNOW_PRIORITY: Record<string, string> = { P1: '1', P2: '2', P3: '3', P4: '4', P5: '5' };
const CW_PRIORITY: Record<string, string> = {
  P1: 'Priority 1 - Emergency Response',
  P2: 'Priority 2 - Quick Response',
  P3: 'Priority 3 - Normal Response',
  P4: 'Priority 4 - Schedule Maintenance',
  P5: 'Priority 4 - Schedule Maintenance',
};

/** Each system's tickets by correlation id (the incident's ref, ACME-42), every copy kept so duplicates show. */
function jiraTickets(fake: JiraFake): Map<string, Seen[]> {
  const out = new Map<string, Seen[]>();
  for (const issue of fake.issues.values()) {
    const ref = issue.labels.find((l) => l.startsWith('tandem-'))?.slice('tandem-'.length) ?? '?';
    const cat = issue.status.category;
    const state = cat === 'done' ? 'done' : cat === 'indeterminate' ? 'in_progress' : 'open';
    const notes = issue.comments.map((c) => adfText(c.body));
    out.set(ref, [...(out.get(ref) ?? []), { key: issue.key, state, priority: issue.priority, notes }]);
  }
  return out;
}

function snowTickets(fake: ServiceNowFake): Map<string, Seen[]> {
  const notes = new Map<string, string[]>();
  for (const j of fake.journal) if (j.element === 'work_notes') notes.set(j.element_id, [...(notes.get(j.element_id) ?? []), j.value]);
  const out = new Map<string, Seen[]>();
  for (const [sysId, inc] of fake.incidents) {
    const ref = (inc['correlation_id'] ?? '').replace(/^tandem:/, '');
    const s = inc['state'] ?? '';
    const state = s === '2' ? 'in_progress' : s === '6' || s === '7' ? 'done' : 'open';
    const seen = { key: inc['number'] ?? '?', state, priority: inc['priority'] ?? '?', notes: notes.get(sysId) ?? [] } as const;
    out.set(ref, [...(out.get(ref) ?? []), seen]);
  }
  return out;
}

function cwTickets(fake: ConnectWiseFake): Map<string, Seen[]> {
  const out = new Map<string, Seen[]>();
  for (const t of fake.tickets.values()) {
    const ref = t.externalXRef ?? '?';
    const state = t.status.closedStatus ? 'done' : t.status.name === 'In Progress' ? 'in_progress' : 'open';
    const seen = { key: `#${t.id}`, state, priority: t.priority.name, notes: t.notes.map((n) => n.text) } as const;
    out.set(ref, [...(out.get(ref) ?? []), seen]);
  }
  return out;
}

/** What is wrong with one incident's ticket in one system (empty when it is right). */
function problems(system: System, p: Planned, copies: readonly Seen[] | undefined): string[] {
  const ref = `ACME-${p.number}`;
  if (copies === undefined || copies.length === 0) return [`${system} ${ref}: no ticket`];
  if (copies.length > 1) return [`${system} ${ref}: ${copies.length} tickets (${copies.map((c) => c.key).join(', ')})`];
  const [t] = copies as [Seen];
  const out: string[] = [];
  const state = p.resolved ? 'done' : p.acknowledged ? 'in_progress' : 'open';
  if (t.state !== state) out.push(`${system} ${ref} ${t.key}: state ${t.state}, expected ${state}`);
  const priority = { jira: JIRA_PRIORITY, servicenow: SNOW_PRIORITY, connectwise: CW_PRIORITY }[system][p.priority];
  if (t.priority !== priority) out.push(`${system} ${ref} ${t.key}: priority ${t.priority}, expected ${priority}`);
  for (const note of new Set(p.notes)) {
    const want = p.notes.filter((x) => x === note).length;
    const n = t.notes.filter((x) => x.includes(note)).length;
    if (n !== want) out.push(`${system} ${ref} ${t.key}: note "${note}" ${n} times, expected ${want}`);
  }
  const ours = t.notes.filter((x) => x.includes('soak note')).length;
  if (ours !== p.notes.length) out.push(`${system} ${ref} ${t.key}: ${ours} notes, expected ${p.notes.length}`);
  return out;
}

describe.each(databaseKinds())('ticket sync soak, on $name', (kind: DatabaseKind) => {
  let h: Harness | undefined;
  let db: TestDatabase | undefined;
  let fakes: { jira: JiraFake; snow: ServiceNowFake; cw: ConnectWiseFake } | undefined;
  let dir: string | undefined;
  let stopWatch: (() => void) | undefined;
  afterEach(async () => {
    stopWatch?.();
    await h?.close();
    await Promise.all([fakes?.jira.close(), fakes?.snow.close(), fakes?.cw.close()]);
    await db?.drop();
    if (dir) rmSync(dir, { recursive: true, force: true });
    h = db = fakes = dir = undefined;
  });

  it(`${INCIDENTS} incidents through 429s, 503s, lost answers, silence and a restart: one ticket each per system, every change and note once`, async () => {
    const began = Date.now();
    const clock = new VirtualClock('2026-11-25T04:47:00Z');
    const [jira, snow, cw] = await Promise.all([
      startJiraFake({ clock }),
      startServiceNowFake({ clock }),
      startConnectWiseFake({ company: 'nightowl', clock }),
    ]);
    fakes = { jira, snow, cw };
    const byFake: Record<System, Faulty> = { jira, servicenow: snow, connectwise: cw };
    const plans = Object.fromEntries(SYSTEMS.map((s) => [s, scheduleFaults(byFake[s], INCIDENTS * 40)])) as Record<
      System,
      Array<{ index: number; kind: FaultKind }>
    >;
    const fired = (s: System) => plans[s].filter((f) => f.index < byFake[s].requests.length);
    // When each lost answer's action will have landed: noted (late, never early) as its request shows in the log.
    const lost = new Map<string, number>();
    const watch = setInterval(() => {
      for (const s of SYSTEMS)
        for (const f of fired(s))
          if (f.kind === 'lost answer' && !lost.has(`${s}${f.index}`)) lost.set(`${s}${f.index}`, Date.now() + LOST_MS);
    }, 5);
    stopWatch = () => clearInterval(watch);
    /** A lost answer's action lands LOST_MS after its request: wait for it before a retry could be due. */
    const lostLanded = async (): Promise<void> => {
      for (;;) {
        const pending = SYSTEMS.some((s) => fired(s).some((f) => f.kind === 'lost answer' && !lost.has(`${s}${f.index}`)));
        const last = Math.max(0, ...lost.values());
        if (!pending && last + 20 <= Date.now()) break;
        await sleep(pending ? 10 : last + 20 - Date.now());
      }
    };

    dir = mkdtempSync(join(tmpdir(), 'tandem-soak-'));
    const cwPriorities = Object.entries(CW_PRIORITY).map(([p, n]) => `${p}: "${n}"`);
    const config = demoWithTicketing(dir, [
      jiraEntry(jira),
      serviceNowEntry(snow),
      connectWiseEntry(cw, 'AcmeCorp', 'Service Desk', [`priorities: { ${cwPriorities.join(', ')} }`]),
    ]);
    db = await kind.create();
    const options = {
      config: [config],
      db,
      virtualClock: clock,
      env: {
        ACME_JIRA_TOKEN: jira.token,
        ACME_SN_PASSWORD: 'servicenow-fake-password',
        NO_CW_PUBLIC: 'cwPublicKey1',
        NO_CW_PRIVATE: 'cwPrivateKey1',
      },
      extraArgs: ['--ticketing-timeout-ms', String(TIMEOUT_MS)],
    };
    h = await startHarness(kind, options);

    const planned: Planned[] = [];
    let kim = await h.token('responder', ['acme'], 'kim');
    const batches = Math.ceil(INCIDENTS / BATCH);
    let restart: { runningLeft: number; instance: string } | undefined;

    /** Opens incidents [from, to): one PagerDuty event each, most at P4, every tenth at P2 (it pages). */
    async function open(t: Harness, from: number, to: number): Promise<void> {
      for (let i = from; i < to; i++) {
        const body = {
          routing_key: PAYMENTS,
          event_action: 'trigger',
          dedup_key: `soak-${i}`,
          payload: { summary: `Soak incident ${i}`, source: 'soak', severity: i % 10 === 1 ? 'warning' : 'info' },
        };
        expect((await t.ingest('/v2/enqueue', body)).statusCode).toBe(202);
      }
      await t.tandem.engine.runOnce();
      const rows = await t.tandem.database.db.selectFrom('incidents').select(['id', 'number', 'title', 'priority']).execute();
      const byTitle = new Map(rows.map((r) => [r.title, r]));
      for (let i = from; i < to; i++) {
        const row = byTitle.get(`Soak incident ${i}`);
        if (row === undefined) throw new Error(`incident ${i} did not open`);
        planned[i] = {
          i,
          id: Number(row.id),
          number: Number(row.number),
          acknowledged: false,
          resolved: false,
          priority: row.priority,
          notes: [],
        };
      }
    }
    /**
     * Acknowledge every 2nd, note every 3rd (every 9th gets the same note twice: written twice on purpose, it must
     * appear twice, never be taken for a retry's earlier attempt), re-prioritise every 5th to P5.
     */
    async function work(t: Harness, from: number, to: number): Promise<void> {
      for (let i = from; i < to; i++) {
        const p = planned[i] as Planned;
        if (i % 2 === 0) {
          expect((await t.api('POST', `/incidents/${p.id}/acknowledge`, kim)).statusCode).toBe(200);
          p.acknowledged = true;
        }
        for (const n of i % 9 === 0 ? ['A', 'A'] : i % 3 === 0 ? ['A'] : []) {
          const text = `soak note ${n} on incident ${i}.`;
          expect((await t.api('POST', `/incidents/${p.id}/notes`, kim, { text })).statusCode).toBe(201);
          p.notes.push(text);
        }
        if (i % 5 === 0) {
          expect((await t.api('POST', `/incidents/${p.id}/priority`, kim, { priority: 'P5' })).statusCode).toBe(200);
          p.priority = 'P5';
        }
      }
    }
    /** Resolve every 4th (all acknowledged) and every 10th + 5 (never acknowledged). */
    async function resolve(t: Harness, from: number, to: number): Promise<void> {
      for (let i = from; i < to; i++) {
        const p = planned[i] as Planned;
        if (i % 4 !== 0 && i % 10 !== 5) continue;
        expect((await t.api('POST', `/incidents/${p.id}/resolve`, kim)).statusCode).toBe(200);
        p.resolved = true;
      }
    }
    /** One step of the run: the engine at the current time, then a few seconds on. */
    async function step(t: Harness): Promise<void> {
      await t.settle();
      await lostLanded();
      clock.advance(5_000);
    }

    /**
     * Tandem stops in the middle of a step, operations claimed and calls in
     * flight; a new instance on the same database leaves them to their lease,
     * then takes them over.
     */
    async function crashMidStep(): Promise<{ runningLeft: number; instance: string }> {
      const a = h as Harness;
      const sent = SYSTEMS.reduce((n, s) => n + byFake[s].requests.length, 0);
      const busy = a.settle().catch(() => undefined);
      for (let i = 0; i < 2_000; i++) {
        const now = SYSTEMS.reduce((n, s) => n + byFake[s].requests.length, 0);
        if (now >= sent + 30) break;
        await sleep(5);
      }
      await a.close();
      await busy;
      await lostLanded();
      const b = await startHarness(kind, options);
      h = b;
      kim = await b.token('responder', ['acme'], 'kim');
      const held = await b.tandem.database.db.selectFrom('ticket_ops').select(['claimed_by']).where('status', '=', 'running').execute();
      const instance = held[0]?.claimed_by ?? '';
      expect(held.length).toBeGreaterThan(0);
      // Before the lease runs out the new instance leaves the old one's operations alone...
      await b.settle();
      const still = await b.tandem.database.db
        .selectFrom('ticket_ops')
        .select('id')
        .where('status', '=', 'running')
        .where('claimed_by', '=', instance)
        .execute();
      expect(still.length).toBe(held.length);
      // ...and takes them over once it has.
      clock.advance(LEASE_MS + 1_000);
      await b.settle();
      await lostLanded();
      const left = await b.tandem.database.db.selectFrom('ticket_ops').select('id').where('claimed_by', '=', instance).execute();
      expect(left).toEqual([]);
      return { runningLeft: held.length, instance };
    }

    for (let b = 0; b < batches; b++) {
      const from = b * BATCH;
      const to = Math.min(INCIDENTS, from + BATCH);
      await open(h, from, to);
      if (b >= 1) await work(h, from - BATCH, from);
      if (b >= 2) await resolve(h, from - 2 * BATCH, from - BATCH);
      if (b === Math.floor(batches / 2)) restart = await crashMidStep();
      else await step(h);
    }
    const last = (batches - 1) * BATCH;
    if (batches >= 2) await resolve(h, Math.max(0, last - BATCH), last);
    await work(h, last, INCIDENTS);
    await resolve(h, last, INCIDENTS);

    // Drain: run the engine, then jump to the next retry (at least 15 s on), until the outbox is empty.
    let rounds = 0;
    for (; rounds < 400; rounds++) {
      await h.settle();
      await lostLanded();
      const due = await nextDueOp(h.tandem.database.db);
      if (due === null) break;
      clock.set(Math.max(due, clock.now() + 15_000));
    }
    expect(rounds).toBeLessThan(400);

    const ops = await h.tandem.database.db.selectFrom('ticket_ops').select(['kind', 'status', 'attempts', 'last_error']).execute();
    const tickets = await h.tandem.database.db.selectFrom('tickets').select(['incident_id', 'system', 'external_key', 'state']).execute();
    const seen: Record<System, Map<string, Seen[]>> = {
      jira: jiraTickets(jira),
      servicenow: snowTickets(snow),
      connectwise: cwTickets(cw),
    };
    const wrong = planned.flatMap((p) => SYSTEMS.flatMap((s) => problems(s, p, seen[s].get(`ACME-${p.number}`))));
    // Tandem's own record of each ticket: the system's key, and the incident's state.
    const byId = new Map(planned.map((p) => [p.id, p]));
    for (const t of tickets) {
      const p = byId.get(Number(t.incident_id));
      const copies = p === undefined ? undefined : seen[t.system as System].get(`ACME-${p.number}`);
      const state = p?.resolved ? 'done' : p?.acknowledged ? 'in_progress' : 'open';
      if (p === undefined || copies?.[0]?.key !== t.external_key || t.state !== state)
        wrong.push(`tandem ${t.system} ticket of incident ${t.incident_id}: ${t.external_key ?? 'no key'} ${t.state}, expected ${state}`);
    }
    const duplicates = SYSTEMS.reduce((n, s) => n + [...seen[s].values()].reduce((d, copies) => d + copies.length - 1, 0), 0);
    const figures = {
      database: kind.name,
      incidents: planned.length,
      acknowledged: planned.filter((p) => p.acknowledged).length,
      resolved: planned.filter((p) => p.resolved).length,
      notes: planned.reduce((n, p) => n + p.notes.length, 0),
      reprioritised: planned.filter((p) => p.priority === 'P5').length,
      tickets: { jira: jira.issues.size, servicenow: snow.incidents.size, connectwise: cw.tickets.size },
      requests: { jira: jira.requests.length, servicenow: snow.requests.length, connectwise: cw.requests.length },
      faults: Object.fromEntries(
        SYSTEMS.map((s) => [s, Object.fromEntries(FAULT_KINDS.map((k) => [k, fired(s).filter((f) => f.kind === k).length]))]),
      ),
      ops: ops.length,
      retries: ops.reduce((n, o) => n + Number(o.attempts) - 1, 0),
      restart: { takenOver: restart?.runningLeft ?? 0 },
      drainRounds: rounds,
      failed: ops.filter((o) => o.status !== 'done').length,
      duplicates,
      missing: wrong.filter((w) => w.endsWith(': no ticket')).length,
      lost: wrong.filter((w) => !w.endsWith(': no ticket') && !/ tickets \(/.test(w)).length,
      seconds: Math.round((Date.now() - began) / 100) / 10,
    };
    console.log(`ticketing soak ${JSON.stringify(figures)}`);

    expect(ops.filter((o) => o.status !== 'done')).toEqual([]);
    expect(wrong.slice(0, 20)).toEqual([]);
    expect(duplicates).toBe(0);
    expect(jira.duplicateLabels()).toEqual([]);
    expect(tickets).toHaveLength(3 * INCIDENTS);
    expect(tickets.filter((t) => t.external_key === null)).toEqual([]);
    for (const s of SYSTEMS) expect(fired(s).length).toBeGreaterThanOrEqual(FAULT_KINDS.length);
    expect(restart?.runningLeft ?? 0).toBeGreaterThan(0);
    jira.assertClean();
    snow.assertClean();
    cw.assertClean();
  }, 600_000);
});
