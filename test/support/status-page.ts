/**
 * The demo engagement with the status page issue 13 shows (Acme's payments,
 * online shop and staff laptops as the public sees them; the EDR's security
 * service is not on it), for the status page scenario and browser tests.
 * The demo file has the same section; tests write it explicitly, so they do
 * not change when the demo's does.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { DEMO } from './paths.js';

/** The `status_page:` section. */
export const STATUS_PAGE_YAML = [
  'status_page:',
  '  title: Acme IT services',
  '  description: "The services Acme\'s customers and staff rely on, as they are now."',
  '  components:',
  '    - { name: Payments, description: "Card payments and refunds", services: [payments-api] }',
  '    - { name: Online shop, services: [storefront] }',
  '    - { name: Staff devices and sign-in, services: [laptops] }',
].join('\n');

/** The demo's integration keys the status page tests send to. */
export const STATUS_KEYS = {
  payments: '9f1c2a7e5b3d4c6e8a0b1d2f3e4a5b6c',
  storefront: '0a1b2c3d4e5f60718293a4b5c6d7e8f9',
  edr: 'edr-generic-77d2',
  laptops: 'helpdesk-generic-1a9b',
} as const;

/**
 * An engagement file's text without its `status_page:` section (and the comment lines right above it), so a test
 * can append a section of its own to the demo, which has one.
 */
export function withoutStatusPage(text: string): string {
  const lines = text.split('\n');
  const start = lines.indexOf('status_page:');
  if (start < 0) return text;
  let from = start;
  while (from > 0 && (lines[from - 1] ?? '').startsWith('#')) from -= 1;
  let to = start + 1;
  while (to < lines.length && /^(\s|$)/.test(lines[to] ?? '')) to += 1;
  return [...lines.slice(0, from), ...lines.slice(to)].join('\n');
}

/** Writes the demo engagement with this status page (and any more text, e.g. a maintenance section) as `acme.yaml` in `dir`. */
export function statusDemo(dir: string, more = ''): string {
  const file = join(dir, 'acme.yaml');
  writeFileSync(file, `${withoutStatusPage(readFileSync(DEMO, 'utf8'))}\n${STATUS_PAGE_YAML}\n${more}`);
  return file;
}
