/**
 * `tandem secret webhook`: prints the HMAC key outbound webhooks are signed
 * with (Tandem-Signature), so receivers can verify them. It is generated once
 * and kept in the database unless TANDEM_WEBHOOK_SECRET sets it.
 */
import { systemClock } from '../clock/clock.js';
import { serverSecret } from '../secrets/secrets.js';
import type { CliIo } from './io.js';
import { cliEnv, parseCommand } from './io.js';
import { withDatabase } from './offline.js';

const HELP = `Usage: tandem secret webhook [--db URL]

Prints the key that signs outbound webhooks (header Tandem-Signature:
t=<unix seconds>,v1=<hex HMAC-SHA256 of "<t>.<body>">). Set
TANDEM_WEBHOOK_SECRET to choose it yourself; otherwise it is generated once
and kept in the database, shared by every instance.`;

/** Runs `tandem secret webhook`; returns the exit code. */
export async function run(args: string[], io: CliIo): Promise<number> {
  const [which, ...rest] = args;
  if (which !== 'webhook') {
    io.out(HELP);
    return which === '--help' || which === '-h' ? 0 : 2;
  }
  const parsed = parseCommand(io, 'secret', HELP, rest, { db: { type: 'string' } });
  if (typeof parsed === 'number') return parsed;
  const configured = cliEnv('TANDEM_WEBHOOK_SECRET');
  if (configured) {
    io.out(configured);
    return 0;
  }
  // The key lives in the server's database: a mistyped path must not mint a key nobody signs with.
  return withDatabase(parsed.values.db, async (database) => {
    io.out(await serverSecret(database, 'webhook-signing-secret', undefined, systemClock.now()));
    return 0;
  });
}
