/**
 * The `ticketing:` section: the rules that span its keys (each system's
 * required fields, priorities and functions of this engagement, unique ids
 * and inbound keys), its normalized form, and the environment variables it
 * names. The sync itself is in src/ticketing/.
 */
import type { Engagement, Ticketing, TicketingSystem } from './model.js';
import { TICKETING_SYSTEMS } from './model.js';
import type { Path } from './source.js';
import type { TicketingOut } from './schema.js';

/** The keys each system needs, in the entry and in its `auth`. */
export const TICKETING_REQUIRED: Readonly<
  Record<TicketingSystem, { readonly fields: readonly string[]; readonly auth: readonly string[] }>
> = {
  jira: { fields: ['project', 'issue_type'], auth: ['user', 'token_env'] },
  servicenow: { fields: ['assignment_group'], auth: ['user', 'password_env'] },
  connectwise: { fields: ['board', 'company'], auth: ['company', 'public_key_env', 'private_key_env', 'client_id'] },
};

/** What each key looks like, for "add e.g. ..." hints. */
const EXAMPLES: Readonly<Record<string, string>> = {
  project: 'OPS',
  issue_type: 'Incident',
  assignment_group: 'Network Operations',
  board: 'NOC',
  company: 'ACME',
  user: 'tandem@acme.example',
  token_env: 'ACME_JIRA_TOKEN',
  password_env: 'ACME_SN_PASSWORD',
  public_key_env: 'NO_CW_PUBLIC',
  private_key_env: 'NO_CW_PRIVATE',
  client_id: '"6b1f2e4a-0c7d-4e59-9a31-2d8c5f7b1e90"',
};

/** "needs project and issue_type; add e.g. project: OPS, issue_type: Incident". */
function needs(prefix: string, keys: readonly string[]): string {
  const examples = keys.map((k) => `${k}: ${EXAMPLES[k] ?? '...'}`).join(', ');
  return `needs ${keys.map((k) => `${prefix}${k}`).join(', ')}; add e.g. ${examples}`;
}

const SYSTEM_NAMES: Readonly<Record<TicketingSystem, string>> = { jira: 'Jira', servicenow: 'ServiceNow', connectwise: 'ConnectWise' };

/** What the ticketing rules need from the rest of the file. */
export interface TicketingContext {
  /** The line of a path in the file. */
  readonly line: (path: Path) => number;
  /** Integration keys of the file's services -> "service 'web' at line 54". */
  readonly integrationKeys: ReadonlyMap<string, string>;
  /** Reports a problem at a path. */
  readonly report: (path: Path, message: string, at?: 'key' | 'value') => void;
  /** Reports an unknown name unless the set has it; returns whether it is known. */
  readonly resolve: (kind: 'priority' | 'function', name: string, path: Path, context: string, at?: 'key' | 'value') => boolean;
}

/** An entry of `ticketing:` as far as it parsed, with its index and raw value. */
export interface TicketingItem {
  readonly index: number;
  readonly value: Partial<TicketingOut>;
  readonly raw: Readonly<Record<string, unknown>>;
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** The system of an entry as written, when it is one Tandem knows. */
function systemOf(raw: Readonly<Record<string, unknown>>): TicketingSystem | undefined {
  const system = raw['system'];
  return TICKETING_SYSTEMS.find((s) => s === system);
}

/** Each system's keys are present; keys of other systems are not. */
function checkSystemFields(item: TicketingItem, name: string, ctx: TicketingContext): void {
  const system = systemOf(item.raw);
  if (system === undefined) return;
  const path = ['ticketing', item.index];
  const { fields, auth } = TICKETING_REQUIRED[system];
  const label = SYSTEM_NAMES[system];
  const missing = fields.filter((f) => item.raw[f] === undefined);
  if (missing.length > 0) report(ctx, path, `${name} (${label}) ${needs('', missing)}`, 'key');
  const rawAuth = item.raw['auth'];
  if (isRecord(rawAuth)) {
    // An inline secret (token: instead of token_env:) is reported by the schema, with what to write instead.
    const absent = auth.filter((f) => rawAuth[f] === undefined && !(f.endsWith('_env') && rawAuth[f.slice(0, -4)] !== undefined));
    if (absent.length > 0) report(ctx, [...path, 'auth'], `${name} (${label}) ${needs('auth.', absent)}`, 'key');
  }
  if (system === 'connectwise' && item.raw['inbound_secret_env'] !== undefined)
    report(
      ctx,
      [...path, 'inbound_secret_env'],
      `${name} (ConnectWise): ConnectWise does not sign its callbacks; Tandem reads the ticket back from ConnectWise before acting, so remove inbound_secret_env`,
      'key',
    );
  const own = new Set(fields);
  for (const other of TICKETING_SYSTEMS) {
    if (other === system) continue;
    for (const f of TICKETING_REQUIRED[other].fields) {
      if (own.has(f) || item.raw[f] === undefined) continue;
      report(ctx, [...path, f], `'${f}' is a ${SYSTEM_NAMES[other]} key; ${name} is ${label}, which uses ${fields.join(' and ')}`, 'key');
    }
  }
}

function report(ctx: TicketingContext, path: Path, message: string, at: 'key' | 'value' = 'value'): void {
  ctx.report(path, message, at);
}

/** sync.priorities, sync.functions and the keys of priorities name what this engagement has. */
function checkNames(item: TicketingItem, name: string, ctx: TicketingContext): void {
  const path = ['ticketing', item.index];
  const { sync, priorities } = item.value;
  (sync?.priorities ?? []).forEach((p, i) =>
    ctx.resolve('priority', p, [...path, 'sync', 'priorities', i], ` in sync.priorities of ${name}`),
  );
  (sync?.functions ?? []).forEach((f, i) => ctx.resolve('function', f, [...path, 'sync', 'functions', i], ` in sync.functions of ${name}`));
  for (const p of Object.keys(priorities ?? {})) ctx.resolve('priority', p, [...path, 'priorities', p], ` in priorities of ${name}`, 'key');
}

/**
 * Checks the ticketing entries of one file: each system's required keys,
 * names of this engagement, unique inbound keys (also distinct from the
 * file's integration keys). Unknown systems and inline secrets are reported
 * by the schema; duplicate ids with the other lists' ids (rules.ts).
 */
export function checkTicketing(entries: readonly TicketingItem[], ctx: TicketingContext): void {
  const inbound = new Map<string, { name: string; path: Path }>();
  for (const item of entries) {
    const id = item.value.id;
    const name = id === undefined ? `ticketing[${item.index}]` : `ticketing '${id}'`;
    checkSystemFields(item, name, ctx);
    checkNames(item, name, ctx);
    const key = item.value.inbound_key;
    if (key === undefined) continue;
    const earlier = inbound.get(key);
    const used = earlier === undefined ? ctx.integrationKeys.get(key) : `${earlier.name} at line ${ctx.line(earlier.path)}`;
    if (used !== undefined) {
      report(
        ctx,
        ['ticketing', item.index, 'inbound_key'],
        `inbound key "${key}" is already used by ${used}; keys must be unique across all engagements`,
      );
    } else inbound.set(key, { name, path: ['ticketing', item.index, 'inbound_key'] });
  }
}

/** The `ticketing:` entries of a checked file, in the model's form; `sync` defaults to every priority and function. */
export function normalizeTicketing(
  list: readonly TicketingOut[],
  allPriorities: readonly string[],
  allFunctions: readonly string[],
): Ticketing[] {
  return list.flatMap((t): Ticketing[] => {
    const base = {
      id: t.id,
      side: t.side,
      url: t.url,
      sync: { priorities: t.sync?.priorities ?? [...allPriorities], functions: t.sync?.functions ?? [...allFunctions] },
      priorities: { ...t.priorities },
      inboundKey: t.inbound_key,
      ...(t.inbound_secret_env === undefined ? {} : { inboundSecretEnv: t.inbound_secret_env }),
    };
    const a = t.auth;
    // The rules have checked each system's keys, so the fallbacks below are never used.
    switch (t.system) {
      case 'jira':
        return [
          {
            ...base,
            system: 'jira',
            auth: { user: a.user ?? '', tokenEnv: a.token_env ?? '' },
            project: t.project ?? '',
            issueType: t.issue_type ?? '',
          },
        ];
      case 'servicenow':
        return [
          {
            ...base,
            system: 'servicenow',
            auth: { user: a.user ?? '', passwordEnv: a.password_env ?? '' },
            assignmentGroup: t.assignment_group ?? '',
          },
        ];
      case 'connectwise':
        return [
          {
            ...base,
            system: 'connectwise',
            auth: {
              company: a.company ?? '',
              publicKeyEnv: a.public_key_env ?? '',
              privateKeyEnv: a.private_key_env ?? '',
              clientId: a.client_id ?? '',
            },
            board: t.board ?? '',
            company: t.company ?? '',
          },
        ];
    }
  });
}

/** The environment variables one ticketing entry names. */
export function ticketingEnvNames(t: Ticketing): string[] {
  const inbound = t.inboundSecretEnv === undefined ? [] : [t.inboundSecretEnv];
  switch (t.system) {
    case 'jira':
      return [t.auth.tokenEnv, ...inbound];
    case 'servicenow':
      return [t.auth.passwordEnv, ...inbound];
    case 'connectwise':
      return [t.auth.publicKeyEnv, t.auth.privateKeyEnv, ...inbound];
  }
}

/** A variable a ticketing entry needs and the environment lacks. */
export interface MissingEnv {
  readonly name: string;
  readonly engagement: string;
  readonly ticketing: string;
}

/**
 * The environment variables named by the engagements' ticketing sections
 * that are unset or empty, in file order, each once (with the first entry
 * that names it).
 */
export function missingTicketingEnv(engagements: readonly Engagement[], env: Readonly<Record<string, string | undefined>>): MissingEnv[] {
  const missing = new Map<string, MissingEnv>();
  for (const e of engagements) {
    for (const t of e.ticketing) {
      for (const name of ticketingEnvNames(t)) {
        const value = env[name];
        if ((value === undefined || value === '') && !missing.has(name)) missing.set(name, { name, engagement: e.id, ticketing: t.id });
      }
    }
  }
  return [...missing.values()];
}

/** The one-line start-up error for missing variables. */
export function missingEnvMessage(missing: readonly MissingEnv[]): string {
  const list = missing.map((m) => `${m.name} (engagement ${m.engagement}, ticketing ${m.ticketing})`).join(', ');
  return `tandem serve: missing environment variable${missing.length === 1 ? '' : 's'} named by ticketing: ${list}; set ${missing.length === 1 ? 'it' : 'them'} and start again`;
}

/** `tandem serve` cannot start: variables named by ticketing sections are missing. The message is one line naming each. */
export class MissingEnvError extends Error {
  constructor(readonly missing: readonly MissingEnv[]) {
    super(missingEnvMessage(missing));
  }
}
