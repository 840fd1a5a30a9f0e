/**
 * 0016: what a provider reports after it accepted a message (issue 13, voice
 * calls and delivery status). Twilio calls Tandem back when an SMS reached
 * the phone or not, and when a call was answered, missed, busy or failed.
 * `notifications.status` stays what delivery decided (`delivered` = the
 * provider accepted it; `failed` when the report says it never arrived);
 * `provider_status` keeps the provider's own last word (Twilio's
 * `MessageStatus` or `CallStatus`) and `provider_status_at` when it came, so
 * a callback sent twice, or out of order, is acted on once (a missed call
 * moves to the person's next notify rule once).
 */
import type { Kysely } from 'kysely';

export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema.alterTable('notifications').addColumn('provider_status', 'text').execute();
  await db.schema.alterTable('notifications').addColumn('provider_status_at', 'bigint').execute();
}
