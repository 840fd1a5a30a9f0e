/**
 * An incident row for table tests without a database: a triggered P1 on the
 * demo engagement's payments API, with whatever the test changes. Excluded
 * from the build (tsconfig.json), like every test-fixtures.ts.
 */
import type { IncidentRow } from '../db/schema.js';

/** A triggered P1 on acme's payments-api, opened at `created_at` (default 2026-11-25T04:47Z), overridden by `over`. */
export function incidentRow(over: Partial<IncidentRow> = {}): IncidentRow {
  const at = over.created_at ?? Date.parse('2026-11-25T04:47:00Z');
  return {
    id: 7,
    engagement_id: 'acme',
    number: 1,
    service_id: 'payments-api',
    title: 'Payment API is down',
    severity: 'critical',
    priority: 'P1',
    status: 'triggered',
    group_key: null,
    side: 'partner',
    created_at: at,
    updated_at: at,
    acknowledged_at: null,
    acknowledged_by: null,
    resolved_at: null,
    resolved_by: null,
    alert_count: 1,
    open_alert_count: 1,
    ...over,
  };
}
