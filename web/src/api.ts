/**
 * The dashboard's view of /api/v1: one fetch wrapper, and the response types.
 * Those come from the server's route schemas (src/api/types.ts, through the
 * `@api/*` alias, type-only), so a response change a view breaks on fails
 * `npm run build`. A 401 anywhere signs the dashboard out (see onUnauthorized).
 */
import type { Engagement, IncidentStatus, Role, Side } from '@api/types';

export type {
  Alert,
  Change,
  Engagement,
  EngagementList,
  EngagementResponse,
  EngagementSummary,
  Incident,
  IncidentDetail,
  IncidentDetailResponse,
  IncidentList,
  IncidentResponse,
  Me,
  SlaClock,
  TimelineEntry,
} from '@api/types';

export type { Role, Side };
export type Status = IncidentStatus;
export const OPEN_STATUSES: readonly Status[] = ['triggered', 'acknowledged', 'waiting_on_customer', 'waiting_on_vendor'];

/** GET /engagements/{engagement}: the engagement file as the API shows it. */
export type EngagementDetail = Engagement;

export type CoverageWindow = 'business_hours' | 'after_hours' | 'weekend' | 'holiday';
export const WINDOWS: readonly CoverageWindow[] = ['business_hours', 'after_hours', 'weekend', 'holiday'];

export interface OnCallPerson {
  person: string;
  name: string;
  side: Side | null;
  until: string | null;
}

export interface EngagementOnCall {
  id: string;
  name: string;
  timezone: string;
  coverage: { window: CoverageWindow; label: string; holiday: string | null; until: string | null; owners: Record<string, Side> };
  sides: Record<Side, { name: string; functions: string[]; on_call: Array<OnCallPerson & { schedule: string }>; pages: FirstPage[] }>;
  schedules: Array<{ id: string; timezone: string; on_call: OnCallPerson[]; next_change: string | null }>;
}

/** Whom a side's policy for one function would page first now; `tier` null when nobody. */
export interface FirstPage {
  function: string;
  policy: string | null;
  tier: number | null;
  targets: Array<{ target: string; people: Array<{ person: string; name: string }>; email: string | null }>;
}

export interface ScheduleInfo {
  id: string;
  engagement: string;
  timezone: string;
  layers: Array<{ layer: number; rotation: { every: string; handoff: string; start: string; members: Array<{ person: string; name: string; side: Side | null }> }; only: Array<{ days: string[]; from: string; to: string }> | null }>;
  overrides: Array<{ person: string; name: string; side: Side | null; from: string; to: string; start: string; end: string }>;
  members: Array<{ person: string; name: string; side: Side | null; calendar_url: string }>;
  on_call: OnCallPerson[];
  next_change: string | null;
  calendar_url: string;
}

export interface Shift {
  person: string;
  name: string;
  side: Side | null;
  start: string;
  end: string;
  source: 'layer' | 'override';
  layer: number | null;
}

export interface ShiftsResponse {
  schedule: { id: string; engagement: string; timezone: string };
  from: string;
  to: string;
  shifts: Shift[];
  gaps: Array<{ start: string; end: string }>;
}

export interface Breakdown {
  incidents: number;
  mtta_s: number | null;
  mttr_s: number | null;
}

export interface Metrics extends Breakdown {
  engagement: string;
  from: string;
  to: string;
  by_priority: Array<Breakdown & { priority: string }>;
  by_side: Array<Breakdown & { side: Side | null; name: string }>;
  by_window: Array<Breakdown & { window: string }>;
  by_service: Array<Breakdown & { service: string; name: string }>;
  sla_attainment: Array<{ sla: string; priority: string; kind: string; total: number; met: number; breached: number; pct: number | null }>;
  pages: Array<{ person: string; name: string; side: Side | null; pages: number; night_pages: number }>;
  noisy_services: Array<{ service: string; name: string; incidents: number; alerts: number; events: number }>;
  sla_attainment_pct?: number | null;
}

export interface MonthlyMetrics {
  currency?: string;
  months: Array<{ month: string; incidents: number; mtta_s: number | null; mttr_s: number | null; sla_attainment_pct: number | null; credits_amount: number | null }>;
}

export interface Credits {
  month: string;
  breaches: Array<{ incident: string; sla: string; priority: string; kind: string }>;
  credit_percent: number;
  credit_amount: number;
  currency: string;
  capped: boolean;
}

/** An accepted event the engine could not apply (GET /events/quarantined). */
export interface QuarantinedEvent {
  id: number;
  engagement: string;
  service: string;
  integration: string;
  kind: string;
  received_at: string;
  request_id: string | null;
  quarantined_at: string;
  error: string;
  raw: string;
  raw_truncated: boolean;
}

export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly field: string | null = null,
  ) {
    super(message);
  }
}

let unauthorized: () => void = () => undefined;

/** Called whenever the server answers 401: the session ended or never began. */
export function onUnauthorized(handler: () => void): void {
  unauthorized = handler;
}

function isErrorBody(v: unknown): v is { error: { code: string; message: string; field?: string } } {
  if (typeof v !== 'object' || v === null || !('error' in v)) return false;
  const e = (v as { error: unknown }).error;
  return typeof e === 'object' && e !== null && 'code' in e && 'message' in e;
}

export async function api<T>(method: 'GET' | 'POST' | 'DELETE', path: string, body?: unknown, options: { signal?: AbortSignal; quiet401?: boolean } = {}): Promise<T> {
  const init: RequestInit = { method, credentials: 'same-origin', headers: { accept: 'application/json' } };
  if (options.signal) init.signal = options.signal;
  if (body !== undefined) {
    init.headers = { accept: 'application/json', 'content-type': 'application/json' };
    init.body = JSON.stringify(body);
  }
  let res: Response;
  try {
    res = await fetch(`/api/v1${path}`, init);
  } catch (err) {
    if (err instanceof DOMException && err.name === 'AbortError') throw err;
    throw new ApiError(0, 'NETWORK', 'The server cannot be reached. Check your connection; the page retries on its own.');
  }
  if (res.status === 204) return undefined as T;
  const text = await res.text();
  let parsed: unknown = undefined;
  try {
    parsed = text ? (JSON.parse(text) as unknown) : undefined;
  } catch {
    parsed = undefined;
  }
  if (!res.ok) {
    if (res.status === 401 && !options.quiet401) unauthorized();
    if (isErrorBody(parsed)) throw new ApiError(res.status, parsed.error.code, parsed.error.message, parsed.error.field ?? null);
    throw new ApiError(res.status, `HTTP_${res.status}`, `The server answered ${res.status}.`);
  }
  return parsed as T;
}

/** Whether an error means "this endpoint is not on this server (yet)". */
export function isMissingEndpoint(err: unknown): boolean {
  return err instanceof ApiError && err.status === 404 && err.code === 'ROUTE_NOT_FOUND';
}

export const canRespond = (role: Role | undefined): boolean => role === 'admin' || role === 'responder';
