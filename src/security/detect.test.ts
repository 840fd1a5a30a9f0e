/**
 * Detections as tables, with rules compiled by the Sigma engine from text:
 * which rules trigger (informational never), the severity each level gives,
 * the group key (the rule's `fields`, else host and user), the dedup key and
 * its limit, the summary, and the details the timeline and dashboard show.
 */
import { describe, expect, it } from 'vitest';
import { ruleSet } from '../sigma/index.js';
import type { RuleSet } from '../sigma/index.js';
import { parseRules } from '../sigma/rule.js';
import { detect, detectionKey, eventHost, fieldValue, groupKey } from './detect.js';

/** One rule on Linux process creation: `/bin/sh` under a web server. */
function rules(...levels: Array<{ id: string; level: string; fields?: string[] }>): RuleSet {
  const text = levels
    .map((r) =>
      [
        `title: Shell under a web server (${r.level})`,
        `id: ${r.id}`,
        'logsource: { product: linux, category: process_creation }',
        'detection:',
        '  selection:',
        "    ParentImage|endswith: ['/apache2', '/nginx']",
        "    Image|endswith: '/sh'",
        '  condition: selection',
        ...(r.fields ? [`fields: [${r.fields.join(', ')}]`] : []),
        'tags: [attack.persistence, attack.t1505.003]',
        `level: ${r.level}`,
      ].join('\n'),
    )
    .join('\n---\n');
  const parsed = parseRules(text, 'test.yml');
  expect(parsed.refusals).toEqual([]);
  return ruleSet(parsed.rules, []);
}

const LINUX = { product: 'linux', category: 'process_creation' };
const HIT = { ParentImage: '/usr/sbin/apache2', Image: '/bin/sh', Hostname: 'web-01', User: 'www-data' };

describe('detect', () => {
  it.each([
    ['critical', 'critical'],
    ['high', 'error'],
    ['medium', 'warning'],
    ['low', 'info'],
  ])('a %s rule triggers at severity %s', (level, severity) => {
    const [action] = detect([{ fields: HIT }], rules({ id: 'r1', level }), LINUX, 600_000);
    expect(action).toMatchObject({
      type: 'alert',
      action: 'trigger',
      severity,
      dedupKey: 'sigma:r1:web-01|www-data',
      summary: `Shell under a web server (${level}) on web-01`,
      source: 'web-01',
      suppressMs: 600_000,
      details: {
        detection: {
          rule: { id: 'r1', level, tags: ['attack.persistence', 'attack.t1505.003'] },
          logsource: LINUX,
          event: HIT,
        },
      },
    });
  });

  it('an informational rule never triggers; every other matching rule does, in rule order', () => {
    const set = rules({ id: 'info', level: 'informational' }, { id: 'b', level: 'low' }, { id: 'a', level: 'high' });
    expect(detect([{ fields: HIT }], set, LINUX, 0).map((a) => a.dedupKey)).toEqual(['sigma:b:web-01|www-data', 'sigma:a:web-01|www-data']);
  });

  it('the log source decides: the integration`s, else the event`s own, which replaces it', () => {
    const set = rules({ id: 'r1', level: 'high' });
    expect(detect([{ fields: HIT }], set, { product: 'windows' }, 0)).toEqual([]);
    expect(detect([{ fields: HIT, logsource: LINUX }], set, { product: 'windows' }, 0)).toHaveLength(1);
    expect(detect([{ fields: HIT, logsource: { product: 'windows' } }], set, LINUX, 0)).toEqual([]);
    expect(detect([{ fields: HIT }], set, undefined, 0)).toEqual([]);
    expect(detect([{ fields: HIT }], undefined, LINUX, 0)).toEqual([]);
  });

  it('a near miss triggers nothing', () => {
    expect(detect([{ fields: { ...HIT, ParentImage: '/usr/bin/bash' } }], rules({ id: 'r1', level: 'high' }), LINUX, 0)).toEqual([]);
  });
});

describe('groupKey', () => {
  it.each<[string, string[], Record<string, unknown>, string]>([
    ["the rule's fields", ['Image', 'CommandLine'], { Image: '/bin/sh', CommandLine: 'sh -c id', Hostname: 'h' }, '/bin/sh|sh -c id'],
    ["a rule's field the event lacks is empty", ['Image', 'CommandLine'], { Image: '/bin/sh' }, '/bin/sh|'],
    ['none of the fields present: host and user', ['Missing'], { Hostname: 'web-01', User: 'www-data' }, 'web-01|www-data'],
    ['no fields: host alone', [], { host: 'fw-01' }, 'fw-01'],
    ['no fields: user alone (CEF suser)', [], { suser: 'alice' }, 'alice'],
    ['dotted names reach nested objects (ECS)', [], { host: { name: 'srv-9' }, user: { name: 'bob' } }, 'srv-9|bob'],
    ['nothing to tell detections apart', [], { Image: '/bin/sh' }, ''],
    ['numbers count; objects do not', ['pid', 'obj'], { pid: 42, obj: { a: 1 } }, '42|'],
  ])('%s', (_name, fields, event, key) => {
    expect(groupKey({ fields }, event)).toBe(key);
  });
});

describe('detectionKey', () => {
  it('is sigma:<rule id>:<group key>, the group hashed past the dedup key limit', () => {
    expect(detectionKey('r1', 'web-01')).toBe('sigma:r1:web-01');
    const long = detectionKey('r1', 'x'.repeat(300));
    expect(long).toMatch(/^sigma:r1:sha256:[0-9a-f]{64}$/);
    expect(detectionKey('r1', 'x'.repeat(300))).toBe(long);
  });
});

describe('fieldValue and eventHost', () => {
  it('a key as written wins over a dotted path; a "__proto__" path finds nothing', () => {
    expect(fieldValue({ 'host.name': 'flat', host: { name: 'nested' } }, 'host.name')).toBe('flat');
    expect(fieldValue({ a: { b: 1 } }, 'a.b')).toBe(1);
    expect(fieldValue({}, '__proto__.constructor')).toBeUndefined();
    expect(eventHost({ ComputerName: 'DC-01', host: 'other' })).toBe('DC-01');
    expect(eventHost({ host: '  ' })).toBeUndefined();
  });
});
