/**
 * Reads the curl examples of a Markdown page (docs/api.md) as requests a test
 * can send: the commands of its `sh` and `console` blocks, split into words
 * the way a POSIX shell would (quotes, escapes, `$VAR`, line continuations),
 * and the curl options the page uses turned into method, URL, headers and
 * body. An option it does not know fails loudly, so the page stays runnable.
 */

/** One curl command of the page, by the line it starts on. */
export interface CurlExample {
  readonly line: number;
  readonly command: string;
}

/** A curl command as a request. */
export interface CurlRequest {
  readonly method: string;
  readonly url: string;
  readonly headers: Record<string, string>;
  readonly body?: string;
  /** `--data-binary @file`: the body is a file the page made in an earlier step. */
  readonly bodyFile?: string;
  /** `-N`: the answer is a stream, read until the caller has seen enough. */
  readonly stream: boolean;
}

/** Every curl command in the page's `sh` and `console` code blocks, in order. */
export function curlExamples(markdown: string): CurlExample[] {
  const lines = markdown.split('\n');
  const out: CurlExample[] = [];
  let fence: 'sh' | 'console' | 'other' | undefined;
  for (let i = 0; i < lines.length; i++) {
    const text = lines[i] ?? '';
    const open = /^```(\w*)\s*$/.exec(text);
    if (open) {
      fence = fence === undefined ? (open[1] === 'sh' || open[1] === 'console' ? open[1] : 'other') : undefined;
      continue;
    }
    if (fence !== 'sh' && fence !== 'console') continue;
    // In a console block only `$ ` lines are commands (the rest is output); in an sh block every line is.
    const start = fence === 'console' ? /^\$ (curl .*)$/.exec(text)?.[1] : /^(curl .*)$/.exec(text)?.[1];
    if (start === undefined) continue;
    let command = start;
    const line = i + 1;
    while (command.endsWith('\\') && i + 1 < lines.length) command = `${command.slice(0, -1)} ${(lines[++i] ?? '').trim()}`;
    out.push({ line, command });
  }
  return out;
}

/** Splits a command into words as sh does, expanding `$NAME` from `vars` (an unknown name throws). */
export function shellWords(command: string, vars: Readonly<Record<string, string>>): string[] {
  const words: string[] = [];
  let word: string | undefined;
  const add = (s: string) => (word = (word ?? '') + s);
  const variable = (at: number): number => {
    const name = /^\{?([A-Za-z_][A-Za-z0-9_]*)\}?/.exec(command.slice(at + 1));
    if (!name?.[1]) throw new Error(`a lone $ in: ${command}`);
    const value = vars[name[1]];
    if (value === undefined) throw new Error(`$${name[1]} is not a variable the tour knows (${Object.keys(vars).join(', ')})`);
    add(value);
    return at + name[0].length;
  };
  for (let i = 0; i < command.length; i++) {
    const c = command[i] ?? '';
    if (c === "'") {
      const end = command.indexOf("'", i + 1);
      if (end < 0) throw new Error(`unterminated ' in: ${command}`);
      add(command.slice(i + 1, end));
      i = end;
    } else if (c === '"') {
      add('');
      for (i++; i < command.length && command[i] !== '"'; i++) {
        const d = command[i] ?? '';
        if (d === '\\' && /["\\$`]/.test(command[i + 1] ?? '')) add(command[++i] ?? '');
        else if (d === '$') i = variable(i);
        else add(d);
      }
      if (i >= command.length) throw new Error(`unterminated " in: ${command}`);
    } else if (c === '\\') add(command[++i] ?? '');
    else if (c === '#' && word === undefined) break;
    else if (c === '$') i = variable(i);
    else if (/\s/.test(c)) {
      if (word !== undefined) words.push(word);
      word = undefined;
    } else add(c);
  }
  if (word !== undefined) words.push(word);
  return words;
}

const FLAGS = new Set(['s', 'S', 'i', 'N', 'f', 'L']);

/** The request a curl command sends (the options docs/api.md uses; others throw). */
export function curlRequest(words: readonly string[]): CurlRequest {
  if (words[0] !== 'curl') throw new Error(`not a curl command: ${words.join(' ')}`);
  let method: string | undefined;
  let url: string | undefined;
  let body: string | undefined;
  let bodyFile: string | undefined;
  let stream = false;
  const headers: Record<string, string> = {};
  for (let i = 1; i < words.length; i++) {
    const w = words[i] ?? '';
    const value = () => {
      const v = words[++i];
      if (v === undefined) throw new Error(`${w} needs a value`);
      return v;
    };
    if (w === '-X' || w === '--request') method = value();
    else if (w === '-H' || w === '--header') {
      const [name = '', ...rest] = value().split(':');
      headers[name.trim().toLowerCase()] = rest.join(':').trim();
    } else if (w === '-d' || w === '--data' || w === '--data-binary') {
      const v = value();
      if (v.startsWith('@')) bodyFile = v.slice(1);
      else body = v;
    } else if (w === '-o' || w === '--output') value();
    else if (/^-[A-Za-z]+$/.test(w) && [...w.slice(1)].every((f) => FLAGS.has(f))) stream ||= w.includes('N');
    else if (w.startsWith('-')) throw new Error(`curl option ${w} is not one the tour test reads; teach test/support/curl.ts`);
    else if (url === undefined) url = w;
    else throw new Error(`a second URL: ${w}`);
  }
  if (url === undefined) throw new Error(`no URL in: ${words.join(' ')}`);
  const sends = body !== undefined || bodyFile !== undefined;
  // As curl: a body without a Content-Type header goes as a form.
  if (sends && headers['content-type'] === undefined) headers['content-type'] = 'application/x-www-form-urlencoded';
  return {
    method: method ?? (sends ? 'POST' : 'GET'),
    url,
    headers,
    ...(body === undefined ? {} : { body }),
    ...(bodyFile === undefined ? {} : { bodyFile }),
    stream,
  };
}
