/**
 * The words of every notification, in one place, so an email subject, an SMS,
 * a Slack header and a Teams card say the same thing the same way. Providers
 * add only their vendor's markup around these texts.
 */
import type { IncidentRef, OutboundMessage } from './channel.js';

/** Twilio bills per segment; two GSM-7 segments of 160 characters is the budget for a page. */
export const SMS_MAX_CHARS = 320;

/** How many incidents a bundle spells out before it says "and N more". */
export const BUNDLE_LIST_LIMIT = 10;

/** Collapses whitespace (including newlines, which would break a header or a subject) to single spaces. */
export function oneLine(text: string): string {
  return text.replace(/\s+/g, ' ').trim();
}

/** `2026-11-24 23:47 UTC`: unambiguous for both sides of an engagement, whatever their time zones. */
export function formatInstant(ms: number): string {
  const iso = new Date(ms).toISOString();
  return `${iso.slice(0, 10)} ${iso.slice(11, 16)} UTC`;
}

/** `ACME-42 Payment API down`. */
export function incidentLine(incident: IncidentRef): string {
  return `${incident.number} ${oneLine(incident.title)}`;
}

/** The label/value pairs shown for an incident (Slack fields, Teams FactSet, email table, plain text). */
export function incidentFacts(incident: IncidentRef): Array<[label: string, value: string]> {
  return [
    ['Priority', incident.priority],
    ['Severity', incident.severity],
    ['Status', incident.status],
    ['Service', `${oneLine(incident.service.name)} (${incident.service.id})`],
    ['Opened', formatInstant(incident.createdAt)],
  ];
}

/** The incident a page or SLA warning is about, if the message has exactly that shape. */
export function primaryIncident(message: OutboundMessage): IncidentRef | undefined {
  return message.kind === 'page' || message.kind === 'sla_warning' ? message.incidents[0] : undefined;
}

/**
 * The email subject; also the one-line summary for chat notifications.
 * Page: `[P1] ACME-42 Payment API down — Payment processing API` (the service's
 * name, which a reader knows, not its configuration id);
 * bundle: `[Tandem] 37 incidents on Acme Payments`.
 */
export function subjectLine(message: OutboundMessage): string {
  const incident = primaryIncident(message);
  if (incident !== undefined) {
    const sla = message.kind === 'sla_warning' ? 'SLA warning: ' : '';
    return `[${incident.priority}] ${sla}${incidentLine(incident)} — ${oneLine(incident.service.name)}`;
  }
  if (message.kind === 'bundle') return `[Tandem] ${bundleTitle(message)}`;
  if (message.kind === 'test') return `[Tandem] Test notification for ${oneLine(message.recipient.name)}`;
  return `[Tandem] ${oneLine(message.engagement.name)}`;
}

/** The heading inside a message (no priority tag: chat and email show priority on their own). */
export function messageTitle(message: OutboundMessage): string {
  const incident = primaryIncident(message);
  if (incident !== undefined) return message.kind === 'sla_warning' ? `SLA warning: ${incidentLine(incident)}` : incidentLine(incident);
  if (message.kind === 'bundle') return bundleTitle(message);
  if (message.kind === 'test') return 'Tandem test notification';
  return oneLine(message.engagement.name);
}

/** `37 incidents on Acme Payments`. */
export function bundleTitle(message: OutboundMessage): string {
  const n = message.incidents.length;
  return `${n} ${n === 1 ? 'incident' : 'incidents'} on ${oneLine(message.engagement.name)}`;
}

/** The sentence a test notification carries. */
export function testSentence(message: OutboundMessage): string {
  return `This is a test notification from Tandem for ${oneLine(message.recipient.name)} on ${oneLine(message.engagement.name)}. If you can read it, the ${message.channel} channel reaches you.`;
}

/**
 * "Why you: ..." — the line that tells a person why they, and not someone else, are paged.
 * A bundle whose pages had different reasons says so here and gives each under its incident
 * ({@link incidentReasonLine}).
 */
export function reasonLine(message: OutboundMessage): string {
  if (bundleReasonsDiffer(message)) return 'Why you: each incident below says why you are paged for it.';
  return `Why you: ${oneLine(message.reason)}`;
}

/** Why the recipient is paged for one incident of a message: its own reason in a bundle, else the message's. */
function reasonFor(message: OutboundMessage, incident: IncidentRef): string {
  return oneLine(incident.reason ?? message.reason);
}

/** Whether a bundle's incidents were paged for different reasons (then each one says its own). */
export function bundleReasonsDiffer(message: OutboundMessage): boolean {
  if (message.kind !== 'bundle') return false;
  const first = message.incidents[0];
  return first !== undefined && message.incidents.some((i) => reasonFor(message, i) !== reasonFor(message, first));
}

/** In a bundle of pages with different reasons, the "Why you" line for one incident; otherwise undefined. */
export function incidentReasonLine(message: OutboundMessage, incident: IncidentRef): string | undefined {
  return bundleReasonsDiffer(message) ? `Why you: ${reasonFor(message, incident)}` : undefined;
}

/** The bundled incidents that are listed, and how many are not. */
export function bundleListing(message: OutboundMessage): { listed: IncidentRef[]; more: number } {
  const listed = message.incidents.slice(0, BUNDLE_LIST_LIMIT);
  return { listed, more: message.incidents.length - listed.length };
}

/** The plain-text body (email text part; anything that cannot render markup). */
export function plainText(message: OutboundMessage): string {
  const lines: string[] = [];
  if (message.kind === 'test') {
    lines.push(testSentence(message));
  } else if (message.kind === 'bundle') {
    lines.push(bundleTitle(message), '', reasonLine(message));
    if (message.note !== undefined) lines.push(oneLine(message.note));
    if (message.acknowledgeAllUrl !== undefined) lines.push('', `Acknowledge all: ${message.acknowledgeAllUrl}`);
    if (message.overviewUrl !== undefined) lines.push(`Open in Tandem:  ${message.overviewUrl}`);
    // A mail client shows every incident; the cut-off is only for chat layouts with block limits.
    for (const incident of message.incidents) {
      const why = incidentReasonLine(message, incident);
      lines.push(
        '',
        `[${incident.priority}] ${incidentLine(incident)}`,
        `  ${incident.service.id} · ${incident.status} · ${incident.severity} · opened ${formatInstant(incident.createdAt)}`,
        ...(why === undefined ? [] : [`  ${why}`]),
        `  Acknowledge: ${incident.acknowledgeUrl}`,
        `  Resolve:     ${incident.resolveUrl}`,
        `  Open:        ${incident.url}`,
      );
    }
  } else {
    const incident = message.incidents[0];
    if (incident === undefined) {
      lines.push(messageTitle(message), '', reasonLine(message));
    } else {
      lines.push(`${incident.priority} ${message.kind === 'sla_warning' ? 'SLA warning' : 'incident'} ${incidentLine(incident)}`);
      if (message.note !== undefined) lines.push(oneLine(message.note));
      lines.push('');
      for (const [label, value] of incidentFacts(incident)) lines.push(`${`${label}:`.padEnd(10)}${value}`);
      lines.push(
        '',
        reasonLine(message),
        '',
        `Acknowledge:    ${incident.acknowledgeUrl}`,
        `Resolve:        ${incident.resolveUrl}`,
        `Open in Tandem: ${incident.url}`,
      );
    }
  }
  lines.push('', '-- ', `Tandem · ${oneLine(message.engagement.name)} · delivery ${message.id}`);
  return lines.join('\n') + '\n';
}

/**
 * Characters outside GSM-7 switch a whole SMS to UCS-2 (70 characters a
 * segment instead of 160), so typographic punctuation is flattened to ASCII.
 */
function gsmFriendly(text: string): string {
  return text
    .replace(/[\u2012-\u2015]/g, '-')
    .replace(/[\u2018\u2019\u201a\u2032]/g, "'")
    .replace(/[\u201c\u201d\u201e\u2033]/g, '"')
    .replace(/\u2026/g, '...')
    .replace(/\u00a0/g, ' ');
}

/** Cuts `text` to `budget` characters with a trailing "...", never splitting a surrogate pair. */
function truncate(text: string, budget: number): string {
  const chars = Array.from(text);
  if (chars.length <= budget) return text;
  if (budget < 4) return '';
  return (
    chars
      .slice(0, budget - 3)
      .join('')
      .trimEnd() + '...'
  );
}

/**
 * The SMS body, at most {@link SMS_MAX_CHARS} characters when the links allow:
 * `[P1] ACME-42 Payment API down. Ack: <url> Resolve: <url>`. Only the
 * descriptive part is shortened; links are never cut (a cut link is worse
 * than none), so links longer than the budget make a longer message.
 */
export function smsText(message: OutboundMessage, maxChars: number = SMS_MAX_CHARS): string {
  let head: string;
  let middle: string;
  let tail: string;
  const incident = primaryIncident(message);
  if (message.kind === 'test') return truncate(gsmFriendly(`Tandem: ${testSentence(message)}`), maxChars);
  if (incident === undefined && message.kind !== 'bundle') {
    // A page without an incident is a caller bug; still say who and why rather than nothing.
    return truncate(gsmFriendly(`Tandem: ${oneLine(message.engagement.name)}. ${reasonLine(message)}`), maxChars);
  }
  if (incident !== undefined) {
    head = `[${incident.priority}] ${incident.number}`;
    const note = message.kind === 'sla_warning' ? `SLA: ${oneLine(message.note ?? 'warning')} - ` : '';
    middle = `${note}${oneLine(incident.title)}`;
    tail = `Ack: ${incident.acknowledgeUrl} Resolve: ${incident.resolveUrl}`;
  } else {
    head = `[Tandem] ${bundleTitle(message)}`;
    middle = message.incidents.map((i) => `${i.priority} ${incidentLine(i)}`).join('; ');
    const open = message.overviewUrl ?? message.incidents[0]?.url;
    const parts = [
      open === undefined ? '' : `Open: ${open}`,
      message.acknowledgeAllUrl === undefined ? '' : `Ack all: ${message.acknowledgeAllUrl}`,
    ];
    tail = parts.filter((p) => p !== '').join(' ');
  }
  head = gsmFriendly(head);
  // A title's own full stop would double the one after it.
  middle = gsmFriendly(middle).replace(/[.\s]+$/, '');
  const separator = tail === '' ? '' : ' ';
  // "<head><joiner><middle>.<separator><tail>": the fixed parts are counted first, the middle gets what is left.
  const joiner = incident === undefined ? ': ' : ' ';
  const fixed = Array.from(`${head}${joiner}.${separator}${tail}`).length;
  const fitted = truncate(middle, maxChars - fixed);
  if (fitted === '') return `${head}.${separator}${tail}`;
  return `${head}${joiner}${fitted}${fitted.endsWith('...') ? '' : '.'}${separator}${tail}`;
}

/** The keys a page call offers, in the words the call says them. */
export const VOICE_KEYS = 'Press 1 to acknowledge. Press 2 to escalate to the next tier now.';

/** `Priority P1 incident ACME-42 on Payment processing API: Payment API down.` as a voice reads it. */
function spokenIncident(incident: IncidentRef): string {
  return `Priority ${incident.priority} incident ${incident.number} on ${oneLine(incident.service.name)}: ${oneLine(incident.title).replace(/[.\s]+$/, '')}.`;
}

/**
 * What a voice call says before it waits for a key: who is paged for what,
 * the incident (number, priority, title, service), and the keys. A bundle
 * names how many incidents and the first three; a key acts on all of them.
 */
export function voiceScript(message: OutboundMessage): string {
  const who = `This is Tandem, paging ${oneLine(message.recipient.name)} for ${oneLine(message.engagement.name)}.`;
  if (message.kind === 'test') return `${who} ${testSentence(message)}`;
  const incident = primaryIncident(message);
  if (incident !== undefined) {
    const note = message.kind === 'sla_warning' ? ` S L A warning: ${oneLine(message.note ?? 'warning')}.` : '';
    return `${who} ${spokenIncident(incident)}${note} ${VOICE_KEYS}`;
  }
  const n = message.incidents.length;
  const named = message.incidents
    .slice(0, 3)
    .map((i) => spokenIncident(i))
    .join(' ');
  const more = n > 3 ? ` And ${n - 3} more.` : '';
  return `${who} ${n} incidents wait for you. ${named}${more} Press 1 to acknowledge all ${n}. Press 2 to escalate them to the next tier now.`;
}
