/**
 * Every store and engine test runs once per database: SQLite always, and
 * PostgreSQL when TANDEM_TEST_PG_URL names a server (CI sets it). Each test
 * file gets a database of its own, dropped afterwards.
 */
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';

export interface TestDatabase {
  readonly url: string;
  drop(): Promise<void>;
}

export interface DatabaseKind {
  readonly name: 'sqlite' | 'postgres';
  create(): Promise<TestDatabase>;
}

export const PG_URL = process.env['TANDEM_TEST_PG_URL'];

const sqliteKind: DatabaseKind = {
  name: 'sqlite',
  async create() {
    const dir = mkdtempSync(join(tmpdir(), 'tandem-test-'));
    return { url: `sqlite:${join(dir, 'tandem.db')}`, drop: async () => rmSync(dir, { recursive: true, force: true }) };
  },
};

function postgresKind(adminUrl: string): DatabaseKind {
  return {
    name: 'postgres',
    async create() {
      const name = `tandem_test_${randomBytes(6).toString('hex')}`;
      const admin = new pg.Client({ connectionString: adminUrl });
      await admin.connect();
      await admin.query(`create database ${name}`);
      await admin.end();
      const url = new URL(adminUrl);
      url.pathname = `/${name}`;
      return {
        url: url.toString(),
        drop: async () => {
          const c = new pg.Client({ connectionString: adminUrl });
          await c.connect();
          await c.query(`drop database if exists ${name} with (force)`);
          await c.end();
        },
      };
    },
  };
}

/** The databases this run tests on. */
export function databaseKinds(): DatabaseKind[] {
  return PG_URL ? [sqliteKind, postgresKind(PG_URL)] : [sqliteKind];
}

export function postgresOnly(): DatabaseKind[] {
  return PG_URL ? [postgresKind(PG_URL)] : [];
}
