/**
 * What a new user installs and what the project promises about itself: the
 * npm package carries the built server and dashboard, the demo and the
 * notices, and depends on exactly what runs in production; the icons copied
 * from Lucide carry their license; and no test asserts on wall-clock time
 * (speed is measured by `npm run bench:*`, never by a test that a busy
 * machine can fail). `npm run check:pack` installs the real tarball.
 */
import { existsSync, readFileSync, readdirSync } from 'node:fs';
import { builtinModules } from 'node:module';
import { join, relative } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ROOT } from '../support/paths.js';

interface PackageJson {
  files: string[];
  scripts: Record<string, string>;
  dependencies: Record<string, string>;
  devDependencies: Record<string, string>;
}
const pkg = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as PackageJson;

/** Files under a directory of the repository whose names pass the filter, as paths relative to the root. */
function filesUnder(dir: string, keep: (name: string) => boolean): string[] {
  const out: string[] = [];
  const walk = (d: string): void => {
    for (const entry of readdirSync(d, { withFileTypes: true })) {
      if (entry.name === 'node_modules') continue;
      const path = join(d, entry.name);
      if (entry.isDirectory()) walk(path);
      else if (keep(entry.name)) out.push(relative(ROOT, path));
    }
  };
  walk(join(ROOT, dir));
  return out.sort();
}

/** The package a bare import specifier names: `pg`, `@scope/name`, `yaml` of `yaml/types`. */
function packageOf(specifier: string): string {
  const parts = specifier.split('/');
  return specifier.startsWith('@') ? parts.slice(0, 2).join('/') : (parts[0] ?? specifier);
}

/** Every package the server imports at run time (src/, tests and test fixtures excepted). */
function runtimeImports(): Map<string, string> {
  const found = new Map<string, string>();
  const builtins = new Set(builtinModules);
  for (const file of filesUnder('src', (n) => n.endsWith('.ts') && !n.endsWith('.test.ts') && n !== 'test-fixtures.ts')) {
    const text = readFileSync(join(ROOT, file), 'utf8');
    const specifiers = [
      ...[...text.matchAll(/^\s*(?:import|export)\b[^;]*?\bfrom\s+'([^']+)'/gm)].filter((m) => !/^\s*import\s+type\b/.test(m[0])),
      ...text.matchAll(/\bimport\(\s*'([^']+)'\s*\)/g),
      ...text.matchAll(/createRequire\([^)]*\)\(\s*'([^']+)'\s*\)/g),
    ].map((m) => m[1] ?? '');
    for (const s of specifiers) {
      if (s.startsWith('.') || s.startsWith('node:') || builtins.has(s)) continue;
      if (!found.has(packageOf(s))) found.set(packageOf(s), file);
    }
  }
  return found;
}

describe('the npm package', () => {
  it('ships the built server and dashboard, the command, the demo, the docs and the notices', () => {
    expect(pkg.files).toEqual(expect.arrayContaining(['bin/', 'dist/', 'demo/', 'docs/', 'NOTICE']));
    // npm adds package.json, README.md and LICENSE by itself; they must exist.
    for (const f of ['README.md', 'LICENSE', 'NOTICE']) expect(existsSync(join(ROOT, f)), f).toBe(true);
    expect(readFileSync(join(ROOT, 'LICENSE'), 'utf8')).toContain('Apache License\n                           Version 2.0');
  });

  it('builds dist/ from a clean slate when packed', () => {
    // npm pack runs prepack (remove dist/) and then prepare (build the server and the dashboard).
    expect(pkg.scripts['prepack']).toContain("rmSync('dist'");
    expect(pkg.scripts['prepare']).toBe('npm run build');
    expect(pkg.scripts['build']).toContain('npm run build:web');
  });

  it('depends at run time on exactly the packages the server imports', () => {
    const imported = runtimeImports();
    const runtime = Object.keys(pkg.dependencies).sort();
    // Every package the server imports is installed with it, not only in development.
    expect([...imported.keys()].filter((p) => !runtime.includes(p)).map((p) => `${p} (imported by ${imported.get(p) ?? '?'})`)).toEqual([]);
    // And nothing is installed that it does not import: the dashboard's React is bundled into
    // dist/web at build time. (smtp-server and mailparser are the alert mail listener's, src/ingest/smtp-listener.ts.)
    expect(runtime.filter((p) => !imported.has(p))).toEqual([]);
    for (const dev of ['react', 'react-dom']) expect(Object.keys(pkg.devDependencies)).toContain(dev);
  });
});

describe('third-party notices', () => {
  const isc =
    'Copyright (c) for portions of Lucide are held by Cole Bemis 2013-2022 as part of Feather (MIT). All other copyright (c) for Lucide are held by Lucide Contributors 2022.';

  it('the icons copied from Lucide carry its ISC license, in the source and in NOTICE', () => {
    const icons = readFileSync(join(ROOT, 'web/src/components/icons.tsx'), 'utf8');
    expect(icons).toContain('https://lucide.dev');
    expect(icons).toContain('ISC License');
    expect(icons).toContain(isc);
    expect(icons).toContain('copyright notice and this permission notice appear in all copies');
    const notice = readFileSync(join(ROOT, 'NOTICE'), 'utf8');
    expect(notice).toContain('ISC License');
    expect(notice).toContain(isc);
    expect(notice).toContain('MIT License\n\nCopyright (c) Meta Platforms, Inc. and affiliates.');
  });

  it('the built dashboard script starts with the notices', () => {
    const assets = join(ROOT, 'dist/web/assets');
    const scripts = readdirSync(assets).filter((f) => f.endsWith('.js'));
    expect(scripts.length).toBeGreaterThan(0);
    const entry = scripts.map((f) => readFileSync(join(assets, f), 'utf8')).find((t) => t.startsWith('/*!'));
    expect(entry).toBeDefined();
    expect(entry?.slice(0, 4000)).toContain(isc);
    expect(entry?.slice(0, 4000)).toContain('Copyright (c) Meta Platforms, Inc. and affiliates.');
  });
});

describe('the test suite', () => {
  it('asserts on no wall-clock duration (speed lives in bench/)', () => {
    const tests = [
      ...filesUnder('src', (n) => n.endsWith('.test.ts')),
      ...filesUnder('test', (n) => n.endsWith('.test.ts') || n.endsWith('.test.tsx')),
    ];
    expect(tests.length).toBeGreaterThan(50);
    const stopwatch = new RegExp(['performance', 'now\\('].join('\\.') + '|process\\.hrtime');
    const timedExpect = new RegExp(['expect\\([^\\n]*Date', 'now\\(\\)[^\\n]*\\)\\.toBeLessThan'].join('\\.'));
    const offenders = tests.flatMap((file) =>
      readFileSync(join(ROOT, file), 'utf8')
        .split('\n')
        .map((line, i) => ({ line, at: `${file}:${i + 1}` }))
        .filter(({ line }) => stopwatch.test(line) || timedExpect.test(line))
        .map(({ at, line }) => `${at}: ${line.trim()}`),
    );
    expect(offenders).toEqual([]);
  });
});

describe('the layout', () => {
  /** A file allowed to hold SQL: the database layer, and the stores (`store.ts`, or any file in a `store/` folder). */
  const mayHoldSql = (file: string) => file.startsWith('src/db/') || /(^|\/)store\.ts$/.test(file) || /\/store\//.test(file);
  // Kysely's query builders and raw `sql` templates, and better-sqlite3's prepared statements.
  const SQL =
    /\.(selectFrom|insertInto|updateTable|deleteFrom|replaceInto|mergeInto)\(|\bsql(<[^>]*>)?`|\bsql\.(raw|lit|join|ref|id|table|val)\(|\.prepare\(|\.with\(\s*'/;

  it('keeps every SQL statement in a store or in src/db/ (docs/architecture.md)', () => {
    const production = filesUnder('src', (n) => n.endsWith('.ts') && !n.endsWith('.test.ts') && n !== 'test-fixtures.ts');
    expect(production.length).toBeGreaterThan(100);
    const offenders = production
      .filter((file) => !mayHoldSql(file))
      .flatMap((file) =>
        readFileSync(join(ROOT, file), 'utf8')
          .split('\n')
          .map((line, i) => ({ line, at: `${file}:${i + 1}` }))
          .filter(({ line }) => !/^\s*(\*|\/\/)/.test(line) && SQL.test(line))
          .map(({ at, line }) => `${at}: ${line.trim().slice(0, 120)}`),
      );
    expect(offenders).toEqual([]);
  });

  it('the SQL check recognises each form of SQL it forbids', () => {
    for (const line of [
      "await ex.selectFrom('incidents')",
      'sql`select 1`',
      'sql<{ ok: boolean }>`select 1`',
      "sql.lit('pending')",
      "handle.prepare('select 1')",
      "db.with('x', (q) => q)",
    ]) {
      expect(SQL.test(line), line).toBe(true);
    }
    for (const line of ["import { sql } from 'kysely';", 'const sqlite = database.sqlite;', "logger.info('selected')"])
      expect(SQL.test(line), line).toBe(false);
  });
});
