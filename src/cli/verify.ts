/**
 * `tandem verify`: recomputes the hash chain of every incident timeline of an
 * engagement (audit/chain.ts) and says whether any entry was changed or
 * removed behind the product's back.
 */
import { verifyChains } from '../audit/chain.js';
import type { ChainReport } from '../audit/chain.js';
import type { CliIo } from './io.js';
import { parseCommand } from './io.js';
import { withEngagement } from './offline.js';

const HELP = `Usage: tandem verify --engagement ID [--db URL] [--json]

Recomputes the hash chain of every incident's timeline (each entry's SHA-256
covers the entry and the hash of the entry before it) and reports the first
broken entry of each incident: an entry changed in the database breaks at
itself, a removed one at the entry after it. Exit 0 when every chain holds,
1 when one is broken. --json prints the whole result, with each chain's head
(incident, last entry id, its hash): keep them, and a later run shows whether
entries were removed from the end. See docs/compliance.md.`;

/** The human summary of a verification. */
export function verifyText(engagementId: string, r: ChainReport): string {
  if (r.broken.length === 0) {
    return `${engagementId}: ${r.entries} timeline entries of ${r.incidents} incidents verified; every chain holds`;
  }
  return [
    `${engagementId}: ${r.broken.length} of ${r.incidents} incident timelines broken (${r.entries} entries read)`,
    ...r.broken.map((b) => `  ${b.incident}  entry ${b.entryId} (${b.at}): ${b.reason}`),
  ].join('\n');
}

/** Runs `tandem verify`; returns the exit code. */
export async function run(args: string[], io: CliIo): Promise<number> {
  const parsed = parseCommand(io, 'verify', HELP, args, {
    engagement: { type: 'string' },
    db: { type: 'string' },
    json: { type: 'boolean' },
  });
  if (typeof parsed === 'number') return parsed;
  const { values } = parsed;
  if (!values.engagement) {
    io.err(`tandem verify: --engagement is required\n\n${HELP}`);
    return 2;
  }
  const engagementId = values.engagement;
  return withEngagement(io, 'verify', values.db, engagementId, async (database) => {
    const report = await verifyChains(database.db, engagementId);
    io.out(
      values.json
        ? JSON.stringify({ engagement: engagementId, ok: report.broken.length === 0, ...report }, null, 2)
        : verifyText(engagementId, report),
    );
    return report.broken.length === 0 ? 0 : 1;
  });
}
