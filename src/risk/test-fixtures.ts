/**
 * Builders for risk and simulation tests: the demo engagement files as the
 * loader reads them, New York wall-clock instants, and incident facts
 * written as "opened then, acknowledged so many minutes later".
 */
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import type { Engagement } from '../engagement/model.js';
import { loadEngagementText } from '../engagement/index.js';
import type { IncidentFact } from '../metrics/store.js';
import { wall } from '../coverage/test-fixtures.js';

export const M = 60_000;
export const NY = 'America/New_York';

/** A demo file (demo/acme.yaml, demo/internal-only.yaml) as the loader reads it. */
export function demoFile(name: 'acme.yaml' | 'internal-only.yaml'): Engagement {
  const path = fileURLToPath(new URL(`../../demo/${name}`, import.meta.url));
  const loaded = loadEngagementText(readFileSync(path, 'utf8'), `demo/${name}`);
  if (!loaded.engagement) throw new Error(`demo/${name} does not load: ${loaded.diagnostics.map((d) => d.message).join('; ')}`);
  return loaded.engagement;
}

/** A New York wall-clock time ("2026-11-24T23:47") as an instant. */
export const ny = (local: string): number => wall(NY, local);

let nextId = 1;

/** An incident fact: opened at `at`, acknowledged `ackMin` minutes later (null: never), resolved `resolveMin` after opening. */
export function fact(o: {
  service: string;
  at: number;
  side: 'internal' | 'partner' | null;
  ackMin: number | null;
  resolveMin?: number | null;
  priority?: string;
}): IncidentFact {
  const id = nextId++;
  return {
    id,
    number: id,
    serviceId: o.service,
    title: `incident ${id}`,
    priority: o.priority ?? 'P1',
    severity: 'critical',
    side: o.side,
    status: o.resolveMin === null ? (o.ackMin === null ? 'triggered' : 'acknowledged') : 'resolved',
    createdAt: o.at,
    acknowledgedAt: o.ackMin === null ? null : o.at + o.ackMin * M,
    acknowledgedBy: null,
    resolvedAt: o.resolveMin === null ? null : o.at + (o.resolveMin ?? 60) * M,
    alertCount: 1,
  };
}
