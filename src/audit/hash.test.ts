import { describe, expect, it } from 'vitest';
import type { ChainedFields } from './hash.js';
import { GENESIS, canonicalJson, entryHash, storedRowHash } from './hash.js';

const ENTRY: ChainedFields = {
  engagement_id: 'acme',
  incident_id: 7,
  at: 1_764_000_000_000,
  kind: 'note',
  actor_type: 'person',
  actor_id: 'kim',
  message: 'Failing over',
  event_id: null,
  alert_id: 3,
};

describe('canonicalJson', () => {
  it.each([
    [{ b: 1, a: { d: [2, { z: 1, y: 2 }], c: null } }, '{"a":{"c":null,"d":[2,{"y":2,"z":1}]},"b":1}'],
    [{ skipped: undefined, kept: 'x' }, '{"kept":"x"}'],
    [[3, 'a', true], '[3,"a",true]'],
    ['text', '"text"'],
    [undefined, 'null'],
  ])('%j is %s', (value, expected) => {
    expect(canonicalJson(value)).toBe(expected);
  });

  it('a value and its JSON round trip encode alike, whatever the order of keys', () => {
    const value = { when: new Date(0), list: [{ b: 2, a: 1 }], n: 1.5 };
    expect(canonicalJson(JSON.parse(JSON.stringify(value)))).toBe(canonicalJson(value));
  });
});

describe('entryHash', () => {
  const base = entryHash(GENESIS, ENTRY, '{"a":1}');

  it('is hex SHA-256, and the same for the same input', () => {
    expect(base).toMatch(/^[0-9a-f]{64}$/);
    expect(entryHash(GENESIS, { ...ENTRY }, '{"a":1}')).toBe(base);
  });

  it('stored numbers as strings (PostgreSQL bigint) hash like numbers', () => {
    expect(entryHash(GENESIS, { ...ENTRY, incident_id: '7', at: String(ENTRY.at), alert_id: '3' }, '{"a":1}')).toBe(base);
  });

  it.each<[string, Partial<ChainedFields>]>([
    ['engagement', { engagement_id: 'globex' }],
    ['incident', { incident_id: 8 }],
    ['time', { at: (ENTRY.at as number) + 1 }],
    ['kind', { kind: 'incident.acknowledged' }],
    ['actor type', { actor_type: 'token' }],
    ['actor', { actor_id: null }],
    ['message', { message: 'Failing over.' }],
    ['event', { event_id: 1 }],
    ['alert', { alert_id: null }],
  ])('changes with the %s', (_what, change) => {
    expect(entryHash(GENESIS, { ...ENTRY, ...change }, '{"a":1}')).not.toBe(base);
  });

  it('changes with the data and with the previous hash', () => {
    expect(entryHash(GENESIS, ENTRY, '{"a":2}')).not.toBe(base);
    expect(entryHash(GENESIS, ENTRY, null)).not.toBe(base);
    expect(entryHash(base, ENTRY, '{"a":1}')).not.toBe(base);
  });

  it("a stored row's data is read canonically: spacing and key order are not changes", () => {
    expect(storedRowHash(GENESIS, { ...ENTRY, data: '{ "a": 1 }' })).toBe(base);
    expect(storedRowHash(GENESIS, { ...ENTRY, data: '{"b":[1],"a":1}' })).toBe(entryHash(GENESIS, ENTRY, '{"a":1,"b":[1]}'));
  });
});
