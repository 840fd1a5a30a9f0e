/**
 * What an alert mail means, as tables: which senders a pattern lets in,
 * which key an address names, and the alert action a message is (trigger or
 * resolve, its dedup key, summary, severity and details).
 */
import { describe, expect, it } from 'vitest';
import type { EmailMessage } from './email.js';
import { DETAILS_TEXT_MAX, compileRules, emailAlert, keyOfAddress, senderAllowed, subjectKey } from './email.js';

describe('senderAllowed', () => {
  it.each([
    [['*@monitoring.acme.example'], 'nagios@monitoring.acme.example', true],
    [['*@monitoring.acme.example'], 'Nagios@Monitoring.ACME.example', true],
    [['*@monitoring.acme.example'], 'nagios@evil.example', false],
    [['*@monitoring.acme.example'], 'x@monitoring.acme.example.evil.example', false],
    [['*@monitoring.acme.example'], 'x@sub.monitoring.acme.example', false],
    [['*@*.acme.example'], 'x@sub.monitoring.acme.example', true],
    [['*@*.acme.example'], 'x@acme.example', false],
    [['nagios@acme.example'], 'nagios@acme.example', true],
    [['nagios@acme.example'], 'nagios2@acme.example', false],
    [['zabbix*@acme.example'], 'zabbix-eu@acme.example', true],
    [['a*b*c@x.example'], 'abc@x.example', true],
    [['a*b*c@x.example'], 'acb@x.example', false],
    [['a*a@x.example'], 'a@x.example', false],
    [['*'], 'anyone@anywhere.example', true],
    [['*'], '', false],
    [['*@x.example', 'ops@y.example'], 'ops@y.example', true],
    [[], 'ops@y.example', false],
    // Regular expression characters are literal.
    [['ops@a.example'], 'ops@aXexample', false],
  ])('%j lets %j in: %s', (patterns, address, allowed) => {
    expect(senderAllowed(patterns, address)).toBe(allowed);
  });
});

describe('keyOfAddress', () => {
  it.each([
    ['erp-alerts@tandem.acme.example', 'erp-alerts'],
    ['erp-alerts+nightly@tandem.acme.example', 'erp-alerts'],
    ['"erp-alerts"@tandem.acme.example', 'erp-alerts'],
    ['erp-alerts', 'erp-alerts'],
    ['@tandem.acme.example', undefined],
    ['+x@tandem.acme.example', undefined],
  ])('%s -> %s', (address, key) => {
    expect(keyOfAddress(address)).toBe(key);
  });
});

function message(over: Partial<EmailMessage> & { headers?: Record<string, string> } = {}): EmailMessage {
  const headers = over.headers ?? {};
  return {
    subject: 'Disk full on db-01',
    text: '/var is 98% full',
    from: 'zabbix@monitoring.acme.example',
    envelopeFrom: 'bounces@monitoring.acme.example',
    recipient: 'erp-alerts@tandem.acme.example',
    messageId: '<1@monitoring.acme.example>',
    header: (name) => headers[name],
    ...over,
  };
}

const DEFAULT = compileRules({});

describe('emailAlert', () => {
  it('an alert mail triggers: subject as summary, From as source, text and envelope in the details', () => {
    expect(emailAlert(message(), DEFAULT)).toEqual({
      type: 'alert',
      action: 'trigger',
      dedupKey: 'email:disk full on db-01',
      summary: 'Disk full on db-01',
      severity: 'error',
      source: 'zabbix@monitoring.acme.example',
      details: {
        text: '/var is 98% full',
        from: 'zabbix@monitoring.acme.example',
        envelope_from: 'bounces@monitoring.acme.example',
        to: 'erp-alerts@tandem.acme.example',
        subject: 'Disk full on db-01',
        message_id: '<1@monitoring.acme.example>',
      },
    });
  });

  it.each([
    ['RESOLVED: Disk full on db-01', 'resolve', 'email:disk full on db-01'],
    ['Resolved:   Disk  full on DB-01 ', 'resolve', 'email:disk full on db-01'],
    ['OK: Disk full on db-01', 'resolve', 'email:disk full on db-01'],
    ['Re: Disk full on db-01', 'trigger', 'email:disk full on db-01'],
    ['Fwd: RE: Disk full on db-01', 'trigger', 'email:disk full on db-01'],
    ['Not OK: Disk full on db-01', 'trigger', 'email:not ok: disk full on db-01'],
    ['Disk full on db-01 RESOLVED:', 'trigger', 'email:disk full on db-01 resolved:'],
  ])('%j -> %s, key %j (default rules)', (subject, action, key) => {
    const a = emailAlert(message({ subject }), DEFAULT);
    expect(a.action).toBe(action);
    expect(a.dedupKey).toBe(key);
  });

  it('an integration resolve_subjects replace the defaults; the match is taken out of the key wherever it is', () => {
    const rules = compileRules({ resolveSubjects: ['^\\*\\* RECOVERY', '\\bis (ok|up)\\b'] });
    const recovery = emailAlert(message({ subject: '** RECOVERY Service Alert: db-01/disk' }), rules);
    expect(recovery).toMatchObject({ action: 'resolve', dedupKey: 'email:service alert: db-01/disk' });
    expect(emailAlert(message({ subject: 'db-01 is UP' }), rules)).toMatchObject({ action: 'resolve', dedupKey: 'email:db-01' });
    expect(emailAlert(message({ subject: 'RESOLVED: x' }), rules).action).toBe('trigger');
  });

  it('dedup_subject picks the key out of the subject: Zabbix "Problem:" and "Resolved in 5m:" are one alert', () => {
    const zabbix = compileRules({ resolveSubjects: ['^Resolved( in [^:]*)?:'], dedupSubject: '^(?:Problem|Resolved[^:]*):\\s*(.+)$' });
    const problem = emailAlert(message({ subject: 'Problem: Disk full on db-01' }), zabbix);
    expect(problem).toMatchObject({ action: 'trigger', dedupKey: 'email:disk full on db-01', summary: 'Problem: Disk full on db-01' });
    const resolved = emailAlert(message({ subject: 'Resolved in 5m 12s: Disk full on DB-01' }), zabbix);
    expect(resolved).toMatchObject({ action: 'resolve', dedupKey: 'email:disk full on db-01' });
    // A subject the pattern does not match falls back to the normalized subject; no group: the whole match.
    expect(emailAlert(message({ subject: 'Other thing' }), zabbix).dedupKey).toBe('email:other thing');
    const nagios = compileRules({ resolveSubjects: ['^\\*\\* RECOVERY'], dedupSubject: 'alert: \\S+' });
    expect(emailAlert(message({ subject: '** PROBLEM Service Alert: db-01/disk is CRITICAL **' }), nagios).dedupKey).toBe(
      'email:alert: db-01/disk',
    );
    expect(emailAlert(message({ subject: '** RECOVERY Service Alert: db-01/disk is OK **' }), nagios)).toMatchObject({
      action: 'resolve',
      dedupKey: 'email:alert: db-01/disk',
    });
  });

  it('X-Tandem-Dedup and X-Tandem-Severity headers win', () => {
    const headers = { 'x-tandem-dedup': ' db-01/disk ', 'x-tandem-severity': 'Critical' };
    expect(emailAlert(message({ headers }), DEFAULT)).toMatchObject({ dedupKey: 'db-01/disk', severity: 'critical' });
    const resolved = emailAlert(message({ subject: 'OK: anything', headers }), DEFAULT);
    expect(resolved).toMatchObject({ action: 'resolve', dedupKey: 'db-01/disk' });
    expect(resolved).not.toHaveProperty('severity');
    expect(emailAlert(message({ headers: { 'x-tandem-severity': 'urgent' } }), DEFAULT).severity).toBe('error');
    // A dedup header over 255 characters is ignored: the subject decides.
    expect(emailAlert(message({ headers: { 'x-tandem-dedup': 'k'.repeat(256) } }), DEFAULT).dedupKey).toBe('email:disk full on db-01');
  });

  it('no subject: a summary naming the sender, and a key from the sender and text', () => {
    const a = emailAlert(message({ subject: '' }), DEFAULT);
    expect(a.summary).toBe('(no subject) from zabbix@monitoring.acme.example');
    expect(a.dedupKey).toMatch(/^email:sha256:[0-9a-f]{64}$/);
    expect(emailAlert(message({ subject: '  ' }), DEFAULT).dedupKey).toBe(a.dedupKey);
    expect(emailAlert(message({ subject: '', text: 'other' }), DEFAULT).dedupKey).not.toBe(a.dedupKey);
    expect(emailAlert(message({ subject: '', from: '', envelopeFrom: '' }), DEFAULT).summary).toBe('(no subject) from an unknown sender');
  });

  it('long and hostile text is clipped and made storable', () => {
    const subject = `${'x'.repeat(2000)}\r\nBcc: injected`;
    const a = emailAlert(message({ subject, text: `a\u0000b${'y'.repeat(DETAILS_TEXT_MAX)}` }), DEFAULT);
    expect(a.summary?.length).toBe(1024);
    expect(a.summary).not.toMatch(/[\r\n]/);
    expect(a.dedupKey).toMatch(/^email:sha256:/);
    const text = String(a.details?.['text']);
    expect(text.length).toBe(DETAILS_TEXT_MAX + 1);
    expect(text.startsWith('a\uFFFDb')).toBe(true);
  });

  it('attachments are named in the details', () => {
    expect(emailAlert(message({ attachments: ['graph.png'] }), DEFAULT).details?.['attachments']).toEqual(['graph.png']);
  });
});

describe('subjectKey', () => {
  it('takes out the match, reply prefixes, case and runs of spaces', () => {
    const m = /^OK:/i.exec('OK:  Re: A  b');
    expect(subjectKey('OK:  Re: A  b', m)).toBe('a b');
    expect(subjectKey('AW: WG: Sv: a', null)).toBe('a');
  });
});
