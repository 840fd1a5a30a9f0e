/**
 * A heartbeat survives a crash: a real `tandem serve` answers a beat 202 and
 * is killed with SIGKILL at once; a new server on the same database, started
 * before the deadline, opens the silence's incident (once, and never before
 * the deadline the 202 named), and the next beat resolves it. The same
 * story on a virtual clock, with a graceful restart, is in heartbeat.test.ts.
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { openDatabase } from '../../src/db/connect.js';
import { databaseKinds } from '../support/databases.js';
import type { TestDatabase } from '../support/databases.js';
import { DEMO } from '../support/paths.js';
import { startServerProcess } from '../support/server-process.js';
import type { ServerProcess } from '../support/server-process.js';

const KEY = 'hb-crash-test-0001';
const INTEGRATIONS = '      - { type: alertmanager, key: "am-payments-3c8e1f" }\n';

async function until<T>(what: string, check: () => Promise<T | undefined>, timeoutMs = 30_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const found = await check();
    if (found !== undefined) return found;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

describe.each(databaseKinds())('a heartbeat across a SIGKILL, on $name', (kind) => {
  let db: TestDatabase | undefined;
  let server: ServerProcess | undefined;
  let dir: string | undefined;
  afterEach(async () => {
    if (server?.child.exitCode === null) await server.kill();
    await db?.drop();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('the beat answered before the kill still opens the incident at its deadline, and the next beat resolves it', async () => {
    dir = mkdtempSync(join(tmpdir(), 'tandem-heartbeat-crash-'));
    const file = join(dir, 'acme.yaml');
    const demo = readFileSync(DEMO, 'utf8');
    expect(demo).toContain(INTEGRATIONS);
    writeFileSync(file, demo.replace(INTEGRATIONS, `${INTEGRATIONS}      - { type: heartbeat, key: "${KEY}", every: 10s, grace: 0s }\n`));
    db = await kind.create();
    const args = ['--config', file, '--db', db.url, '--log-level', 'warn', '--engine-poll-ms', '100', '--notify', 'inbox'];
    const url = (s: ServerProcess) => `${s.url}/integrations/heartbeat/${KEY}`;

    server = await startServerProcess(args);
    const beat = await fetch(url(server), { method: 'POST' });
    expect(beat.status).toBe(202);
    const due = Date.parse(((await beat.json()) as { due_at: string }).due_at);
    await server.kill();

    server = await startServerProcess(args);
    const watch = await openDatabase(db.url);
    try {
      const heartbeatIncidents = () =>
        watch.db.selectFrom('incidents').select(['id', 'title', 'status', 'created_at']).where('title', 'like', 'No heartbeat%').execute();
      const opened = await until('the silence to open an incident', async () => {
        const rows = await heartbeatIncidents();
        return rows.length > 0 ? rows : undefined;
      });
      // Give a second opening the time to show up: there is none.
      await new Promise((r) => setTimeout(r, 1000));
      const rows = await heartbeatIncidents();
      expect(rows).toHaveLength(1);
      // Opened when the deadline passed (the loop wakes at it, give or take a poll): about 10s of silence.
      expect(opened[0]?.title).toMatch(/^No heartbeat from Payment processing API \(key …0001\) for 1\ds$/);
      expect(Number(opened[0]?.created_at)).toBeGreaterThanOrEqual(due);

      const back = await fetch(url(server), { method: 'GET' });
      expect(back.status).toBe(202);
      expect(await back.json()).toMatchObject({ resolved: true });
      await until('the next beat to resolve it', async () =>
        (await heartbeatIncidents()).every((i) => i.status === 'resolved') ? true : undefined,
      );
    } finally {
      await watch.close();
    }
    await server.stop();
  });
});
