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
import type * as events from './schema/events.js';
import type * as incidents from './schema/incidents.js';
import type * as reports from './schema/reports.js';
import type * as risk from './schema/risk.js';
import type * as security from './schema/security.js';
import type * as schedules from './schema/schedules.js';
import type * as session from './schema/session.js';
import type * as vulnerabilities from './schema/vulnerabilities.js';

type Out<T extends z.ZodType> = z.output<T>;

// ---- incidents
export type Incident = Out<typeof incidents.Incident>;
export type IncidentStatus = Incident['status'];
export type Side = NonNullable<Incident['side']>;
export type SlaClock = Out<typeof incidents.SlaClock>;
export type Alert = Out<typeof incidents.Alert>;
export type TimelineEntry = Out<typeof incidents.TimelineEntry>;
export type IncidentDetail = Out<typeof incidents.IncidentDetail>;
/** One ticket of an incident in an external system (GET /incidents/{id}) */
export type Ticket = Out<typeof incidents.Ticket>;
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

// ---- on call and schedules
export type OnCallPerson = Out<typeof schedules.OnCallPerson>;
export type FirstPage = Out<typeof schedules.FirstPage>;
export type EngagementOnCall = Out<typeof schedules.EngagementOnCall>;
export type CoverageWindow = EngagementOnCall['coverage']['window'];
export type Schedule = Out<typeof schedules.Schedule>;
export type Shift = Out<typeof schedules.Shift>;
/** GET /on-call */
export type OnCallList = Out<typeof schedules.OnCallList>;
/** GET /schedules */
export type ScheduleList = Out<typeof schedules.ScheduleList>;
/** GET /schedules/{engagement}/{id}/shifts */
export type ShiftList = Out<typeof schedules.ShiftList>;
/** GET /schedules/{engagement}/{id}/on-call */
export type ScheduleOnCallResponse = Out<typeof schedules.ScheduleOnCallResponse>;

// ---- metrics, credits, risk
/** GET /engagements/{engagement}/metrics */
export type Metrics = Out<typeof reports.Metrics>;
/** GET /engagements/{engagement}/metrics/monthly */
export type MonthlyMetrics = Out<typeof reports.MonthlyMetrics>;
/** GET /engagements/{engagement}/credits */
export type Credits = Out<typeof reports.Credits>;
/** GET /engagements/{engagement}/risk */
export type Risk = Out<typeof risk.Risk>;
/** POST /engagements/{engagement}/simulate */
export type Simulation = Out<typeof risk.Simulation>;

// ---- the event pipeline, sessions
export type QuarantinedEvent = Out<typeof events.QuarantinedEvent>;
/** GET /events/quarantined */
export type QuarantinedList = Out<typeof events.QuarantinedList>;
/** POST /events/quarantined/retry */
export type RetryResult = Out<typeof events.RetryResult>;
/** GET /events/backlog */
export type Backlog = Out<typeof events.Backlog>;
/** POST /session */
export type Session = Out<typeof session.Session>;

// ---- security
export type Detection = Out<typeof security.Detection>;
export type FindingCounts = Out<typeof security.FindingCounts>;
/** One finding of GET /vulnerabilities (and of the summary's next_due) */
export type VulnerabilityFinding = Out<typeof vulnerabilities.Finding>;
/** GET /security */
export type SecuritySummary = Out<typeof security.SecuritySummary>;
