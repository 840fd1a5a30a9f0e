/**
 * The ticketing sync's pure decisions: which operations a change makes,
 * what a ticket says, and when a failed operation is tried again.
 */
import { describe, expect, it } from 'vitest';
import { changeOps, correlationLabel, descriptionLines, landedNote, retryAt, summary, unansweredWait } from './plan.js';

describe('changeOps', () => {
  it('turns acknowledge into In Progress, resolve into Done, a priority change into a priority op', () => {
    expect(changeOps(['status'], 'acknowledged', 'P1')).toEqual([{ kind: 'transition', target: 'in_progress' }]);
    expect(changeOps(['status'], 'resolved', 'P1')).toEqual([{ kind: 'transition', target: 'done' }]);
    expect(changeOps(['priority'], 'triggered', 'P2')).toEqual([{ kind: 'priority', priority: 'P2' }]);
  });
  it('leaves waiting statuses and notes alone (a note carries its own comment)', () => {
    expect(changeOps(['status'], 'waiting_on_customer', 'P1')).toEqual([]);
    expect(changeOps(['note'], 'acknowledged', 'P1')).toEqual([]);
  });
});

describe('what a ticket says', () => {
  const c = {
    ref: 'ACME-42',
    title: 'Payments API 5xx above 2%',
    service: 'Payment processing API',
    priority: 'P1',
    owner: 'NightOwl',
    link: 'https://t/incidents/42',
  };
  it('has the reference in the summary and label, and the link in the description', () => {
    expect(summary(c)).toBe('[ACME-42] Payments API 5xx above 2%');
    expect(correlationLabel('ACME-42')).toBe('tandem-ACME-42');
    expect(descriptionLines(c)).toContain('Incident in Tandem: https://t/incidents/42');
  });
});

describe('retryAt', () => {
  it('honours Retry-After, 0 meaning now', () => {
    expect(retryAt(1000, 3, 0, 0.9)).toBe(1000);
    expect(retryAt(1000, 3, 5000, 0.9)).toBe(6000);
  });
  it('backs off exponentially from one second with up to half as jitter, capped at five minutes', () => {
    expect(retryAt(0, 1, undefined, 0)).toBe(1000);
    expect(retryAt(0, 3, undefined, 0)).toBe(4000);
    expect(retryAt(0, 3, undefined, 0.5)).toBe(5000);
    expect(retryAt(0, 30, undefined, 0)).toBe(300_000);
  });
});

describe('retryAt after a call that got no answer', () => {
  it('waits at least the given time, even when the system said come back at once or backoff is shorter', () => {
    expect(retryAt(1_000, 1, undefined, 0, unansweredWait(1_000))).toBe(4_000);
    expect(retryAt(1_000, 1, 0, 0, unansweredWait(1_000))).toBe(4_000);
    // A longer backoff or Retry-After wins.
    expect(retryAt(1_000, 12, undefined, 0, unansweredWait(300))).toBe(1_000 + 300_000);
    expect(retryAt(1_000, 1, 5_000, 0, unansweredWait(300))).toBe(6_000);
    expect(unansweredWait(10_000)).toBe(30_000);
  });
});

describe('landedNote: did a retried note land before?', () => {
  const TEXT = 'Kim Tan: still investigating';
  const note = (id: string | null, text = TEXT) => ({ id, text });
  it.each([
    { name: 'not there: post it', notes: [note('1', 'Kim Tan: other')], count: 0, ids: [], landed: undefined },
    { name: 'there once, no earlier op wrote it: it landed', notes: [note('7')], count: 0, ids: [], landed: '7' },
    {
      name: 'there once, written by an earlier op: the same text twice on purpose, post it',
      notes: [note('7')],
      count: 1,
      ids: ['7'],
      landed: undefined,
    },
    { name: 'there twice, one by an earlier op: the other is this one', notes: [note('7'), note('9')], count: 1, ids: ['7'], landed: '9' },
    { name: 'ServiceNow (no ids): counted only', notes: [note(null), note(null)], count: 1, ids: [], landed: null },
    { name: 'whitespace around the text does not matter', notes: [note('3', `  ${TEXT} \n`)], count: 0, ids: [], landed: '3' },
  ])('$name', ({ notes, count, ids, landed }) => {
    expect(landedNote(notes, TEXT, { count, ids: new Set(ids) })?.id).toBe(landed);
  });
});
