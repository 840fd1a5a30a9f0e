/**
 * Nothing lost: a 202 means durably stored. Many clients send events; the
 * server is killed with SIGKILL mid-stream; after a restart every event that
 * got a 202 is there, and the engine applies each one to an alert.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { openDatabase } from '../../src/db/connect.js';
import type { IngestAction } from '../../src/events/event.js';
import { databaseKinds } from '../support/databases.js';
import type { TestDatabase } from '../support/databases.js';
import { DEMO } from '../support/paths.js';
import { startServerProcess } from '../support/server-process.js';
import type { ServerProcess } from '../support/server-process.js';

const KEYS = ['9f1c2a7e5b3d4c6e8a0b1d2f3e4a5b6c', '0a1b2c3d4e5f60718293a4b5c6d7e8f9'];
const CLIENTS = 32;

describe.each(databaseKinds())('crash: SIGKILL mid-stream loses no accepted event, on $name', (kind) => {
  let db: TestDatabase | undefined;
  let server: ServerProcess | undefined;
  afterEach(async () => {
    if (server?.child.exitCode === null) await server.kill();
    await db?.drop();
  });

  it('every 202 survives the kill and is applied after restart', async () => {
    db = await kind.create();
    const args = ['--config', DEMO, '--db', db.url, '--log-level', 'warn', '--rate-limit', '0'];
    server = await startServerProcess(args);
    const url = server.url;
    const accepted = new Set<string>();
    let refused = 0;
    let stop = false;

    async function client(c: number): Promise<void> {
      for (let i = 0; !stop; i++) {
        const dedup = `crash-${c}-${i}`;
        try {
          const res = await fetch(`${url}/v2/enqueue`, {
            method: 'POST',
            headers: { 'content-type': 'application/json' },
            body: JSON.stringify({
              routing_key: KEYS[c % 2],
              event_action: 'trigger',
              dedup_key: dedup,
              payload: { summary: `event ${dedup}`, source: `client-${c}`, severity: 'warning' },
            }),
          });
          if (res.status === 202) accepted.add(dedup);
          else refused++;
        } catch {
          return; // the server is gone
        }
      }
    }

    const clients = Array.from({ length: CLIENTS }, (_, c) => client(c));
    // Mid-stream: once a few hundred events are in (however loaded the machine is), kill it.
    const deadline = Date.now() + 20_000;
    while (accepted.size < 300 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
    await server.kill();
    stop = true;
    await Promise.all(clients);
    expect(accepted.size).toBeGreaterThan(200);
    expect(refused).toBe(0);

    // Straight after the kill, before any restart: every accepted event is on disk.
    const direct = await openDatabase(db.url);
    const stored = new Set<string>();
    for (const row of await direct.db.selectFrom('events').select('actions').execute()) {
      for (const a of JSON.parse(row.actions) as IngestAction[]) if (a.type === 'alert') stored.add(a.dedupKey);
    }
    await direct.close();
    const lost = [...accepted].filter((k) => !stored.has(k));
    expect(lost).toEqual([]);

    // Restart: the engine applies what the kill interrupted.
    server = await startServerProcess(args);
    const check = await openDatabase(db.url);
    try {
      const deadline = Date.now() + 30_000;
      let pending = -1;
      while (Date.now() < deadline) {
        const row = await check.db
          .selectFrom('events')
          .select((eb) => eb.fn.countAll<number>().as('n'))
          .where('processed_at', 'is', null)
          .executeTakeFirstOrThrow();
        pending = Number(row.n);
        if (pending === 0) break;
        await new Promise((r) => setTimeout(r, 100));
      }
      expect(pending).toBe(0);
      const alerts = new Set((await check.db.selectFrom('alerts').select('dedup_key').execute()).map((r) => r.dedup_key));
      expect([...accepted].filter((k) => !alerts.has(k))).toEqual([]);
    } finally {
      await check.close();
      await server.stop();
    }
  });
});
