/**
 * The mails status page subscribers get: the confirmation of a subscription,
 * and a note's update. Each holds only what the public page shows (the
 * note's title, components, state, text and time), the page's link and an
 * unsubscribe link, with the RFC 8058 one-click headers
 * (`List-Unsubscribe` + `List-Unsubscribe-Post`). Sent over the SMTP server
 * the pages use (--smtp-url, --email-from).
 */
import { createTransport } from 'nodemailer';
import type { DeliveryResult } from '../notify/channel.js';
import { classifySmtpError, messageIdFor } from '../notify/email.js';
import { localTime, noteStateLabel } from '../status/html.js';
import { noteState } from '../status/view.js';

export interface SubscriberMail {
  readonly id: string;
  readonly to: string;
  readonly subject: string;
  readonly text: string;
  readonly unsubscribeUrl: string;
}

export interface MailSender {
  send(mail: SubscriberMail): Promise<DeliveryResult>;
  close(): void;
}

/** The page's links for an engagement. */
export function subscriberUrls(publicUrl: string, engagementId: string) {
  const page = `${publicUrl.replace(/\/+$/, '')}/status/${encodeURIComponent(engagementId)}`;
  return {
    page,
    confirm: (token: string) => `${page}/confirm/${token}`,
    unsubscribe: (token: string) => `${page}/unsubscribe/${token}`,
  };
}

const footer = (pageUrl: string, unsubscribeUrl: string) =>
  ['', '--', `Status page: ${pageUrl}`, `Unsubscribe (one click, nothing to sign in to): ${unsubscribeUrl}`].join('\n');

/** The confirmation mail of a subscription. */
export function confirmMail(m: {
  id: string;
  to: string;
  pageTitle: string;
  pageUrl: string;
  confirmUrl: string;
  unsubscribeUrl: string;
  components: readonly string[];
}): SubscriberMail {
  const what = m.components.length === 0 ? 'every component' : m.components.join(', ');
  return {
    id: m.id,
    to: m.to,
    subject: `Confirm your subscription to ${m.pageTitle}`,
    text: [
      `Someone (we hope you) asked to be emailed when ${m.pageTitle} publishes a notice about ${what}.`,
      '',
      `To confirm, open this link within 48 hours:`,
      m.confirmUrl,
      '',
      'If it was not you, ignore this mail: nothing more will be sent.',
      footer(m.pageUrl, m.unsubscribeUrl),
    ].join('\n'),
    unsubscribeUrl: m.unsubscribeUrl,
  };
}

/** A note's update as a mail: only what the page shows. */
export function noteMail(m: {
  id: string;
  to: string;
  pageTitle: string;
  pageUrl: string;
  unsubscribeUrl: string;
  timezone: string;
  note: { title: string; components: readonly string[]; state: string; text: string; at: number };
}): SubscriberMail {
  const state = noteStateLabel(noteState(m.note.state));
  return {
    id: m.id,
    to: m.to,
    subject: `[${m.pageTitle}] ${m.note.title}: ${state}`,
    text: [
      m.note.title,
      `${state} · ${m.note.components.join(', ')} · ${localTime(m.note.at, m.timezone)}`,
      '',
      m.note.text,
      footer(m.pageUrl, m.unsubscribeUrl),
    ].join('\n'),
    unsubscribeUrl: m.unsubscribeUrl,
  };
}

/** Sends subscriber mails over SMTP, one connection per message, failures classified as the pages' are. */
export function smtpSender(o: { smtpUrl: string; from: string; timeoutMs: number; now: () => number }): MailSender {
  const transport = createTransport({
    url: o.smtpUrl,
    connectionTimeout: o.timeoutMs,
    greetingTimeout: o.timeoutMs,
    socketTimeout: o.timeoutMs,
    dnsTimeout: o.timeoutMs,
    disableFileAccess: true,
    disableUrlAccess: true,
  });
  return {
    async send(mail) {
      try {
        const info = await transport.sendMail({
          from: o.from,
          to: mail.to,
          subject: mail.subject,
          text: mail.text,
          messageId: messageIdFor(mail.id, o.from),
          date: new Date(o.now()),
          headers: {
            // RFC 3834: auto-responders must not answer.
            'Auto-Submitted': 'auto-generated',
            // RFC 8058: one POST to this URL unsubscribes, with no further step.
            'List-Unsubscribe': `<${mail.unsubscribeUrl}>`,
            'List-Unsubscribe-Post': 'List-Unsubscribe=One-Click',
          },
          signal: AbortSignal.timeout(o.timeoutMs),
        });
        if (info.rejected.length > 0) return { status: 'permanent', error: `SMTP rejected ${info.rejected.join(', ')}` };
        return { status: 'delivered', providerId: info.messageId };
      } catch (err) {
        return classifySmtpError(err, o.timeoutMs);
      }
    },
    close: () => transport.close(),
  };
}
