/**
 * The demo engagement (demo/acme.yaml) as the server loads it, for table
 * tests that decide against a real engagement file. Excluded from the build.
 */
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { loadEngagementText } from './load.js';
import type { Engagement } from './model.js';

/** demo/acme.yaml, loaded and checked; throws with the diagnostics if it does not load. */
export function demoEngagement(): Engagement {
  const path = fileURLToPath(new URL('../../demo/acme.yaml', import.meta.url));
  const loaded = loadEngagementText(readFileSync(path, 'utf8'), 'demo/acme.yaml');
  if (!loaded.engagement) throw new Error(loaded.diagnostics.map((d) => d.message).join('; '));
  return loaded.engagement;
}
