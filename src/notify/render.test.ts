import { describe, expect, it } from 'vitest';
import { emailHtml } from './email-html.js';
import { incidentReasonLine, plainText, reasonLine, SMS_MAX_CHARS, smsText, subjectLine } from './render.js';
import { slackPayload } from './slack.js';
import { teamsPayload } from './teams.js';
import { webhookPayload } from './webhook.js';
import { bundleMessage, incident, pageMessage } from './test-fixtures.js';

describe('subject lines', () => {
  it('page: priority, number, title and the service by its name, not its id', () => {
    expect(subjectLine(pageMessage())).toBe('[P1] ACME-42 Payment API down — Payment processing API');
    expect(subjectLine(pageMessage())).not.toContain('payments-api');
  });

  it('bundle: count and engagement', () => {
    expect(subjectLine(bundleMessage(37))).toBe('[Tandem] 37 incidents on Acme Payments');
  });

  it('sla warning and test messages say what they are', () => {
    expect(subjectLine(pageMessage({ kind: 'sla_warning', note: 'Respond SLA breaches in 10 min' }))).toBe(
      '[P1] SLA warning: ACME-42 Payment API down — Payment processing API',
    );
    expect(subjectLine(pageMessage({ kind: 'test', incidents: [] }))).toBe('[Tandem] Test notification for Sam Okafor');
  });

  it('a newline in a title cannot break the header', () => {
    expect(subjectLine(pageMessage({ incidents: [incident(42, { title: 'Payment API\r\nBcc: x@evil.example' })] }))).toBe(
      '[P1] ACME-42 Payment API Bcc: x@evil.example — Payment processing API',
    );
  });
});

describe('plain text', () => {
  it('page carries facts, the reason and all three links', () => {
    const text = plainText(pageMessage());
    const ref = incident(42);
    expect(text).toContain('P1 incident ACME-42 Payment API down');
    expect(text).toContain('Service:  Payment processing API (payments-api)');
    expect(text).toContain('Opened:   2026-11-24 23:47 UTC');
    expect(text).toContain('Why you: Tier 1 of partner-noc (after hours: partner owns infrastructure)');
    expect(text).toContain(`Acknowledge:    ${ref.acknowledgeUrl}`);
    expect(text).toContain(`Resolve:        ${ref.resolveUrl}`);
    expect(text).toContain(`Open in Tandem: ${ref.url}`);
  });

  it('bundle lists every incident with its own links', () => {
    const message = bundleMessage(12);
    const text = plainText(message);
    expect(text.startsWith('12 incidents on Acme Payments\n')).toBe(true);
    for (const i of message.incidents) {
      expect(text).toContain(`[${i.priority}] ${i.number} ${i.title}`);
      expect(text).toContain(i.acknowledgeUrl);
    }
    expect(text).toContain(`Acknowledge all: ${message.acknowledgeAllUrl ?? ''}`);
  });
});

describe('bundle reasons', () => {
  const TIER1 = 'Tier 1 of partner-noc (1st pass of 3), NightOwl MSP';
  const TIER2 = 'Tier 2 of partner-noc (1st pass of 3), NightOwl MSP';
  /** Two pages folded into one message: a new incident's tier 1 and an older one's tier 2. */
  const mixed = () => {
    const [first, second] = bundleMessage(2).incidents;
    if (!first || !second) throw new Error('fixture');
    return bundleMessage(2, {
      reason: TIER1,
      incidents: [
        { ...first, reason: TIER1 },
        { ...second, reason: TIER2 },
      ],
    });
  };

  it('a bundle of pages with different reasons keeps each one under its incident', () => {
    const message = mixed();
    expect(reasonLine(message)).toBe('Why you: each incident below says why you are paged for it.');
    const text = plainText(message);
    const [first, second] = message.incidents;
    expect(text).toContain(
      `[P1] ACME-100 Disk latency high on db-1\n  storefront · triggered · critical · opened 2026-11-24 23:47 UTC\n  Why you: ${TIER1}\n`,
    );
    expect(text).toContain(
      `[P3] ACME-101 Disk latency high on db-2\n  storefront · triggered · critical · opened 2026-11-24 23:47 UTC\n  Why you: ${TIER2}\n`,
    );
    expect(incidentReasonLine(message, first ?? incident(0))).toBe(`Why you: ${TIER1}`);
    expect(incidentReasonLine(message, second ?? incident(0))).toBe(`Why you: ${TIER2}`);
  });

  it('a bundle whose pages share one reason says it once', () => {
    const message = bundleMessage(3, { incidents: bundleMessage(3).incidents.map((i) => ({ ...i, reason: TIER1 })), reason: TIER1 });
    expect(reasonLine(message)).toBe(`Why you: ${TIER1}`);
    const text = plainText(message);
    expect(text.split(`Why you: ${TIER1}`)).toHaveLength(2);
    expect(message.incidents.map((i) => incidentReasonLine(message, i))).toEqual([undefined, undefined, undefined]);
  });

  it('every channel shows each reason of a mixed bundle', () => {
    const message = mixed();
    for (const rendered of [emailHtml(message), JSON.stringify(slackPayload(message)), JSON.stringify(teamsPayload(message))]) {
      expect(rendered).toContain(`Why you: ${TIER1}`);
      expect(rendered).toContain(`Why you: ${TIER2}`);
    }
    expect(webhookPayload(message, Date.parse('2026-11-24T23:47:00Z')).incidents.map((i) => i.reason)).toEqual([TIER1, TIER2]);
  });
});

describe('SMS text', () => {
  it('has the documented shape when it fits', () => {
    const short = pageMessage({
      incidents: [incident(42, { acknowledgeUrl: 'https://t.example/a/1', resolveUrl: 'https://t.example/r/1' })],
    });
    expect(smsText(short)).toBe('[P1] ACME-42 Payment API down. Ack: https://t.example/a/1 Resolve: https://t.example/r/1');
  });

  it('truncates the title, never the links, to stay within 320 characters', () => {
    const long = pageMessage({ incidents: [incident(42, { title: 'Payment API down '.repeat(40) })] });
    const ref = long.incidents[0] ?? incident(42);
    const text = smsText(long);
    expect(text.length).toBeLessThanOrEqual(SMS_MAX_CHARS);
    expect(text.length).toBeGreaterThan(SMS_MAX_CHARS - 5);
    expect(text).toContain(`Ack: ${ref.acknowledgeUrl} Resolve: ${ref.resolveUrl}`);
    expect(text.endsWith(ref.resolveUrl)).toBe(true);
    expect(text).toMatch(/^\[P1\] ACME-42 Payment API down .*\.\.\. Ack: /);
  });

  it('keeps links whole even when they alone exceed the budget', () => {
    const huge = `https://tandem.acme.example/a/${'x'.repeat(300)}`;
    const text = smsText(pageMessage({ incidents: [incident(42, { acknowledgeUrl: huge })] }));
    expect(text).toContain(huge);
    expect(text.startsWith('[P1] ACME-42.')).toBe(true);
  });

  it('flattens typographic punctuation that would force UCS-2', () => {
    const text = smsText(pageMessage({ incidents: [incident(42, { title: 'Payments — “down” … again' })] }));
    expect(text).toContain('Payments - "down" ... again.');
    expect(/[^\x20-\x7e]/.test(text)).toBe(false);
  });

  it('sla warning puts the note first', () => {
    const text = smsText(pageMessage({ kind: 'sla_warning', note: 'respond due in 10 min' }));
    expect(text).toMatch(/^\[P1\] ACME-42 SLA: respond due in 10 min - Payment API down\. Ack: /);
  });

  it('bundle: count, as many incidents as fit, overview and acknowledge-all links', () => {
    const message = bundleMessage(37);
    const text = smsText(message);
    expect(text.length).toBeLessThanOrEqual(SMS_MAX_CHARS);
    expect(text.startsWith('[Tandem] 37 incidents on Acme Payments: P1 ACME-100 Disk latency high on db-1; ')).toBe(true);
    expect(text).toContain(`Open: ${message.overviewUrl ?? ''} Ack all: ${message.acknowledgeAllUrl ?? ''}`);
  });
});
