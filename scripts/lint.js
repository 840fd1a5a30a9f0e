#!/usr/bin/env node
/**
 * `npm run lint`: Prettier checks the formatting, then ESLint with
 * typescript-eslint's strict and type-aware rules checks the code
 * (tools/lint/eslint.config.js). The linter lives in its own package,
 * tools/lint, on TypeScript 6 (typescript-eslint needs TypeScript's
 * JavaScript API, which the project's TypeScript 7 compiler no longer
 * ships); it is installed here on first use and again when its lockfile
 * changes. `npm run lint -- --fix` formats and fixes what can be fixed.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { createHash } from 'node:crypto';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const tools = join(root, 'tools', 'lint');
const fix = process.argv.includes('--fix');

function run(cmd, args, cwd = root) {
  const r = spawnSync(cmd, args, { cwd, stdio: 'inherit' });
  if (r.status !== 0) process.exit(r.status ?? 1);
}

// Install (or re-install) the linter when its lockfile is not the one installed.
const lock = readFileSync(join(tools, 'package-lock.json'));
const digest = createHash('sha256').update(lock).digest('hex');
const stamp = join(tools, 'node_modules', '.tandem-lock-sha256');
if (!existsSync(stamp) || readFileSync(stamp, 'utf8') !== digest) {
  console.log('lint: installing the linter (tools/lint)...');
  run('npm', ['ci', '--no-audit', '--no-fund', '--loglevel=error'], tools);
  writeFileSync(stamp, digest);
}

const sources = ['src', 'test', 'bench', 'scripts', 'bin', 'web/src', 'web/vite.config.ts', 'tools/lint/eslint.config.js'];
run(join(root, 'node_modules', '.bin', 'prettier'), [fix ? '--write' : '--check', '--log-level=warn', ...sources]);
run(join(tools, 'node_modules', '.bin', 'eslint'), [
  '--config',
  join(tools, 'eslint.config.js'),
  '--max-warnings=0',
  ...(fix ? ['--fix'] : []),
  ...sources.filter((s) => s !== 'web/vite.config.ts' && !s.startsWith('tools')),
]);
console.log('lint: formatting and code checks pass');
