/**
 * An incident row for table tests without a database: a triggered P1 on the
 * demo engagement's payments API, with whatever the test changes. Excluded
 * from the build (tsconfig.json), like every test-fixtures.ts.
 */
import type { IncidentRow } from '../db/schema.js';
import { incidentRow as openedRow } from './store.js';

/** A triggered P1 on acme's payments-api, opened at `created_at` (default 2026-11-25T04:47Z), overridden by `over`. */
export function incidentRow(over: Partial<IncidentRow> = {}): IncidentRow {
  const at = over.created_at ?? Date.parse('2026-11-25T04:47:00Z');
  // The row an incident opens with (incident/store.ts), then what the test changes.
  const opened = openedRow(
    {
      engagementId: 'acme',
      serviceId: 'payments-api',
      title: 'Payment API is down',
      severity: 'critical',
      priority: 'P1',
      groupKey: null,
      side: 'partner',
      at,
    },
    7,
    1,
  );
  return { ...opened, ...over };
}
