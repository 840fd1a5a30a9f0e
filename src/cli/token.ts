/**
 * `tandem token create|list|revoke`: API tokens, straight against the
 * database. The secret is printed once, alone on the last line, and only its
 * hash is stored.
 */
import { parseArgs } from 'node:util';
import { openDatabase } from '../db/connect.js';
import { migrateToLatest } from '../db/migrate.js';
import { DEFAULTS } from '../settings/settings.js';
import { ROLES, createToken, listTokens, revokeToken } from '../token/token.js';
import type { Role } from '../token/token.js';
import type { CliIo } from './io.js';

const HELP = `Usage:
  tandem token create --engagement ID[,ID...] --role admin|responder|viewer [--person ID] [--label TEXT] [--db URL]
  tandem token list [--db URL]
  tandem token revoke TOKEN_ID [--db URL]

--db defaults to $TANDEM_DATABASE_URL, then ${DEFAULTS.db}.
Roles: viewer reads; responder also acknowledges, resolves and adds notes; admin may do everything.
A token sees only the engagements it names. With --person, actions are recorded as that person's.`;

export async function run(args: string[], io: CliIo): Promise<number> {
  const [sub, ...rest] = args;
  if (!sub || sub === '--help' || sub === '-h') {
    io.out(HELP);
    return sub ? 0 : 2;
  }
  let values;
  let positionals;
  try {
    ({ values, positionals } = parseArgs({
      args: rest,
      allowPositionals: true,
      options: {
        db: { type: 'string' },
        engagement: { type: 'string', multiple: true },
        role: { type: 'string' },
        person: { type: 'string' },
        label: { type: 'string' },
        help: { type: 'boolean', short: 'h' },
      },
    }));
  } catch (err) {
    io.err(`tandem token: ${err instanceof Error ? err.message : String(err)}\n\n${HELP}`);
    return 2;
  }
  if (values.help) {
    io.out(HELP);
    return 0;
  }
  if (sub !== 'create' && sub !== 'list' && sub !== 'revoke') {
    io.err(`tandem token: unknown subcommand "${sub}"\n\n${HELP}`);
    return 2;
  }
  const url = values.db ?? process.env['TANDEM_DATABASE_URL'] ?? DEFAULTS.db;
  // Tokens name engagements a server has applied: the database must already exist.
  const database = await openDatabase(url, { mustExist: true });
  try {
    await migrateToLatest(database);
    const db = database.db;
    if (sub === 'create') {
      const engagements = (values.engagement ?? []).flatMap((e) => e.split(',')).map((e) => e.trim()).filter(Boolean);
      const role = values.role;
      const problems: string[] = [];
      if (engagements.length === 0) problems.push('--engagement is required (one or more engagement ids, comma-separated)');
      if (!role || !(ROLES as readonly string[]).includes(role)) problems.push(`--role must be one of ${ROLES.join(', ')}${role ? `, got "${role}"` : ''}`);
      const known = new Set((await db.selectFrom('engagements').select('id').execute()).map((r) => r.id));
      for (const e of engagements) {
        if (!known.has(e)) problems.push(`engagement "${e}" is not in ${database.label}${known.size ? ` (it has: ${[...known].join(', ')})` : '; start `tandem serve` with its file once to apply it'}`);
      }
      if (values.person && engagements.length > 0) {
        const person = await db.selectFrom('people').select('id').where('id', '=', values.person).where('engagement_id', 'in', engagements).executeTakeFirst();
        if (!person) problems.push(`person "${values.person}" is not in engagement ${engagements.join(', ')}`);
      }
      if (problems.length) {
        for (const p of problems) io.err(`tandem token create: ${p}`);
        return 2;
      }
      const token = await createToken(db, { role: role as Role, engagements, personId: values.person ?? null, label: values.label ?? null, at: Date.now() });
      io.out(`Created ${role} token ${token.id} for ${engagements.join(', ')}${values.person ? ` acting as ${values.person}` : ''}. It is shown once; only its hash is stored.`);
      io.out(token.secret);
      return 0;
    }
    if (sub === 'list') {
      for (const t of await listTokens(db)) {
        io.out(`${t.id}  ${t.role.padEnd(9)}  ${t.engagements.join(',')}${t.person_id ? `  person:${t.person_id}` : ''}${t.label ? `  "${t.label}"` : ''}${t.revoked_at ? '  (revoked)' : ''}`);
      }
      return 0;
    }
    if (sub === 'revoke') {
      const id = positionals[0];
      if (!id) {
        io.err('tandem token revoke: give the token id (see `tandem token list`)');
        return 2;
      }
      if (!(await revokeToken(db, id, Date.now()))) {
        io.err(`tandem token revoke: no active token "${id}"`);
        return 1;
      }
      io.out(`Revoked token ${id}`);
      return 0;
    }
    return 2;
  } finally {
    await database.close();
  }
}
