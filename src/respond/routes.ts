/**
 * /respond/{token}: the page a respond link opens. GET shows the incident
 * and one button; POST does it and records it as the link's responder.
 * A GET never changes anything, because mail scanners (Outlook Safe Links,
 * Mimecast) open every link in a message before a person does.
 */
import type { FastifyInstance, FastifyReply } from 'fastify';
import type { Clock } from '../clock/clock.js';
import type { Database } from '../db/connect.js';
import type { Deployment } from '../deployment/deployment.js';
import { incidentPrefix } from '../deployment/deployment.js';
import { lookup } from '../engagement/model.js';
import { TandemError } from '../errors/catalog.js';
import type { Actor } from '../incident/actor.js';
import { acknowledgeIncident, resolveIncident } from '../incident/commands.js';
import { functionOfService, incidentActionDecision, refusalMessage, sideOfPerson } from '../scope/scope.js';
import type { ChangeHooks } from '../incident/changes.js';
import { runIncidentCommand } from '../incident/run-command.js';
import { getIncidentAnywhere } from '../incident/store.js';
import type { IncidentRow } from '../db/schema.js';
import { html } from '../html/html.js';
import { page, securePages } from '../pages/layout.js';
import type { LinkClaims, LinkSigner } from './links.js';

export interface RespondDeps {
  readonly database: Database;
  readonly deployment: Deployment;
  readonly clock: Clock;
  readonly links: LinkSigner;
  readonly kick: () => void;
  /** Who follows incident changes (SLA clocks); the engine's hooks. */
  readonly hooks: ChangeHooks;
}

function responderActor(deployment: Deployment, engagementId: string, claims: LinkClaims): Actor {
  const [kind, id = ''] = claims.responder.split(':');
  const engagement = deployment.engagement(engagementId);
  if (kind === 'person') {
    const name = engagement && lookup(engagement).person(id)?.name;
    return { type: 'person', id, ...(name ? { name } : {}) };
  }
  return { type: 'team', id, name: `team ${id}` };
}

/** Why the link's responder may not take its action under the engagement's scope, or null when they may. */
function scopeRefusal(deployment: Deployment, incident: IncidentRow, claims: LinkClaims): string | null {
  const engagement = deployment.engagement(incident.engagement_id);
  if (engagement === undefined) return null;
  const [kind, id = ''] = claims.responder.split(':');
  const side = kind === 'person' ? sideOfPerson(engagement, id) : lookup(engagement).team(id)?.side;
  const fn = functionOfService(engagement, incident.service_id);
  const decision = incidentActionDecision(engagement, side, claims.action, fn);
  return decision.allowed || side === undefined ? null : refusalMessage(side, decision, fn);
}

export async function respondRoutes(app: FastifyInstance, deps: RespondDeps): Promise<void> {
  const { database, deployment, clock, links } = deps;
  securePages(app);
  // The confirm page's form posts an empty urlencoded body: nothing in it is read.
  app.addContentTypeParser('application/x-www-form-urlencoded', { parseAs: 'string' }, (_req, _body, done) => done(null, {}));

  async function load(token: string, reply: FastifyReply) {
    const claims = links.verify(token);
    if (!claims) {
      void reply
        .code(404)
        .type('text/html')
        .send(
          page(
            'Link not valid',
            html`<div class="card"><h1>This link is not valid</h1><p>It may have been copied incompletely. Open the incident in Tandem instead.</p></div>`,
          ),
        );
      return undefined;
    }
    // The signed link is the capability: it names the incident, whatever engagement it is in.
    const incident = await getIncidentAnywhere(database.db, claims.incident);
    if (!incident) {
      void reply
        .code(404)
        .type('text/html')
        .send(page('Not found', html`<div class="card"><h1>Incident not found</h1></div>`));
      return undefined;
    }
    if (claims.expires < clock.now()) {
      void reply
        .code(410)
        .type('text/html')
        .send(
          page(
            'Link expired',
            html`<div class="card"><h1>This link has expired</h1><p>Respond links work for 24 hours. Open ${incidentPrefix(incident.engagement_id)}-${incident.number} in Tandem instead.</p></div>`,
          ),
        );
      return undefined;
    }
    return { claims, incident };
  }

  app.get<{ Params: { token: string } }>('/respond/:token', { schema: { hide: true } }, async (req, reply) => {
    const found = await load(req.params.token, reply);
    if (!found) return reply;
    const { claims, incident } = found;
    const number = `${incidentPrefix(incident.engagement_id)}-${incident.number}`;
    const actor = responderActor(deployment, incident.engagement_id, claims);
    const verb = claims.action === 'acknowledge' ? 'Acknowledge' : 'Resolve';
    const done = incident.status === 'resolved' || (claims.action === 'acknowledge' && incident.status !== 'triggered');
    const refused = scopeRefusal(deployment, incident, claims);
    const form = refused
      ? html`<p class="meta">Out of scope: ${refused}.</p>`
      : html`<form method="post" action="/respond/${req.params.token}"><button class="${claims.action === 'acknowledge' ? 'primary' : 'danger'}" type="submit">${verb} ${number}</button></form>`;
    return reply.type('text/html').send(
      page(
        `${verb} ${number}`,
        html`<div class="card">
        <div class="meta">${number} · ${deployment.service(incident.engagement_id, incident.service_id)?.name ?? incident.service_id}</div>
        <h1><span class="pill ${incident.priority.toLowerCase()}">${incident.priority}</span> ${incident.title}</h1>
        <p class="meta">Status: <strong>${incident.status.replaceAll('_', ' ')}</strong> · you are ${actor.name ?? actor.id}</p>
        ${done ? html`<p class="ok">Nothing to do: the incident is already ${incident.status.replaceAll('_', ' ')}.</p>` : form}
      </div>`,
      ),
    );
  });

  app.post<{ Params: { token: string } }>('/respond/:token', { schema: { hide: true } }, async (req, reply) => {
    const found = await load(req.params.token, reply);
    if (!found) return reply;
    const { claims } = found;
    const engagementId = found.incident.engagement_id;
    const refused = scopeRefusal(deployment, found.incident, claims);
    if (refused) {
      return reply
        .code(403)
        .type('text/html')
        .send(page('Out of scope', html`<div class="card"><h1>Out of scope</h1><p>${refused}.</p></div>`));
    }
    const actor = responderActor(deployment, engagementId, claims);
    const via = `${claims.action} link in ${claims.via === 'email' ? 'an email' : `a ${claims.via} message`}`;
    let outcome = '';
    let incident: IncidentRow | undefined = found.incident;
    try {
      const done = await runIncidentCommand({
        database,
        engagementId,
        incidentId: claims.incident,
        kick: deps.kick,
        hooks: deps.hooks,
        run: async (w, current) => {
          const changed =
            claims.action === 'acknowledge'
              ? await acknowledgeIncident(w, current, actor, clock.now(), { via })
              : await resolveIncident(w, current, actor, clock.now(), { via });
          return changed
            ? `${claims.action === 'acknowledge' ? 'Acknowledged' : 'Resolved'} by ${actor.name ?? actor.id}.`
            : `Nothing to do: it was already ${current.status.replaceAll('_', ' ')}.`;
        },
      });
      outcome = done.result;
      incident = done.incident;
    } catch (err) {
      if (err instanceof TandemError && err.code === 'INVALID_TRANSITION') outcome = 'Nothing to do: the incident is already resolved.';
      else throw err;
    }
    const number = incident ? `${incidentPrefix(incident.engagement_id)}-${incident.number}` : '';
    return reply
      .type('text/html')
      .send(
        page(
          `${number}`,
          html`<div class="card"><h1 class="ok">${outcome}</h1><p>${number}: ${incident?.title ?? ''}</p><p class="meta">Escalation stops; the incident timeline records it.</p></div>`,
        ),
      );
  });
}
