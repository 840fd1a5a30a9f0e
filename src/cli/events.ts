/**
 * `tandem events list|retry`: the events that could not be applied. The
 * engine sets such an event aside (quarantined, with its error) so that it
 * never stops the events after it; once the cause is fixed (an upgrade, a
 * corrected engagement file), `retry` puts it back in the queue and the
 * running server applies it within a second.
 */
import type { Database } from '../db/connect.js';
import { storedEngagementIds } from '../deployment/store.js';
import { eventBacklog, listQuarantined, retryQuarantined } from '../events/store.js';
import { DEFAULTS } from '../settings/settings.js';
import type { CliIo } from './io.js';
import { parseCommand } from './io.js';
import { withDatabase } from './offline.js';

const HELP = `Usage:
  tandem events list [--engagement ID] [--json] [--db URL]
  tandem events retry (EVENT_ID... | --all) [--engagement ID] [--db URL]

list    the backlog (events accepted and not yet applied) and every quarantined event:
        events that could not be applied, with their error
retry   put quarantined events back in the queue; a running server applies them at once
        (one that fails again is quarantined again, with its new error)

--db defaults to $TANDEM_DATABASE_URL, then ${DEFAULTS.db}.`;

/** Runs `tandem events list|retry`; returns the exit code. */
export async function run(args: string[], io: CliIo): Promise<number> {
  const [sub, ...rest] = args;
  if (!sub || sub === '--help' || sub === '-h') {
    io.out(HELP);
    return sub ? 0 : 2;
  }
  const parsed = parseCommand(
    io,
    'events',
    HELP,
    rest,
    { db: { type: 'string' }, engagement: { type: 'string', multiple: true }, all: { type: 'boolean' }, json: { type: 'boolean' } },
    true,
  );
  if (typeof parsed === 'number') return parsed;
  const { values, positionals } = parsed;
  if (sub !== 'list' && sub !== 'retry') {
    io.err(`tandem events: unknown subcommand "${sub}"\n\n${HELP}`);
    return 2;
  }
  const ids = positionals.map((p) => (/^\d{1,15}$/.test(p) ? Number(p) : Number.NaN));
  const usage =
    sub === 'retry'
      ? retryUsageProblem(positionals, ids, values.all === true)
      : positionals[0] === undefined
        ? undefined
        : `tandem events list: unexpected argument "${positionals[0]}"`;
  if (usage !== undefined) {
    io.err(usage);
    return 2;
  }
  return withDatabase(values.db, async (database) => {
    const known = await storedEngagementIds(database.db);
    const engagements =
      values.engagement
        ?.flatMap((e) => e.split(','))
        .map((e) => e.trim())
        .filter(Boolean) ?? known;
    const unknown = engagements.find((e) => !known.includes(e));
    if (unknown !== undefined) {
      io.err(`tandem events: engagement "${unknown}" is not in ${database.label}${known.length ? ` (it has: ${known.join(', ')})` : ''}`);
      return 1;
    }
    if (sub === 'list') return list(io, database, engagements, values.json === true);
    return retry(io, database, engagements, values.all ? 'all' : ids, values.engagement !== undefined);
  });
}

/** What is wrong with the ids given to `retry`, or undefined. */
function retryUsageProblem(positionals: readonly string[], ids: readonly number[], all: boolean): string | undefined {
  const bad = positionals.find((_, i) => Number.isNaN(ids[i]));
  if (bad !== undefined) return `tandem events retry: "${bad}" is not an event id (a whole number, as \`tandem events list\` shows)`;
  if ((ids.length === 0) === !all) return `tandem events retry: name the event ids to retry, or --all (not both)\n\n${HELP}`;
  return undefined;
}

async function retry(
  io: CliIo,
  database: Database,
  engagements: string[],
  ids: readonly number[] | 'all',
  narrowed: boolean,
): Promise<number> {
  const retried = await retryQuarantined(database.db, { engagementIds: engagements, ...(ids === 'all' ? {} : { ids }) });
  const missing = ids === 'all' ? [] : ids.filter((id) => !retried.includes(id));
  if (retried.length > 0)
    io.out(
      `${retried.length} event(s) back in the queue: ${retried.join(', ')}. A running server applies them now; \`tandem events list\` shows any that fail again.`,
    );
  else io.out('No quarantined event to retry.');
  for (const id of missing) io.err(`tandem events retry: event ${id} is not quarantined${narrowed ? ' in those engagements' : ''}`);
  return missing.length > 0 ? 1 : 0;
}

const iso = (t: number) => new Date(t).toISOString();

async function list(io: CliIo, database: Database, engagements: string[], json: boolean): Promise<number> {
  const backlog = await eventBacklog(database.db, engagements);
  const quarantined = await listQuarantined(database.db, engagements, { limit: 1000 });
  if (json) {
    const events = quarantined.map((e) => ({
      id: e.id,
      engagement: e.engagement_id,
      service: e.service_id,
      integration: e.integration_type,
      received_at: iso(e.received_at),
      quarantined_at: iso(e.quarantined_at),
      error: e.apply_error,
      request_id: e.request_id,
    }));
    io.out(
      JSON.stringify(
        {
          waiting: backlog.waiting,
          oldest_waiting_at: backlog.oldestReceivedAt === null ? null : iso(backlog.oldestReceivedAt),
          quarantined: events,
        },
        null,
        2,
      ),
    );
    return 0;
  }
  const oldest = backlog.oldestReceivedAt === null ? '' : `, the oldest accepted ${iso(backlog.oldestReceivedAt)}`;
  io.out(`${backlog.waiting} event(s) waiting to be applied${oldest}; ${backlog.quarantined} quarantined.`);
  for (const e of quarantined) {
    const request = e.request_id ? `  request ${e.request_id}` : '';
    io.out(
      `\n#${e.id}  ${e.engagement_id}/${e.service_id}  ${e.integration_type}  received ${iso(e.received_at)}  quarantined ${iso(e.quarantined_at)}${request}\n    ${e.apply_error}`,
    );
  }
  if (quarantined.length > 0)
    io.out(`\nFix the cause, then: tandem events retry ${quarantined.length === 1 ? String(quarantined[0]?.id) : '--all'}`);
  return 0;
}
