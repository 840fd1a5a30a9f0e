/**
 * A real SMTP server for tests (the `smtp-server` package) on 127.0.0.1 and a
 * free port: plain SMTP without STARTTLS, authentication optional (any
 * user/password is accepted and recorded). Every accepted message is parsed
 * with mailparser and kept, so a test can check subject, parts, links and
 * headers of what nodemailer really sent over the wire.
 */
import type { AddressInfo } from 'node:net';
import { simpleParser } from 'mailparser';
import type { ParsedMail } from 'mailparser';
import { SMTPServer } from 'smtp-server';

/** One message the server accepted. */
export interface ReceivedMail {
  /** The SMTP envelope (MAIL FROM / RCPT TO), which can differ from the headers. */
  envelope: { from: string; to: string[] };
  /** The user the client authenticated as, if it did. */
  user: string | undefined;
  raw: string;
  parsed: ParsedMail;
  subject: string;
  text: string;
  html: string;
  messageId: string | undefined;
  /** A header by lowercase name, as text ('' when absent). */
  header(name: string): string;
}

/** A rule answering RCPT TO for matching addresses with an error. */
export interface RecipientRejection {
  pattern: RegExp;
  /** 550 (permanent: mailbox unavailable) or 451 (temporary: try again later), or any other code. */
  code: number;
  message?: string;
}

export interface SmtpReceiverOptions {
  reject?: RecipientRejection[];
}

export interface SmtpReceiver {
  /** `smtp://127.0.0.1:<port>` (add credentials yourself to exercise AUTH). */
  readonly url: string;
  readonly port: number;
  readonly messages: ReceivedMail[];
  /** Adds a RCPT TO rejection rule at run time. */
  reject(rule: RecipientRejection): void;
  /** Resolves once `count` messages have arrived (or rejects after `timeoutMs`). */
  waitFor(count: number, timeoutMs?: number): Promise<ReceivedMail[]>;
  close(): Promise<void>;
}

const DEFAULT_REPLY: Record<number, string> = {
  550: 'Requested action not taken: mailbox unavailable',
  451: 'Requested action aborted: local error in processing, try again later',
};

function smtpError(code: number, message: string): Error {
  // smtp-server sends `responseCode` and the message as the reply line.
  return Object.assign(new Error(message), { responseCode: code });
}

function headerText(parsed: ParsedMail, name: string): string {
  const line = parsed.headerLines.find((h) => h.key === name.toLowerCase());
  if (line === undefined) return '';
  const colon = line.line.indexOf(':');
  return line.line
    .slice(colon + 1)
    .replace(/\r?\n[ \t]+/g, ' ')
    .trim();
}

/** Starts an SMTP receiver. */
export async function startSmtpReceiver(options: SmtpReceiverOptions = {}): Promise<SmtpReceiver> {
  const rules: RecipientRejection[] = [...(options.reject ?? [])];
  const messages: ReceivedMail[] = [];
  const waiters: Array<() => void> = [];

  const server = new SMTPServer({
    authOptional: true,
    allowInsecureAuth: true,
    disabledCommands: ['STARTTLS'],
    logger: false,
    banner: 'Tandem test receiver',
    onAuth(auth, _session, callback) {
      callback(null, { user: auth.username ?? '' });
    },
    onRcptTo(address, _session, callback) {
      const rule = rules.find((r) => r.pattern.test(address.address));
      if (rule === undefined) {
        callback();
        return;
      }
      callback(smtpError(rule.code, rule.message ?? DEFAULT_REPLY[rule.code] ?? 'rejected'));
    },
    onData(stream, session, callback) {
      const chunks: Buffer[] = [];
      stream.on('data', (chunk: Buffer) => chunks.push(chunk));
      stream.on('error', (err: Error) => callback(err));
      stream.on('end', () => {
        const raw = Buffer.concat(chunks).toString('utf8');
        simpleParser(raw)
          .then((parsed) => {
            const mailFrom = session.envelope.mailFrom;
            messages.push({
              envelope: { from: mailFrom === false ? '' : mailFrom.address, to: session.envelope.rcptTo.map((r) => r.address) },
              user: typeof session.user === 'string' ? session.user : undefined,
              raw,
              parsed,
              subject: parsed.subject ?? '',
              text: parsed.text ?? '',
              html: typeof parsed.html === 'string' ? parsed.html : '',
              messageId: parsed.messageId,
              header: (name: string) => headerText(parsed, name),
            });
            // Record before answering 250, so a resolved sendMail means the message is here.
            for (const wake of waiters.splice(0)) wake();
            callback();
          })
          .catch((err: unknown) => callback(err instanceof Error ? err : new Error(String(err))));
      });
    },
  });

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      server.off('error', reject);
      resolve();
    });
  });
  const address = server.server.address() as AddressInfo;

  return {
    url: `smtp://127.0.0.1:${address.port}`,
    port: address.port,
    messages,
    reject(rule) {
      rules.push(rule);
    },
    async waitFor(count, timeoutMs = 5_000) {
      return new Promise<ReceivedMail[]>((resolve, reject) => {
        const timer = setTimeout(
          () => reject(new Error(`SMTP receiver: ${messages.length} of ${count} messages after ${timeoutMs} ms`)),
          timeoutMs,
        );
        const check = (): void => {
          if (messages.length >= count) {
            clearTimeout(timer);
            resolve(messages.slice(0, count));
          } else {
            waiters.push(check);
          }
        };
        check();
      });
    },
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}
