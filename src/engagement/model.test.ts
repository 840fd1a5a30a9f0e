/** The id index of the engagement model answers what a scan of each list would. */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { loadEngagementText } from './index.js';
import type { Engagement } from './index.js';
import { lookup } from './model.js';

function loadAcme(): Engagement {
  const result = loadEngagementText(readFileSync('demo/acme.yaml', 'utf8'), 'demo/acme.yaml');
  if (result.engagement === undefined) throw new Error('acme did not load');
  return result.engagement;
}

describe('lookup(engagement)', () => {
  const acme = loadAcme();
  const index = lookup(acme);

  it('finds every person, team, schedule, policy, service and SLA by id', () => {
    for (const p of acme.people) expect(index.person(p.id)).toBe(p);
    for (const t of acme.teams) expect(index.team(t.id)).toBe(t);
    for (const s of acme.schedules) expect(index.schedule(s.id)).toBe(s);
    for (const p of acme.escalationPolicies) expect(index.policy(p.id)).toBe(p);
    for (const s of acme.services) expect(index.service(s.id)).toBe(s);
    for (const s of acme.slas) expect(index.sla(s.id)).toBe(s);
  });

  it('answers undefined for an unknown id, and names fall back to the id', () => {
    expect(index.person('nobody')).toBeUndefined();
    expect(index.service('constructor')).toBeUndefined();
    expect(index.personName('dana')).toBe(acme.people[0]?.name);
    expect(index.personName('gone')).toBe('gone');
    expect(index.serviceName('gone')).toBe('gone');
  });

  it('is built once per engagement, and a copy with other lists gets its own', () => {
    expect(lookup(acme)).toBe(index);
    const copy: Engagement = { ...acme, schedules: [] };
    expect(lookup(copy).schedule('acme-primary')).toBeUndefined();
    expect(lookup(copy).person('dana')).toBe(index.person('dana'));
  });
});
