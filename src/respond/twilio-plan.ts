/**
 * What Twilio's callbacks mean, decided without a database (table-tested in
 * twilio-plan.test.ts): a call's keypress, a delivery report on an SMS or a
 * call, and an SMS a person sends back ("ACK 42"). The routes
 * (respond/twilio.ts) read the rows, ask here, and write what is decided.
 */

/** What a key pressed during a page call does. */
export type KeyAction = 'acknowledge' | 'escalate' | 'repeat';

/** 1 acknowledges, 2 escalates to the next tier now; anything else (or nothing) repeats the question. */
export function keyAction(digits: string | undefined): KeyAction {
  const key = (digits ?? '').trim();
  if (key === '1') return 'acknowledge';
  if (key === '2') return 'escalate';
  return 'repeat';
}

/**
 * A provider's report, as Tandem reads it: `answered` (a call picked up:
 * delivered), `delivered` (an SMS on the phone), `missed` (the call was not
 * answered, busy, or failed; the SMS was undelivered or failed: the person
 * did not get it), `ended` (an answered call hung up, or a canceled call),
 * or `progress` (queued, ringing, sent...: nothing to record).
 */
export type ReportMeaning = 'answered' | 'delivered' | 'missed' | 'ended' | 'progress';

/** Twilio's `CallStatus` values (the Call resource's `status`). */
export const CALL_STATUSES = [
  'queued',
  'initiated',
  'ringing',
  'in-progress',
  'completed',
  'busy',
  'no-answer',
  'failed',
  'canceled',
] as const;
/** Twilio's `MessageStatus` values (the Message resource's `status`). */
export const MESSAGE_STATUSES = [
  'accepted',
  'scheduled',
  'canceled',
  'queued',
  'sending',
  'sent',
  'failed',
  'delivered',
  'undelivered',
  'receiving',
  'received',
  'read',
  'partially_delivered',
] as const;

/** Statuses after which nothing more is reported: a callback repeating one of them, or coming after one, changes nothing. */
export const FINAL_STATUSES: readonly string[] = [
  'completed',
  'busy',
  'no-answer',
  'failed',
  'canceled',
  'delivered',
  'undelivered',
  'read',
];
const FINAL = new Set(FINAL_STATUSES);

/** Whether a provider status is final (the row's `provider_status` is then never overwritten). */
export function isFinalStatus(status: string | null): boolean {
  return status !== null && FINAL.has(status);
}

/** What a call status means. */
export function callMeaning(status: string): ReportMeaning {
  switch (status) {
    case 'in-progress':
      return 'answered';
    case 'busy':
    case 'no-answer':
    case 'failed':
      return 'missed';
    case 'completed':
    case 'canceled':
      return 'ended';
    default:
      return 'progress';
  }
}

/** What a message status means. */
export function messageMeaning(status: string): ReportMeaning {
  switch (status) {
    case 'delivered':
    case 'read':
      return 'delivered';
    case 'undelivered':
    case 'failed':
      return 'missed';
    default:
      return 'progress';
  }
}

/** The notification a report is about, as the route read it. */
export interface ReportedRow {
  readonly channel: string;
  /** The row's delivery status: `delivered` once the provider's acceptance is recorded. */
  readonly status: string;
  readonly providerStatus: string | null;
}

/** What one report does. */
export interface ReportPlan {
  /** Record the status on the row (it is news: not a repeat, not after a final one). */
  readonly record: boolean;
  /** The timeline entry's kind and sentence, when the report is worth one. */
  readonly timeline?: { readonly kind: 'notification.status'; readonly message: string };
  /** The row becomes `failed` with this error (an SMS that never arrived, a call nobody took). */
  readonly fail?: string;
  /** Move the person's next notify rule for this page up to now. */
  readonly advance: boolean;
}

/** "SMS to Kim Tan (+15550100004)", "Call to Kim Tan (+15550100004)". */
function what(channel: string, name: string, address: string): string {
  return `${channel === 'voice' ? 'Call' : 'SMS'} to ${name} (${address})`;
}

/**
 * Decides one delivery report. A repeated or late report (the row already
 * has this status, or a final one) is recorded nowhere; progress reports
 * neither. A miss moves the next rule up only while the incident still waits
 * for someone (triggered).
 */
export function planReport(o: {
  readonly row: ReportedRow;
  readonly status: string;
  readonly errorCode?: string | undefined;
  readonly name: string;
  readonly address: string;
  readonly incidentStatus: string | undefined;
}): ReportPlan {
  const { row, status } = o;
  const meaning = row.channel === 'voice' ? callMeaning(status) : messageMeaning(status);
  const none: ReportPlan = { record: false, advance: false };
  if (meaning === 'progress' || row.providerStatus === status || isFinalStatus(row.providerStatus)) return none;
  const subject = what(row.channel, o.name, o.address);
  const code = o.errorCode !== undefined && o.errorCode !== '' ? `, error ${o.errorCode}` : '';
  const waiting = o.incidentStatus === 'triggered';
  switch (meaning) {
    case 'answered':
      return { record: true, advance: false, timeline: { kind: 'notification.status', message: `${subject} answered: delivered.` } };
    case 'delivered':
      return {
        record: true,
        advance: false,
        timeline: { kind: 'notification.status', message: `${subject} delivered to the phone (Twilio: ${status}).` },
      };
    case 'ended':
      // Answered but hung up with the incident still waiting: nobody pressed 1 (or a voicemail took the call).
      if (waiting && status === 'completed') {
        return {
          record: true,
          advance: true,
          timeline: {
            kind: 'notification.status',
            message: `${subject} ended without an acknowledgement (Twilio: ${status}). The next notify rule is due now.`,
          },
        };
      }
      return {
        record: true,
        advance: false,
        timeline: { kind: 'notification.status', message: `${subject} ended (Twilio: ${status}).` },
      };
    case 'missed': {
      const why = row.channel === 'voice' ? `not answered (Twilio: ${status}${code})` : `not delivered (Twilio: ${status}${code})`;
      const next = waiting ? ' The next notify rule is due now.' : '';
      return {
        record: true,
        advance: waiting,
        fail: `Twilio: ${status}${code}`,
        timeline: { kind: 'notification.status', message: `${subject} ${why}.${next}` },
      };
    }
  }
}

/** An SMS reply as Tandem reads it. */
export type SmsReply =
  | { readonly kind: 'ack'; readonly number: number; readonly prefix: string | undefined }
  | { readonly kind: 'help' }
  | { readonly kind: 'other' };

/**
 * `ACK 42`, `ack acme-42`, `Acknowledge ACME-42`: acknowledge that incident
 * (the prefix is the engagement's, case ignored). `HELP` or `?` asks how.
 * Anything else is `other`.
 */
export function parseSmsReply(body: string): SmsReply {
  const text = body.replace(/\s+/g, ' ').trim();
  const ack = /^(?:ack|acknowledge)[ :#]+(?:([a-z0-9][a-z0-9_-]*)-)?#?(\d{1,9})[.!]?$/i.exec(text);
  if (ack) return { kind: 'ack', number: Number(ack[2]), prefix: ack[1]?.toUpperCase() };
  if (/^(help|\?|info)$/i.test(text)) return { kind: 'help' };
  return { kind: 'other' };
}

/** The reply that teaches the syntax. */
export function smsHelp(example: string): string {
  return `Tandem: reply ACK and the incident number to acknowledge it, e.g. "ACK ${example}".`;
}
