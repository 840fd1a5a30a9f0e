/**
 * GET /inbox: the demo inbox page, newest first, refreshing itself every few
 * seconds, each message with its acknowledge and resolve buttons (each posts
 * to the message's own respond link: one click, recorded as the recipient).
 *
 * Those buttons are live respond links, so outside `--demo` (`--notify inbox`
 * on a staging server) the inbox needs an admin token or an admin's
 * dashboard session, and shows only the messages of that admin's engagements.
 */
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { authenticate, requireRole } from '../api/auth.js';
import type { Clock } from '../clock/clock.js';
import type { Database } from '../db/connect.js';
import { html } from '../html/html.js';
import { page, securePages } from '../pages/layout.js';
import type { InboxMessage } from './store.js';
import { latestInboxMessages } from './store.js';

export interface InboxDeps {
  readonly database: Database;
  readonly clock: Clock;
  /** The demo's inbox is open to anyone who reaches the server (it runs on 127.0.0.1 by default). */
  readonly demo: boolean;
}

export async function inboxRoutes(app: FastifyInstance, deps: InboxDeps): Promise<void> {
  securePages(app);
  /** The engagements whose messages this request may see: all in the demo, else an admin's. */
  async function visible(req: FastifyRequest): Promise<readonly string[] | 'all'> {
    if (deps.demo) return 'all';
    const principal = await authenticate(deps.database, req, deps.clock.now());
    requireRole(principal, 'admin');
    return principal.engagements;
  }

  async function messages(req: FastifyRequest): Promise<InboxMessage[]> {
    return latestInboxMessages(deps.database.db, await visible(req), 200);
  }

  app.get('/inbox', { schema: { hide: true } }, async (req, reply) => {
    const rows = await messages(req);
    const cards = rows.map((r) => {
      const buttons = r.data.incidents.slice(0, 10).map(
        (i) => html`<div class="actions" aria-label="${i.number}">
          <form method="post" action="${new URL(i.acknowledge).pathname}"><button class="primary" type="submit">Acknowledge ${i.number}</button></form>
          <form method="post" action="${new URL(i.resolve).pathname}"><button class="danger" type="submit">Resolve ${i.number}</button></form>
        </div>`,
      );
      return html`<article class="card" aria-label="${r.subject}">
        <div class="meta">${new Date(r.createdAt).toISOString().replace('T', ' ').slice(0, 19)} UTC · ${r.channel} to ${r.recipient} &lt;${r.address}&gt;</div>
        <h2>${r.subject}</h2>
        <pre>${r.body}</pre>
        ${buttons}
      </article>`;
    });
    const body = rows.length
      ? html`${cards}`
      : html`<div class="card"><h1>No messages yet</h1><p>Send the <code>curl</code> the server printed at start-up; the page the on-call engineer gets appears here within a second.</p></div>`;
    return reply.type('text/html').send(page(`Demo inbox (${rows.length})`, body, { refreshSeconds: 3 }));
  });

  app.get('/inbox.json', { schema: { hide: true } }, async (req) => {
    const rows = await messages(req);
    return {
      messages: rows.map((r) => ({
        id: r.id,
        channel: r.channel,
        to: r.address,
        recipient: r.recipient,
        subject: r.subject,
        body: r.body,
        ...r.data,
        at: new Date(r.createdAt).toISOString(),
      })),
    };
  });
}
