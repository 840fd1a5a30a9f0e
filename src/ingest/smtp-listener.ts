/**
 * `tandem serve --smtp-port N`: alert mail over SMTP (docs/ingest.md, "Email").
 * A monitoring tool mails `<key>@<any domain>`, where `<key>` is an
 * integration of type email; the listener answers like a mail server, so the
 * sending tool or relay sees every refusal as a bounce with a reason:
 *
 * - RCPT TO: an unknown key, a key of another type, or an envelope sender
 *   (MAIL FROM) outside the integration's `senders` is refused with 550;
 * - DATA: a message over the size limit is refused with 552; the From header
 *   must match `senders` too (550); the message is parsed (MIME, HTML as
 *   text), becomes one alert action per recipient (src/ingest/email.ts), and
 *   is written to the durable inbox, the same one HTTP ingest writes to,
 *   before the 250 reply. A key over its rate limit or a store that failed
 *   answers 451, which the sender retries.
 *
 * STARTTLS is offered only when a certificate is configured (never
 * smtp-server's built-in one); AUTH is not offered: the key in the address and
 * the senders are the credentials, as the key in the URL is for HTTP ingest.
 * Every refusal counts in tandem_email_refused_total{reason}.
 */
import type { Logger } from 'pino';
import { simpleParser } from 'mailparser';
import type { ParsedMail } from 'mailparser';
import { SMTPServer } from 'smtp-server';
import type { SMTPServerAddress, SMTPServerDataStream, SMTPServerSession } from 'smtp-server';
import type { Clock } from '../clock/clock.js';
import type { Deployment, IntegrationRef } from '../deployment/deployment.js';
import type { Integration } from '../engagement/model.js';
import type { EventSink } from '../events/inbox.js';
import { storableText } from '../events/json-shape.js';
import type { Metrics } from '../telemetry/metrics.js';
import type { RateLimiter } from './rate-limit.js';
import type { CompiledRules } from './email.js';
import { compileRules, emailAlert, keyOfAddress, senderAllowed } from './email.js';

export interface SmtpDeps {
  readonly deployment: Deployment;
  readonly inbox: EventSink;
  readonly limiter: RateLimiter;
  readonly clock: Clock;
  readonly metrics: Metrics;
  readonly log: Logger;
}

/** A certificate and its key (PEM), for STARTTLS. */
export interface SmtpTls {
  readonly cert: string | Buffer;
  readonly key: string | Buffer;
}

export interface SmtpOptions {
  readonly host: string;
  /** 0: a free port the system chooses. */
  readonly port: number;
  /** Largest message, bytes (advertised as SIZE; more is refused with 552). */
  readonly maxBytes: number;
  /** The name in the greeting and EHLO reply. */
  readonly name?: string;
  /** STARTTLS with this certificate; absent: plain SMTP only. */
  readonly tls?: SmtpTls | undefined;
}

export interface SmtpListener {
  /** The port bound (the one asked for, or the one the system chose for 0). */
  readonly port: number;
  /** Serves a new certificate to the next STARTTLS (SIGHUP reload); only when the listener started with one. */
  updateTls(tls: SmtpTls): void;
  /** Stops taking connections; resolves once the open ones are closed. */
  close(): Promise<void>;
}

/** Why mail was refused, the `reason` label of tandem_email_refused_total. */
export type EmailRefusal = 'unknown_key' | 'wrong_type' | 'sender' | 'sender_header' | 'too_large' | 'invalid' | 'rate_limited' | 'error';

/** Recipients of one transaction: at most this many (452 for more); one alert mail goes to one address. */
export const MAX_RECIPIENTS = 20;

/** SMTP connections at once; more are turned away with 421 (a relay retries), so idle connections cannot exhaust file descriptors. */
export const MAX_CLIENTS = 200;

/** A reply with its SMTP code (smtp-server sends `responseCode` and the message). */
function reply(code: number, message: string): Error {
  return Object.assign(new Error(message), { responseCode: code });
}

function mailFromOf(session: SMTPServerSession): string {
  return session.envelope.mailFrom === false ? '' : session.envelope.mailFrom.address;
}

/** The integration an address names, and its rules; undefined when the key is unknown. */
function integrationOf(deployment: Deployment, address: string): IntegrationRef | undefined {
  const key = keyOfAddress(address);
  if (key === undefined) return undefined;
  // Some mail programs lower-case addresses: a key written in lower case in the file still matches.
  return deployment.integration(key) ?? deployment.integration(key.toLowerCase());
}

function integrationEntry(ref: IntegrationRef): Integration | undefined {
  return ref.service.integrations.find((i) => i.key === ref.key);
}

/** Starts the SMTP listener on `host:port`. */
export async function startSmtpListener(deps: SmtpDeps, options: SmtpOptions): Promise<SmtpListener> {
  const { metrics, log } = deps;
  const refused = (reason: EmailRefusal, n = 1) => metrics.emailRefused.inc({ reason }, n);
  // Compiled subject rules per integration entry (entries are frozen and replaced on reload).
  const compiled = new WeakMap<Integration, CompiledRules>();
  const rulesOf = (entry: Integration | undefined): CompiledRules => {
    if (entry === undefined) return compileRules({});
    let rules = compiled.get(entry);
    if (rules === undefined)
      compiled.set(entry, (rules = compileRules({ resolveSubjects: entry.resolveSubjects, dedupSubject: entry.dedupSubject })));
    return rules;
  };

  const server = new SMTPServer({
    name: options.name,
    banner: 'Tandem alert mail',
    size: options.maxBytes,
    maxRecipients: MAX_RECIPIENTS,
    maxClients: MAX_CLIENTS,
    // No AUTH (the address is the credential); STARTTLS only with a configured certificate.
    disabledCommands: options.tls ? ['AUTH'] : ['AUTH', 'STARTTLS'],
    authOptional: true,
    ...(options.tls ? { cert: options.tls.cert, key: options.tls.key } : {}),
    disableReverseLookup: true,
    logger: false,
    socketTimeout: 60_000,
    closeTimeout: 5_000,
    onRcptTo(address: SMTPServerAddress, session: SMTPServerSession, callback: (err?: Error | null) => void) {
      const ref = integrationOf(deps.deployment, address.address);
      if (ref === undefined) {
        refused('unknown_key');
        callback(reply(550, `<${address.address}>: no such integration here; the address is <integration key>@any domain`));
        return;
      }
      if (ref.type !== 'email') {
        refused('wrong_type');
        callback(reply(550, `<${address.address}>: this integration key is not of type email; it does not take mail`));
        return;
      }
      const from = mailFromOf(session);
      if (!senderAllowed(integrationEntry(ref)?.senders ?? [], from)) {
        refused('sender');
        callback(
          reply(550, `sender <${from}> may not send to <${address.address}>: the envelope sender must match the integration's senders`),
        );
        return;
      }
      callback();
    },
    onData(stream: SMTPServerDataStream, session: SMTPServerSession, callback: (err?: Error | null, message?: string) => void) {
      const chunks: Buffer[] = [];
      let bytes = 0;
      // One reply per message, whatever the stream does.
      let answered = false;
      const answer = (err: Error | null, message?: string) => {
        if (answered) return;
        answered = true;
        callback(err, message);
      };
      stream.on('data', (chunk: Buffer) => {
        // Past the limit the rest is read and dropped: the reply is 552 either way.
        bytes += chunk.length;
        if (bytes <= options.maxBytes) chunks.push(chunk);
      });
      stream.on('error', () => {
        refused('error', session.envelope.rcptTo.length);
        answer(reply(451, 'the message could not be read; try again'));
      });
      stream.on('end', () => {
        if (stream.sizeExceeded || bytes > options.maxBytes) {
          refused('too_large', session.envelope.rcptTo.length);
          answer(reply(552, `the message is over the limit of ${options.maxBytes} bytes`));
          return;
        }
        accept(Buffer.concat(chunks), session).then(
          (message) => answer(null, message),
          (err: unknown) => {
            if (err instanceof Error && 'responseCode' in err) {
              answer(err);
              return;
            }
            refused('error', session.envelope.rcptTo.length);
            log.error({ err }, 'email not stored');
            answer(reply(451, 'the message was not stored; try again later'));
          },
        );
      });
    },
  });

  /** Parses, checks and stores one message for each of its recipients; resolves with the 250 text or throws a reply. */
  async function accept(raw: Buffer, session: SMTPServerSession): Promise<string> {
    const recipients = session.envelope.rcptTo.map((r) => r.address);
    let parsed: ParsedMail;
    try {
      parsed = await simpleParser(raw, {
        skipTextToHtml: true,
        skipImageLinks: true,
        keepCidLinks: true,
        checksumAlgo: false,
        maxChildNodes: 200,
        maxHeadSize: 256 * 1024,
      });
    } catch (err) {
      refused('invalid', recipients.length);
      throw reply(550, `the message could not be read as MIME (${err instanceof Error ? err.message : String(err)})`);
    }
    const from = parsed.from?.value.find((a) => a.address !== undefined)?.address ?? '';
    const envelopeFrom = mailFromOf(session);
    const targets: Array<{ ref: IntegrationRef; entry: Integration | undefined; recipient: string }> = [];
    let problem = '';
    for (const recipient of recipients) {
      // The configuration may have been reloaded since RCPT: check again.
      const ref = integrationOf(deps.deployment, recipient);
      const entry = ref && integrationEntry(ref);
      if (ref === undefined || ref.type !== 'email') {
        refused('unknown_key');
        problem = `<${recipient}> is no longer an email integration here`;
      } else if (!senderAllowed(entry?.senders ?? [], envelopeFrom)) {
        refused('sender');
        problem = `sender <${envelopeFrom}> may no longer send to <${recipient}>`;
      } else if (!senderAllowed(entry?.senders ?? [], from)) {
        refused('sender_header');
        problem = `the From header <${from}> must match the integration's senders, as the envelope sender does`;
      } else targets.push({ ref, entry, recipient });
    }
    if (targets.length === 0) throw reply(550, `${problem}; nothing was stored`);
    const limited = targets.filter((t) => deps.limiter.take(t.ref.key, 1) > 0);
    if (limited.length > 0) {
      refused('rate_limited', targets.length);
      throw reply(451, 'too many alerts for this integration key right now; try again later');
    }
    const text = parsed.text ?? '';
    const attachments = parsed.attachments.map((a) => a.filename ?? a.contentType);
    const header = (name: string): string | undefined => {
      const v = parsed.headers.get(name);
      return typeof v === 'string' ? v : undefined;
    };
    const rawText = storableText(raw.toString('utf8'));
    const receivedAt = deps.clock.now();
    await Promise.all(
      targets.map(async ({ ref, entry, recipient }) => {
        const action = emailAlert(
          { subject: parsed.subject ?? '', text, from, envelopeFrom, recipient, messageId: parsed.messageId, header, attachments },
          rulesOf(entry),
        );
        await deps.inbox.append({
          engagementId: ref.engagement.id,
          serviceId: ref.service.id,
          integrationType: 'email',
          integrationKey: ref.key,
          kind: 'alert',
          receivedAt,
          requestId: `smtp-${session.id}-${session.transaction}`,
          raw: rawText,
          actions: [action],
        });
        metrics.eventsAccepted.inc({ integration: 'email' });
      }),
    );
    return `OK: stored for ${targets.length} integration${targets.length === 1 ? '' : 's'}`;
  }

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port, options.host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  // A connection or listener error after start (a client resetting, a TLS handshake failing) never stops the listener.
  server.on('error', (err) => log.debug({ err }, 'smtp connection error'));
  const address = server.server.address();
  const port = typeof address === 'object' && address !== null ? address.port : options.port;
  return {
    port,
    updateTls(tls) {
      if (options.tls) server.updateSecureContext({ cert: tls.cert, key: tls.key });
    },
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}
