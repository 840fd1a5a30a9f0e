/**
 * The status page subscribers' outbox as an engine module on the delivery
 * loop: each step claims due mails with a lease (SKIP LOCKED on PostgreSQL,
 * so two instances never claim the same), sends them outside the
 * transaction, and records each result if the lease is still this
 * instance's. A mail is sent once per subscriber and note update; a process
 * killed between the SMTP server's 250 and the record re-sends that one mail
 * after the lease, with the same Message-ID.
 */
import type { EngineContext, EngineModule } from '../engine/engine.js';
import { engineTransaction } from '../engine/engine.js';
import type { MailSender, SubscriberMail } from './mail.js';
import { confirmMail, noteMail, subscriberUrls } from './mail.js';
import { MAIL_LEASE_MS, MAX_ATTEMPTS, linkToken, retryAt } from './plan.js';
import type { MailRow } from './store.js';
import { claimMails, nextMailDue, noteUpdate, recordMail, subscriberById, subscriberComponents } from './store.js';

export interface SubscriberMailOptions {
  readonly sender: MailSender;
  /** The server's link key: the tokens in the mails are HMACs with it. */
  readonly key: string;
  readonly publicUrl: string;
  /** Mails claimed per step. */
  readonly batch?: number;
}

/** The mail a row stands for, or why it is not sent (the subscriber left, the note or page is gone). */
async function mailOf(ctx: EngineContext, o: SubscriberMailOptions, row: MailRow): Promise<SubscriberMail | string> {
  const db = ctx.database.db;
  const subscriber = await subscriberById(db, Number(row.subscriber_id));
  if (subscriber === undefined) return 'the subscriber is gone';
  const engagement = ctx.deployment.engagement(row.engagement_id);
  const page = engagement?.statusPage;
  if (engagement === undefined || page === undefined) return 'the engagement has no status page any more';
  const urls = subscriberUrls(o.publicUrl, engagement.id);
  const unsubscribeUrl = urls.unsubscribe(linkToken(o.key, 'unsubscribe', subscriber.unsubscribe_nonce));
  const id = `status-mail-${row.id}`;
  if (row.kind === 'confirm') {
    const nonce = row.key.slice('confirm:'.length);
    // Only the newest confirmation request of a pending subscriber is sent (an older one's link no longer works).
    if (subscriber.state !== 'pending' || subscriber.confirm_nonce !== nonce) return 'superseded';
    return confirmMail({
      id,
      to: subscriber.email,
      pageTitle: page.title,
      pageUrl: urls.page,
      confirmUrl: urls.confirm(linkToken(o.key, 'confirm', nonce)),
      unsubscribeUrl,
      components: subscriberComponents(subscriber),
    });
  }
  if (subscriber.state !== 'active') return 'unsubscribed';
  const update =
    row.note_id === null || row.update_id === null ? undefined : await noteUpdate(db, Number(row.note_id), Number(row.update_id));
  if (update === undefined) return 'the note is gone';
  return noteMail({
    id,
    to: subscriber.email,
    pageTitle: page.title,
    pageUrl: urls.page,
    unsubscribeUrl,
    timezone: engagement.timezone,
    note: { ...update, components: JSON.parse(update.components) as string[] },
  });
}

async function work(ctx: EngineContext, o: SubscriberMailOptions, row: MailRow): Promise<void> {
  const db = ctx.database.db;
  let mail: SubscriberMail | string;
  try {
    mail = await mailOf(ctx, o, row);
  } catch (err) {
    mail = `cannot be written: ${err instanceof Error ? err.message : String(err)}`;
  }
  if (typeof mail === 'string') {
    await recordMail(db, ctx.instanceId, row.id, { status: 'cancelled', lastError: mail, at: ctx.clock.now() });
    return;
  }
  const result = await o.sender.send(mail);
  const at = ctx.clock.now();
  if (result.status === 'delivered') {
    await recordMail(db, ctx.instanceId, row.id, { status: 'sent', lastError: null, at });
    return;
  }
  const error = 'error' in result ? result.error : 'not delivered';
  const giveUp = result.status !== 'retryable' || row.attempts >= MAX_ATTEMPTS;
  if (giveUp) ctx.log.warn({ mail: row.id, engagement: row.engagement_id, error }, 'status page mail given up');
  await recordMail(db, ctx.instanceId, row.id, {
    status: giveUp ? 'failed' : 'pending',
    lastError: error,
    at,
    ...(giveUp ? {} : { dueAt: retryAt(at, row.attempts) }),
  });
}

/** The module; add it to the delivery loop only when an SMTP server is configured. */
export function subscriberMailModule(o: SubscriberMailOptions): EngineModule {
  const batch = o.batch ?? 20;
  return {
    name: 'status-mail',
    async step(ctx) {
      const now = ctx.clock.now();
      const rows = await engineTransaction(ctx.database, (trx) =>
        claimMails(trx, ctx.database.dialect, { now, limit: batch, leaseUntil: now + MAIL_LEASE_MS, instanceId: ctx.instanceId }),
      );
      for (const row of rows) await work(ctx, o, row);
      return rows.length === batch;
    },
    nextDue: (ctx) => nextMailDue(ctx.database.db),
  };
}
