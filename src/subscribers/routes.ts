/**
 * Email subscriptions of the public status page, with no sign-in:
 * `POST /status/{engagement}/subscribe` (the page's form, or JSON) asks for
 * one and queues a confirmation mail (double opt-in); the mail's link
 * (`/confirm/{token}`, 48 hours) makes it active; every mail's
 * `/unsubscribe/{token}` ends it with one POST (RFC 8058) and shows a page
 * with that button on GET. The answer to a subscribe request is the same
 * whether the address is new, pending or already subscribed, and requests
 * are limited per client and per address so the form cannot mail-bomb
 * anyone. Nothing is sent here: mails are rows the delivery loop sends.
 */
import { randomBytes } from 'node:crypto';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { errorResponses } from '../api/schema/common.js';
import type { Clock } from '../clock/clock.js';
import type { Database } from '../db/connect.js';
import type { Deployment } from '../deployment/deployment.js';
import type { StatusPage } from '../engagement/status-page.js';
import { TandemError } from '../errors/catalog.js';
import { html } from '../html/html.js';
import type { SafeHtml } from '../html/html.js';
import { page, securePages } from '../pages/layout.js';
import { CONFIRM_TTL_MS, RATE_LIMITS, WindowLimiter, checkEmail, linkToken, tokenHash } from './plan.js';
import { confirmSubscription, requestSubscription, subscriberByUnsubscribe, unsubscribe } from './store.js';

export interface SubscriberDeps {
  readonly database: Database;
  readonly deployment: Deployment;
  readonly clock: Clock;
  /** The server's link key (tokens are HMACs with it). */
  readonly key: string;
  /** Whether mails can be sent (an SMTP server is configured); without it every route is a 404. */
  readonly enabled: boolean;
  /** A mail was queued: wake the delivery loop. */
  readonly kick?: () => void;
}

/** The answer to every accepted subscribe request, whatever the address's state. */
export const SUBSCRIBE_ANSWER =
  'If this address can be subscribed, a confirmation link is on its way to it. Open it within 48 hours to start receiving notices.';

const BODY_LIMIT = 16 * 1024;
const TOKEN = /^[A-Za-z0-9_-]{43}$/;

const Params = z.object({ engagement: z.string().meta({ description: 'Engagement id.' }) });
const TokenParams = Params.extend({ token: z.string().meta({ description: 'The token of the link in the mail.' }) });
const Accepted = z
  .object({
    status: z
      .literal('pending')
      .meta({ description: 'Always `pending`: the answer never says whether the address was already subscribed.' }),
    message: z.string(),
  })
  .meta({ id: 'StatusSubscribeAccepted' });
const htmlPage = (description: string) => ({ description, content: { 'text/html': { schema: z.string() } } });
const tags = ['status' as const];

/** Reads the body of the form (urlencoded) or JSON as { email, components }; 400 naming the field otherwise. */
export function readSubscribeBody(contentType: string, body: string): { email: unknown; components: unknown } {
  const type = contentType.split(';')[0]?.trim().toLowerCase() ?? '';
  if (type === 'application/x-www-form-urlencoded') {
    const form = new URLSearchParams(body);
    return { email: form.get('email') ?? undefined, components: form.getAll('components') };
  }
  if (type === 'application/json' || type.endsWith('+json')) {
    let parsed: unknown;
    try {
      parsed = JSON.parse(body);
    } catch {
      throw new TandemError('INVALID_JSON', 'the body is not valid JSON');
    }
    if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed))
      throw new TandemError('INVALID_BODY', 'the body must be an object: {"email": "...", "components": ["..."]}');
    const o = parsed as Record<string, unknown>;
    return { email: o['email'], components: o['components'] ?? [] };
  }
  throw new TandemError('UNSUPPORTED_MEDIA_TYPE', 'send application/x-www-form-urlencoded (the form) or application/json');
}

/** The components asked for, as the page names them (case-insensitive); empty = all. 400 naming an unknown one. */
export function pickComponents(statusPage: StatusPage, given: unknown): string[] {
  const list = typeof given === 'string' ? [given] : given;
  if (!Array.isArray(list) || list.length > 100 || !list.every((c): c is string => typeof c === 'string'))
    throw new TandemError('INVALID_BODY', 'components must be a list of component names', 'components');
  const byKey = new Map(statusPage.components.map((c) => [c.name.toLowerCase(), c.name]));
  const out: string[] = [];
  for (const name of list) {
    const known = byKey.get(name.trim().toLowerCase());
    if (known === undefined)
      throw new TandemError(
        'INVALID_BODY',
        `"${name.slice(0, 80)}" is not a component of the status page; components: ${statusPage.components.map((c) => c.name).join(', ')}`,
        'components',
      );
    if (!out.includes(known)) out.push(known);
  }
  // Every component named is the same as none: all, including those added later.
  return out.length === statusPage.components.length ? [] : out;
}

function card(title: string, body: SafeHtml, back: string): string {
  return page(
    title,
    html`<main><div class="card"><h1>${title}</h1>${body}<p><a href="${back}">Back to the status page</a></p></div></main>`,
  );
}

export async function subscriberRoutes(scope: FastifyInstance, deps: SubscriberDeps): Promise<void> {
  securePages(scope);
  // Bodies are read here (form or JSON, small): each parser of the server is replaced in this scope.
  scope.removeAllContentTypeParsers();
  scope.addContentTypeParser('*', { parseAs: 'string', bodyLimit: BODY_LIMIT }, (_req, body, done) => done(null, body));
  const app = scope.withTypeProvider<ZodTypeProvider>();
  const { database, deployment, clock } = deps;
  const perIp = new WindowLimiter(RATE_LIMITS.perIp, RATE_LIMITS.windowMs);
  const perAddress = new WindowLimiter(RATE_LIMITS.perAddress, RATE_LIMITS.windowMs);

  /** The page, or 404 (unknown engagement, no status page, subscriptions off: the same). */
  function pageOf(id: string): StatusPage {
    const statusPage = deployment.engagement(id)?.statusPage;
    if (statusPage === undefined || !deps.enabled)
      throw new TandemError('NOT_FOUND', `no status page "${id}" with email subscriptions`, 'engagement');
    return statusPage;
  }

  const limited = (reply: FastifyReply, seconds: number | undefined, what: string) => {
    if (seconds === undefined) return;
    void reply.header('retry-after', String(seconds));
    throw new TandemError('RATE_LIMITED', `too many subscribe requests ${what}; retry after ${seconds}s`);
  };

  app.post(
    '/status/:engagement/subscribe',
    {
      schema: {
        operationId: 'subscribeToStatusPage',
        summary: 'Subscribe an email address to the status page (double opt-in)',
        description:
          'No sign-in. The body is the page\'s form (`application/x-www-form-urlencoded`: `email`, and `components` repeated) or JSON (`{"email": "...", "components": ["Payments"]}`); no components means all. A confirmation mail with a link valid for 48 hours is queued; nothing else is sent until it is opened. The answer is the same whether the address was new, pending or already subscribed: 200 with a page for the form, 202 for JSON. At most 10 requests per client IP and 3 per address an hour (429 with `Retry-After`). 404 when the engagement has no status page or the server has no SMTP server (`--smtp-url`).',
        tags,
        security: [],
        params: Params,
        response: {
          200: htmlPage("The form was accepted (the same page whatever the address's state)."),
          202: Accepted,
          ...errorResponses(400, 404, 413, 415, 429),
        },
      },
    },
    async (req, reply) => {
      const statusPage = pageOf(req.params.engagement);
      const engagementId = req.params.engagement;
      const contentType = String(req.headers['content-type'] ?? '');
      const body = readSubscribeBody(contentType, typeof req.body === 'string' ? req.body : '');
      const checked = checkEmail(body.email);
      if (!checked.ok) throw new TandemError('INVALID_BODY', `email ${checked.problem}`, 'email');
      const components = pickComponents(statusPage, body.components);
      const now = clock.now();
      limited(reply, perIp.take(`${engagementId}\n${req.ip}`, now), 'from this address');
      limited(reply, perAddress.take(`${engagementId}\n${checked.email}`, now), 'for this email address');
      const confirmNonce = randomBytes(18).toString('base64url');
      const unsubscribeNonce = randomBytes(18).toString('base64url');
      const queued = await database.db.transaction().execute((trx) =>
        requestSubscription(trx, {
          engagementId,
          email: checked.email,
          components,
          confirmNonce,
          confirmHash: tokenHash(linkToken(deps.key, 'confirm', confirmNonce)),
          confirmExpiresAt: now + CONFIRM_TTL_MS,
          unsubscribeNonce,
          unsubscribeHash: tokenHash(linkToken(deps.key, 'unsubscribe', unsubscribeNonce)),
          at: now,
        }),
      );
      if (queued) deps.kick?.();
      reply.header('cache-control', 'no-store');
      if (contentType.toLowerCase().startsWith('application/x-www-form-urlencoded'))
        return reply
          .code(200)
          .type('text/html; charset=utf-8')
          .send(card('Check your inbox', html`<p>${SUBSCRIBE_ANSWER}</p>`, `/status/${encodeURIComponent(engagementId)}`));
      return reply.code(202).send({ status: 'pending' as const, message: SUBSCRIBE_ANSWER });
    },
  );

  const notValid = (reply: FastifyReply, back: string, status = 404, text = 'This link is not valid, or was already used.') =>
    reply
      .code(status)
      .header('cache-control', 'no-store')
      .type('text/html; charset=utf-8')
      .send(card('Link not valid', html`<p>${text}</p>`, back));

  app.get(
    '/status/:engagement/confirm/:token',
    {
      schema: {
        operationId: 'confirmStatusSubscription',
        summary: 'Confirm a status page subscription (the link in the confirmation mail)',
        description:
          'No sign-in. Makes the subscription active. 410 (a page) when the link is older than 48 hours; 404 when it is unknown or was used.',
        tags,
        security: [],
        params: TokenParams,
        response: {
          200: htmlPage('Subscribed.'),
          404: htmlPage('Unknown engagement or link, or a link already used.'),
          410: htmlPage('The link expired: subscribe again.'),
        },
      },
    },
    async (req, reply) => {
      const back = `/status/${encodeURIComponent(req.params.engagement)}`;
      const statusPage = deployment.engagement(req.params.engagement)?.statusPage;
      if (statusPage === undefined || !deps.enabled || !TOKEN.test(req.params.token)) return notValid(reply, back);
      const outcome = await confirmSubscription(database.db, req.params.engagement, tokenHash(req.params.token), clock.now());
      if (outcome === 'expired')
        return notValid(reply, back, 410, 'This confirmation link is more than 48 hours old. Subscribe again on the status page.');
      if (outcome === 'unknown') return notValid(reply, back);
      return reply
        .header('cache-control', 'no-store')
        .type('text/html; charset=utf-8')
        .send(card('Subscribed', html`<p>You will get an email when ${statusPage.title} publishes a notice.</p>`, back));
    },
  );

  const unsubscribeSchema = (method: 'GET' | 'POST') => ({
    operationId: method === 'GET' ? 'showStatusUnsubscribe' : 'unsubscribeFromStatusPage',
    summary:
      method === 'GET' ? 'The unsubscribe page of a status page mail (a button)' : 'Unsubscribe from a status page (one click, RFC 8058)',
    description:
      method === 'GET'
        ? 'No sign-in. A page with one button that POSTs to the same URL. 404 when the link is unknown.'
        : 'No sign-in; any body (mail providers send `List-Unsubscribe=One-Click`). Ends the subscription at once and cancels the mails still waiting; repeating it changes nothing. 404 when the link is unknown.',
    tags,
    security: [],
    params: TokenParams,
    response: {
      200: htmlPage(method === 'GET' ? 'The page with the button.' : 'Unsubscribed.'),
      404: htmlPage('Unknown engagement or link.'),
    },
  });

  async function known(req: FastifyRequest<{ Params: z.infer<typeof TokenParams> }>) {
    const statusPage = deployment.engagement(req.params.engagement)?.statusPage;
    if (statusPage === undefined || !TOKEN.test(req.params.token)) return undefined;
    const row = await subscriberByUnsubscribe(database.db, req.params.engagement, tokenHash(req.params.token));
    return row === undefined ? undefined : { statusPage, row };
  }

  app.get('/status/:engagement/unsubscribe/:token', { schema: unsubscribeSchema('GET') }, async (req, reply) => {
    const back = `/status/${encodeURIComponent(req.params.engagement)}`;
    const found = await known(req);
    if (found === undefined) return notValid(reply, back);
    const done = found.row.state === 'unsubscribed';
    return reply
      .header('cache-control', 'no-store')
      .type('text/html; charset=utf-8')
      .send(
        card(
          done ? 'Unsubscribed' : 'Unsubscribe',
          done
            ? html`<p>This address gets no more mail from ${found.statusPage.title}.</p>`
            : html`<p>Stop the emails from ${found.statusPage.title} to this address?</p><form method="post"><button class="primary" type="submit">Unsubscribe</button></form>`,
          back,
        ),
      );
  });

  app.post('/status/:engagement/unsubscribe/:token', { schema: unsubscribeSchema('POST') }, async (req, reply) => {
    const back = `/status/${encodeURIComponent(req.params.engagement)}`;
    const found = await known(req);
    if (found === undefined) return notValid(reply, back);
    await database.db.transaction().execute((trx) => unsubscribe(trx, req.params.engagement, tokenHash(req.params.token), clock.now()));
    return reply
      .header('cache-control', 'no-store')
      .type('text/html; charset=utf-8')
      .send(card('Unsubscribed', html`<p>This address gets no more mail from ${found.statusPage.title}.</p>`, back));
  });
}
