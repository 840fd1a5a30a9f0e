#!/usr/bin/env node
// npm run fuzz — the full random fuzz of ingest (issue 8): 20,000 mutated bodies
// per endpoint (PagerDuty alert and change events, Alertmanager webhook, generic
// JSON) from fixed seeds, on SQLite and (when reachable) PostgreSQL. It is
// test/scenarios/fuzz.test.ts at full size: every response must be 202 or a 4xx
// naming the problem, no 5xx, no crash, and every accepted event applied or
// quarantined. Prints the counts as JSON; exits non-zero if any check failed.
//
// FUZZ_N (default 20000) sets the bodies per endpoint. Runs from the TypeScript
// sources (vitest), so it needs no build.
import { spawnSync } from 'node:child_process';
import { readFileSync, rmSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { PG_URL, ROOT, postgresReachable, tempFile } from './lib.js';

const N = Number(process.env.FUZZ_N ?? 20_000);
const report = tempFile('fuzz-report.json', '');
const postgres = await postgresReachable();
const env = { ...process.env, TANDEM_FUZZ_N: String(N), TANDEM_FUZZ_REPORT: report };
if (postgres) env.TANDEM_TEST_PG_URL = PG_URL;
else delete env.TANDEM_TEST_PG_URL;

console.error(`# fuzz: ${N} bodies per endpoint on sqlite${postgres ? ' and postgres' : ''}`);
const run = spawnSync(join(ROOT, 'node_modules/.bin/vitest'), ['run', 'test/scenarios/fuzz.test.ts'], {
  cwd: ROOT,
  env,
  stdio: ['ignore', 2, 2],
});
const text = readFileSync(report, 'utf8');
rmSync(dirname(report), { recursive: true, force: true });
const out = {
  passed: run.status === 0,
  postgres_tested: postgres,
  ...(text ? JSON.parse(text) : { error: 'the fuzz test wrote no report' }),
};
console.log(JSON.stringify(out, null, 2));
process.exitCode = run.status === 0 ? 0 : 1;
