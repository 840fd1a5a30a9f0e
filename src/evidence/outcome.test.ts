import { describe, expect, it } from 'vitest';
import { deadlineOutcome } from './outcome.js';
import type { DeadlineInput } from './outcome.js';

const DUE = 1_000_000;
const base: DeadlineInput = { status: 'open', dueAt: DUE, fixedAt: null, exceptionExpiresAt: null };

describe('deadlineOutcome', () => {
  it.each([
    ['fixed before due', { status: 'fixed', fixedAt: DUE - 1 }, DUE + 10, 'met'],
    ['fixed at the due instant', { status: 'fixed', fixedAt: DUE }, DUE + 10, 'met'],
    ['fixed after due', { status: 'fixed', fixedAt: DUE + 1 }, DUE + 10, 'missed'],
    ['fixed after the period ends: open then', { status: 'fixed', fixedAt: DUE - 1 }, DUE - 5, 'open'],
    ['fixed late after the period ends: overdue then', { status: 'fixed', fixedAt: DUE + 50 }, DUE + 10, 'missed'],
    ['open, not yet due', {}, DUE - 1, 'open'],
    ['open past due', {}, DUE + 1, 'missed'],
    ['excepted and the exception holds', { status: 'excepted', exceptionExpiresAt: DUE + 100 }, DUE + 10, 'excepted'],
    ['excepted but the exception expired, past due', { status: 'excepted', exceptionExpiresAt: DUE + 5 }, DUE + 10, 'missed'],
  ] as const)('%s', (_name, change, asOf, expected) => {
    expect(deadlineOutcome({ ...base, ...change }, asOf)).toBe(expected);
  });
});
