/**
 * What the offline commands (metrics, credits, report, import, risk,
 * simulate) share: open the existing database named by --db (or
 * TANDEM_DATABASE_URL, or the default), bring its schema up to date, and find
 * the engagement as it was last applied there.
 */
import { openDatabase } from '../db/connect.js';
import type { Database } from '../db/connect.js';
import { migrateToLatest } from '../db/migrate.js';
import { storedEngagement, storedEngagementIds } from '../deployment/store.js';
import type { Engagement } from '../engagement/model.js';
import { DEFAULTS } from '../settings/settings.js';
import type { CliIo } from './io.js';

export function databaseUrl(flag: string | undefined): string {
  return flag ?? process.env['TANDEM_DATABASE_URL'] ?? DEFAULTS.db;
}

/** Runs `fn` with the database and the engagement; reports a missing engagement and returns 1. */
export async function withEngagement(io: CliIo, command: string, db: string | undefined, engagementId: string, fn: (database: Database, engagement: Engagement) => Promise<number>): Promise<number> {
  // A reporting command reads an existing database; a mistyped path must not create an empty one.
  const database = await openDatabase(databaseUrl(db), { mustExist: true });
  try {
    await migrateToLatest(database);
    const engagement = await storedEngagement(database.db, engagementId);
    if (!engagement) {
      const known = await storedEngagementIds(database.db);
      io.err(`tandem ${command}: engagement "${engagementId}" is not in ${database.label}${known.length ? ` (it has: ${known.join(', ')})` : '; start `tandem serve` with its file once to apply it'}`);
      return 1;
    }
    return await fn(database, engagement);
  } finally {
    await database.close();
  }
}
