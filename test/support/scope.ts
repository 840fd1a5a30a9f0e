/**
 * The demo engagement with the scope issue 12 shows (the partner responds to
 * infrastructure and cloud incidents, the internal side is accountable and
 * alone changes infrastructure priorities, the partner's SOC responds to
 * security incidents), for the scope scenario and browser tests.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { DEMO } from './paths.js';

/** The `scope:` section of the issue. */
export const ISSUE_SCOPE_YAML = [
  'scope:                       # RACI: R responsible, A accountable, C consulted, I informed',
  '  activities:',
  '    - { id: incident_response,  function: [infrastructure, cloud], internal: A, partner: R }',
  '    - { id: change_priority,    function: [infrastructure],        internal: A, partner: C }',
  '    - { id: security_response,  function: [security],              internal: I, partner: R }',
  '    - { id: user_support,       function: [end_user],              internal: R, partner: I }',
  '    - { id: vendor_management,                                     internal: R, partner: C }',
  '    - { id: architecture,                                          internal: A, partner: C }',
].join('\n');

/** The edr service's generic integration key: its incidents are security incidents. */
export const EDR_KEY = 'edr-generic-77d2';

/** Writes the demo engagement with the issue's scope (and any more text, e.g. a ticketing section) as `acme.yaml` in `dir`. */
export function scopedDemo(dir: string, more = ''): string {
  const file = join(dir, 'acme.yaml');
  writeFileSync(file, `${readFileSync(DEMO, 'utf8')}\n${ISSUE_SCOPE_YAML}\n${more}`);
  return file;
}
