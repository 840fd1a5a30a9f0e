/**
 * 0001: the core. Engagements as applied from their files, services and
 * integration keys, the durable event inbox, alerts, incidents, their
 * append-only timeline, change events and API tokens.
 */
import { sql } from 'kysely';
import type { Kysely } from 'kysely';
import type { MigrationContext } from './context.js';

export async function up(db: Kysely<unknown>, { dialect, idColumn, appendOnly }: MigrationContext): Promise<void> {
  await db.schema
    .createTable('engagements')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('name', 'text', (c) => c.notNull())
    .addColumn('timezone', 'text', (c) => c.notNull())
    .addColumn('config', 'text', (c) => c.notNull())
    .addColumn('config_hash', 'text', (c) => c.notNull())
    .addColumn('file', 'text', (c) => c.notNull())
    .addColumn('incident_prefix', 'text', (c) => c.notNull())
    .addColumn('next_incident_number', 'integer', (c) => c.notNull().defaultTo(1))
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .addColumn('updated_at', 'bigint', (c) => c.notNull())
    .execute();

  await db.schema
    .createTable('services')
    .addColumn('engagement_id', 'text', (c) => c.notNull().references('engagements.id'))
    .addColumn('id', 'text', (c) => c.notNull())
    .addColumn('name', 'text', (c) => c.notNull())
    .addColumn('function', 'text', (c) => c.notNull())
    .addColumn('criticality', 'integer', (c) => c.notNull())
    .addColumn('archived', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('updated_at', 'bigint', (c) => c.notNull())
    .addPrimaryKeyConstraint('services_pk', ['engagement_id', 'id'])
    .execute();

  await db.schema
    .createTable('integration_keys')
    .addColumn('key', 'text', (c) => c.primaryKey())
    .addColumn('engagement_id', 'text', (c) => c.notNull().references('engagements.id'))
    .addColumn('service_id', 'text', (c) => c.notNull())
    .addColumn('type', 'text', (c) => c.notNull())
    .addColumn('archived', 'integer', (c) => c.notNull().defaultTo(0))
    .execute();

  await db.schema
    .createTable('people')
    .addColumn('engagement_id', 'text', (c) => c.notNull().references('engagements.id'))
    .addColumn('id', 'text', (c) => c.notNull())
    .addColumn('name', 'text', (c) => c.notNull())
    .addColumn('side', 'text', (c) => c.notNull())
    .addColumn('timezone', 'text', (c) => c.notNull())
    .addColumn('email', 'text')
    .addColumn('archived', 'integer', (c) => c.notNull().defaultTo(0))
    .addPrimaryKeyConstraint('people_pk', ['engagement_id', 'id'])
    .execute();

  await idColumn(db.schema.createTable('events'))
    .addColumn('engagement_id', 'text', (c) => c.notNull())
    .addColumn('service_id', 'text', (c) => c.notNull())
    .addColumn('integration_type', 'text', (c) => c.notNull())
    .addColumn('integration_key', 'text', (c) => c.notNull())
    .addColumn('kind', 'text', (c) => c.notNull())
    .addColumn('received_at', 'bigint', (c) => c.notNull())
    .addColumn('request_id', 'text')
    .addColumn('raw', 'text', (c) => c.notNull())
    .addColumn('actions', 'text', (c) => c.notNull())
    .addColumn('processed_at', 'bigint')
    .execute();
  // The engine's work queue: unprocessed events, oldest first.
  await sql`create index events_unprocessed on events (id) where processed_at is null`.execute(db);
  await db.schema.createIndex('events_engagement').on('events').columns(['engagement_id', 'id']).execute();

  await idColumn(db.schema.createTable('incidents'))
    .addColumn('engagement_id', 'text', (c) => c.notNull().references('engagements.id'))
    .addColumn('number', 'integer', (c) => c.notNull())
    .addColumn('service_id', 'text', (c) => c.notNull())
    .addColumn('title', 'text', (c) => c.notNull())
    .addColumn('severity', 'text', (c) => c.notNull())
    .addColumn('priority', 'text', (c) => c.notNull())
    .addColumn('status', 'text', (c) => c.notNull())
    .addColumn('group_key', 'text')
    .addColumn('side', 'text')
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .addColumn('updated_at', 'bigint', (c) => c.notNull())
    .addColumn('acknowledged_at', 'bigint')
    .addColumn('acknowledged_by', 'text')
    .addColumn('resolved_at', 'bigint')
    .addColumn('resolved_by', 'text')
    .addColumn('alert_count', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('open_alert_count', 'integer', (c) => c.notNull().defaultTo(0))
    .execute();
  await db.schema.createIndex('incidents_number').unique().on('incidents').columns(['engagement_id', 'number']).execute();
  // Newest-first listing with cursor paging, per engagement.
  await db.schema.createIndex('incidents_list').on('incidents').columns(['engagement_id', 'id']).execute();
  await sql`create index incidents_open on incidents (engagement_id, status) where status <> 'resolved'`.execute(db);
  await sql`create index incidents_group on incidents (engagement_id, service_id, group_key) where status <> 'resolved' and group_key is not null`.execute(
    db,
  );

  await idColumn(db.schema.createTable('alerts'))
    .addColumn('engagement_id', 'text', (c) => c.notNull())
    .addColumn('service_id', 'text', (c) => c.notNull())
    .addColumn('incident_id', 'bigint', (c) => c.notNull().references('incidents.id'))
    .addColumn('dedup_key', 'text', (c) => c.notNull())
    .addColumn('status', 'text', (c) => c.notNull())
    .addColumn('summary', 'text', (c) => c.notNull())
    .addColumn('severity', 'text', (c) => c.notNull())
    .addColumn('source', 'text')
    .addColumn('details', 'text')
    .addColumn('integration_type', 'text', (c) => c.notNull())
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .addColumn('updated_at', 'bigint', (c) => c.notNull())
    .addColumn('resolved_at', 'bigint')
    .addColumn('event_count', 'integer', (c) => c.notNull().defaultTo(1))
    .execute();
  // Dedup: at most one open alert per service and dedup key (PagerDuty semantics).
  await sql`create unique index alerts_open_dedup on alerts (engagement_id, service_id, dedup_key) where status <> 'resolved'`.execute(db);
  await db.schema.createIndex('alerts_incident').on('alerts').columns(['incident_id']).execute();

  await idColumn(db.schema.createTable('timeline'))
    .addColumn('engagement_id', 'text', (c) => c.notNull())
    .addColumn('incident_id', 'bigint', (c) => c.notNull().references('incidents.id'))
    .addColumn('at', 'bigint', (c) => c.notNull())
    .addColumn('kind', 'text', (c) => c.notNull())
    .addColumn('actor_type', 'text', (c) => c.notNull())
    .addColumn('actor_id', 'text')
    .addColumn('message', 'text', (c) => c.notNull())
    .addColumn('data', 'text')
    .addColumn('event_id', 'bigint')
    .addColumn('alert_id', 'bigint')
    .execute();
  await db.schema.createIndex('timeline_incident').on('timeline').columns(['incident_id', 'id']).execute();

  await idColumn(db.schema.createTable('changes'))
    .addColumn('engagement_id', 'text', (c) => c.notNull())
    .addColumn('service_id', 'text', (c) => c.notNull())
    .addColumn('at', 'bigint', (c) => c.notNull())
    .addColumn('summary', 'text', (c) => c.notNull())
    .addColumn('source', 'text')
    .addColumn('data', 'text')
    .addColumn('event_id', 'bigint', (c) => c.notNull())
    .execute();
  await db.schema.createIndex('changes_service').on('changes').columns(['engagement_id', 'service_id', 'at']).execute();

  await db.schema
    .createTable('tokens')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('secret_hash', 'text', (c) => c.notNull().unique())
    .addColumn('role', 'text', (c) => c.notNull())
    .addColumn('engagements', 'text', (c) => c.notNull())
    .addColumn('person_id', 'text')
    .addColumn('label', 'text')
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .addColumn('last_used_at', 'bigint')
    .addColumn('revoked_at', 'bigint')
    .execute();

  // Evidence for auditors: the database itself refuses to rewrite history.
  await appendOnly(db, 'timeline');
  await appendOnly(db, 'changes');
  void dialect;
}
