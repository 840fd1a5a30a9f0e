/**
 * Email over SMTP (nodemailer), multipart text + HTML. The SMTP reply decides
 * what happens next: 4xx is temporary (greylisting, a full queue) and worth a
 * retry; 5xx such as "550 mailbox unavailable" is final; a connection that
 * fails or times out is retried.
 */
import { createHash } from 'node:crypto';
import { createTransport } from 'nodemailer';
import type { Clock } from '../clock/clock.js';
import type { Channel, DeliveryResult, OutboundMessage } from './channel.js';
import { emailHtml } from './email-html.js';
import { oneLine, plainText, primaryIncident, subjectLine } from './render.js';

export interface EmailChannelOptions {
  /** `smtp://user:pass@host:2525` or `smtps://...` (implicit TLS). */
  smtpUrl: string;
  /** The From header, e.g. `Tandem <tandem@acme.example>`. */
  from: string;
  timeoutMs: number;
  clock: Clock;
}

/** The fields of a nodemailer error that decide retry or not. */
interface SmtpFailure {
  code?: unknown;
  responseCode?: unknown;
  response?: unknown;
  message?: unknown;
}

/** Errors from bad input or configuration: sending the same thing again cannot work. */
const PERMANENT_CODES = new Set(['ECONFIG', 'EENVELOPE', 'EMESSAGE', 'EFILEACCESS', 'EURLACCESS', 'EMAXRECIPIENTS']);

/**
 * Maps a nodemailer failure to a delivery result. An SMTP reply code decides
 * when there is one: 5xx permanent, except 503 (bad sequence of commands),
 * which says the session went wrong rather than that the message was refused
 * (RFC 5321), so a fresh connection may succeed; 4xx retryable. Without a
 * reply, input/config errors are permanent and everything else (refused,
 * reset, DNS, timeouts, aborts) retryable.
 */
export function classifySmtpError(err: unknown, timeoutMs: number): DeliveryResult {
  const failure: SmtpFailure = typeof err === 'object' && err !== null ? err : { message: String(err) };
  const code = typeof failure.code === 'string' ? failure.code : undefined;
  const reply = typeof failure.response === 'string' ? oneLine(failure.response) : undefined;
  const text = reply ?? (typeof failure.message === 'string' ? oneLine(failure.message) : 'unknown SMTP error');
  if (typeof failure.responseCode === 'number') {
    const error = `SMTP ${text.startsWith(String(failure.responseCode)) ? '' : `${failure.responseCode} `}${text}`;
    return failure.responseCode >= 500 && failure.responseCode !== 503 ? { status: 'permanent', error } : { status: 'retryable', error };
  }
  if (code === 'EABORT' || (err instanceof Error && (err.name === 'AbortError' || err.name === 'TimeoutError'))) {
    return { status: 'retryable', error: `SMTP timed out after ${timeoutMs} ms` };
  }
  if (code !== undefined && PERMANENT_CODES.has(code)) return { status: 'permanent', error: `SMTP ${code}: ${text}` };
  return { status: 'retryable', error: `SMTP ${code === undefined ? '' : `${code}: `}${text}` };
}

/** The domain of the From address (for Message-IDs), `tandem.invalid` if none can be read. */
function fromDomain(from: string): string {
  const match = /@([A-Za-z0-9.-]+)>?\s*$/.exec(from);
  return match?.[1] ?? 'tandem.invalid';
}

/**
 * `<delivery-id@domain>`: stable per delivery, so a retried send after an
 * ambiguous failure carries the same Message-ID and receivers can drop the
 * duplicate. Ids with characters a Message-ID cannot hold are hashed.
 */
export function messageIdFor(deliveryId: string, from: string): string {
  const local = /^[A-Za-z0-9._+=-]{1,64}$/.test(deliveryId)
    ? deliveryId
    : createHash('sha256').update(deliveryId).digest('hex').slice(0, 40);
  return `<tandem.${local}@${fromDomain(from)}>`;
}

/** SMTP email channel. */
export class EmailChannel implements Channel {
  readonly name = 'email' as const;
  readonly #options: EmailChannelOptions;
  readonly #transport: ReturnType<typeof createTransport>;

  constructor(options: EmailChannelOptions) {
    const scheme = new URL(options.smtpUrl).protocol;
    if (scheme !== 'smtp:' && scheme !== 'smtps:') throw new Error(`EmailChannel: ${scheme} is not smtp: or smtps:`);
    this.#options = Object.freeze({ ...options });
    // One connection per message: pages are few (storms are bundled), and nothing stays open between them.
    this.#transport = createTransport({
      url: options.smtpUrl,
      connectionTimeout: options.timeoutMs,
      greetingTimeout: options.timeoutMs,
      socketTimeout: options.timeoutMs,
      dnsTimeout: options.timeoutMs,
      // Notification content never names files or URLs to attach; refuse them outright.
      disableFileAccess: true,
      disableUrlAccess: true,
    });
  }

  async send(message: OutboundMessage): Promise<DeliveryResult> {
    const { from, timeoutMs } = this.#options;
    const incident = primaryIncident(message);
    const domain = fromDomain(from);
    const headers: Record<string, string> = {
      // RFC 3834: out-of-office replies and auto-responders must not answer a page.
      'Auto-Submitted': 'auto-generated',
      'X-Tandem-Delivery': message.id,
      'X-Tandem-Engagement': message.engagement.id,
    };
    if (incident !== undefined) headers['X-Tandem-Incident'] = incident.number;
    try {
      const info = await this.#transport.sendMail({
        from,
        to: message.to,
        subject: subjectLine(message),
        text: plainText(message),
        html: emailHtml(message),
        messageId: messageIdFor(message.id, from),
        // Every page about one incident threads together in the recipient's mail client.
        ...(incident === undefined ? {} : { references: `<tandem.incident.${incident.id}.${message.engagement.id}@${domain}>` }),
        date: new Date(this.#options.clock.now()),
        headers,
        ...(incident !== undefined && /^P[12]$/i.test(incident.priority) && message.kind === 'page' ? { priority: 'high' } : {}),
        signal: AbortSignal.timeout(timeoutMs),
      });
      if (info.rejected.length > 0) {
        return { status: 'permanent', error: `SMTP rejected ${info.rejected.join(', ')}` };
      }
      return { status: 'delivered', providerId: info.messageId, detail: oneLine(info.response) };
    } catch (err) {
      return classifySmtpError(err, timeoutMs);
    }
  }

  /** Releases the transport (nothing stays open between messages; this is for tidy shutdowns). */
  close(): void {
    this.#transport.close();
  }
}
