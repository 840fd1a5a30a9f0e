/**
 * ArcSight Common Event Format (CEF), one event per line:
 * `CEF:Version|Device Vendor|Device Product|Device Version|Signature ID|Name|Severity|Extension`.
 * The seven header fields escape `|` and `\` with a backslash; the extension
 * is `key=value` pairs separated by spaces, where a value may hold spaces and
 * escapes `=`, `\`, and newlines (`\n`, `\r`). Fields are named as Microsoft
 * Sentinel's CommonSecurityLog names them (DeviceVendor, DeviceProduct,
 * DeviceVersion, DeviceEventClassID, Name, Severity), and extension keys
 * (src, dst, suser, dhost, act...) keep their CEF names, so a Sigma rule
 * written for CEF data reads them as it would elsewhere.
 */
import type { ParsedLine } from './syslog.js';

/** The header fields, in order after the version. */
const HEADER = ['DeviceVendor', 'DeviceProduct', 'DeviceVersion', 'DeviceEventClassID', 'Name', 'Severity'] as const;

/** A CEF extension key: letters, digits, `_`, `.`, `-` and brackets (ArcSight's labels use none of `=`, space or `\`). */
const KEY = /^[A-Za-z0-9_.[\]-]+$/;

/** Whether a line (or a syslog message) is CEF. */
export function isCef(text: string): boolean {
  return text.startsWith('CEF:');
}

/** Splits the header at unescaped pipes: the seven fields and the extension's text, or why not. */
function splitHeader(text: string): { fields: string[]; rest: string } | string {
  const fields: string[] = [];
  let current = '';
  let i = 0;
  while (i < text.length && fields.length < 7) {
    const c = text[i] as string;
    if (c === '\\') {
      const next = text[i + 1];
      if (next === '|' || next === '\\') {
        current += next;
        i += 2;
        continue;
      }
      // A backslash before anything else is kept as written (ArcSight's own parsers do the same).
      current += c;
      i += 1;
      continue;
    }
    if (c === '|') {
      fields.push(current);
      current = '';
    } else current += c;
    i += 1;
  }
  if (fields.length < 7)
    return `CEF header has ${fields.length + 1} of 8 fields; expected CEF:Version|Vendor|Product|Version|SignatureID|Name|Severity|Extension`;
  return { fields, rest: text.slice(i) };
}

/** Unescapes an extension value: `\=`, `\\`, `\n`, `\r`; any other backslash is kept. */
function unescapeValue(v: string): string {
  return v.replace(/\\([=\\nr])/g, (_m, c: string) => (c === 'n' ? '\n' : c === 'r' ? '\r' : c));
}

/** Positions of the `=` signs that are not escaped. */
function unescapedEquals(text: string): number[] {
  const at: number[] = [];
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (c === '\\') i += 1;
    else if (c === '=') at.push(i);
  }
  return at;
}

/**
 * The extension's pairs. Each unescaped `=` ends a key (the word before it);
 * a value runs to the space before the next key. A value holding an unescaped
 * `=` is read as ArcSight reads it: the word before that `=` starts a new key.
 */
export function parseExtension(text: string): { ok: true; fields: Record<string, string> } | { ok: false; error: string } {
  const fields: Record<string, string> = {};
  const trimmed = text.replace(/^\s+/, '');
  if (trimmed.trim() === '') return { ok: true, fields };
  const equals = unescapedEquals(trimmed);
  if (equals.length === 0) return { ok: false, error: `CEF extension "${clip(trimmed)}" has no key=value pair` };
  const keys: Array<{ key: string; start: number; valueStart: number }> = [];
  for (const eq of equals) {
    const space = trimmed.lastIndexOf(' ', eq - 1);
    const start = space + 1;
    const key = trimmed.slice(start, eq);
    // An `=` inside a value that is not preceded by a key-like word belongs to the value.
    if (!KEY.test(key)) {
      if (keys.length === 0) return { ok: false, error: `CEF extension key "${clip(key)}" is not a key (letters, digits, _ . - [ ])` };
      continue;
    }
    if (keys.length === 0 && start !== 0)
      return { ok: false, error: `CEF extension starts with "${clip(trimmed.slice(0, start))}", not key=value` };
    keys.push({ key, start, valueStart: eq + 1 });
  }
  keys.forEach((k, i) => {
    const end = i + 1 < keys.length ? (keys[i + 1] as { start: number }).start : trimmed.length;
    const value = trimmed.slice(k.valueStart, end).replace(/\s+$/, '');
    // defineProperty: a "__proto__" key stays a plain field.
    Object.defineProperty(fields, k.key, { value: unescapeValue(value), enumerable: true, writable: true, configurable: true });
  });
  return { ok: true, fields };
}

function clip(s: string): string {
  return s.length > 40 ? `${s.slice(0, 40)}…` : s;
}

/** One CEF line (or a syslog message holding CEF) as fields, or why it is not CEF. */
export function parseCef(text: string): ParsedLine {
  if (!isCef(text)) return { ok: false, error: 'not CEF: a CEF line starts with "CEF:"' };
  const split = splitHeader(text.slice(4));
  if (typeof split === 'string') return { ok: false, error: split };
  const [version = '', ...header] = split.fields;
  if (!/^\d+(\.\d+)?$/.test(version.trim())) return { ok: false, error: `CEF version "${clip(version)}" is not a number (CEF:0 or CEF:1)` };
  const ext = parseExtension(split.rest);
  if (!ext.ok) return ext;
  const fields: Record<string, unknown> = { CEFVersion: version.trim() };
  HEADER.forEach((name, i) => (fields[name] = header[i] ?? ''));
  for (const [k, v] of Object.entries(ext.fields))
    Object.defineProperty(fields, k, { value: v, enumerable: true, writable: true, configurable: true });
  return { ok: true, fields };
}
