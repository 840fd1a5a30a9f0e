import { fileURLToPath } from 'node:url';

export const ROOT = fileURLToPath(new URL('../../', import.meta.url));
export const DEMO = fileURLToPath(new URL('../../demo/acme.yaml', import.meta.url));
export const FIXTURES = fileURLToPath(new URL('../fixtures/', import.meta.url));
export const BIN = fileURLToPath(new URL('../../bin/tandem.js', import.meta.url));
