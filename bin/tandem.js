#!/usr/bin/env -S node --max-semi-space-size=16 --heap-growing-percent=100
// The `tandem` command. The TypeScript sources are compiled to dist/ by `npm install` (the prepare script).
// The flags size the heap for a server whose objects mostly live for one request or one batch
// (bench:ingest under a storm, alternating runs; docs/benchmarks.md, "The server's heap"):
// --max-semi-space-size=16: a young generation large enough that a batch being applied is
//   collected there instead of being promoted to the old generation (more events per second);
// --heap-growing-percent=100: the old generation is collected again when it has doubled, not when
//   it has grown up to four times what was live (the peak RSS of a storm 236 MB, not 307-338).
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
