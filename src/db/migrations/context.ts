/**
 * What a migration is given besides the database: the dialect, and the two
 * things each dialect writes differently (an auto-incrementing id, an
 * append-only table). In its own module so migrations do not import the
 * runner that imports them.
 */
import type { CreateTableBuilder, Kysely } from 'kysely';
import type { Dialect } from '../connect.js';

export interface MigrationContext {
  dialect: Dialect;
  /** Adds an auto-incrementing integer primary key `id` the way each dialect does it. */
  idColumn<T extends string>(table: CreateTableBuilder<T, never>): CreateTableBuilder<T, 'id'>;
  /** Makes a table refuse UPDATE and DELETE. */
  appendOnly(db: Kysely<unknown>, table: string): Promise<void>;
}
