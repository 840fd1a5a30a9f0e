/**
 * `tandem events list|retry`: the events that could not be applied. The
 * engine sets such an event aside (quarantined, with its error) so that it
 * never stops the events after it; once the cause is fixed (an upgrade, a
 * corrected engagement file), `retry` puts it back in the queue and the
 * running server applies it within a second.
 */
import { parseArgs } from 'node:util';
import { openDatabase } from '../db/connect.js';
import { migrateToLatest } from '../db/migrate.js';
import { storedEngagementIds } from '../deployment/store.js';
import { eventBacklog, listQuarantined, retryQuarantined } from '../events/store.js';
import { DEFAULTS } from '../settings/settings.js';
import type { CliIo } from './io.js';
import { databaseUrl } from './offline.js';

const HELP = `Usage:
  tandem events list [--engagement ID] [--json] [--db URL]
  tandem events retry (EVENT_ID... | --all) [--engagement ID] [--db URL]

list    the backlog (events accepted and not yet applied) and every quarantined event:
        events that could not be applied, with their error
retry   put quarantined events back in the queue; a running server applies them at once
        (one that fails again is quarantined again, with its new error)

--db defaults to $TANDEM_DATABASE_URL, then ${DEFAULTS.db}.`;

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
      options: { db: { type: 'string' }, engagement: { type: 'string', multiple: true }, all: { type: 'boolean' }, json: { type: 'boolean' }, help: { type: 'boolean', short: 'h' } },
    }));
  } catch (err) {
    io.err(`tandem events: ${err instanceof Error ? err.message : String(err)}\n\n${HELP}`);
    return 2;
  }
  if (values.help) {
    io.out(HELP);
    return 0;
  }
  if (sub !== 'list' && sub !== 'retry') {
    io.err(`tandem events: unknown subcommand "${sub}"\n\n${HELP}`);
    return 2;
  }
  const ids = positionals.map((p) => (/^\d{1,15}$/.test(p) ? Number(p) : Number.NaN));
  if (sub === 'retry') {
    const bad = positionals.filter((_, i) => Number.isNaN(ids[i]));
    if (bad.length > 0) {
      io.err(`tandem events retry: "${bad[0] ?? ''}" is not an event id (a whole number, as \`tandem events list\` shows)`);
      return 2;
    }
    if ((ids.length === 0) === !values.all) {
      io.err(`tandem events retry: name the event ids to retry, or --all (not both)\n\n${HELP}`);
      return 2;
    }
  } else if (positionals.length > 0) {
    io.err(`tandem events list: unexpected argument "${positionals[0] ?? ''}"`);
    return 2;
  }

  const database = await openDatabase(databaseUrl(values.db), { mustExist: true });
  try {
    await migrateToLatest(database);
    const db = database.db;
    const known = await storedEngagementIds(db);
    const engagements = values.engagement?.flatMap((e) => e.split(',')).map((e) => e.trim()).filter(Boolean) ?? known;
    const unknown = engagements.filter((e) => !known.includes(e));
    if (unknown.length > 0) {
      io.err(`tandem events: engagement "${unknown[0] ?? ''}" is not in ${database.label}${known.length ? ` (it has: ${known.join(', ')})` : ''}`);
      return 1;
    }
    if (sub === 'retry') {
      const retried = await retryQuarantined(db, { engagementIds: engagements, ...(values.all ? {} : { ids }) });
      const missing = values.all ? [] : ids.filter((id) => !retried.includes(id));
      if (retried.length > 0) io.out(`${retried.length} event(s) back in the queue: ${retried.join(', ')}. A running server applies them now; \`tandem events list\` shows any that fail again.`);
      else io.out('No quarantined event to retry.');
      for (const id of missing) io.err(`tandem events retry: event ${id} is not quarantined${values.engagement ? ' in those engagements' : ''}`);
      return missing.length > 0 ? 1 : 0;
    }
    const backlog = await eventBacklog(db, engagements);
    const quarantined = await listQuarantined(db, engagements, { limit: 1000 });
    if (values.json) {
      io.out(
        JSON.stringify(
          {
            waiting: backlog.waiting,
            oldest_waiting_at: backlog.oldestReceivedAt === null ? null : new Date(backlog.oldestReceivedAt).toISOString(),
            quarantined: quarantined.map((e) => ({ id: e.id, engagement: e.engagement_id, service: e.service_id, integration: e.integration_type, received_at: new Date(e.received_at).toISOString(), quarantined_at: new Date(e.quarantined_at).toISOString(), error: e.apply_error, request_id: e.request_id })),
          },
          null,
          2,
        ),
      );
      return 0;
    }
    const oldest = backlog.oldestReceivedAt === null ? '' : `, the oldest accepted ${new Date(backlog.oldestReceivedAt).toISOString()}`;
    io.out(`${backlog.waiting} event(s) waiting to be applied${oldest}; ${backlog.quarantined} quarantined.`);
    for (const e of quarantined) {
      io.out(`\n#${e.id}  ${e.engagement_id}/${e.service_id}  ${e.integration_type}  received ${new Date(e.received_at).toISOString()}  quarantined ${new Date(e.quarantined_at).toISOString()}${e.request_id ? `  request ${e.request_id}` : ''}\n    ${e.apply_error}`);
    }
    if (quarantined.length > 0) io.out(`\nFix the cause, then: tandem events retry ${quarantined.length === 1 ? String(quarantined[0]?.id) : '--all'}`);
    return 0;
  } finally {
    await database.close();
  }
}
