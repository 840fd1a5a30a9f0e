/**
 * `tandem send`: sends one test event to a Tandem server (or anything that
 * speaks PagerDuty Events API v2), as `amtool alert add` does for Alertmanager.
 */
import { z } from 'zod';
import type { CliIo } from './io.js';
import { parseCommand } from './io.js';

const HELP = `Usage: tandem send --url URL --key KEY --summary TEXT --severity critical|error|warning|info
                   [--dedup KEY] [--action trigger|acknowledge|resolve] [--source TEXT]

Sends a PagerDuty Events API v2 event to URL (a server's base URL, e.g.
http://127.0.0.1:8080, or a full .../v2/enqueue URL) with KEY as its routing key.
Prints the dedup key; use it with --action resolve to close the alert.`;

/** What a PagerDuty-compatible server answers (the parts printed); a part of another type is left out. */
const enqueueAnswer = z
  .object({
    dedup_key: z.string().optional().catch(undefined),
    message: z.string().optional().catch(undefined),
    errors: z
      .array(z.unknown())
      .transform((list) => list.map(String))
      .optional()
      .catch(undefined),
  })
  .catch({});

/** The server's answer; one that is not JSON (a proxy's error page) has none of the parts and is printed as it is. */
function readAnswer(text: string): z.infer<typeof enqueueAnswer> {
  try {
    return enqueueAnswer.parse(JSON.parse(text));
  } catch {
    return {};
  }
}

/** Runs `tandem send`; returns the exit code. */
export async function run(args: string[], io: CliIo): Promise<number> {
  const parsed = parseCommand(io, 'send', HELP, args, {
    url: { type: 'string' },
    key: { type: 'string' },
    summary: { type: 'string' },
    severity: { type: 'string' },
    dedup: { type: 'string' },
    action: { type: 'string' },
    source: { type: 'string' },
  });
  if (typeof parsed === 'number') return parsed;
  const { values } = parsed;
  const action = values.action ?? 'trigger';
  const missing = [
    !values.url && '--url',
    !values.key && '--key',
    action === 'trigger' && !values.summary && '--summary',
    action === 'trigger' && !values.severity && '--severity',
    action !== 'trigger' && !values.dedup && '--dedup',
  ].filter(Boolean);
  if (missing.length) {
    io.err(`tandem send: missing ${missing.join(', ')}\n\n${HELP}`);
    return 2;
  }
  const base = (values.url ?? '').replace(/\/+$/, '');
  const url = /\/v2\/enqueue$/.test(base) ? base : `${base}/v2/enqueue`;
  const body = {
    routing_key: values.key,
    event_action: action,
    ...(values.dedup ? { dedup_key: values.dedup } : {}),
    ...(action === 'trigger'
      ? { payload: { summary: values.summary, source: values.source ?? 'tandem send', severity: values.severity } }
      : {}),
    client: 'tandem send',
  };
  let res: Response;
  try {
    res = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
  } catch (err) {
    io.err(
      `tandem send: could not reach ${url}: ${err instanceof Error ? (err.cause instanceof Error ? err.cause.message : err.message) : String(err)}`,
    );
    return 1;
  }
  const text = await res.text();
  const answer = readAnswer(text);
  if (res.status !== 202) {
    io.err(`tandem send: ${res.status} ${answer.message ?? text}`);
    for (const e of answer.errors ?? []) io.err(`  - ${e}`);
    return 1;
  }
  io.out(`202 accepted (${action}); dedup key: ${answer.dedup_key ?? values.dedup ?? ''}`);
  return 0;
}
