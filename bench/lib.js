// Shared by the benchmarks: start a real `tandem serve` (or another server) as a
// child process, read its peak memory, make temporary databases, print JSON.
import { spawn, spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import BetterSqlite3 from 'better-sqlite3';
import pg from 'pg';

export const ROOT = fileURLToPath(new URL('../', import.meta.url));
export const BIN = join(ROOT, 'bin/tandem.js');
export const PG_URL = process.env.TANDEM_BENCH_PG_URL ?? process.env.TANDEM_TEST_PG_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';

export async function freePort() {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const { port } = srv.address();
      srv.close(() => resolve(port));
    });
  });
}

export async function postgresReachable() {
  const c = new pg.Client({ connectionString: PG_URL, connectionTimeoutMillis: 2000 });
  try {
    await c.connect();
    await c.end();
    return true;
  } catch {
    return false;
  }
}

/** A fresh database: { url, drop() }. */
export async function tempDatabase(kind) {
  // BENCH_KEEP_DATABASE=1 keeps each run's database to look into afterwards (its URL goes to stderr).
  const keep = process.env.BENCH_KEEP_DATABASE === '1';
  if (kind === 'sqlite') {
    const dir = mkdtempSync(join(tmpdir(), 'tandem-bench-'));
    if (keep) console.error(`bench database kept: sqlite:${join(dir, 'tandem.db')}`);
    return { url: `sqlite:${join(dir, 'tandem.db')}`, drop: async () => keep || rmSync(dir, { recursive: true, force: true }) };
  }
  const name = `tandem_bench_${randomBytes(5).toString('hex')}`;
  const admin = new pg.Client({ connectionString: PG_URL });
  await admin.connect();
  await admin.query(`create database ${name}`);
  await admin.end();
  const url = new URL(PG_URL);
  url.pathname = `/${name}`;
  return {
    url: url.toString(),
    drop: async () => {
      if (keep) return console.error(`bench database kept: ${url}`);
      const c = new pg.Client({ connectionString: PG_URL });
      await c.connect();
      await c.query(`drop database if exists ${name} with (force)`);
      await c.end();
    },
  };
}

export function tempFile(name, text) {
  const dir = mkdtempSync(join(tmpdir(), 'tandem-bench-'));
  const file = join(dir, name);
  writeFileSync(file, text);
  return file;
}

/** Peak resident set size of a process so far, in MB (Linux VmHWM). */
export function peakRssMb(pid) {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const m = /VmHWM:\s+(\d+) kB/.exec(status);
  return m ? Math.round(Number(m[1]) / 1024) : null;
}

/**
 * CPU time (user + system, seconds) a process has used so far, from /proc: less sensitive than a rate to other work
 * on the machine, so two builds can be compared by CPU per event even when the machine is not quiet.
 */
export function cpuSeconds(pid) {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  // Fields after the command name (which may hold spaces), counted from field 3: utime is 14, stime 15.
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  const ticks = Number(fields[11]) + Number(fields[12]);
  return Math.round((ticks / CLOCK_TICKS) * 100) / 100;
}
const CLOCK_TICKS = Number(spawnSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).stdout.trim()) || 100;

export async function waitHttp(url, timeoutMs = 30_000) {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      const res = await fetch(url);
      if (res.ok) return;
    } catch {
      // Not listening yet: poll again.
    }
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${url}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

/** Starts a child process and waits until `readyUrl(port)` answers 200. */
export async function startProcess(command, args, { readyUrl, env, quiet = true } = {}) {
  const child = spawn(command, args, { env: { ...process.env, ...env }, stdio: ['ignore', quiet ? 'ignore' : 'inherit', 'pipe'] });
  if (process.env.BENCH_SERVER_STDERR) child.stderr.pipe(process.stderr);
  let stderr = '';
  child.stderr.on('data', (d) => (stderr += d.toString()));
  const exited = new Promise((resolve) => child.once('exit', resolve));
  try {
    await waitHttp(readyUrl);
  } catch (err) {
    child.kill('SIGKILL');
    throw new Error(`${command} did not start: ${err.message}\n${stderr}`);
  }
  return {
    child,
    pid: child.pid,
    stderr: () => stderr,
    async stop() {
      child.kill('SIGTERM');
      const t = setTimeout(() => child.kill('SIGKILL'), 10_000);
      await exited;
      clearTimeout(t);
    },
  };
}

/**
 * The node flags for a server a bench starts: those bin/tandem.js's shebang gives a server started as `tandem serve`
 * or `npm start` (read from it, so the two cannot differ), then BENCH_SERVER_NODE_ARGS, whose flags win.
 */
export function serverNodeArgs() {
  const shebang = readFileSync(BIN, 'utf8').split('\n', 1)[0] ?? '';
  const flags = shebang
    .replace(/^#!\S*env -S node/, '')
    .split(' ')
    .filter(Boolean);
  return [...flags, ...(process.env.BENCH_SERVER_NODE_ARGS ? process.env.BENCH_SERVER_NODE_ARGS.split(' ') : [])];
}

/** Starts `tandem serve` on a free port. */
export async function startTandem(args, env = {}) {
  const port = await freePort();
  const url = `http://127.0.0.1:${port}`;
  const proc = await startProcess(process.execPath, [...serverNodeArgs(), BIN, 'serve', '--port', String(port), ...args], {
    readyUrl: `${url}/readyz`,
    env,
  });
  return { ...proc, url, port };
}

export function round(n, digits = 1) {
  const f = 10 ** digits;
  return Math.round(n * f) / f;
}

/**
 * A read-only connection to a benchmark's database (`kind` sqlite or postgres): `rows(text)` resolves to the rows of
 * one query, `close()` ends it. On SQLite each text is prepared once: its reads run on the calling process's thread.
 */
export async function openReader(kind, dbUrl) {
  if (kind === 'sqlite') {
    const db = new BetterSqlite3(dbUrl.slice('sqlite:'.length), { readonly: true });
    const prepared = new Map();
    return {
      rows: async (text) => {
        let statement = prepared.get(text);
        if (!statement) prepared.set(text, (statement = db.prepare(text)));
        return statement.all();
      },
      close: async () => db.close(),
    };
  }
  const c = new pg.Client({ connectionString: dbUrl });
  await c.connect();
  return { rows: async (text) => (await c.query(text)).rows, close: () => c.end() };
}

/** The rows of one query, on a read connection opened and closed around it. */
export async function queryOnce(kind, dbUrl, text) {
  const reader = await openReader(kind, dbUrl);
  try {
    return await reader.rows(text);
  } finally {
    await reader.close();
  }
}
