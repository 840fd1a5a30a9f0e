/**
 * `tandem verify`: recomputes the hash chain of every incident timeline of an
 * engagement (audit/chain.ts) and says whether any entry was changed or
 * removed behind the product's back.
 */
import { readFileSync } from 'node:fs';
import { z } from 'zod';
import { checkKeptHeads, verifyChains } from '../audit/chain.js';
import type { ChainHead, ChainReport } from '../audit/chain.js';
import type { CliIo } from './io.js';
import { parseCommand } from './io.js';
import { withEngagement } from './offline.js';

const HELP = `Usage: tandem verify --engagement ID [--db URL] [--heads FILE] [--json]

Recomputes the hash chain of every incident's timeline (each entry's SHA-256
covers the entry and the hash of the entry before it) and reports the first
broken entry of each incident: an entry changed in the database breaks at
itself, a removed one at the entry after it. Exit 0 when every chain holds,
1 when one is broken. --json prints the whole result, with each chain's head
(incident, last entry id, its hash): keep them. --heads FILE checks heads kept
before (an evidence pack's verify.json, or an earlier --json): each kept
entry must still be there with the same hash, which, with every chain
holding, shows the history up to it is the one kept. See docs/compliance.md.`;

const KEPT_HEADS = z.object({
  heads: z.array(
    z.object({
      incident: z.string().min(1),
      entryId: z.number().int().positive(),
      hash: z.string().regex(/^[0-9a-f]{64}$/, 'a SHA-256 in lowercase hex'),
    }),
  ),
});

/** The heads kept in FILE, or the message saying what is wrong with it. */
export function readKeptHeads(file: string): ChainHead[] | string {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (err) {
    return `cannot read ${file}: ${(err as Error).message}`;
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    return `${file} is not JSON (expected an evidence pack's verify.json or the output of tandem verify --json)`;
  }
  const parsed = KEPT_HEADS.safeParse(json);
  if (parsed.success) return parsed.data.heads;
  const issue = parsed.error.issues[0];
  return `${file}: ${issue ? `${issue.path.join('.') || '(top level)'}: ${issue.message}` : 'not a heads file'} (expected { heads: [{ incident, entryId, hash }] })`;
}

/** The human summary of a verification. */
export function verifyText(engagementId: string, r: ChainReport): string {
  if (r.broken.length === 0) {
    return `${engagementId}: ${r.entries} timeline entries of ${r.incidents} incidents verified; every chain holds`;
  }
  return [
    `${engagementId}: ${r.broken.length} of ${r.incidents} incident timelines broken (${r.entries} entries read)`,
    ...r.broken.map((b) => `  ${b.incident}  ${b.entryId ? `entry ${b.entryId}${b.at ? ` (${b.at})` : ''}` : 'no entries'}: ${b.reason}`),
  ].join('\n');
}

/** Runs `tandem verify`; returns the exit code. */
export async function run(args: string[], io: CliIo): Promise<number> {
  const parsed = parseCommand(io, 'verify', HELP, args, {
    engagement: { type: 'string' },
    db: { type: 'string' },
    json: { type: 'boolean' },
    heads: { type: 'string' },
  });
  if (typeof parsed === 'number') return parsed;
  const { values } = parsed;
  if (!values.engagement) {
    io.err(`tandem verify: --engagement is required\n\n${HELP}`);
    return 2;
  }
  const engagementId = values.engagement;
  const kept = values.heads === undefined ? undefined : readKeptHeads(values.heads);
  if (typeof kept === 'string') {
    io.err(`tandem verify: --heads: ${kept}`);
    return 2;
  }
  return withEngagement(io, 'verify', values.db, engagementId, async (database) => {
    const report = await verifyChains(database.db, engagementId);
    const keptFailed = kept ? await checkKeptHeads(database.db, engagementId, kept, report) : 0;
    if (kept && !values.json) io.out(`${kept.length - keptFailed} of ${kept.length} kept heads found unchanged`);
    io.out(
      values.json
        ? JSON.stringify({ engagement: engagementId, ok: report.broken.length === 0, ...report }, null, 2)
        : verifyText(engagementId, report),
    );
    return report.broken.length === 0 ? 0 : 1;
  });
}
