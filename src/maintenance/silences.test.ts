/**
 * Silence matchers as Alertmanager reads them: equality and anchored regular
 * expressions, negation, missing labels as the empty string, labels found in
 * Alertmanager, PagerDuty and generic details; the checks the API makes; and
 * how a silence and a window combine in `holdDecision`.
 */
import { describe, expect, it } from 'vitest';
import { demoEngagement } from '../engagement/test-fixtures.js';
import { holdDecision } from './hold.js';
import type { AlertFields, Matcher } from './silences.js';
import { alertValue, checkMatchers, silenceMatches } from './silences.js';
import type { StoredWindow } from './store.js';

const alertmanager: AlertFields = {
  service: 'payments-api',
  severity: 'critical',
  summary: 'Disk 91% full on db-1',
  source: null,
  dedup_key: 'a1b2c3',
  details: { labels: { alertname: 'DiskFull', instance: 'db-1:9100', env: 'prod' }, annotations: { summary: 'x' } },
};
const pagerduty: AlertFields = {
  service: 'storefront',
  severity: 'error',
  summary: 'Checkout latency high',
  source: 'datadog',
  dedup_key: 'checkout-latency',
  details: { custom_details: { region: 'us-east-1', replicas: 3, canary: true, nested: { a: 1 } } },
};
const generic: AlertFields = {
  service: 'edr',
  severity: 'warning',
  summary: 'Agent offline',
  source: 'crowdstrike',
  dedup_key: 'agent-7',
  details: { host: 'laptop-7', tags: ['x'] },
};

const m = (name: string, value: string, isRegex = false, isEqual = true): Matcher => ({ name, value, isRegex, isEqual });

describe('silenceMatches', () => {
  it.each<[string, AlertFields, Matcher[], boolean]>([
    ['service equal', alertmanager, [m('service', 'payments-api')], true],
    ['service differs', alertmanager, [m('service', 'storefront')], false],
    ['regex matches the whole value', alertmanager, [m('summary', 'Disk .*', true)], true],
    ['regex is anchored: a part does not match', alertmanager, [m('summary', 'Disk', true)], false],
    ['regex alternatives are anchored as a group', alertmanager, [m('severity', 'warning|critical', true)], true],
    ['negated equality', alertmanager, [m('severity', 'info', false, false)], true],
    ['negated equality that holds', alertmanager, [m('severity', 'critical', false, false)], false],
    ['negated regex', alertmanager, [m('summary', 'Disk.*', true, false)], false],
    ['negated regex on another value', pagerduty, [m('summary', 'Disk.*', true, false)], true],
    ['every matcher must match', alertmanager, [m('service', 'payments-api'), m('env', 'staging')], false],
    ['an Alertmanager label', alertmanager, [m('instance', 'db-1:.*', true)], true],
    ['a PagerDuty custom detail', pagerduty, [m('region', 'us-east-1')], true],
    ['a number in custom details reads as text', pagerduty, [m('replicas', '3')], true],
    ['true reads as text', pagerduty, [m('canary', 'true')], true],
    ['an object is no value (empty)', pagerduty, [m('nested', '')], true],
    ['a generic details key', generic, [m('host', 'laptop-7')], true],
    ['a missing label is empty: equal to ""', generic, [m('team', '')], true],
    ['a missing label is empty: negated "" does not hold', generic, [m('team', '', false, false)], false],
    ['a missing source is empty', alertmanager, [m('source', '')], true],
    ['dedup key', pagerduty, [m('dedup_key', 'checkout-.*', true)], true],
    ['no matchers match nothing', alertmanager, [], false],
  ])('%s', (_what, alert, matchers, expected) => {
    expect(silenceMatches(matchers, alert)).toBe(expected);
  });

  it('reads labels before custom details before details', () => {
    const both: AlertFields = { ...generic, details: { labels: { x: 'label' }, custom_details: { x: 'custom' }, x: 'top' } };
    expect(alertValue(both, 'x')).toBe('label');
    expect(alertValue({ ...generic, details: { custom_details: { x: 'custom' }, x: 'top' } }, 'x')).toBe('custom');
    expect(alertValue({ ...generic, details: null }, 'x')).toBe('');
  });
});

describe('checkMatchers', () => {
  it.each<[string, Matcher[], string | undefined]>([
    ['a plain matcher', [m('service', 'erp')], undefined],
    ['only a negative matcher (Alertmanager allows it)', [m('env', 'prod', false, false)], undefined],
    ['no matchers', [], 'matchers'],
    ['a regex that does not compile', [m('summary', 'Disk (', true)], 'matchers[0].value'],
    ['a bad name', [m('service', 'x'), m('', 'x')], 'matchers[1].name'],
    ['only matchers of the empty string', [m('env', ''), m('summary', '.*', true)], 'matchers'],
    ['a value over 1024 characters', [m('summary', 'x'.repeat(1025))], 'matchers[0].value'],
    ['21 matchers', Array.from({ length: 21 }, () => m('service', 'erp')), 'matchers'],
  ])('%s', (_what, matchers, field) => {
    expect(checkMatchers(matchers)[0]?.field).toBe(field);
  });
});

describe('holdDecision', () => {
  const demo = demoEngagement();
  const T = Date.parse('2026-11-25T05:00:00Z');
  const stored = (over: Partial<StoredWindow>): StoredWindow => ({
    id: 1,
    engagementId: 'acme',
    kind: 'silence',
    services: [],
    matchers: [m('service', 'payments-api')],
    startsAt: T - 60_000,
    endsAt: T + 3_600_000,
    reason: 'migration',
    createdBy: 'token:x',
    createdAt: T - 60_000,
    endedAt: null,
    endedBy: null,
    expiredAt: null,
    ...over,
  });

  it.each<[string, StoredWindow[], AlertFields | undefined, { reason: string; until: number } | undefined]>([
    ['a matching silence holds until it expires', [stored({})], alertmanager, { reason: 'migration', until: T + 3_600_000 }],
    ['a silence that does not match', [stored({ matchers: [m('service', 'edr')] })], alertmanager, undefined],
    ['a silence ended early holds until then', [stored({ endedAt: T + 60_000 })], alertmanager, { reason: 'migration', until: T + 60_000 }],
    ['a silence ended before', [stored({ endedAt: T })], alertmanager, undefined],
    ['a silence not started yet', [stored({ startsAt: T + 1 })], alertmanager, undefined],
    ['without the alert a silence cannot match', [stored({})], undefined, undefined],
    [
      'an API window of the service',
      [stored({ kind: 'window', services: ['payments-api'], matchers: [], reason: 'DB failover' })],
      undefined,
      { reason: 'DB failover', until: T + 3_600_000 },
    ],
    [
      'a window and a longer silence: the window’s reason, the later end',
      [
        stored({ id: 1, kind: 'window', services: ['payments-api'], matchers: [], reason: 'DB failover' }),
        stored({ id: 2, endsAt: T + 7_200_000 }),
      ],
      alertmanager,
      { reason: 'DB failover', until: T + 7_200_000 },
    ],
  ])('%s', (_what, windows, alert, expected) => {
    expect(holdDecision(demo, 'payments-api', T, windows, alert)).toEqual(expected);
  });
});
