/** Due instants under both KEV policies, the KEV date's end of day in the engagement's zone, and the derived status. */
import { describe, expect, it } from 'vitest';
import { DEFAULT_DEADLINES } from '../engagement/security.js';
import type { VulnerabilityPolicy } from '../engagement/model.js';
import { dueAt, endOfLocalDate, statusAt } from './deadlines.js';

const DUE_DATE: VulnerabilityPolicy = { deadlines: DEFAULT_DEADLINES, kev: 'due_date' };
const IGNORE: VulnerabilityPolicy = { deadlines: DEFAULT_DEADLINES, kev: 'ignore' };
const t = (iso: string) => Date.parse(iso);
const NY = 'America/New_York';

describe('dueAt', () => {
  it.each<[string, VulnerabilityPolicy, 'critical' | 'high' | 'medium' | 'low', string | null, string, string]>([
    ['critical: 15 days from first seen', DUE_DATE, 'critical', null, '2026-11-01T10:00:00Z', '2026-11-16T10:00:00.000Z'],
    ['high: 30 days', DUE_DATE, 'high', null, '2026-11-01T10:00:00Z', '2026-12-01T10:00:00.000Z'],
    ['medium: 90 days', DUE_DATE, 'medium', null, '2026-11-01T10:00:00Z', '2027-01-30T10:00:00.000Z'],
    ['low: 180 days', DUE_DATE, 'low', null, '2026-11-01T10:00:00Z', '2027-04-30T10:00:00.000Z'],
    [
      'KEV due earlier: end of that day in New York (EDT)',
      DUE_DATE,
      'low',
      '2026-06-10',
      '2026-06-01T10:00:00Z',
      '2026-06-11T03:59:59.999Z',
    ],
    ['KEV due earlier, in winter (EST)', DUE_DATE, 'medium', '2026-12-03', '2026-11-30T10:00:00Z', '2026-12-04T04:59:59.999Z'],
    [
      'KEV due later than the deadline: the deadline',
      DUE_DATE,
      'critical',
      '2027-01-31',
      '2026-11-01T10:00:00Z',
      '2026-11-16T10:00:00.000Z',
    ],
    [
      'KEV date already past: due at once (overdue)',
      DUE_DATE,
      'critical',
      '2022-04-25',
      '2026-11-01T10:00:00Z',
      '2022-04-26T03:59:59.999Z',
    ],
    ['kev: ignore keeps the deadline', IGNORE, 'low', '2026-06-10', '2026-06-01T10:00:00Z', '2026-11-28T10:00:00.000Z'],
  ])('%s', (_name, policy, severity, kevDueDate, firstSeen, expected) => {
    expect(new Date(dueAt({ firstSeen: t(firstSeen), severity, kevDueDate }, policy, NY)).toISOString()).toBe(expected);
  });

  it('a KEV date ends at local midnight, in UTC too', () => {
    expect(new Date(endOfLocalDate('UTC', '2022-04-25')).toISOString()).toBe('2022-04-25T23:59:59.999Z');
    expect(new Date(endOfLocalDate('Asia/Tokyo', '2022-04-25')).toISOString()).toBe('2022-04-25T14:59:59.999Z');
  });
});

describe('statusAt', () => {
  const due = t('2026-12-01T00:00:00Z');
  it.each<[string, string, number | null, string, string]>([
    ['open before its due instant', 'open', null, '2026-11-30T23:59:59Z', 'open'],
    ['open at its due instant', 'open', null, '2026-12-01T00:00:00Z', 'open'],
    ['overdue after it', 'open', null, '2026-12-01T00:00:01Z', 'overdue'],
    ['fixed stays fixed, past due or not', 'fixed', null, '2027-01-01T00:00:00Z', 'fixed'],
    ['excepted while the exception holds, past due or not', 'excepted', t('2027-01-01T00:00:00Z'), '2026-12-15T00:00:00Z', 'excepted'],
    ['an expired exception: overdue again', 'excepted', t('2026-12-10T00:00:00Z'), '2026-12-15T00:00:00Z', 'overdue'],
    ['an expired exception before the due instant: open', 'excepted', t('2026-11-10T00:00:00Z'), '2026-11-15T00:00:00Z', 'open'],
  ])('%s', (_name, status, exceptionExpiresAt, now, expected) => {
    expect(statusAt({ status, dueAt: due, exceptionExpiresAt }, t(now))).toBe(expected);
  });
});
