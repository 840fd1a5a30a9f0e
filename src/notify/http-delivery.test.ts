import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startHttpReceiver } from '../../test/support/receivers/http.js';
import type { HttpReceiver } from '../../test/support/receivers/http.js';
import { parseRetryAfter, postOnce, rebaseOrigin } from './http-delivery.js';

const NOW = Date.parse('2026-11-24T23:47:00Z');

describe('parseRetryAfter', () => {
  it.each([
    ['30', 30_000],
    [' 0 ', 0],
    ['Tue, 24 Nov 2026 23:48:30 GMT', 90_000],
    ['Tue, 24 Nov 2026 23:00:00 GMT', 0],
    ['soon', undefined],
    ['-5', undefined],
    ['', undefined],
    [null, undefined],
  ] as const)('%j -> %j ms', (header, expected) => {
    expect(parseRetryAfter(header, NOW)).toBe(expected);
  });
});

describe('rebaseOrigin', () => {
  it('replaces scheme, host and port, keeps path and query', () => {
    expect(rebaseOrigin('https://hooks.slack.com/services/T000/B000/XXX?x=1', 'http://127.0.0.1:4010')).toBe(
      'http://127.0.0.1:4010/services/T000/B000/XXX?x=1',
    );
  });

  it('drops the original port when the base has none', () => {
    expect(rebaseOrigin('https://ops.nightowl.example:8443/hooks/sam', 'https://staging.example')).toBe(
      'https://staging.example/hooks/sam',
    );
  });

  it('keeps credentials and leaves the URL alone without a base', () => {
    expect(rebaseOrigin('https://u:p@ops.example/h', 'http://127.0.0.1:9')).toBe('http://u:p@127.0.0.1:9/h');
    expect(rebaseOrigin('https://ops.example/h', undefined)).toBe('https://ops.example/h');
  });
});

describe('postOnce', () => {
  let receiver: HttpReceiver;
  beforeAll(async () => {
    receiver = await startHttpReceiver();
  });
  afterAll(async () => {
    await receiver.close();
  });

  it('turns URL credentials into Basic auth', async () => {
    const url = receiver.urlFor('/hook').replace('http://', 'http://ops:pa%24s@');
    const attempt = await postOnce({ url, headers: {}, body: 'x', timeoutMs: 2_000 });
    expect(attempt.ok).toBe(true);
    const request = receiver.requests.at(-1);
    expect(request?.headers.authorization).toBe(`Basic ${Buffer.from('ops:pa$s').toString('base64')}`);
  });

  it('refuses non-HTTP URLs and garbage as permanent', async () => {
    expect(await postOnce({ url: 'ftp://x.example/', headers: {}, body: '', timeoutMs: 100 })).toMatchObject({
      ok: false,
      result: { status: 'permanent' },
    });
    expect(await postOnce({ url: 'not a url', headers: {}, body: '', timeoutMs: 100 })).toMatchObject({
      ok: false,
      result: { status: 'permanent' },
    });
  });

  it('a peer that never answers times out as retryable', async () => {
    receiver.hangNext();
    const attempt = await postOnce({ url: receiver.urlFor('/slow'), headers: {}, body: '{}', timeoutMs: 200 });
    expect(attempt).toEqual({ ok: false, result: { status: 'retryable', error: 'timed out after 200 ms' } });
  });

  it('caps huge bodies', async () => {
    receiver.failNext(1, 502, 'x'.repeat(100_000));
    const attempt = await postOnce({ url: receiver.urlFor('/big'), headers: {}, body: '', timeoutMs: 2_000 });
    expect(attempt.ok && attempt.answer.body.length).toBe(2_000);
  });
});
