import { describe, expect, it } from 'vitest';
import type { DetectionRow, FindingGroup } from './store.js';
import { detectionRule, foldFindingCounts, presentDetection, ruleIdOfKey, sortDetections } from './summary.js';
import type { Detection } from './summary.js';

const NOW = Date.parse('2026-11-30T12:00:00Z');

const DETAILS = JSON.stringify({
  detection: {
    rule: { id: '818f7b24-0fba-4c49-a073-8b755573b9c7', title: 'Linux Webshell Indicators', level: 'high', tags: [] },
    attack: { tactics: ['Persistence'], techniques: [{ id: 'T1505.003', name: 'Server Software Component: Web Shell' }] },
    logsource: { product: 'linux' },
    event: { Hostname: 'web-01' },
  },
});

const row = (over: Partial<DetectionRow> = {}): DetectionRow => ({
  id: 7,
  engagement_id: 'acme',
  service_id: 'edr',
  incident_id: 3,
  dedup_key: 'sigma:818f7b24-0fba-4c49-a073-8b755573b9c7:web-01|www-data',
  summary: 'Linux Webshell Indicators on web-01',
  source: 'web-01',
  details: DETAILS,
  created_at: NOW - 60_000,
  updated_at: NOW,
  event_count: 2,
  incident_number: 42,
  incident_status: 'acknowledged',
  incident_priority: 'P1',
  ...over,
});

describe('ruleIdOfKey', () => {
  it.each([
    ['sigma:818f7b24-0fba-4c49-a073-8b755573b9c7:web-01|www-data', '818f7b24-0fba-4c49-a073-8b755573b9c7'],
    ['sigma:rule.yml#2:', 'rule.yml#2'],
    ['sigma:abc', 'abc'],
    ['sigma:abc:sha256:00ff', 'abc'],
  ])('%s -> %s', (key, id) => expect(ruleIdOfKey(key)).toBe(id));
});

describe('detectionRule', () => {
  it('reads the rule and ATT&CK context ingest wrote', () => {
    expect(detectionRule(row())).toEqual({
      rule: { id: '818f7b24-0fba-4c49-a073-8b755573b9c7', title: 'Linux Webshell Indicators', level: 'high' },
      tactics: ['Persistence'],
      techniques: [{ id: 'T1505.003', name: 'Server Software Component: Web Shell' }],
    });
  });
  it.each([
    ['no details', null],
    ['text that is not JSON', 'not json'],
    ['details of another kind', JSON.stringify({ finding: { id: 1 } })],
    [
      'a detection with odd values',
      JSON.stringify({ detection: { rule: { id: 5, level: 'severe' }, attack: { techniques: [{ id: 1 }, 'x'] } } }),
    ],
  ])('falls back to the key and the summary with %s', (_, details) => {
    expect(detectionRule(row({ details }))).toEqual({
      rule: { id: '818f7b24-0fba-4c49-a073-8b755573b9c7', title: 'Linux Webshell Indicators on web-01', level: 'medium' },
      tactics: [],
      techniques: [],
    });
  });
  it('keeps a technique ATT&CK does not name, with a null name', () => {
    const details = JSON.stringify({
      detection: { rule: { id: 'r', title: 'T', level: 'low' }, attack: { techniques: [{ id: 'T9999', name: null }] } },
    });
    expect(detectionRule(row({ details })).techniques).toEqual([{ id: 'T9999', name: null }]);
  });
});

describe('presentDetection', () => {
  it('shows the incident by number, the service by name and the hits', () => {
    expect(presentDetection(row(), 'ACME', 'EDR')).toEqual({
      alert_id: 7,
      engagement: 'acme',
      incident: { id: 3, number: 'ACME-42', status: 'acknowledged', priority: 'P1' },
      service: { id: 'edr', name: 'EDR' },
      rule: { id: '818f7b24-0fba-4c49-a073-8b755573b9c7', title: 'Linux Webshell Indicators', level: 'high' },
      tactics: ['Persistence'],
      techniques: [{ id: 'T1505.003', name: 'Server Software Component: Web Shell' }],
      host: 'web-01',
      first_hit: '2026-11-30T11:59:00.000Z',
      last_hit: '2026-11-30T12:00:00.000Z',
      hits: 2,
    });
  });
});

describe('sortDetections', () => {
  const d = (id: number, engagement: string, priority: string, lastHit: string): Detection =>
    ({
      ...presentDetection(row({ id, engagement_id: engagement, incident_priority: priority }), 'X', 'S'),
      last_hit: lastHit,
    }) as Detection;
  const order = (e: string) => (e === 'acme' ? ['P1', 'P2', 'P3'] : ['SEV1', 'SEV2']);
  it.each([
    ['priority first', [d(1, 'acme', 'P2', 'b'), d(2, 'acme', 'P1', 'a')], [2, 1]],
    ['then the most recent hit', [d(1, 'acme', 'P1', 'a'), d(2, 'acme', 'P1', 'b')], [2, 1]],
    ['then the newest alert', [d(1, 'acme', 'P1', 'a'), d(2, 'acme', 'P1', 'a')], [2, 1]],
    ["by each engagement's own order", [d(1, 'acme', 'P2', 'a'), d(2, 'globex', 'SEV1', 'a')], [2, 1]],
    ['a priority no longer in the file last', [d(1, 'acme', 'P9', 'z'), d(2, 'acme', 'P3', 'a')], [2, 1]],
  ])('%s', (_, input, ids) => expect(sortDetections(input, order).map((x) => x.alert_id)).toEqual(ids));
});

describe('foldFindingCounts', () => {
  const g = (severity: string, status: string, pastDue: boolean, exceptionHolds: boolean, count: number): FindingGroup => ({
    severity,
    status,
    pastDue,
    exceptionHolds,
    count,
  });
  it.each<[string, FindingGroup[], Record<string, [number, number, number]>, number]>([
    ['nothing: every severity with zeros', [], {}, 0],
    ['open, not yet due', [g('high', 'open', false, false, 3)], { high: [3, 0, 0] }, 0],
    ['open past due is overdue', [g('critical', 'open', true, false, 2)], { critical: [0, 2, 0] }, 2],
    [
      'an exception that holds is excepted, due or not',
      [g('low', 'excepted', true, true, 1), g('low', 'excepted', false, true, 4)],
      { low: [0, 0, 5] },
      0,
    ],
    [
      'an expired exception is open again, overdue if past due',
      [g('medium', 'excepted', true, false, 1), g('medium', 'excepted', false, false, 2)],
      { medium: [2, 1, 0] },
      1,
    ],
    ['an unknown severity is left out', [g('urgent', 'open', true, false, 9)], {}, 0],
    [
      'several severities',
      [g('critical', 'open', true, false, 1), g('high', 'open', true, false, 2), g('high', 'open', false, false, 5)],
      { critical: [0, 1, 0], high: [5, 2, 0] },
      3,
    ],
  ])('%s', (_, groups, expected, overdue) => {
    const out = foldFindingCounts(groups, NOW);
    expect(out.bySeverity.map((c) => c.severity)).toEqual(['critical', 'high', 'medium', 'low']);
    for (const c of out.bySeverity) expect([c.open, c.overdue, c.excepted]).toEqual(expected[c.severity] ?? [0, 0, 0]);
    expect(out.overdue).toBe(overdue);
  });
});
