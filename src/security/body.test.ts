/**
 * Security request bodies as events, as tables: the format each content type
 * (or the first character) selects; JSON objects, arrays and envelopes;
 * NDJSON, CEF and syslog lines; and every refusal naming its line or item.
 * Then a seeded fuzz: mutated lines never throw, and every refusal names a
 * line that exists.
 */
import { describe, expect, it } from 'vitest';
import { mulberry32 } from '../random/seeded.js';
import { MAX_EVENTS_PER_REQUEST, bodyFormat, jsonEvent, parseSecurityBody } from './body.js';
import type { BodyFormat } from './body.js';

const WEBSHELL = { Image: '/bin/sh', ParentImage: '/usr/sbin/apache2', host: 'web-01' };

describe('bodyFormat', () => {
  it.each([
    ['application/json', '{}', 'json'],
    ['application/json; charset=utf-8', '[]', 'json'],
    ['application/vnd.tool+json', '{}', 'json'],
    ['application/x-ndjson', '{"a":1}', 'ndjson'],
    ['text/plain', '{"a":1}', 'lines'],
    [undefined, '  [{"a":1}]', 'json'],
    [undefined, '{"a":1}', 'json'],
    [undefined, '{"a":1}\n{"b":2}\n', 'ndjson'],
    [undefined, 'CEF:0|V|P|1|1|N|5|', 'lines'],
    ['application/x-www-form-urlencoded', '<13>Nov 28 02:10:00 h a: m', 'lines'],
  ])('%s, %j -> %s', (type, body, format) => {
    expect(bodyFormat(type, body)).toBe(format);
  });
});

describe('parseSecurityBody', () => {
  it.each<[string, string, BodyFormat, unknown[]]>([
    ['one JSON event', JSON.stringify(WEBSHELL), 'json', [{ fields: WEBSHELL }]],
    ['an array', JSON.stringify([WEBSHELL, { a: 1 }]), 'json', [{ fields: WEBSHELL }, { fields: { a: 1 } }]],
    [
      'an envelope with its own log source',
      JSON.stringify({ logsource: { product: 'linux', category: 'process_creation' }, event: WEBSHELL }),
      'json',
      [{ fields: WEBSHELL, logsource: { product: 'linux', category: 'process_creation' } }],
    ],
    ['an envelope without a log source', JSON.stringify({ event: WEBSHELL }), 'json', [{ fields: WEBSHELL }]],
    [
      'an event with an `event` field among others is a plain event',
      JSON.stringify({ event: { id: 4688 }, host: 'dc-01' }),
      'json',
      [{ fields: { event: { id: 4688 }, host: 'dc-01' } }],
    ],
    ['NDJSON with blank and CRLF lines', '{"a":1}\r\n\n{"b":2}\n', 'ndjson', [{ fields: { a: 1 } }, { fields: { b: 2 } }]],
    [
      'CEF and syslog lines mixed',
      'CEF:0|Acme|EDR|2.1|ws|Webshell|9|dhost=web-01\n<38>Nov 28 02:10:00 web-01 sshd[1]: Accepted password for root\n',
      'lines',
      [
        { fields: expect.objectContaining({ DeviceVendor: 'Acme', dhost: 'web-01' }) },
        { fields: expect.objectContaining({ host: 'web-01', app: 'sshd', message: 'Accepted password for root' }) },
      ],
    ],
  ])('%s', (_name, body, format, events) => {
    expect(parseSecurityBody(body, format)).toEqual({ ok: true, format, events });
  });

  it.each<[string, string, BodyFormat, string[]]>([
    ['an empty body', '  \n', 'json', ['the body is empty; expected security events (JSON, NDJSON, CEF or syslog lines)']],
    ['bad JSON', '{"a":', 'json', [expect.stringContaining('the body is not valid JSON') as unknown as string]],
    ['a JSON string', '"x"', 'json', ['an event must be a JSON object, got "x"']],
    ['an empty array', '[]', 'json', ['the array holds no events']],
    [
      'array items that are not objects',
      '[{"a":1}, 2, null]',
      'json',
      ['[1]: an event must be a JSON object, got number 2', '[2]: an event must be a JSON object, got null'],
    ],
    [
      'a bad log source',
      '{"logsource": {"product": 7}, "event": {}}',
      'json',
      ["'logsource.product' must be a string of 1..100 characters, got number 7"],
    ],
    [
      'an unknown log source key',
      '{"logsource": {"os": "linux"}, "event": {}}',
      'json',
      ["'logsource.os' is not a log source key; use product, category, service"],
    ],
    [
      'bad NDJSON on line 3',
      '{"a":1}\n{"b":2}\n{"c":\n',
      'ndjson',
      [expect.stringMatching(/^line 3: not valid JSON/) as unknown as string],
    ],
    ['an NDJSON line that is an array', '{"a":1}\n[1]\n', 'ndjson', ['line 2: an event must be a JSON object, got an array']],
    [
      'bad CEF on line 2',
      'CEF:0|V|P|1|1|N|5|a=1\nCEF:0|V|P\n',
      'lines',
      ['line 2: CEF header has 3 of 8 fields; expected CEF:Version|Vendor|Product|Version|SignatureID|Name|Severity|Extension'],
    ],
    ['bad syslog on line 1', '<999>1 - - - - - -', 'lines', ['line 1: syslog PRI <999> must be 0..191 without leading zeros']],
    [
      'a line that is neither',
      'hello\n',
      'lines',
      ['line 1: not a CEF line (CEF:0|Vendor|Product|...) or a syslog line (<PRI>...): "hello"'],
    ],
  ])('refuses %s', (_name, body, format, errors) => {
    expect(parseSecurityBody(body, format)).toEqual({ ok: false, errors });
  });

  it('refuses more than the limit of events, in any format, as too many', () => {
    const n = MAX_EVENTS_PER_REQUEST + 1;
    const array = JSON.stringify(Array.from({ length: n }, (_, i) => ({ i })));
    const lines = Array.from({ length: n }, () => 'CEF:0|V|P|1|1|N|5|').join('\n');
    for (const [body, format] of [
      [array, 'json'],
      [lines, 'lines'],
    ] as const) {
      const r = parseSecurityBody(body, format);
      expect(r).toMatchObject({ ok: false, tooMany: n });
    }
    expect(parseSecurityBody(Array.from({ length: MAX_EVENTS_PER_REQUEST }, () => '{}').join('\n'), 'ndjson').ok).toBe(true);
  });

  it('reports at most 20 problems', () => {
    const r = parseSecurityBody(Array.from({ length: 50 }, () => 'x').join('\n'), 'lines');
    expect(r.ok === false && r.errors.length).toBe(20);
  });

  it('makes text storable: a NUL in a CEF line becomes U+FFFD', () => {
    const r = parseSecurityBody('CEF:0|V|P|1|1|N|5|msg=a\u0000b', 'lines');
    expect(r.ok && r.events[0]?.fields['msg']).toBe('a\uFFFDb');
  });
});

describe('jsonEvent', () => {
  it('keeps a "__proto__" field a plain field', () => {
    const e = jsonEvent(JSON.parse('{"__proto__": {"x": 1}, "a": 2}'));
    expect(typeof e !== 'string' && Object.keys(e.fields)).toEqual(['__proto__', 'a']);
  });
});

/** Seeded mutations of real-looking lines: each body is parsed without a throw, and every refusal names a line of the body. */
describe('security bodies, fuzzed', () => {
  const bases = [
    'CEF:0|Acme|EDR|2.1|webshell|Web shell spawned a shell|9|dhost=web-01 suser=www-data msg=a\\=b c\\\\d',
    '<134>1 2026-11-28T07:10:00.123Z web-01 edr 4242 ID1 [x@1 a="b\\"c" d="e"][y@2] \uFEFFCEF:0|V|P|1|1|N|5|k=v',
    '<38>Nov 28 02:10:00 web-01 sshd[4242]: Accepted password for root from 203.0.113.9',
    '{"logsource":{"product":"linux","category":"process_creation"},"event":{"Image":"/bin/sh","ParentImage":"/usr/sbin/apache2"}}',
  ];
  const alphabet = ['|', '\\', '=', '"', '[', ']', ' ', '<', '>', '\n', '{', '}', ':', '\u0000', '\uD800', '-', '1', 'CEF:', '\uFEFF'];

  it('2,000 mutated bodies: ok or refusals that each name an existing line', () => {
    const next = mulberry32(0x5ec0de);
    const int = (n: number) => Math.floor(next() * n);
    for (let i = 0; i < 2000; i++) {
      const lines = Array.from({ length: 1 + int(4) }, () => {
        let s = bases[int(bases.length)] as string;
        for (let m = int(4); m > 0; m--) {
          const at = int(s.length + 1);
          const op = int(3);
          if (op === 0) s = s.slice(0, at) + (alphabet[int(alphabet.length)] as string) + s.slice(at);
          else if (op === 1) s = s.slice(0, at) + s.slice(at + 1 + int(5));
          else s = s.slice(0, at);
        }
        return s;
      });
      const body = lines.join('\n');
      for (const format of ['json', 'ndjson', 'lines'] as const) {
        const r = parseSecurityBody(body, format);
        if (r.ok) {
          expect(r.events.length).toBeGreaterThan(0);
          continue;
        }
        expect(r.errors.length).toBeGreaterThan(0);
        const count = body.split('\n').length;
        for (const e of r.errors) {
          const m = /^line (\d+): /.exec(e);
          if (format !== 'json') expect(m !== null || e.startsWith('the body is empty'), e).toBe(true);
          if (m) expect(Number(m[1])).toBeLessThanOrEqual(count);
        }
      }
    }
  });
});
