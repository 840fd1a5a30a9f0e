/**
 * Every query of the status page's email subscribers: the subscriber rows
 * (addresses lowercase, tokens only as SHA-256) and their outbox
 * (`status_mails`), claimed with `claimRows` and a lease like the pages'.
 */
import type { Selectable } from 'kysely';
import { sql } from 'kysely';
import { z } from 'zod';
import type { Dialect } from '../db/connect.js';
import { chunked, claimRows } from '../db/dialect.js';
import type { Executor } from '../db/executor.js';
import { markHeld } from '../db/outbox.js';
import { jsonColumn } from '../db/json-column.js';
import type { StatusMailsTable, StatusSubscribersTable } from '../db/schema.js';

export type SubscriberRow = Selectable<StatusSubscribersTable>;
export type MailRow = Selectable<StatusMailsTable>;

const componentsColumn = jsonColumn(z.array(z.string()), 'status_subscribers.components');

/** A subscriber's components (empty: all). */
export function subscriberComponents(row: SubscriberRow): string[] {
  return componentsColumn.parse(row.components);
}

/**
 * Asks for a subscription: a new address, or one pending or unsubscribed, is
 * (again) pending with this confirmation and a confirmation mail queued; an
 * active one is left as it is (nothing queued). The caller answers the same
 * either way. Returns whether a mail was queued.
 */
export async function requestSubscription(
  ex: Executor,
  s: {
    engagementId: string;
    email: string;
    components: readonly string[];
    confirmNonce: string;
    confirmHash: string;
    confirmExpiresAt: number;
    unsubscribeNonce: string;
    unsubscribeHash: string;
    at: number;
  },
): Promise<boolean> {
  await ex
    .insertInto('status_subscribers')
    .values({
      engagement_id: s.engagementId,
      email: s.email,
      components: componentsColumn.stringify([...s.components]),
      state: 'pending',
      confirm_nonce: null,
      confirm_hash: null,
      confirm_expires_at: null,
      unsubscribe_nonce: s.unsubscribeNonce,
      unsubscribe_hash: s.unsubscribeHash,
      created_at: s.at,
      updated_at: s.at,
      confirmed_at: null,
    })
    .onConflict((oc) => oc.columns(['engagement_id', 'email']).doNothing())
    .execute();
  const updated = await ex
    .updateTable('status_subscribers')
    .set({
      state: 'pending',
      components: componentsColumn.stringify([...s.components]),
      confirm_nonce: s.confirmNonce,
      confirm_hash: s.confirmHash,
      confirm_expires_at: s.confirmExpiresAt,
      updated_at: s.at,
    })
    .where('engagement_id', '=', s.engagementId)
    .where('email', '=', s.email)
    .where('state', '<>', 'active')
    .returning('id')
    .execute();
  const id = updated[0]?.id;
  if (id === undefined) return false;
  await ex
    .insertInto('status_mails')
    .values({
      engagement_id: s.engagementId,
      subscriber_id: Number(id),
      key: `confirm:${s.confirmNonce}`,
      kind: 'confirm',
      note_id: null,
      update_id: null,
      status: 'pending',
      due_at: s.at,
      lease_until: null,
      claimed_by: null,
      last_error: null,
      created_at: s.at,
      sent_at: null,
    })
    .onConflict((oc) => oc.columns(['subscriber_id', 'key']).doNothing())
    .execute();
  return true;
}

/** Opens a confirmation link: the subscriber becomes active unless the link expired or is unknown (or was used). */
export async function confirmSubscription(
  ex: Executor,
  engagementId: string,
  hash: string,
  at: number,
): Promise<'confirmed' | 'expired' | 'unknown'> {
  const row = await ex
    .selectFrom('status_subscribers')
    .select(['id', 'confirm_expires_at'])
    .where('engagement_id', '=', engagementId)
    .where('confirm_hash', '=', hash)
    .where('state', '=', 'pending')
    .executeTakeFirst();
  if (row === undefined) return 'unknown';
  if (row.confirm_expires_at === null || Number(row.confirm_expires_at) <= at) return 'expired';
  const done = await ex
    .updateTable('status_subscribers')
    .set({ state: 'active', confirm_hash: null, confirm_nonce: null, confirm_expires_at: null, confirmed_at: at, updated_at: at })
    .where('id', '=', row.id)
    .where('state', '=', 'pending')
    .executeTakeFirst();
  return Number(done.numUpdatedRows) === 1 ? 'confirmed' : 'unknown';
}

/** The subscriber an unsubscribe token is for, if any. */
export async function subscriberByUnsubscribe(ex: Executor, engagementId: string, hash: string): Promise<SubscriberRow | undefined> {
  return ex
    .selectFrom('status_subscribers')
    .selectAll()
    .where('engagement_id', '=', engagementId)
    .where('unsubscribe_hash', '=', hash)
    .executeTakeFirst();
}

/** Unsubscribes (idempotent) and cancels the mails still waiting; whether the token was known. */
export async function unsubscribe(ex: Executor, engagementId: string, hash: string, at: number): Promise<boolean> {
  const row = await subscriberByUnsubscribe(ex, engagementId, hash);
  if (row === undefined) return false;
  await ex
    .updateTable('status_subscribers')
    .set({ state: 'unsubscribed', confirm_hash: null, confirm_nonce: null, confirm_expires_at: null, updated_at: at })
    .where('id', '=', row.id)
    .execute();
  await ex
    .updateTable('status_mails')
    .set({ status: 'cancelled', lease_until: null, claimed_by: null })
    .where('subscriber_id', '=', row.id)
    .where('status', '=', 'pending')
    .execute();
  return true;
}

/**
 * Queues one mail per active subscriber of these components (or of all) for
 * the note's newest update, in the caller's transaction (the note's): once
 * per subscriber and update, whatever calls it twice.
 */
export async function enqueueNoteMails(
  ex: Executor,
  n: { engagementId: string; noteId: number; components: readonly string[]; at: number },
): Promise<number> {
  const latest = await ex
    .selectFrom('status_note_updates')
    .select((eb) => eb.fn.max('id').as('id'))
    .where('note_id', '=', n.noteId)
    .executeTakeFirst();
  if (latest?.id === null || latest?.id === undefined) return 0;
  const updateId = Number(latest.id);
  const subscribers = await ex
    .selectFrom('status_subscribers')
    .select(['id', 'components'])
    .where('engagement_id', '=', n.engagementId)
    .where('state', '=', 'active')
    .execute();
  const wanted = new Set(n.components);
  const ids = subscribers
    .filter((s) => {
      const follows = componentsColumn.parse(s.components);
      return follows.length === 0 || follows.some((c) => wanted.has(c));
    })
    .map((s) => Number(s.id));
  for (const part of chunked(ids, 14, 300)) {
    if (part.length === 0) continue;
    await ex
      .insertInto('status_mails')
      .values(
        part.map((subscriberId) => ({
          engagement_id: n.engagementId,
          subscriber_id: subscriberId,
          key: `note:${n.noteId}:${updateId}`,
          kind: 'note',
          note_id: n.noteId,
          update_id: updateId,
          status: 'pending',
          due_at: n.at,
          lease_until: null,
          claimed_by: null,
          last_error: null,
          created_at: n.at,
          sent_at: null,
        })),
      )
      .onConflict((oc) => oc.columns(['subscriber_id', 'key']).doNothing())
      .execute();
  }
  return ids.length;
}

/** Claims up to `limit` due mails (pending, or running with a lease that ran out) for this instance; counts the attempt. */
export async function claimMails(
  trx: Executor,
  dialect: Dialect,
  c: { now: number; limit: number; leaseUntil: number; instanceId: string },
): Promise<MailRow[]> {
  const rows = await trx
    .selectFrom('status_mails')
    .selectAll()
    .where((eb) =>
      eb.or([
        eb.and([eb('status', '=', sql.lit('pending')), eb('due_at', '<=', c.now)]),
        eb.and([eb('status', '=', sql.lit('running')), eb('lease_until', '<=', c.now)]),
      ]),
    )
    .orderBy('due_at')
    .orderBy('id')
    .limit(c.limit)
    .$call((q) => claimRows(dialect, q))
    .execute();
  return markHeld(trx, 'status_mails', 'running', rows, c);
}

/** Records a mail's result if this instance still holds it; whether it did. */
export async function recordMail(
  ex: Executor,
  instanceId: string,
  id: number,
  set: { status: 'pending' | 'sent' | 'failed' | 'cancelled'; dueAt?: number; lastError: string | null; at: number },
): Promise<boolean> {
  const rows = await ex
    .updateTable('status_mails')
    .set({
      status: set.status,
      last_error: set.lastError,
      lease_until: null,
      claimed_by: null,
      ...(set.status === 'sent' ? { sent_at: set.at } : {}),
      ...(set.dueAt === undefined ? {} : { due_at: set.dueAt }),
    })
    .where('id', '=', id)
    .where('claimed_by', '=', instanceId)
    .where('status', '=', 'running')
    .returning('id')
    .execute();
  return rows.length > 0;
}

/** When the next mail comes due (a running one when its lease runs out). */
export async function nextMailDue(ex: Executor): Promise<number | null> {
  const row = await ex
    .selectFrom('status_mails')
    .select((eb) =>
      eb.fn
        .min(eb.case().when('status', '=', sql.lit('pending')).then(eb.ref('due_at')).else(eb.fn.coalesce('lease_until', 'due_at')).end())
        .as('next'),
    )
    .where('status', 'in', [sql.lit('pending'), sql.lit('running')])
    .executeTakeFirst();
  return row?.next === null || row?.next === undefined ? null : Number(row.next);
}

/** A subscriber by id. */
export async function subscriberById(ex: Executor, id: number): Promise<SubscriberRow | undefined> {
  return ex.selectFrom('status_subscribers').selectAll().where('id', '=', id).executeTakeFirst();
}

/** One update of a note as published (state, text, when), with the note's public fields. */
export async function noteUpdate(
  ex: Executor,
  noteId: number,
  updateId: number,
): Promise<{ title: string; components: string; state: string; text: string; at: number } | undefined> {
  const row = await ex
    .selectFrom('status_note_updates as u')
    .innerJoin('status_notes as n', 'n.id', 'u.note_id')
    .select(['n.title', 'n.components', 'u.state', 'u.text', 'u.at'])
    .where('u.id', '=', updateId)
    .where('u.note_id', '=', noteId)
    .executeTakeFirst();
  return row === undefined ? undefined : { ...row, at: Number(row.at) };
}
