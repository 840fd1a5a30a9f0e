/**
 * /api/v1/status-notes: the notes admins publish on an engagement's public
 * status page (src/status/). Admins publish, update and resolve them; every
 * token lists those of its engagements. What a note says is public the
 * moment it is written; who wrote it and the incident it was written for are
 * recorded here and never shown on the page.
 */
import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import type { Clock } from '../clock/clock.js';
import type { Database } from '../db/connect.js';
import type { Executor } from '../db/executor.js';
import type { Deployment } from '../deployment/deployment.js';
import { incidentPrefix } from '../deployment/deployment.js';
import type { Engagement } from '../engagement/model.js';
import type { StatusPage } from '../engagement/status-page.js';
import { TandemError } from '../errors/catalog.js';
import type { Actor } from '../incident/actor.js';
import { actorRef } from '../incident/actor.js';
import type { ChangeHooks } from '../incident/changes.js';
import { withWriter } from '../incident/writer.js';
import { getIncident, getIncidentByNumber, incidentsById } from '../incident/store.js';
import { presentNote } from '../status/present.js';
import type { StoredNote } from '../status/store.js';
import { appendUpdate, getNote, insertNote, listNotes, resolveNote, updateNote } from '../status/store.js';
import { enqueueNoteMails } from '../subscribers/store.js';
import { actorOf, principalOf, requireRole, scopeEngagements, visibleEngagement } from './auth.js';
import { AUTH_ERRORS, errorResponses } from './schema/common.js';
import {
  StatusNoteCreate,
  StatusNoteList,
  StatusNoteParams,
  StatusNoteQuery,
  StatusNoteResolveBody,
  StatusNoteResponse,
  StatusNoteUpdateBody,
} from './schema/status.js';

export interface StatusNoteDeps {
  readonly database: Database;
  readonly deployment: Deployment;
  readonly clock: Clock;
  /** The engine's change hooks, for the writer that records a note on its incident's timeline. */
  readonly hooks: ChangeHooks;
  /** Mails to the page's email subscribers were queued (src/subscribers/): wake the loop that sends them. */
  readonly mailsQueued?: () => void;
}

/** How far back the admin list reaches for resolved notes. */
const LISTED_RESOLVED_MS = 30 * 86_400_000;
const LISTED_MAX = 200;
/** The closing update when an admin resolves a note without one. */
export const DEFAULT_RESOLVED_TEXT = 'This issue is resolved.';

const meta = (operationId: string, summary: string, description: string) => ({
  operationId,
  summary,
  description,
  tags: ['status' as const],
});
const adminOnly = async (req: FastifyRequest) => requireRole(principalOf(req), 'admin');

const routes = {
  list: {
    schema: {
      ...meta(
        'listStatusNotes',
        'Status notes: open ones and those resolved in the last 30 days',
        'Any token, for its engagements; with who published each note and the incident it was written for.',
      ),
      querystring: StatusNoteQuery,
      response: { 200: StatusNoteList, ...errorResponses(...AUTH_ERRORS, 404) },
    },
  },
  create: {
    schema: {
      ...meta(
        'publishStatusNote',
        'Publish a note on the public status page (admin)',
        "The note is public at once: its title, components, state and text, never its author or incident. `components` are names of the engagement file's `status_page` components; `state` can make them look worse than their incidents, never better. 400 when the engagement has no status page.",
      ),
      body: StatusNoteCreate,
      response: { 201: StatusNoteResponse, ...errorResponses(...AUTH_ERRORS, 403, 404) },
    },
    preValidation: adminOnly,
  },
  update: {
    schema: {
      ...meta(
        'updateStatusNote',
        'Post an update on a status note (admin)',
        'Adds the text to the note and, when given, changes its state, title or components. 409 on a resolved note.',
      ),
      params: StatusNoteParams,
      body: StatusNoteUpdateBody,
      response: { 201: StatusNoteResponse, ...errorResponses(...AUTH_ERRORS, 403, 404, 409) },
    },
    preValidation: adminOnly,
  },
  resolve: {
    schema: {
      ...meta(
        'resolveStatusNote',
        'Resolve a status note (admin)',
        'The note stops affecting its components and moves to the resolved notices for 7 days. A no-op on a resolved note. The body is optional.',
      ),
      params: StatusNoteParams,
      body: StatusNoteResolveBody.nullish(),
      response: { 200: StatusNoteResponse, ...errorResponses(...AUTH_ERRORS, 403, 404) },
    },
    preValidation: adminOnly,
  },
};

/** The page's component names as written in the file, for names as given (case-insensitive); 400 naming an unknown one. */
function componentsOf(page: StatusPage, given: readonly string[]): string[] {
  const byKey = new Map(page.components.map((c) => [c.name.toLowerCase(), c.name]));
  const out: string[] = [];
  for (const name of given) {
    const known = byKey.get(name.trim().toLowerCase());
    if (known === undefined)
      throw new TandemError(
        'INVALID_BODY',
        `"${name}" is not a component of the status page; components: ${page.components.map((c) => c.name).join(', ')}`,
        'components',
      );
    if (!out.includes(known)) out.push(known);
  }
  return out;
}

/** The engagement's status page, or 400: there is nowhere to publish. */
function pageOf(engagement: Engagement): StatusPage {
  if (engagement.statusPage === undefined)
    throw new TandemError(
      'INVALID_BODY',
      `engagement "${engagement.id}" has no status page; add a status_page section to its engagement file`,
      'engagement',
    );
  return engagement.statusPage;
}

/**
 * Records on the incident a note was written for what the public was told and when (kind `status.note`), in the
 * note's transaction: the auditor reads the incident and the notice together.
 */
async function onTimeline(
  ex: Executor,
  deps: StatusNoteDeps,
  n: { engagementId: string; incidentId: number | null; noteId: number; components: readonly string[] },
  u: { at: number; actor: Actor; what: 'published' | 'updated' | 'resolved'; state: string; text: string },
): Promise<void> {
  const incidentId = n.incidentId;
  if (incidentId === null) return;
  await withWriter(ex, deps.database, deps.hooks, (w) =>
    w.timeline([
      {
        engagementId: n.engagementId,
        incidentId,
        at: u.at,
        kind: 'status.note',
        actor: u.actor,
        message: `Status page note ${n.noteId} ${u.what} (${u.state}; ${n.components.join(', ')}): ${u.text}`,
        data: { note: n.noteId, state: u.state, components: [...n.components] },
      },
    ]),
  );
}

/** The incident a note is written for, by id or number, in that engagement only; 400 when there is none. */
async function incidentOf(ex: Executor, engagement: Engagement, ref: string): Promise<number> {
  const m = /^(.+)-(\d{1,9})$/.exec(ref);
  const found = /^\d{1,15}$/.test(ref)
    ? await getIncident(ex, [engagement.id], Number(ref))
    : m?.[1] && m[2]
      ? await getIncidentByNumber(ex, [engagement.id], m[1].toUpperCase(), Number(m[2]))
      : undefined;
  if (found === undefined) throw new TandemError('INVALID_BODY', `no incident "${ref}" in engagement "${engagement.id}"`, 'incident');
  return Number(found.id);
}

export async function statusNoteRoutes(scope: FastifyInstance, deps: StatusNoteDeps): Promise<void> {
  const { database, deployment, clock } = deps;
  const db = database.db;
  const app = scope.withTypeProvider<ZodTypeProvider>();

  /** The notes presented, with their incidents' numbers. */
  async function present(notes: readonly StoredNote[]) {
    const incidents = await incidentsById(
      db,
      notes.flatMap((n) => (n.incidentId === null ? [] : [n.incidentId])),
    );
    return notes.map((n) =>
      presentNote(n, (id) => {
        const i = incidents.get(id);
        return i === undefined ? undefined : `${incidentPrefix(i.engagement_id)}-${i.number}`;
      }),
    );
  }

  async function load(req: FastifyRequest, id: number): Promise<{ note: StoredNote; engagement: Engagement }> {
    const p = principalOf(req);
    const note = await getNote(db, p.engagements, id);
    const engagement = note === undefined ? undefined : deployment.engagement(note.engagementId);
    if (note === undefined || engagement === undefined) throw new TandemError('NOT_FOUND', `status note ${id} not found`, 'id');
    return { note, engagement };
  }

  async function reread(req: FastifyRequest, id: number) {
    const { note } = await load(req, id);
    const [shown] = await present([note]);
    if (shown === undefined) throw new TandemError('NOT_FOUND', `status note ${id} not found`, 'id');
    return { note: shown };
  }

  app.get('/status-notes', routes.list, async (req) => {
    const now = clock.now();
    const ids = scopeEngagements(principalOf(req), req.query.engagement);
    const notes: StoredNote[] = [];
    for (const id of ids) notes.push(...(await listNotes(db, id, { resolvedSince: now - LISTED_RESOLVED_MS, limit: LISTED_MAX })));
    notes.sort((a, b) => b.updatedAt - a.updatedAt || b.id - a.id);
    return { notes: await present(notes.slice(0, LISTED_MAX)) };
  });

  app.post('/status-notes', routes.create, async (req, reply) => {
    const p = principalOf(req);
    const b = req.body;
    const engagement = visibleEngagement(deployment, p, b.engagement);
    const components = componentsOf(pageOf(engagement), b.components);
    const incidentId = b.incident === undefined ? null : await incidentOf(db, engagement, b.incident);
    const actor = actorOf(p, engagement);
    const at = clock.now();
    const text = b.text.trim();
    const id = await db.transaction().execute(async (trx) => {
      const noteId = await insertNote(trx, {
        engagementId: engagement.id,
        title: b.title.trim(),
        components,
        state: b.state,
        incidentId,
        author: actorRef(actor),
        text,
        at,
      });
      await onTimeline(
        trx,
        deps,
        { engagementId: engagement.id, incidentId, noteId, components },
        { at, actor, what: 'published', state: b.state, text },
      );
      // The page's subscribers are told in the note's transaction: queued once with it, sent by the delivery loop.
      await enqueueNoteMails(trx, { engagementId: engagement.id, noteId, components, at });
      return noteId;
    });
    deps.mailsQueued?.();
    return reply.code(201).send(await reread(req, id));
  });

  app.post('/status-notes/:id/updates', routes.update, async (req, reply) => {
    const { note, engagement } = await load(req, req.params.id);
    if (note.resolvedAt !== null)
      throw new TandemError('INVALID_TRANSITION', `status note ${note.id} is resolved; publish a new note instead`);
    const b = req.body;
    const components = b.components === undefined ? undefined : componentsOf(pageOf(engagement), b.components);
    const actor = actorOf(principalOf(req), engagement);
    const at = clock.now();
    const state = b.state ?? note.state;
    const text = b.text.trim();
    await db.transaction().execute(async (trx) => {
      await appendUpdate(trx, { engagementId: note.engagementId, noteId: note.id, at, state, text, author: actorRef(actor) });
      await onTimeline(
        trx,
        deps,
        { engagementId: note.engagementId, incidentId: note.incidentId, noteId: note.id, components: components ?? note.components },
        { at, actor, what: 'updated', state, text },
      );
      await updateNote(trx, note.id, {
        at,
        state,
        ...(b.title === undefined ? {} : { title: b.title.trim() }),
        ...(components === undefined ? {} : { components }),
      });
      await enqueueNoteMails(trx, {
        engagementId: note.engagementId,
        noteId: note.id,
        components: [...new Set([...note.components, ...(components ?? [])])],
        at,
      });
    });
    deps.mailsQueued?.();
    return reply.code(201).send(await reread(req, note.id));
  });

  app.post('/status-notes/:id/resolve', routes.resolve, async (req) => {
    const { note, engagement } = await load(req, req.params.id);
    if (note.resolvedAt === null) {
      const actor = actorOf(principalOf(req), engagement);
      const at = clock.now();
      const text = req.body?.text.trim() ?? DEFAULT_RESOLVED_TEXT;
      await db.transaction().execute(async (trx) => {
        if (!(await resolveNote(trx, note.id, at))) return;
        await appendUpdate(trx, { engagementId: note.engagementId, noteId: note.id, at, state: 'resolved', text, author: actorRef(actor) });
        await onTimeline(
          trx,
          deps,
          { engagementId: note.engagementId, incidentId: note.incidentId, noteId: note.id, components: note.components },
          { at, actor, what: 'resolved', state: 'resolved', text },
        );
        await enqueueNoteMails(trx, { engagementId: note.engagementId, noteId: note.id, components: note.components, at });
      });
      deps.mailsQueued?.();
    }
    return reread(req, note.id);
  });
}
