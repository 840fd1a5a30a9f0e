/**
 * Offline commands a new user runs: `tandem route` explains who would be
 * paged without a server; `tandem secret webhook` prints the key receivers
 * verify Tandem-Signature with; `tandem --help` lists every command.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { openDatabase } from '../../src/db/connect.js';
import { migrateToLatest } from '../../src/db/migrate.js';
import { BIN, DEMO } from '../support/paths.js';

const tandem = (...args: string[]) => spawnSync(process.execPath, [BIN, ...args], { encoding: 'utf8' });

describe('offline commands', () => {
  it('tandem route --json explains Tuesday 23:47: after hours, partner-noc, each tier resolved to people', () => {
    const res = tandem('route', '--config', DEMO, '--service', 'payments-api', '--at', '2026-11-24T23:47:00-05:00', '--json');
    expect(res.status, res.stderr).toBe(0);
    const x = JSON.parse(res.stdout) as Record<string, unknown>;
    expect(x).toMatchObject({
      service: 'payments-api',
      at: '2026-11-24T23:47:00-05:00',
      window: 'after_hours',
      side: 'partner',
      policy: 'partner-noc',
    });
    expect(x['tiers']).toEqual([
      expect.objectContaining({ tier: 1, after_s: 0, targets: ['schedule:nightowl-noc-oncall'], people: ['ana'] }),
      expect.objectContaining({
        tier: 2,
        after_s: 300,
        targets: ['team:nightowl-noc'],
        people: ['sam', 'kim', 'ana'],
        team_addresses: ['noc@nightowl.example'],
      }),
      expect.objectContaining({ tier: 3, after_s: 900, targets: ['person:mo'], people: ['mo'] }),
    ]);
  });

  it('tandem route in business hours shows the internal policy and the overflow to the partner', () => {
    const res = tandem('route', '--config', DEMO, '--service', 'payments-api', '--at', '2026-11-25T10:00:00-05:00');
    expect(res.status).toBe(0);
    expect(res.stdout).toContain('business hours: internal owns infrastructure; policy internal-infra');
    expect(res.stdout).toContain('tier 1 at +0m: schedule:acme-primary -> Lee Park');
    expect(res.stdout).toContain("overflow: if nobody acknowledges within 10m, partner's policy partner-noc starts too");
  });

  it('tandem route reports a bad instant and an unknown service clearly', () => {
    expect(tandem('route', '--config', DEMO, '--service', 'payments-api', '--at', 'tonight').stderr).toContain(
      'is not an ISO 8601 instant',
    );
    const unknown = tandem('route', '--config', DEMO, '--service', 'nope', '--at', '2026-11-25T10:00:00Z');
    expect(unknown.status).toBe(1);
    expect(unknown.stderr).toContain('services: payments-api, storefront, edr, laptops');
  });

  it('tandem secret webhook prints the same key every time for a database', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'tandem-secret-'));
    try {
      const db = `sqlite:${join(dir, 't.db')}`;
      // The database a server created (the command does not create one from a mistyped path).
      const created = await openDatabase(db);
      await migrateToLatest(created);
      await created.close();
      const a = tandem('secret', 'webhook', '--db', db);
      const b = tandem('secret', 'webhook', '--db', db);
      expect(a.status).toBe(0);
      expect(a.stdout.trim()).toMatch(/^[\w-]{43}$/);
      expect(b.stdout).toBe(a.stdout);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('tandem --help lists every command; an unknown one exits 2', () => {
    const help = tandem('--help');
    for (const c of [
      'serve',
      'validate',
      'schema',
      'route',
      'metrics',
      'credits',
      'report',
      'import',
      'risk',
      'simulate',
      'token',
      'secret',
      'send',
    ])
      expect(help.stdout).toContain(`  ${c} `);
    expect(tandem('frobnicate').status).toBe(2);
  });
});
