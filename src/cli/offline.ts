/**
 * What the commands that work on a server's database share (metrics,
 * credits, report, import, risk, simulate, token, events, secret): open the
 * existing database named by --db (or TANDEM_DATABASE_URL, or the default),
 * bring its schema up to date, and find the engagement as it was last
 * applied there.
 */
import { openDatabase } from '../db/connect.js';
import type { Database } from '../db/connect.js';
import { migrateToLatest } from '../db/migrate.js';
import { storedEngagement, storedEngagementIds } from '../deployment/store.js';
import type { Engagement } from '../engagement/model.js';
import type { CliIo } from './io.js';
import { databaseUrl } from './io.js';

/**
 * Runs `fn` with the database named by --db, migrated, and closes it after.
 * The database must exist: a mistyped path must not create an empty one.
 */
export async function withDatabase<T>(db: string | undefined, fn: (database: Database) => Promise<T>): Promise<T> {
  const database = await openDatabase(databaseUrl(db), { mustExist: true });
  try {
    await migrateToLatest(database);
    return await fn(database);
  } finally {
    await database.close();
  }
}

/** The sentence that says an engagement is not in a database, and which ones are. */
export function notInDatabase(engagementId: string, database: Database, known: readonly string[]): string {
  return `engagement "${engagementId}" is not in ${database.label}${known.length ? ` (it has: ${known.join(', ')})` : '; start `tandem serve` with its file once to apply it'}`;
}

/** Runs `fn` with the database and the engagement; reports a missing engagement and returns 1. */
export async function withEngagement(
  io: CliIo,
  command: string,
  db: string | undefined,
  engagementId: string,
  fn: (database: Database, engagement: Engagement) => Promise<number>,
): Promise<number> {
  return withDatabase(db, async (database) => {
    const engagement = await storedEngagement(database.db, engagementId);
    if (!engagement) {
      io.err(`tandem ${command}: ${notInDatabase(engagementId, database, await storedEngagementIds(database.db))}`);
      return 1;
    }
    return fn(database, engagement);
  });
}
