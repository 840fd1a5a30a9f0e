/**
 * `tandem secret webhook`: prints the HMAC key outbound webhooks are signed
 * with (Tandem-Signature), so receivers can verify them. It is generated once
 * and kept in the database unless TANDEM_WEBHOOK_SECRET sets it.
 */
import { parseArgs } from 'node:util';
import { openDatabase } from '../db/connect.js';
import { migrateToLatest } from '../db/migrate.js';
import { serverSecret } from '../secrets/secrets.js';
import type { CliIo } from './io.js';
import { databaseUrl } from './offline.js';

const HELP = `Usage: tandem secret webhook [--db URL]

Prints the key that signs outbound webhooks (header Tandem-Signature:
t=<unix seconds>,v1=<hex HMAC-SHA256 of "<t>.<body>">). Set
TANDEM_WEBHOOK_SECRET to choose it yourself; otherwise it is generated once
and kept in the database, shared by every instance.`;

export async function run(args: string[], io: CliIo): Promise<number> {
  const [which, ...rest] = args;
  if (which !== 'webhook') {
    io.out(HELP);
    return which === '--help' || which === '-h' ? 0 : 2;
  }
  let values;
  try {
    ({ values } = parseArgs({ args: rest, options: { db: { type: 'string' }, help: { type: 'boolean', short: 'h' } } }));
  } catch (err) {
    io.err(`tandem secret: ${err instanceof Error ? err.message : String(err)}\n\n${HELP}`);
    return 2;
  }
  if (values.help) {
    io.out(HELP);
    return 0;
  }
  const configured = process.env['TANDEM_WEBHOOK_SECRET'];
  if (configured) {
    io.out(configured);
    return 0;
  }
  // The key lives in the server's database: a mistyped path must not mint a key nobody signs with.
  const database = await openDatabase(databaseUrl(values.db), { mustExist: true });
  try {
    await migrateToLatest(database);
    io.out(await serverSecret(database, 'webhook-signing-secret', undefined, Date.now()));
    return 0;
  } finally {
    await database.close();
  }
}
