/**
 * `tandem token create|list|revoke`: API tokens, straight against the
 * database. The secret is printed once, alone on the last line, and only its
 * hash is stored.
 */
import { systemClock } from '../clock/clock.js';
import type { Database } from '../db/connect.js';
import { personInEngagements, storedEngagementIds } from '../deployment/store.js';
import { DEFAULTS } from '../settings/settings.js';
import { ROLES, createToken, listTokens, revokeToken } from '../token/token.js';
import type { Role } from '../token/token.js';
import type { CliIo } from './io.js';
import { parseCommand } from './io.js';
import { notInDatabase, withDatabase } from './offline.js';

const HELP = `Usage:
  tandem token create --engagement ID[,ID...] --role admin|responder|viewer [--person ID] [--label TEXT] [--db URL]
  tandem token list [--db URL]
  tandem token revoke TOKEN_ID [--db URL]

--db defaults to $TANDEM_DATABASE_URL, then ${DEFAULTS.db}.
Roles: viewer reads; responder also acknowledges, resolves and adds notes; admin may do everything.
A token sees only the engagements it names. With --person, actions are recorded as that person's.`;

const OPTIONS = {
  db: { type: 'string' },
  engagement: { type: 'string', multiple: true },
  role: { type: 'string' },
  person: { type: 'string' },
  label: { type: 'string' },
} as const;

/** Runs `tandem token create|list|revoke`; returns the exit code. */
export async function run(args: string[], io: CliIo): Promise<number> {
  const [sub, ...rest] = args;
  if (!sub || sub === '--help' || sub === '-h') {
    io.out(HELP);
    return sub ? 0 : 2;
  }
  const parsed = parseCommand(io, 'token', HELP, rest, OPTIONS, true);
  if (typeof parsed === 'number') return parsed;
  const { values, positionals } = parsed;
  if (sub !== 'create' && sub !== 'list' && sub !== 'revoke') {
    io.err(`tandem token: unknown subcommand "${sub}"\n\n${HELP}`);
    return 2;
  }
  // Tokens name engagements a server has applied: the database must already exist.
  return withDatabase(values.db, async (database) => {
    if (sub === 'create') {
      const engagements = (values.engagement ?? [])
        .flatMap((e) => e.split(','))
        .map((e) => e.trim())
        .filter(Boolean);
      return create(io, database, { engagements, role: values.role, person: values.person, label: values.label });
    }
    if (sub === 'list') return list(io, database);
    return revoke(io, database, positionals[0]);
  });
}

function isRole(role: string): role is Role {
  return (ROLES as readonly string[]).includes(role);
}

/** Everything wrong with a create request, each as one sentence. */
async function createProblems(
  database: Database,
  o: { engagements: string[]; role: string | undefined; person: string | undefined },
): Promise<string[]> {
  const problems: string[] = [];
  if (o.engagements.length === 0) problems.push('--engagement is required (one or more engagement ids, comma-separated)');
  if (!o.role || !isRole(o.role)) problems.push(`--role must be one of ${ROLES.join(', ')}${o.role ? `, got "${o.role}"` : ''}`);
  const known = await storedEngagementIds(database.db);
  for (const e of o.engagements) if (!known.includes(e)) problems.push(notInDatabase(e, database, known));
  if (o.person && o.engagements.length > 0 && !(await personInEngagements(database.db, o.person, o.engagements))) {
    problems.push(`person "${o.person}" is not in engagement ${o.engagements.join(', ')}`);
  }
  return problems;
}

async function create(
  io: CliIo,
  database: Database,
  o: { engagements: string[]; role: string | undefined; person: string | undefined; label: string | undefined },
): Promise<number> {
  const problems = await createProblems(database, o);
  const role = o.role;
  if (problems.length || !role || !isRole(role)) {
    for (const p of problems) io.err(`tandem token create: ${p}`);
    return 2;
  }
  const token = await createToken(database.db, {
    role,
    engagements: o.engagements,
    personId: o.person ?? null,
    label: o.label ?? null,
    at: systemClock.now(),
  });
  io.out(
    `Created ${role} token ${token.id} for ${o.engagements.join(', ')}${o.person ? ` acting as ${o.person}` : ''}. It is shown once; only its hash is stored.`,
  );
  io.out(token.secret);
  return 0;
}

async function list(io: CliIo, database: Database): Promise<number> {
  for (const t of await listTokens(database.db)) {
    io.out(
      `${t.id}  ${t.role.padEnd(9)}  ${t.engagements.join(',')}${t.person_id ? `  person:${t.person_id}` : ''}${t.label ? `  "${t.label}"` : ''}${t.revoked_at ? '  (revoked)' : ''}`,
    );
  }
  return 0;
}

async function revoke(io: CliIo, database: Database, id: string | undefined): Promise<number> {
  if (!id) {
    io.err('tandem token revoke: give the token id (see `tandem token list`)');
    return 2;
  }
  if (!(await revokeToken(database.db, id, systemClock.now()))) {
    io.err(`tandem token revoke: no active token "${id}"`);
    return 1;
  }
  io.out(`Revoked token ${id}`);
  return 0;
}
