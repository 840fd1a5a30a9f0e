import type { Kysely, Transaction } from 'kysely';
import type { DB } from './schema.js';

/** What store functions take: the database or a transaction, so callers compose transactions. */
export type Executor = Kysely<DB> | Transaction<DB>;
