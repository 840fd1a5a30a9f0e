/**
 * Twilio calls Tandem back (issue 13, voice calls and SMS replies):
 *
 * - `POST /integrations/twilio/voice/{token}`: a key pressed on a page call
 *   (the `<Gather action>` of its TwiML). 1 acknowledges the call's incidents
 *   as the person called; 2 escalates them to the next tier now; anything
 *   else asks again. Answered with TwiML.
 * - `POST /integrations/twilio/status/{token}`: a delivery report on an SMS
 *   (`MessageStatus`) or a call (`CallStatus`), recorded on the incident
 *   timeline; a message that did not reach the person (call not answered,
 *   busy or failed; SMS undelivered or failed) makes the person's next
 *   notify rule for that page due now.
 * - `POST /integrations/twilio/sms`: the Twilio number's inbound SMS webhook.
 *   "ACK 42" (or "ACK ACME-42") from a person's number acknowledges that
 *   incident as that person; anything else gets a TwiML `<Message>` saying
 *   how; an unknown number changes nothing and gets no reply.
 *
 * Every request must carry Twilio's `X-Twilio-Signature` over the public URL
 * (`--public-url` + the path Twilio requested) and the posted fields, with
 * the account's auth token: anything else is refused with 403 before any
 * field is read. The tokens in the voice and status URLs are signed by the
 * server (respond/links.ts) and name the delivery, its incident and its
 * recipient; request logs redact them. Acknowledging obeys the engagement's
 * scope like a respond link.
 */
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { Clock } from '../clock/clock.js';
import type { Database } from '../db/connect.js';
import type { IncidentRow, NotificationRow } from '../db/schema.js';
import type { Deployment } from '../deployment/deployment.js';
import { incidentPrefix } from '../deployment/deployment.js';
import type { Engagement, Person } from '../engagement/model.js';
import { lookup } from '../engagement/model.js';
import { TandemError } from '../errors/catalog.js';
import { bringNextTierForward } from '../escalation/store.js';
import type { Actor } from '../incident/actor.js';
import type { ChangeHooks } from '../incident/changes.js';
import { acknowledgeIncident } from '../incident/commands.js';
import { runIncidentCommand } from '../incident/run-command.js';
import { getIncidentAnywhere, getIncidentByNumber } from '../incident/store.js';
import type { TimelineEntry } from '../incident/timeline.js';
import { withWriter } from '../incident/writer.js';
import {
  TWILIO_SMS_PATH,
  TWILIO_STATUS_PATH,
  TWILIO_VOICE_PATH,
  gather,
  message,
  say,
  twiml,
  verifyTwilioSignature,
} from '../notify/twilio.js';
import type { TwilioParams } from '../notify/twilio.js';
import { VOICE_KEYS } from '../notify/render.js';
import { contactAddress } from '../paging/page.js';
import { advanceNextRule, getNotification, notificationsOfSend, recordProviderStatus } from '../paging/store.js';
import { recipientName } from '../paging/messages.js';
import { functionOfService, incidentActionDecision, refusalMessage, sideOfPerson } from '../scope/scope.js';
import type { CallbackClaims, LinkSigner } from './links.js';
import { FINAL_STATUSES, keyAction, parseSmsReply, planReport, smsHelp } from './twilio-plan.js';

export interface TwilioCallbackDeps {
  readonly database: Database;
  readonly deployment: Deployment;
  readonly clock: Clock;
  readonly links: LinkSigner;
  /** Wakes the engine (escalation and delivery follow): an acknowledgement stops paging, a missed call's next rule goes out. */
  readonly kick: () => void;
  readonly hooks: ChangeHooks;
  /** The account callbacks must come from, and the auth token they are signed with. */
  readonly accountSid: string;
  readonly authToken: string;
  /** `--public-url`: the origin (and any path prefix) Twilio was given. */
  readonly publicUrl: string;
}

/** Form bodies above this are not Twilio's (its callbacks are a few hundred bytes to a few KB). */
const BODY_LIMIT = 64 * 1024;
/** Field values longer than this are not Twilio's either; refused before anything is read from them. */
const FIELD_LIMIT = 4096;

const XML = 'text/xml; charset=utf-8';

/** Where each verified request's fields are kept for the handler. */
const PARAMS = Symbol('twilio-params');
type Verified = FastifyRequest & { [PARAMS]?: TwilioParams };

/** A route's token parameter. */
interface TokenRoute {
  Params: { token: string };
}

/** The form fields of a request, in order, names repeated as sent. Throws a 400 on a body that is not a form. */
function formParams(raw: unknown): TwilioParams {
  if (typeof raw !== 'string')
    throw new TandemError('UNSUPPORTED_MEDIA_TYPE', 'send the body as application/x-www-form-urlencoded, as Twilio does');
  const params: Array<[string, string]> = [];
  for (const [name, value] of new URLSearchParams(raw)) {
    if (value.length > FIELD_LIMIT)
      throw new TandemError('INVALID_BODY', `field ${name.slice(0, 40)} is longer than ${FIELD_LIMIT} characters`, name.slice(0, 40));
    params.push([name, value]);
  }
  return params;
}

function field(params: TwilioParams, name: string): string | undefined {
  return params.find(([n]) => n === name)?.[1];
}

function required(params: TwilioParams, name: string, what: string): string {
  const value = field(params, name);
  if (value === undefined || value === '') throw new TandemError('INVALID_BODY', `${name} is missing: ${what}`, name);
  return value;
}

/** The person a callback's claims name, as an actor. */
function personActor(engagement: Engagement | undefined, responder: string): Actor {
  const [kind, id = ''] = responder.split(':');
  if (kind === 'team') return { type: 'team', id, name: `team ${id}` };
  const name = engagement ? lookup(engagement).person(id)?.name : undefined;
  return { type: 'person', id, ...(name ? { name } : {}) };
}

/** Why `actor` may not acknowledge `incident` under the engagement's scope, or null when they may. */
function scopeRefusal(engagement: Engagement | undefined, incident: IncidentRow, actor: Actor): string | null {
  if (engagement === undefined) return null;
  const side = actor.type === 'person' ? sideOfPerson(engagement, actor.id) : lookup(engagement).team(actor.id ?? '')?.side;
  const fn = functionOfService(engagement, incident.service_id);
  const decision = incidentActionDecision(engagement, side, 'acknowledge', fn);
  return decision.allowed || side === undefined ? null : refusalMessage(side, decision, fn);
}

function numberOf(incident: IncidentRow): string {
  return `${incidentPrefix(incident.engagement_id)}-${incident.number}`;
}

/** Speakable: "ACME 42" rather than "ACME minus 42". */
function spoken(incident: IncidentRow): string {
  return `${incidentPrefix(incident.engagement_id)} ${incident.number}`;
}

export async function twilioRoutes(app: FastifyInstance, deps: TwilioCallbackDeps): Promise<void> {
  const { database, deployment, clock, links } = deps;
  const base = deps.publicUrl.replace(/\/+$/, '');
  // Twilio posts forms; the raw text is kept, since the signature covers the fields exactly as sent.
  app.addContentTypeParser('application/x-www-form-urlencoded', { parseAs: 'string', bodyLimit: BODY_LIMIT }, (_req, body, done) =>
    done(null, body),
  );

  /** Checks the signature over the public URL and the fields; refuses (403) anything Twilio did not sign with this account's token. */
  app.addHook('preHandler', async (req: Verified) => {
    const params = formParams(req.body);
    const signature = req.headers['x-twilio-signature'];
    const url = `${base}${req.url}`;
    if (!verifyTwilioSignature(deps.authToken, typeof signature === 'string' ? signature : undefined, url, params)) {
      // Counted in /metrics as tandem_http_requests_total{route, status="403"}; logged without the URL (its token).
      req.log.warn({ route: req.routeOptions.url }, 'Twilio callback refused: X-Twilio-Signature does not match');
      throw new TandemError(
        'TWILIO_SIGNATURE_INVALID',
        signature === undefined
          ? 'X-Twilio-Signature is missing: only Twilio, signing with the account auth token, may call this endpoint'
          : 'X-Twilio-Signature does not match this URL and body for the configured Twilio auth token (check --public-url)',
        'X-Twilio-Signature',
      );
    }
    // Signed by a Twilio account with the same token is this account; a different AccountSid is a misconfiguration.
    const account = field(params, 'AccountSid');
    if (account !== undefined && account !== deps.accountSid) {
      throw new TandemError('TWILIO_SIGNATURE_INVALID', 'AccountSid is not the account this server sends with', 'AccountSid');
    }
    req[PARAMS] = params;
  });

  function paramsOf(req: FastifyRequest): TwilioParams {
    return (req as Verified)[PARAMS] ?? [];
  }

  /** The notification a token names, checked against the token's incident and recipient; 404 otherwise. */
  async function delivery(token: string): Promise<{ claims: CallbackClaims; row: NotificationRow }> {
    const claims = links.verifyCallback(token);
    const row = claims ? await getNotification(database.db, claims.notification) : undefined;
    if (!claims || !row || row.incident_id !== claims.incident || `${row.recipient_kind}:${row.recipient_id}` !== claims.responder) {
      throw new TandemError('NOT_FOUND', 'no delivery for this callback URL: it was not issued by this server', 'token');
    }
    return { claims, row };
  }

  /** The call or message SID must be the one the provider gave for this delivery (when it is recorded). */
  function sameResource(row: NotificationRow, sid: string, name: string): void {
    if (row.provider_id !== null && row.provider_id !== sid) {
      throw new TandemError(
        'NOT_FOUND',
        `${name} ${sid.slice(0, 40)} is not the ${row.channel === 'voice' ? 'call' : 'message'} of this callback URL`,
        name,
      );
    }
  }

  const xml = (reply: FastifyReply, body: string) => reply.code(200).type(XML).send(body);

  app.post<TokenRoute>(`${TWILIO_VOICE_PATH}/:token`, { schema: { hide: true } }, async (req, reply) => {
    const params = paramsOf(req);
    const { claims, row } = await delivery(req.params.token);
    const callSid = required(params, 'CallSid', 'the call this keypress belongs to');
    sameResource(row, callSid, 'CallSid');
    if (claims.expires < clock.now()) return xml(reply, twiml(say('This page has expired. Open the incident in Tandem instead. Goodbye.')));
    const action = keyAction(field(params, 'Digits'));
    // The same URL Twilio requested (and signed): the next key comes back here.
    const again = `${base}${req.url}`;
    if (action === 'repeat') return xml(reply, twiml(gather(again, `That key does nothing. ${VOICE_KEYS}`) + say('Goodbye.')));
    const engagement = deployment.engagement(row.engagement_id);
    const actor = personActor(engagement, claims.responder);
    const incidentIds = [...new Set((await notificationsOfSend(database.db, row.id)).map((r) => r.incident_id))];
    const said: string[] = [];
    for (const id of incidentIds) {
      const incident = await getIncidentAnywhere(database.db, id);
      if (!incident) continue;
      said.push(action === 'acknowledge' ? await acknowledgeByVoice(incident, actor, engagement) : await escalateByVoice(incident, actor));
    }
    deps.kick();
    return xml(reply, twiml(say(`${said.join(' ')} Goodbye.`)));
  });

  async function acknowledgeByVoice(incident: IncidentRow, actor: Actor, engagement: Engagement | undefined): Promise<string> {
    const refused = scopeRefusal(engagement, incident, actor);
    if (refused) return `You may not acknowledge ${spoken(incident)}: ${refused}.`;
    const outcome = await acknowledge(incident, actor, 'voice call');
    if (outcome === 'done') return `${spoken(incident)} is acknowledged. Escalation stops.`;
    return `${spoken(incident)} was already ${outcome}.`;
  }

  /** Acknowledges as `actor`; 'done', or the status that made it unnecessary. */
  async function acknowledge(incident: IncidentRow, actor: Actor, via: string): Promise<string> {
    if (incident.status === 'resolved') return 'resolved';
    try {
      const done = await runIncidentCommand({
        database,
        engagementId: incident.engagement_id,
        incidentId: incident.id,
        kick: deps.kick,
        hooks: deps.hooks,
        run: async (w, current) =>
          (await acknowledgeIncident(w, current, actor, clock.now(), { via })) ? 'done' : current.status.replaceAll('_', ' '),
      });
      return done.result;
    } catch (err) {
      if (err instanceof TandemError && err.code === 'INVALID_TRANSITION') return 'resolved';
      throw err;
    }
  }

  async function escalateByVoice(incident: IncidentRow, actor: Actor): Promise<string> {
    if (incident.status !== 'triggered')
      return `${spoken(incident)} is already ${incident.status.replaceAll('_', ' ')}: nothing to escalate.`;
    const now = clock.now();
    const { result } = await runIncidentCommand({
      database,
      engagementId: incident.engagement_id,
      incidentId: incident.id,
      kick: deps.kick,
      hooks: deps.hooks,
      run: async (w) => {
        const step = await bringNextTierForward(w.ex, incident.id, now);
        const who = actor.name ?? actor.id ?? 'someone';
        const message = step
          ? `${who} asked on a page call to escalate now: tier ${step.tier + 1}${step.pass > 0 ? ` (pass ${step.pass + 1})` : ''} is paged now instead of at ${new Date(step.due_at).toISOString()}.`
          : `${who} asked on a page call to escalate, but no tier is left to page.`;
        await w.timeline([
          {
            engagementId: incident.engagement_id,
            incidentId: incident.id,
            at: now,
            kind: 'escalation.requested',
            actor,
            message,
            data: { via: 'voice call', ...(step ? { tier: step.tier, pass: step.pass, was_due_at: step.due_at } : {}) },
          },
        ]);
        return step !== undefined;
      },
    });
    return result ? `Escalating ${spoken(incident)} to the next tier now.` : `There is no further tier to escalate ${spoken(incident)} to.`;
  }

  app.post<TokenRoute>(`${TWILIO_STATUS_PATH}/:token`, { schema: { hide: true } }, async (req, reply) => {
    const params = paramsOf(req);
    const { row } = await delivery(req.params.token);
    const voice = row.channel === 'voice';
    const sidName = voice ? 'CallSid' : 'MessageSid';
    const statusName = voice ? 'CallStatus' : 'MessageStatus';
    const sid = required(params, sidName, `the ${voice ? 'call' : 'message'} this report is about`);
    const status = required(params, statusName, `the ${voice ? 'call' : 'message'}'s status`).toLowerCase();
    if (!/^[a-z_-]{1,40}$/.test(status))
      throw new TandemError('INVALID_BODY', `${statusName} "${status.slice(0, 40)}" is not a Twilio status`, statusName);
    sameResource(row, sid, sidName);
    const errorCode = field(params, 'ErrorCode');
    const incident = await getIncidentAnywhere(database.db, row.incident_id);
    const engagement = deployment.engagement(row.engagement_id);
    const name = recipientName(engagement, row);
    const plan = planReport({
      row: { channel: row.channel, status: row.status, providerStatus: row.provider_status },
      status,
      errorCode,
      name,
      address: row.address,
      incidentStatus: incident?.status,
    });
    if (!plan.record) return reply.code(204).send();
    const now = clock.now();
    const send = await notificationsOfSend(database.db, row.id);
    await database.db.transaction().execute(async (trx) => {
      const written = await recordProviderStatus(trx, {
        ids: send.map((r) => r.id),
        status,
        at: now,
        keep: FINAL_STATUSES,
        ...(plan.fail === undefined ? {} : { fail: plan.fail }),
      });
      if (written.length === 0 || plan.timeline === undefined) return;
      const entries: TimelineEntry[] = [];
      for (const r of send.filter((s) => written.includes(s.id))) {
        entries.push({
          engagementId: r.engagement_id,
          incidentId: r.incident_id,
          at: now,
          kind: plan.timeline.kind,
          actor: { type: 'integration', id: 'twilio', name: 'Twilio' },
          message: plan.timeline.message,
          data: {
            notification: r.id,
            channel: r.channel,
            recipient: `${r.recipient_kind}:${r.recipient_id}`,
            provider_id: sid,
            provider_status: status,
            ...(errorCode ? { error_code: errorCode } : {}),
          },
        });
        if (!plan.advance) continue;
        const next = await advanceNextRule(trx, r, r.due_at, now);
        entries.push({
          engagementId: r.engagement_id,
          incidentId: r.incident_id,
          at: now,
          kind: 'notification.advanced',
          actor: { type: 'system', id: null, name: 'Tandem' },
          message: next
            ? `${name} did not get the ${voice ? 'call' : 'SMS'}: their next rule, ${next.channel} to ${next.address}, goes out now instead of at ${new Date(next.due_at).toISOString()}.`
            : `${name} did not get the ${voice ? 'call' : 'SMS'} and has no later notify rule for this page; escalation continues as the policy says.`,
          data: { notification: r.id, ...(next ? { next: next.id, channel: next.channel } : {}) },
        });
      }
      await withWriter(trx, database, deps.hooks, (w) => w.timeline(entries));
    });
    deps.kick();
    return reply.code(204).send();
  });

  app.post(TWILIO_SMS_PATH, { schema: { hide: true } }, async (req, reply) => {
    const params = paramsOf(req);
    const from = required(params, 'From', 'the number the SMS came from');
    const body = field(params, 'Body') ?? '';
    const matches = peopleWithNumber(deployment.all(), from);
    // A number that is nobody's: no change, and no reply (an answer would only invite more).
    if (matches.length === 0) return xml(reply, twiml(''));
    const parsed = parseSmsReply(body);
    const example = `${incidentPrefix(matches[0]?.engagement.id ?? 'acme')}-42`;
    if (parsed.kind !== 'ack') return xml(reply, twiml(message(smsHelp(example))));
    const candidates = parsed.prefix === undefined ? matches : matches.filter((m) => incidentPrefix(m.engagement.id) === parsed.prefix);
    if (candidates.length === 0)
      return xml(
        reply,
        twiml(message(`Tandem: ${parsed.prefix}-${parsed.number} is not an incident of an engagement you are in. ${smsHelp(example)}`)),
      );
    if (candidates.length > 1) {
      const refs = candidates.map((m) => `ACK ${incidentPrefix(m.engagement.id)}-${parsed.number}`).join(' or ');
      return xml(reply, twiml(message(`Tandem: you are in several engagements; reply ${refs}.`)));
    }
    const [{ engagement, person }] = candidates as [PersonMatch];
    const ref = `${incidentPrefix(engagement.id)}-${parsed.number}`;
    const incident = await getIncidentByNumber(database.db, [engagement.id], incidentPrefix(engagement.id), parsed.number);
    if (!incident) return xml(reply, twiml(message(`Tandem: there is no incident ${ref}.`)));
    const actor: Actor = { type: 'person', id: person.id, name: person.name };
    const refused = scopeRefusal(engagement, incident, actor);
    if (refused) return xml(reply, twiml(message(`Tandem: you may not acknowledge ${ref}: ${refused}.`)));
    const outcome = await acknowledge(incident, actor, 'SMS reply');
    deps.kick();
    return xml(
      reply,
      twiml(
        message(
          outcome === 'done'
            ? `Tandem: ${numberOf(incident)} acknowledged by ${person.name}. Escalation stops.`
            : `Tandem: ${numberOf(incident)} was already ${outcome}.`,
        ),
      ),
    );
  });
}

interface PersonMatch {
  readonly engagement: Engagement;
  readonly person: Person;
}

/** The people whose SMS or voice number is `from`, in every engagement this server hosts. */
function peopleWithNumber(engagements: readonly Engagement[], from: string): PersonMatch[] {
  const out: PersonMatch[] = [];
  for (const engagement of engagements) {
    for (const person of engagement.people) {
      if (person.contact.sms === from || contactAddress(person.contact, 'voice') === from) out.push({ engagement, person });
    }
  }
  return out;
}
