/**
 * GET /inbox: the demo inbox page, newest first, refreshing itself every few
 * seconds, each message with its acknowledge and resolve buttons (each posts
 * to the message's own respond link: one click, recorded as the recipient).
 */
import type { FastifyInstance } from 'fastify';
import type { Database } from '../db/connect.js';
import { html, page } from '../pages/layout.js';

interface InboxData {
  kind: string;
  reason: string;
  incidents: Array<{ id: number; number: string; title: string; priority: string; url: string; acknowledge: string; resolve: string }>;
}

export async function inboxRoutes(app: FastifyInstance, deps: { database: Database }): Promise<void> {
  app.get('/inbox', async (_req, reply) => {
    const rows = await deps.database.db.selectFrom('inbox').selectAll().orderBy('id', 'desc').limit(200).execute();
    const cards = rows.map((r) => {
      const data = JSON.parse(r.data) as InboxData;
      const buttons = data.incidents.slice(0, 10).map(
        (i) => html`<div class="actions" aria-label="${i.number}">
          <form method="post" action="${new URL(i.acknowledge).pathname}"><button class="primary" type="submit">Acknowledge ${i.number}</button></form>
          <form method="post" action="${new URL(i.resolve).pathname}"><button class="danger" type="submit">Resolve ${i.number}</button></form>
        </div>`,
      );
      return html`<article class="card" aria-label="${r.subject}">
        <div class="meta">${new Date(r.created_at).toISOString().replace('T', ' ').slice(0, 19)} UTC · ${r.channel} to ${r.recipient} &lt;${r.address}&gt;</div>
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

  app.get('/inbox.json', async () => {
    const rows = await deps.database.db.selectFrom('inbox').selectAll().orderBy('id', 'desc').limit(200).execute();
    return { messages: rows.map((r) => ({ id: r.id, channel: r.channel, to: r.address, recipient: r.recipient, subject: r.subject, body: r.body, ...(JSON.parse(r.data) as InboxData), at: new Date(r.created_at).toISOString() })) };
  });
}
