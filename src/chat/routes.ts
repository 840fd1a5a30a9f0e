/**
 * POST /integrations/slack/interactions: the Slack app's interactivity
 * Request URL. Slack posts each click on a page's Acknowledge or Resolve
 * button here, signed with the app's signing secret. Tandem checks the
 * signature and its age, answers 200 at once (Slack shows an error when the
 * answer takes more than 3 seconds), then acts as the person whose
 * `contact.slack_user` is the member who clicked (within the engagement's
 * scope), and replaces the message through the click's `response_url`: the
 * buttons give way to "Acknowledged by Kim Tan at …". A member Tandem does
 * not know, or one out of scope, gets an answer only they see, and nothing
 * changes. The same click delivered twice acts once: the second finds the
 * incident already acknowledged (and clicks on one incident are handled one
 * after another), and the message says the same.
 */
import type { FastifyInstance, FastifySchemaCompiler } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import type { Logger } from 'pino';
import * as z from 'zod';
import type { Clock } from '../clock/clock.js';
import type { Database } from '../db/connect.js';
import type { IncidentRow } from '../db/schema.js';
import type { Deployment } from '../deployment/deployment.js';
import { incidentPrefix } from '../deployment/deployment.js';
import type { Engagement } from '../engagement/model.js';
import { lookup } from '../engagement/model.js';
import { TandemError } from '../errors/catalog.js';
import type { Actor } from '../incident/actor.js';
import type { ChangeHooks } from '../incident/changes.js';
import { acknowledgeIncident, resolveIncident } from '../incident/commands.js';
import { runIncidentCommand } from '../incident/run-command.js';
import { getIncidentAnywhere } from '../incident/store.js';
import { postOnce, rebaseOrigin } from '../notify/http-delivery.js';
import { functionOfService, incidentActionDecision, refusalMessage } from '../scope/scope.js';
import { errorResponses } from '../api/schema/common.js';
import type { IncidentState, SlackClick, SlackEphemeral, SlackReplacement } from './slack-interaction.js';
import { decodeInteraction, ephemeral, stateSentence, updatedMessage } from './slack-interaction.js';
import { verifySlackRequest } from './slack-signature.js';
import { claimChatAction } from './store.js';

export const SLACK_INTERACTIONS_PATH = '/integrations/slack/interactions';

/** A click's payload carries the message's blocks (at most 50, of at most 3,000 characters of text each). */
const BODY_LIMIT = 1024 * 1024;

/** How a request to the endpoint ended, for /metrics (tandem_slack_interactions_total). */
export type SlackOutcome =
  | 'acknowledged'
  | 'resolved'
  | 'unchanged'
  | 'unknown_member'
  | 'out_of_scope'
  | 'no_incident'
  | 'failed'
  | 'forged'
  | 'stale'
  | 'invalid'
  | 'ignored';

export interface SlackInteractionDeps {
  readonly database: Database;
  readonly deployment: Deployment;
  readonly clock: Clock;
  readonly kick: () => void;
  readonly hooks: ChangeHooks;
  readonly log: Pick<Logger, 'info' | 'warn' | 'error'>;
  /** The Slack app's signing secret; undefined: interactivity is off and the endpoint answers 404. */
  readonly signingSecret: string | undefined;
  /** Where the secret is read from, for the 404's message. */
  readonly signingSecretEnv: string;
  /** Replaces the origin of `response_url`s (staging, tests), as --slack-url does for webhooks. */
  readonly baseUrl: string | undefined;
  readonly timeoutMs: number;
  readonly userAgent: string;
  /** Counts each outcome (the metrics). */
  readonly onOutcome?: (outcome: SlackOutcome) => void;
}

/** The body is documented, and read and checked by the handler (after the signature, which covers the raw bytes). */
const documentOnly: FastifySchemaCompiler<unknown> = () => () => true;

const InteractionForm = z
  .object({
    payload: z.string().meta({
      description:
        "The interaction as JSON: a `block_actions` payload with the member who clicked (`user.id`), the button (`actions[0]`: `action_id` acknowledge or resolve, `value` the incident's id), the message and its `response_url`.",
    }),
  })
  .meta({ description: 'What Slack posts (form-encoded): one field, `payload`.' });

const SlackHeaders = z.object({
  'x-slack-request-timestamp': z
    .string()
    .meta({ description: 'Seconds since the epoch when Slack sent it; at most 5 minutes from the server clock.' }),
  'x-slack-signature': z
    .string()
    .meta({ description: '`v0=` and the hex HMAC-SHA256 of `v0:<timestamp>:<raw body>`, keyed with the signing secret.' }),
});

/** Slack reads only the status: an empty body. */
const Acknowledged = {
  description: 'Received, with an empty body (Slack needs the 200 within 3 seconds); the action and the message update follow.',
  content: { 'text/plain': { schema: z.string().meta({ description: 'Empty.' }) } },
};

function header(value: string | string[] | undefined): string | undefined {
  return Array.isArray(value) ? value[0] : value;
}

/** "Kim Tan" for `person:kim`; the display name of whoever an incident's `*_by` column names. */
function actorName(engagement: Engagement, ref: string | null): string | undefined {
  if (ref === null) return undefined;
  const [type, id = ''] = ref.split(':');
  if (type === 'person') return lookup(engagement).person(id)?.name ?? id;
  if (type === 'team') return lookup(engagement).team(id)?.name ?? id;
  if (type === 'integration') return `the ${id} integration`;
  if (type === 'system') return 'Tandem';
  return 'an API token';
}

function stateOf(engagement: Engagement, incident: IncidentRow): IncidentState {
  return {
    number: `${incidentPrefix(incident.engagement_id)}-${incident.number}`,
    status: incident.status,
    acknowledgedBy: actorName(engagement, incident.acknowledged_by),
    acknowledgedAt: incident.acknowledged_at ?? undefined,
    resolvedBy: actorName(engagement, incident.resolved_by),
    resolvedAt: incident.resolved_at ?? undefined,
  };
}

export async function slackInteractionRoutes(scope: FastifyInstance, deps: SlackInteractionDeps): Promise<void> {
  const { database, deployment, clock, log } = deps;
  const count = (outcome: SlackOutcome): void => deps.onOutcome?.(outcome);
  const app = scope.withTypeProvider<ZodTypeProvider>();
  // The signature covers the raw bytes, so every body arrives as bytes, whatever its type says.
  app.removeAllContentTypeParsers();
  app.addContentTypeParser('*', { parseAs: 'buffer', bodyLimit: BODY_LIMIT }, (_req, body, done) => done(null, body));

  /** Work after the 200: shutdown waits for it; clicks on one incident run one after another. */
  const pending = new Set<Promise<void>>();
  const perIncident = new Map<number, Promise<void>>();
  app.addHook('onClose', async () => {
    await Promise.allSettled([...pending]);
  });

  /** Posts to the click's response_url (never logged: it is a capability to post in the channel for 30 minutes). */
  async function answer(click: SlackClick, body: SlackReplacement | SlackEphemeral): Promise<void> {
    if (click.responseUrl === undefined) return;
    const attempt = await postOnce({
      url: rebaseOrigin(click.responseUrl, deps.baseUrl),
      headers: { 'content-type': 'application/json; charset=utf-8', 'user-agent': deps.userAgent },
      body: JSON.stringify(body),
      timeoutMs: deps.timeoutMs,
    });
    const error = attempt.ok
      ? attempt.answer.status < 300
        ? undefined
        : `HTTP ${attempt.answer.status} ${attempt.answer.body.slice(0, 200)}`
      : 'error' in attempt.result
        ? attempt.result.error
        : 'no answer';
    if (error !== undefined) log.warn({ incident: click.incidentId, error }, 'Slack did not take the message update (response_url)');
  }

  async function act(click: SlackClick): Promise<void> {
    const found = await getIncidentAnywhere(database.db, click.incidentId);
    const engagement = found === undefined ? undefined : deployment.engagement(found.engagement_id);
    if (found === undefined || engagement === undefined) {
      count('no_incident');
      await answer(click, ephemeral(`Tandem has no incident ${click.incidentId}; nothing changed.`));
      return;
    }
    const state = stateOf(engagement, found);
    const person = engagement.people.find((p) => p.contact.slackUser === click.userId);
    if (person === undefined) {
      count('unknown_member');
      log.info(
        { engagement: engagement.id, incident: found.id, slackUser: click.userId },
        'Slack click from a member who is no person of the engagement',
      );
      await answer(
        click,
        ephemeral(
          `You are not a responder of ${engagement.name} in Tandem, so ${state.number} is unchanged. If you should be, ask its administrator to add \`slack_user: ${click.userId}\` to your contact in the engagement file.`,
        ),
      );
      return;
    }
    const fn = functionOfService(engagement, found.service_id);
    const decision = incidentActionDecision(engagement, person.side, click.action, fn);
    if (!decision.allowed) {
      count('out_of_scope');
      await answer(
        click,
        ephemeral(`You cannot ${click.action} ${state.number}: ${refusalMessage(person.side, decision, fn)}. Nothing changed.`),
      );
      return;
    }
    const actor: Actor = { type: 'person', id: person.id, name: person.name };
    const via = `${click.action} button in Slack`;
    let incident = found;
    let changed = false;
    try {
      const done = await runIncidentCommand({
        database,
        engagementId: found.engagement_id,
        incidentId: found.id,
        kick: deps.kick,
        hooks: deps.hooks,
        run: async (w, current) => {
          // Once per member, incident and action, also when two instances get the same click at once.
          const first = await claimChatAction(w.ex, {
            source: 'slack',
            key: `${click.userId}:${current.id}:${click.action}`,
            engagementId: current.engagement_id,
            incidentId: current.id,
            action: click.action,
            actor: `person:${person.id}`,
            at: clock.now(),
          });
          if (!first) return false;
          return click.action === 'acknowledge'
            ? acknowledgeIncident(w, current, actor, clock.now(), { via })
            : resolveIncident(w, current, actor, clock.now(), { via });
        },
      });
      incident = done.incident;
      changed = done.result;
    } catch (err) {
      // Acknowledging a resolved incident: nothing to do; the message shows it resolved.
      if (!(err instanceof TandemError && err.code === 'INVALID_TRANSITION')) throw err;
      incident = (await getIncidentAnywhere(database.db, found.id)) ?? found;
    }
    count(changed ? (click.action === 'acknowledge' ? 'acknowledged' : 'resolved') : 'unchanged');
    const now = stateOf(engagement, incident);
    const replacement = click.message === undefined ? undefined : updatedMessage(click.message, incident.id, now);
    await answer(click, replacement ?? ephemeral(stateSentence(now)));
  }

  function track(click: SlackClick): void {
    const before = perIncident.get(click.incidentId) ?? Promise.resolve();
    const work = before.then(() => act(click));
    const settled = work.catch(async (err: unknown) => {
      count('failed');
      log.error({ err, incident: click.incidentId }, 'Slack click could not be handled');
      await answer(click, ephemeral('Tandem could not do that just now; use the link in the message or the dashboard.')).catch(() => {});
    });
    perIncident.set(click.incidentId, settled);
    pending.add(settled);
    void settled.finally(() => {
      pending.delete(settled);
      if (perIncident.get(click.incidentId) === settled) perIncident.delete(click.incidentId);
    });
  }

  app.post(
    SLACK_INTERACTIONS_PATH,
    {
      bodyLimit: BODY_LIMIT,
      validatorCompiler: documentOnly,
      schema: {
        operationId: 'slackInteraction',
        summary: "A click on a Slack page's Acknowledge or Resolve button (the Slack app's interactivity URL)",
        description:
          "Slack posts here; no token: the request must carry Slack's signature (`X-Slack-Signature`, HMAC-SHA256 with the app's signing secret, " +
          'from the environment variable named by --slack-signing-secret-env) and a timestamp within 5 minutes, else 401. The answer is an ' +
          "empty 200 at once; Tandem then acts as the person whose `contact.slack_user` clicked (within the engagement's scope) and replaces " +
          'the message through `response_url`. 404 while no signing secret is configured. See docs/notifications.md.',
        tags: ['incidents'],
        security: [],
        consumes: ['application/x-www-form-urlencoded'],
        headers: SlackHeaders,
        body: InteractionForm,
        response: { 200: Acknowledged, ...errorResponses(400, 401, 404, 408, 413, 415) },
      },
    },
    async (req, reply) => {
      const secret = deps.signingSecret;
      if (secret === undefined)
        throw new TandemError(
          'NOT_FOUND',
          `Slack interactivity is off: start Tandem with the Slack app's signing secret in ${deps.signingSecretEnv}`,
        );
      const raw: Buffer = Buffer.isBuffer(req.body) ? req.body : Buffer.alloc(0);
      const refusal = verifySlackRequest(
        { timestamp: header(req.headers['x-slack-request-timestamp']), signature: header(req.headers['x-slack-signature']) },
        raw,
        secret,
        clock.now(),
      );
      if (refusal !== undefined) {
        count(refusal.code === 'SLACK_REQUEST_STALE' ? 'stale' : 'forged');
        log.warn({ code: refusal.code, field: refusal.field }, 'Slack interaction refused');
        throw new TandemError(refusal.code, refusal.message, refusal.field);
      }
      const type = (header(req.headers['content-type']) ?? '').toLowerCase();
      if (!type.startsWith('application/x-www-form-urlencoded')) {
        count('invalid');
        throw new TandemError(
          'UNSUPPORTED_MEDIA_TYPE',
          'Slack posts interactions as application/x-www-form-urlencoded (payload=<JSON>)',
          'Content-Type',
        );
      }
      const decoded = decodeInteraction(raw.toString('utf8'));
      if (decoded.kind !== 'click') count(decoded.kind);
      if (decoded.kind === 'invalid') throw new TandemError('INVALID_BODY', `${decoded.field} ${decoded.problem}`, decoded.field);
      // Answer first: Slack wants the 200 within 3 seconds; the action and the message update follow.
      if (decoded.kind === 'click') track(decoded.click);
      return reply.code(200).type('text/plain; charset=utf-8').send('');
    },
  );
}
