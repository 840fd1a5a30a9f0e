/**
 * Builds the dashboard (web/) into dist/web, which `tandem serve` serves at /
 * (src/dashboard/routes.ts). Hashed file names under /assets are cached
 * forever; index.html is revalidated on every load.
 */
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import react from '@vitejs/plugin-react';
import { defineConfig } from 'vite';

const here = (p: string) => fileURLToPath(new URL(p, import.meta.url));

/** NOTICE (Lucide's ISC notice, React's MIT notice) as a legal comment the minifier keeps at the top of the bundle. */
const notice = `/*!\n${readFileSync(here('../NOTICE'), 'utf8').replaceAll('*/', '* /')}*/`;

export default defineConfig({
  root: here('./'),
  base: '/',
  publicDir: here('./public'),
  plugins: [react()],
  // The API's types (src/api/types.ts). Imported type-only, so nothing from there (and no zod) is bundled.
  resolve: { alias: { '@api': here('../src/api') } },
  // Keeps the notice banner (and any /*! */ or @license comment) through minification.
  esbuild: { legalComments: 'inline' },
  build: {
    outDir: here('../dist/web'),
    emptyOutDir: true,
    target: 'es2022',
    sourcemap: true,
    assetsDir: 'assets',
    // Everything the app needs is in the bundle: no CDN, no inline scripts (the CSP forbids them).
    assetsInlineLimit: 0,
    modulePreload: { polyfill: false },
    chunkSizeWarningLimit: 600,
    rollupOptions: { output: { banner: (chunk) => (chunk.isEntry ? notice : '') } },
  },
  server: {
    // `npx vite --config web/vite.config.ts` for hot reload, against a `tandem serve` on :8080.
    proxy: {
      '/api': { target: 'http://127.0.0.1:8080', changeOrigin: false },
    },
  },
});
