/**
 * The demo inbox's table: each message a channel would have sent, with the
 * incidents it was about and their respond links (the `data` column, JSON,
 * parsed and checked here once).
 */
import { z } from 'zod';
import type { Executor } from '../db/executor.js';
import { jsonColumn } from '../db/json-column.js';

const inboxData = z.object({
  kind: z.string(),
  reason: z.string(),
  incidents: z.array(
    z.object({
      id: z.number(),
      number: z.string(),
      title: z.string(),
      priority: z.string(),
      url: z.string(),
      acknowledge: z.string(),
      resolve: z.string(),
    }),
  ),
});

/** What a message was about: its kind, why it was sent, and each incident with its respond links. */
export type InboxData = z.infer<typeof inboxData>;

const dataColumn = jsonColumn(inboxData, 'inbox.data');

/** A message as stored. */
export interface InboxMessage {
  readonly id: number;
  readonly channel: string;
  readonly address: string;
  readonly recipient: string;
  readonly subject: string;
  readonly body: string;
  readonly data: InboxData;
  readonly createdAt: number;
}

/** A message to keep. */
export interface NewInboxMessage {
  readonly engagementId: string;
  readonly notificationId: string;
  readonly channel: string;
  readonly address: string;
  readonly recipient: string;
  readonly subject: string;
  readonly body: string;
  readonly data: InboxData;
  readonly createdAt: number;
}

/** Stores a message; returns its id. */
export async function insertInboxMessage(ex: Executor, m: NewInboxMessage): Promise<number> {
  const row = await ex
    .insertInto('inbox')
    .values({
      engagement_id: m.engagementId,
      notification_id: m.notificationId,
      channel: m.channel,
      address: m.address,
      recipient: m.recipient,
      subject: m.subject,
      body: m.body,
      data: dataColumn.stringify(m.data),
      created_at: m.createdAt,
    })
    .returning('id')
    .executeTakeFirstOrThrow();
  return row.id;
}

/** The newest messages (at most `limit`), of these engagements or of all. */
export async function latestInboxMessages(ex: Executor, engagements: readonly string[] | 'all', limit: number): Promise<InboxMessage[]> {
  if (engagements !== 'all' && engagements.length === 0) return [];
  let query = ex.selectFrom('inbox').select(['id', 'channel', 'address', 'recipient', 'subject', 'body', 'data', 'created_at']);
  if (engagements !== 'all') query = query.where('engagement_id', 'in', engagements);
  const rows = await query.orderBy('id', 'desc').limit(limit).execute();
  return rows.map((r) => ({
    id: r.id,
    channel: r.channel,
    address: r.address,
    recipient: r.recipient,
    subject: r.subject,
    body: r.body,
    data: dataColumn.parse(r.data),
    createdAt: r.created_at,
  }));
}
