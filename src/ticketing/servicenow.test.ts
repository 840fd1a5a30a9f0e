/**
 * The ServiceNow client's decisions, as tables: which impact and urgency a
 * Tandem priority gets, what a mapped priority may say, where an incident
 * state puts a ticket and whether it moves, and how long a refusal says to
 * wait (Retry-After, else a 429's X-RateLimit-Reset).
 */
import { describe, expect, it } from 'vitest';
import { impactUrgency, moves, snowCorrelationId, snowPriority, snowRetryAfterMs, stateOf } from './servicenow.js';

describe('impactUrgency', () => {
  it.each([
    [{}, 'P1', { impact: '1', urgency: '1' }],
    [{}, 'P2', { impact: '1', urgency: '2' }],
    [{}, 'P3', { impact: '2', urgency: '2' }],
    [{}, 'P4', { impact: '3', urgency: '2' }],
    [{}, 'P5', { impact: '3', urgency: '3' }],
    [{}, 'SEV1', undefined],
    [{ P1: '2' }, 'P1', { impact: '1', urgency: '2' }],
    [{ SEV1: '1 - Critical' }, 'SEV1', { impact: '1', urgency: '1' }],
    [{ P3: 'Planning' }, 'P3', { impact: '3', urgency: '3' }],
    [{ P1: 'Highest' }, 'P1', undefined],
  ])('%o maps %s to %o', (priorities, tandem, pair) => {
    expect(impactUrgency(priorities, tandem)).toEqual(pair);
  });
});

describe('snowPriority', () => {
  it.each([
    ['1', '1'],
    [' 5 ', '5'],
    ['3 - Moderate', '3'],
    ['critical', '1'],
    ['Low', '4'],
    ['6', undefined],
    ['Highest', undefined],
    ['', undefined],
  ])('%j is %s', (value, level) => {
    expect(snowPriority(value)).toBe(level);
  });
});

describe('stateOf and moves', () => {
  it.each([
    ['1', 'open', true, true],
    ['2', 'in_progress', false, true],
    ['3', 'open', true, true],
    ['6', 'done', false, false],
    ['7', 'done', false, false],
    ['8', 'done', false, false],
    ['101', 'open', false, true],
  ] as const)('state %s is %s; to in progress %s, to done %s', (state, where, toProgress, toDone) => {
    expect(stateOf(state)).toBe(where);
    expect(moves(state, 'in_progress')).toBe(toProgress);
    expect(moves(state, 'done')).toBe(toDone);
  });
});

describe('snowRetryAfterMs', () => {
  const now = Date.UTC(2026, 10, 30, 7, 0, 0);
  const reset = String(now / 1000 + 42);
  it.each([
    [429, { 'retry-after': '5', 'x-ratelimit-reset': reset }, 5_000],
    [429, { 'x-ratelimit-reset': reset }, 42_000],
    [429, { 'x-ratelimit-reset': String(now / 1000 - 10) }, 0],
    [429, {}, undefined],
    [429, { 'x-ratelimit-reset': 'soon' }, undefined],
    [503, { 'retry-after': '7' }, 7_000],
    [503, { 'x-ratelimit-reset': reset }, undefined],
  ])('%i with %o waits %s ms', (status, headers, ms) => {
    expect(snowRetryAfterMs(status, new Headers(headers), now)).toBe(ms);
  });
});

it('the correlation id is tandem:<ref>', () => {
  expect(snowCorrelationId('ACME-42')).toBe('tandem:ACME-42');
});
