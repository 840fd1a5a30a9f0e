/**
 * What other parts of Tandem do when an incident opens or changes, inside
 * the same transaction (routing and escalation, SLA clocks). The incident
 * module does not know them; they register here (src/server/engines.ts), and
 * the engine modules and the API's commands are handed the lists.
 */
import type { IncidentChangeHook } from './changes.js';
import type { IncidentWriter } from './writer.js';
import type { IncidentRow } from '../db/schema.js';
import type { Engagement, Service } from '../engagement/model.js';
import type { RouteDecision } from '../routing/route.js';

export interface OpenedIncident {
  readonly incident: IncidentRow;
  readonly engagement: Engagement;
  readonly service: Service | undefined;
  /** Whether the priority pages anyone (`priorities.page`). */
  readonly pages: boolean;
  /** The routing decision made when it opened, when the opener made one (saves deciding twice). */
  readonly route?: RouteDecision;
}

/** The subscriber lists; writers are given these so commands reach `changed` from the API and from events alike. */
export interface IncidentHooks {
  opened: Array<(w: IncidentWriter, opened: OpenedIncident, at: number) => Promise<void>>;
  /** An incident's status or priority changed (a command ran). */
  changed: IncidentChangeHook[];
}

export function emptyHooks(): IncidentHooks {
  return { opened: [], changed: [] };
}
