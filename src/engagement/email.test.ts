/**
 * Email integrations in the engagement file (issue 13): a valid one
 * normalizes with its senders and subject rules, and each broken variant gets
 * its diagnostic at the line and column of the key at fault.
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { formatDiagnostic, loadEngagementText } from './index.js';
import { parseSenderPattern, parseSubjectPattern } from './email.js';

const DEMO = readFileSync('demo/acme.yaml', 'utf8');
const LINE = '      - { type: generic, key: "edr-generic-77d2" }\n';

function withIntegration(entry: string) {
  if (!DEMO.includes(LINE)) throw new Error('the demo file changed: no edr integration line');
  return loadEngagementText(DEMO.replace(LINE, `${LINE}      - ${entry}\n`), 'acme.yaml');
}

/** The line of the added integration in the file. */
const ADDED_LINE = DEMO.slice(0, DEMO.indexOf(LINE)).split('\n').length + 1;

describe('email integrations', () => {
  it('normalize: senders, resolve_subjects and dedup_subject kept', () => {
    const { engagement, diagnostics } = withIntegration(
      '{ type: email, key: "erp-alerts", senders: ["*@monitoring.acme.example"], resolve_subjects: ["^RECOVERY"], dedup_subject: "Alert: (\\\\S+)" }',
    );
    expect(diagnostics.map(formatDiagnostic)).toEqual([]);
    const edr = engagement?.services.find((s) => s.id === 'edr');
    expect(edr?.integrations.find((i) => i.type === 'email')).toEqual({
      type: 'email',
      key: 'erp-alerts',
      senders: ['*@monitoring.acme.example'],
      resolveSubjects: ['^RECOVERY'],
      dedupSubject: 'Alert: (\\S+)',
    });
  });

  it.each([
    {
      name: 'an email integration without senders',
      entry: '{ type: email, key: "erp-alerts" }',
      at: `${ADDED_LINE}:17`,
      message: 'an email integration needs senders',
    },
    {
      name: 'senders on a generic integration',
      entry: '{ type: generic, key: "erp-alerts", senders: ["*"] }',
      at: `${ADDED_LINE}:45`,
      message: 'senders applies to email integrations; this one is of type generic',
    },
    {
      name: 'resolve_subjects on a pagerduty integration',
      entry: '{ type: pagerduty, key: "erp-alerts", resolve_subjects: ["^OK"] }',
      at: `${ADDED_LINE}:47`,
      message: 'resolve_subjects applies to email integrations',
    },
    {
      name: 'dedup_subject on a generic integration',
      entry: '{ type: generic, key: "erp-alerts", dedup_subject: "x" }',
      at: `${ADDED_LINE}:45`,
      message: 'dedup_subject applies to email integrations',
    },
    {
      name: 'a sender pattern without @',
      entry: '{ type: email, key: "erp-alerts", senders: ["monitoring.acme.example"] }',
      at: `${ADDED_LINE}:53`,
      message: 'bad sender pattern "monitoring.acme.example": expected an address where * matches anything',
    },
    {
      name: 'an empty senders list',
      entry: '{ type: email, key: "erp-alerts", senders: [] }',
      at: `${ADDED_LINE}:52`,
      message: 'senders',
    },
    {
      name: 'a subject pattern that is not a regular expression',
      entry: '{ type: email, key: "erp-alerts", senders: ["*"], resolve_subjects: ["(OK"] }',
      at: `${ADDED_LINE}:78`,
      message: 'bad subject pattern "(OK"',
    },
  ])('$name', ({ entry, at, message }) => {
    const { engagement, diagnostics } = withIntegration(entry);
    expect(engagement).toBeUndefined();
    const text = diagnostics.map(formatDiagnostic).join('\n');
    expect(text).toContain(message);
    expect(text).toContain(`acme.yaml:${at}:`);
  });

  it.each([
    ['*', true],
    ['*@monitoring.acme.example', true],
    ['nagios@acme.example', true],
    ['*@*', true],
    ['', false],
    ['a b@acme.example', false],
    ['a@b@acme.example', false],
    ['acme.example', false],
  ])('sender pattern %j: %s', (text, ok) => {
    expect(parseSenderPattern(text).ok).toBe(ok);
  });

  it.each([
    ['^RESOLVED:', true],
    ['\\bis (ok|up)\\b', true],
    ['(', false],
    [' ', false],
    ['x'.repeat(201), false],
  ])('subject pattern %j: %s', (text, ok) => {
    expect(parseSubjectPattern(text).ok).toBe(ok);
  });
});
