/**
 * The dashboard's view of /api/v1: one fetch wrapper, and the response types.
 * Those come from the server's route schemas (src/api/types.ts, through the
 * `@api/*` alias, type-only), so a response change a view breaks on fails
 * `npm run build`. A 401 anywhere signs the dashboard out (see onUnauthorized).
 */
import type { CoverageWindow, Engagement, IncidentStatus, Role, Schedule, ShiftList, Side } from '@api/types';

export type {
  Alert,
  Change,
  Credits,
  Engagement,
  EngagementList,
  EngagementOnCall,
  EngagementResponse,
  EngagementSummary,
  FirstPage,
  Incident,
  IncidentDetail,
  IncidentDetailResponse,
  IncidentList,
  IncidentResponse,
  Ticket,
  Me,
  Metrics,
  MonthlyMetrics,
  OnCallList,
  OnCallPerson,
  QuarantinedEvent,
  QuarantinedList,
  RetryResult,
  Detection,
  FindingCounts,
  SecuritySummary,
  VulnerabilityFinding,
  ScheduleList,
  Shift,
  SlaClock,
  TimelineEntry,
} from '@api/types';

export type { CoverageWindow, Role, Side };
export type Status = IncidentStatus;
export const OPEN_STATUSES: readonly Status[] = ['triggered', 'acknowledged', 'waiting_on_customer', 'waiting_on_vendor'];

/** GET /engagements/{engagement}: the engagement file as the API shows it. */
export type EngagementDetail = Engagement;
/** One schedule of GET /schedules. */
export type ScheduleInfo = Schedule;
/** GET /schedules/{engagement}/{id}/shifts */
export type ShiftsResponse = ShiftList;

/** The coverage windows in the order the dashboard shows them (each one the API's). */
export const WINDOWS: readonly CoverageWindow[] = ['business_hours', 'after_hours', 'weekend', 'holiday'];

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

export async function api<T>(
  method: 'GET' | 'POST' | 'DELETE',
  path: string,
  body?: unknown,
  options: { signal?: AbortSignal; quiet401?: boolean } = {},
): Promise<T> {
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
