/**
 * TCP syslog framing (RFC 6587) as tables: octet-counted and newline frames,
 * mixed on one connection, split anywhere across chunks, and the streams that
 * are refused.
 */
import { describe, expect, it } from 'vitest';
import { MAX_FRAME_BYTES, SyslogFramer, datagramMessages } from './framing.js';

const A = '<13>1 - web-01 sshd - - - hello';
const B = '<38>Nov 28 02:10:00 web-01 sshd[1]: Accepted password for root';
const UTF8 = '<13>1 - h a - - - caf\u00e9 \u{1F600}';

function octet(msg: string): string {
  return `${Buffer.byteLength(msg)} ${msg}`;
}

function frames(chunks: Array<string | Buffer>): { frames: string[]; error?: string } {
  const f = new SyslogFramer();
  const out: string[] = [];
  for (const c of chunks) {
    const r = f.push(typeof c === 'string' ? Buffer.from(c) : c);
    out.push(...r.frames);
    if (r.error) return { frames: out, error: r.error };
  }
  return { frames: [...out, ...f.end()] };
}

describe('SyslogFramer', () => {
  it.each<[string, Array<string | Buffer>, string[]]>([
    ['newline framing', [`${A}\n${B}\n`], [A, B]],
    ['CRLF and NUL trailers', [`${A}\r\n${B}\0`], [A, B]],
    ['octet counting', [octet(A) + octet(B)], [A, B]],
    ['octet counting counts bytes, not characters', [octet(UTF8) + octet(A)], [UTF8, A]],
    ['both framings on one connection', [octet(A) + `${B}\n` + octet(A)], [A, B, A]],
    [
      'a frame split across chunks',
      [octet(A).slice(0, 3), octet(A).slice(3, 20), octet(A).slice(20) + B.slice(0, 5), `${B.slice(5)}\n`],
      [A, B],
    ],
    [
      'a multi-byte character split across chunks',
      [Buffer.from(octet(UTF8)).subarray(0, 30), Buffer.from(octet(UTF8)).subarray(30)],
      [UTF8],
    ],
    ['a last line without its newline', [`${A}\n${B}`], [A, B]],
    ['blank lines', [`\n\n${A}\n\n`], [A]],
  ])('%s', (_name, chunks, expected) => {
    expect(frames(chunks)).toEqual({ frames: expected });
  });

  it.each<[string, string, string]>([
    ['an octet count with a leading zero', `01 x`, 'is not an octet count'],
    ['an octet count over the limit', `${MAX_FRAME_BYTES + 1} x`, 'is over the limit'],
    ['an endless octet count', '12345678901234', 'longer than 10 digits'],
    ['a line over the limit without a newline', `<13>${'x'.repeat(MAX_FRAME_BYTES + 20)}`, 'without a newline'],
  ])('refuses %s (frames before it are kept)', (_name, bad, error) => {
    const r = frames([`${A}\n${bad}`]);
    expect(r.frames).toEqual([A]);
    expect(r.error).toContain(error);
  });

  it('an incomplete octet-counted frame at the end is dropped', () => {
    expect(frames([octet(A).slice(0, 10)])).toEqual({ frames: [] });
  });
});

describe('datagramMessages', () => {
  it('one datagram, one message; several lines, several', () => {
    expect(datagramMessages(Buffer.from(A))).toEqual([A]);
    expect(datagramMessages(Buffer.from(`${A}\n${B}\r\n`))).toEqual([A, B]);
  });
});
