/**
 * 0010: security detections (issue 11). A Sigma hit with no open alert for
 * its dedup key joins the detection opened less than `security.suppress`
 * before, even once resolved (events/apply.ts), so the engine looks up a
 * security alert by (engagement, service, dedup key) and creation time
 * whatever its status. The open-alert index covers open alerts only, so this
 * one covers the rest; partial, so operational alerts cost nothing more.
 */
import { sql } from 'kysely';
import type { Kysely } from 'kysely';

export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`create index alerts_security_recent on alerts (engagement_id, service_id, dedup_key, created_at) where integration_type = 'security'`.execute(
    db,
  );
}
