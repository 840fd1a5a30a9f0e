import { describe, expect, it } from 'vitest';
import { WindowLimiter, checkEmail, linkToken, retryAt, tokenHash } from './plan.js';

describe('checkEmail', () => {
  it.each([
    ['dana@example.com', 'dana@example.com'],
    ['  Dana@Example.COM ', 'dana@example.com'],
    ['first.last+status@sub.example.co.uk', 'first.last+status@sub.example.co.uk'],
    ["o'brien@example.ie", "o'brien@example.ie"],
    ['x@a-b.example', 'x@a-b.example'],
  ])('accepts %j as %j', (input, email) => {
    expect(checkEmail(input)).toEqual({ ok: true, email });
  });

  it.each([
    [undefined, 'is required'],
    [5, 'is required'],
    ['', 'is required'],
    ['   ', 'is required'],
    ['plain', 'is not an email address'],
    ['a@b', 'is not an email address'],
    ['@example.com', 'is not an email address'],
    ['a@', 'is not an email address'],
    ['a@@example.com', 'is not an email address'],
    ['a..b@example.com', 'is not an email address'],
    ['.a@example.com', 'is not an email address'],
    ['a@-x.example', 'is not an email address'],
    ['a@x..example', 'is not an email address'],
    ['"q"@example.com', 'is not an email address'],
    ['a@[127.0.0.1]', 'is not an email address'],
    ['a b@example.com', 'is not an email address'],
    ['a\r\nbcc: v@example.com', 'is not an email address'],
    ['😀@example.com', 'is not an email address'],
    [`${'l'.repeat(65)}@example.com`, 'is not an email address'],
    [`a@${'d'.repeat(260)}.com`, 'is longer than 254 characters'],
  ])('refuses %j: %s', (input, problem) => {
    const r = checkEmail(input);
    expect(r.ok).toBe(false);
    if (!r.ok) expect(r.problem).toContain(problem);
  });
});

describe('tokens', () => {
  it('are 43 url-safe characters, differ by purpose, key and nonce, and are stored as SHA-256', () => {
    const t = linkToken('key', 'confirm', 'nonce');
    expect(t).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(linkToken('key', 'confirm', 'nonce')).toBe(t);
    expect(linkToken('key', 'unsubscribe', 'nonce')).not.toBe(t);
    expect(linkToken('other', 'confirm', 'nonce')).not.toBe(t);
    expect(linkToken('key', 'confirm', 'nonce2')).not.toBe(t);
    expect(tokenHash(t)).toMatch(/^[0-9a-f]{64}$/);
  });
});

describe('retryAt', () => {
  it.each([
    [1, 30_000],
    [2, 60_000],
    [3, 120_000],
    [7, 1_920_000],
    [8, 3_600_000],
    [20, 3_600_000],
  ])('after attempt %i waits %i ms', (attempts, wait) => {
    expect(retryAt(1_000, attempts)).toBe(1_000 + wait);
  });
});

describe('WindowLimiter', () => {
  it('allows the limit per key and window, then says how long to wait', () => {
    const l = new WindowLimiter(2, 60_000);
    expect(l.take('a', 0)).toBeUndefined();
    expect(l.take('a', 1_000)).toBeUndefined();
    expect(l.take('a', 2_000)).toBe(58);
    expect(l.take('b', 2_000)).toBeUndefined();
    expect(l.take('a', 60_000)).toBeUndefined();
  });

  it('never holds more keys than its bound', () => {
    const l = new WindowLimiter(1, 60_000, 10);
    for (let i = 0; i < 100; i++) expect(l.take(`k${i}`, 0)).toBeUndefined();
  });
});
