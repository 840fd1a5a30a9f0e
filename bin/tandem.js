#!/usr/bin/env -S node --max-semi-space-size=8
// The `tandem` command. The TypeScript sources are compiled to dist/ by `npm install` (the prepare script).
// --max-semi-space-size=8: a server that allocates briefly per request does best with a small
// young generation, the same throughput for tens of megabytes less memory (bench:ingest).
import { main } from '../dist/cli/main.js';

main(process.argv.slice(2)).then(
  (code) => {
    if (typeof code === 'number') process.exitCode = code;
  },
  (err) => {
    console.error(err instanceof Error ? err.stack : err);
    process.exitCode = 1;
  },
);
