/**
 * Incident priority: the engagement's severity x criticality matrix.
 */
import type { Engagement, Severity } from '../engagement/model.js';

export interface PriorityDecision {
  readonly priority: string;
  /** Whether incidents of this priority page anyone (`priorities.page`). */
  readonly pages: boolean;
  /** Why, for the timeline: "severity error x criticality 1". */
  readonly reason: string;
}

export function priorityFor(engagement: Engagement, severity: Severity, criticality: number): PriorityDecision {
  const row = engagement.priorities.matrix[severity];
  const column = Math.min(Math.max(Math.trunc(criticality), 1), 4) - 1;
  const priority = row[column] ?? row[row.length - 1] ?? 'P1';
  return {
    priority,
    pages: engagement.priorities.page.includes(priority),
    reason: `severity ${severity} x criticality ${column + 1}`,
  };
}

/** Sort rank of a priority: 0 for the most urgent. Unknown priorities sort last. */
export function priorityRank(engagement: Engagement, priority: string): number {
  const i = engagement.priorities.order.indexOf(priority);
  return i === -1 ? engagement.priorities.order.length : i;
}
