#!/usr/bin/env node
// npm run bench — every benchmark in turn, each printing its JSON; exits non-zero
// if any of them does. Uses the compiled dist/ (run `npm run build` first).
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { ROOT } from './lib.js';

let failed = 0;
for (const name of ['compute', 'ingest', 'apply', 'page', 'report', 'ui', 'sigma', 'engagements']) {
  console.error(`# bench:${name}`);
  const run = spawnSync(process.execPath, [join(ROOT, 'bench', `${name}.js`)], { stdio: 'inherit' });
  if (run.status !== 0) failed++;
}
process.exitCode = failed === 0 ? 0 : 1;
