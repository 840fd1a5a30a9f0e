/**
 * The `status_page:` section (issue 13): the public page at
 * /status/{engagement} that tells the people who pay for the service how it
 * is doing, without signing in. The file names the page's title and its
 * components, each a name the public understands ("Payments") made of
 * services of this engagement; what a component shows is derived from its
 * services' open incidents (src/status/state.ts), so nothing internal is
 * configured here.
 *
 * ```yaml
 * status_page:
 *   title: Acme IT services
 *   components:
 *     - { name: Payments, services: [payments-api] }
 *     - { name: Online shop, description: "www.acme.example", services: [storefront] }
 * ```
 *
 * The rules that span keys (services exist, names unique) are checked here on
 * whatever parsed, so one run reports every problem.
 */
import * as z from 'zod';
import { parseId, serviceRef } from './values.js';
import { didYouMean } from './diagnostics.js';
import type { Path } from './source.js';

export type { StatusComponent, StatusPage } from './model.js';
import type { StatusPage } from './model.js';

/** The most characters a title, a component name or a description may have (they are shown as headings). */
export const STATUS_TEXT_MAX = 200;

const text = (what: string) =>
  z
    .string()
    .trim()
    .min(1, { error: (issue) => (issue.input === undefined ? undefined : `${what} must not be empty`) })
    .max(STATUS_TEXT_MAX, { error: `${what} is over ${STATUS_TEXT_MAX} characters; keep it short, it is a heading` });

/** A component's name as the uniqueness check reads it (built once: a zod schema per component was ~0.1 ms, issue 14). */
const componentName = text('');

/** One component of `status_page.components`. */
export const StatusComponentSchema = z
  .strictObject({
    name: text('a component name').describe('What the public calls it, e.g. "Payments"; unique on the page.'),
    description: text('a description').optional().describe('One line shown under the name, e.g. what it covers.'),
    services: z
      .array(serviceRef)
      .min(1, { error: (issue) => (issue.input === undefined ? undefined : 'list at least one service, e.g. services: [payments-api]') })
      .describe("Services of this engagement whose open incidents decide the component's state."),
  })
  .meta({ title: 'Status page component' });

/** The `status_page:` section. */
export const StatusPageSchema = z
  .strictObject({
    title: text('the title').describe('The heading of the public page and its feed, e.g. "Acme IT services".'),
    description: text('the description').optional().describe('A paragraph under the title.'),
    components: z
      .array(StatusComponentSchema)
      .min(1, {
        error: (issue) =>
          issue.input === undefined ? undefined : 'list at least one component, e.g. - { name: Payments, services: [payments-api] }',
      })
      .describe('What the page shows, in order: each a public name over services, with a state derived from their open incidents.'),
  })
  .meta({
    title: 'Status page',
    description: 'A public status page at /status/{engagement} (HTML, JSON and an Atom feed), without sign-in.',
  });

export type StatusPageOut = z.output<typeof StatusPageSchema>;

/** The section in the model's form; undefined without one (then /status/{engagement} is a 404). */
export function normalizeStatusPage(section: StatusPageOut | undefined): StatusPage | undefined {
  if (section === undefined) return undefined;
  return {
    title: section.title,
    ...(section.description === undefined ? {} : { description: section.description }),
    components: section.components.map((c) => ({
      name: c.name,
      ...(c.description === undefined ? {} : { description: c.description }),
      services: [...c.services],
    })),
  };
}

/** What the status page checks need from the rest of the file. */
export interface StatusPageContext {
  readonly report: (path: Path, message: string, at?: 'key' | 'value') => void;
  /** The service ids the file defines, or undefined when they cannot be read (then references are not checked). */
  readonly services: ReadonlySet<string> | undefined;
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/**
 * Checks the section as written (`raw` is `status_page`'s plain value): every
 * service a component names exists, component names are unique (ignoring
 * case: two "Payments" would read as one), a service is listed once per
 * component. Shape errors are the schema's; this looks only at what parsed.
 */
export function checkStatusPage(raw: unknown, ctx: StatusPageContext): void {
  if (!isRecord(raw) || !Array.isArray(raw['components'])) return;
  const names = new Map<string, number>();
  raw['components'].forEach((entry: unknown, index) => {
    if (!isRecord(entry)) return;
    const path = ['status_page', 'components', index];
    const name = componentName.safeParse(entry['name']);
    if (name.success) {
      const key = name.data.toLowerCase();
      const earlier = names.get(key);
      if (earlier === undefined) names.set(key, index);
      else
        ctx.report(
          [...path, 'name'],
          `duplicate component name '${name.data}': already used by status_page.components[${earlier}]; names must be unique on the page`,
        );
    }
    const services = entry['services'];
    if (!Array.isArray(services)) return;
    const seen = new Set<string>();
    const label = name.success ? `component '${name.data}'` : `status_page.components[${index}]`;
    services.forEach((service: unknown, i) => {
      if (typeof service !== 'string' || !parseId(service).ok) return;
      const at = [...path, 'services', i];
      if (seen.has(service)) {
        ctx.report(at, `service '${service}' is listed twice in ${label}`);
        return;
      }
      seen.add(service);
      const known = ctx.services;
      if (known === undefined || known.has(service)) return;
      const hint = didYouMean(service, known);
      const available = known.size === 0 ? 'no services are defined' : `services: ${[...known].join(', ')}`;
      ctx.report(at, `unknown service '${service}' in ${label}${hint === '' ? ';' : hint} ${available}`);
    });
  });
}
