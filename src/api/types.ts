/**
 * The API's response types, derived from the route schemas (src/api/schema)
 * and nowhere written by hand. The dashboard imports them type-only through
 * the `@api/*` path alias (web/tsconfig.json, web/vite.config.ts), so a
 * response that changes in a way a view breaks on fails `npm run build`, and
 * the web bundle carries no zod. Add a type here when a view reads a new
 * response.
 */
import type { z } from 'zod';
import type * as engagements from './schema/engagements.js';
import type * as incidents from './schema/incidents.js';

type Out<T extends z.ZodType> = z.output<T>;

// ---- incidents
export type Incident = Out<typeof incidents.Incident>;
export type IncidentStatus = Incident['status'];
export type Side = NonNullable<Incident['side']>;
export type SlaClock = Out<typeof incidents.SlaClock>;
export type Alert = Out<typeof incidents.Alert>;
export type TimelineEntry = Out<typeof incidents.TimelineEntry>;
export type IncidentDetail = Out<typeof incidents.IncidentDetail>;
/** GET /incidents */
export type IncidentList = Out<typeof incidents.IncidentList>;
/** Every incident action (acknowledge, resolve, status, priority, notes) */
export type IncidentResponse = Out<typeof incidents.IncidentResponse>;
/** GET /incidents/{id} */
export type IncidentDetailResponse = Out<typeof incidents.IncidentDetailResponse>;

// ---- engagements, services, changes, the caller
export type Me = Out<typeof engagements.Me>;
export type Role = Me['token']['role'];
export type EngagementSummary = Out<typeof engagements.EngagementSummary>;
export type Engagement = Out<typeof engagements.Engagement>;
export type Service = Out<typeof engagements.Service>;
export type Change = Out<typeof engagements.Change>;
/** GET /engagements */
export type EngagementList = Out<typeof engagements.EngagementList>;
/** GET /engagements/{engagement} */
export type EngagementResponse = Out<typeof engagements.EngagementResponse>;
/** GET /services */
export type ServiceList = Out<typeof engagements.ServiceList>;
/** GET /changes */
export type ChangeList = Out<typeof engagements.ChangeList>;
