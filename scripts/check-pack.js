#!/usr/bin/env node
// npm run check:pack — what a new user gets from the npm package: packs this
// tree (`npm pack`, which cleans dist/ and builds it), checks what the tarball
// holds, installs it into an empty directory as a user would (`npm install
// ./tandem-x.y.z.tgz`, production dependencies only), starts `tandem serve
// --demo` from there, fetches /healthz, /readyz, the dashboard and its script,
// and stops it. Prints JSON; exits 1 if anything fails.
//
//   node scripts/check-pack.js                     pack this tree, then check
//   node scripts/check-pack.js tandem-0.1.0.tgz    check a tarball already made
//
// Installing uses npm's cache first (--prefer-offline); a first run on a
// machine with an empty cache downloads the dependencies. Takes about a
// minute on a warm cache (see docs/operations.md).
import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync, existsSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = fileURLToPath(new URL('../', import.meta.url));
const NPM = process.platform === 'win32' ? 'npm.cmd' : 'npm';

/** Files a working install needs; and what must not ship. */
const REQUIRED = [
  'package.json',
  'README.md',
  'LICENSE',
  'NOTICE',
  'bin/tandem.js',
  'dist/cli/main.js',
  'dist/server/server.js',
  'dist/web/index.html',
  'demo/acme.yaml',
  'docs/operations.md',
];
const FORBIDDEN = [
  /^src\//,
  /^test\//,
  /^web\//,
  /^bench\//,
  /^scripts\//,
  /^\.ci\//,
  /^node_modules\//,
  /\.test\.js$/,
  /^dist\/web\/.*\.map$/,
];
/** Development-only packages that must not be installed with the package. */
const DEV_ONLY = ['react', 'react-dom', 'vite', 'vitest', 'typescript'];

const report = { ok: false, checks: [] };
const seconds = (t0) => Math.round((performance.now() - t0) / 100) / 10;
function check(name, ok, detail) {
  report.checks.push({ name, ok, ...(detail === undefined ? {} : { detail }) });
  return ok;
}
function run(command, args, options) {
  const r = spawnSync(command, args, { encoding: 'utf8', maxBuffer: 64 * 1024 * 1024, ...options });
  if (r.status !== 0) throw new Error(`${command} ${args.join(' ')} exited ${r.status}:\n${(r.stderr || r.stdout || '').slice(-4000)}`);
  return r.stdout;
}
async function freePort() {
  return new Promise((res, rej) => {
    const srv = createServer();
    srv.once('error', rej);
    srv.listen(0, '127.0.0.1', () => {
      const { port } = srv.address();
      srv.close(() => res(port));
    });
  });
}

const work = mkdtempSync(join(tmpdir(), 'tandem-check-pack-'));
let server;
try {
  // 1. The tarball.
  let tarball = process.argv[2] ? resolve(process.argv[2]) : undefined;
  if (tarball === undefined) {
    const t0 = performance.now();
    const out = run(NPM, ['pack', '--json', '--pack-destination', work], { cwd: ROOT });
    const info = JSON.parse(out.slice(out.indexOf('[')))[0];
    tarball = join(work, info.filename);
    report.packSeconds = seconds(t0);
  }
  if (!existsSync(tarball)) throw new Error(`no tarball at ${tarball}`);
  report.tarball = tarball;
  const files = run('tar', ['-tzf', tarball])
    .split('\n')
    .filter(Boolean)
    .map((f) => f.replace(/^package\//, ''));
  report.files = files.length;
  report.packedKB = Math.round(Number(run('stat', ['-c', '%s', tarball]).trim()) / 1024);
  for (const f of REQUIRED) check(`ships ${f}`, files.includes(f));
  const forbidden = files.filter((f) => FORBIDDEN.some((re) => re.test(f)));
  check(
    'ships no sources, tests, tooling or web source maps',
    forbidden.length === 0,
    forbidden.length ? forbidden.slice(0, 20) : undefined,
  );

  // 2. Install it where nothing else is, as a user would.
  const app = join(work, 'app');
  run('mkdir', ['-p', app]);
  writeFileSync(join(app, 'package.json'), JSON.stringify({ name: 'tandem-check-pack', private: true }));
  let t0 = performance.now();
  run(NPM, ['install', tarball, '--prefer-offline', '--no-audit', '--no-fund', '--omit=dev'], { cwd: app });
  report.installSeconds = seconds(t0);
  const devInstalled = DEV_ONLY.filter((p) => existsSync(join(app, 'node_modules', p)));
  check('installs no development-only packages', devInstalled.length === 0, devInstalled.length ? devInstalled : undefined);
  report.installedMB = Math.round(Number(run('du', ['-sk', join(app, 'node_modules')]).split('\t')[0]) / 1024);

  // 3. Run it: `npx tandem serve --demo`.
  const port = await freePort();
  const url = `http://127.0.0.1:${port}`;
  t0 = performance.now();
  server = spawn(join(app, 'node_modules/.bin/tandem'), ['serve', '--demo', '--port', String(port)], {
    cwd: app,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  server.stdout.on('data', (d) => (output += d));
  server.stderr.on('data', (d) => (output += d));
  const exited = new Promise((res) => server.once('exit', (code, signal) => res({ code, signal })));
  let up = false;
  for (let i = 0; i < 600 && server.exitCode === null; i++) {
    try {
      if ((await fetch(`${url}/healthz`)).ok) {
        up = true;
        break;
      }
    } catch {
      // Not listening yet: poll again.
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  report.startSeconds = seconds(t0);
  if (!check('tandem serve --demo starts and /healthz answers', up, up ? undefined : output.slice(-4000)))
    throw new Error('server did not start');
  const ready = await fetch(`${url}/readyz`);
  check('/readyz is 200', ready.status === 200, ready.status);
  const page = await fetch(`${url}/`);
  const html = await page.text();
  const script = /<script[^>]+src="([^"]+)"/.exec(html)?.[1];
  check('the dashboard page is served', page.status === 200 && script !== undefined, page.status);
  if (script) {
    const js = await fetch(new URL(script, url));
    const body = await js.text();
    check(
      'the dashboard script is served, with its third-party notices',
      js.status === 200 && body.includes('Lucide Contributors'),
      js.status,
    );
  }
  const inbox = await fetch(`${url}/inbox`);
  check('the demo inbox answers', inbox.status === 200, inbox.status);
  server.kill('SIGTERM');
  const end = await exited;
  server = undefined;
  check('stops cleanly on SIGTERM', end.code === 0, end);
} catch (err) {
  check('no error', false, err instanceof Error ? err.message : String(err));
} finally {
  if (server) server.kill('SIGKILL');
  rmSync(work, { recursive: true, force: true });
}
report.ok = report.checks.every((c) => c.ok);
console.log(JSON.stringify(report, null, 2));
process.exitCode = report.ok ? 0 : 1;
