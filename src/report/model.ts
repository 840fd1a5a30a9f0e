/**
 * The data contract of the monthly operational review: everything the
 * document shows, already computed. Whoever aggregates incidents, SLA clocks
 * and pages fills this in; the renderers in this folder only lay it out, so a
 * figure in the PDF is always exactly the figure that was computed.
 *
 * Durations are seconds (`*_s`), `null` where nothing was measured (no
 * incident acknowledged, no clock run). Percentages are 0..100. Dates named
 * `date` are local calendar dates in the engagement's timezone; instants
 * (`at`, `start`, `openedAt`, `generatedAt`) are ISO 8601 with an offset or Z.
 */

/** The coverage windows of an engagement, in the order the review lists them. */
export type CoverageWindowName = 'business_hours' | 'after_hours' | 'weekend' | 'holiday';

/** One side of a co-managed engagement. */
export type ReviewSide = 'internal' | 'partner';

/** What an SLA target measures: time to acknowledge or time to resolve. */
export type SlaKind = 'respond' | 'resolve';

/** The headline figures of one month, shown as KPI tiles and compared month over month. */
export interface ReviewSummary {
  incidents: number;
  mtta_s: number | null;
  mttr_s: number | null;
  sla_attainment_pct: number | null;
  credit_amount: number;
  after_hours_pages: number;
  night_pages: number;
}

/** What Tandem knows of a ticket: pending (not created yet), open, in_progress, done or failed (never created). */
export type ReviewTicketState = 'pending' | 'open' | 'in_progress' | 'done' | 'failed';

/** One ticketing entry's month: the tickets of the incidents opened this month, in one system. */
export interface ReviewTicketing {
  /** The entry's id in the engagement file. */
  ticketing: string;
  /** jira | servicenow | connectwise. */
  system: string;
  /** Whose system it is. */
  side: ReviewSide;
  /** Incidents opened this month that have a ticket in the system (created: it has a key). */
  incidents: number;
  /** The tickets of those incidents by state (every state present, zero included). */
  byState: Record<ReviewTicketState, number>;
  /** Operations on those tickets that needed more than one attempt, whether they got through or not. */
  opsRetried: number;
  /** Operations on those tickets given up on (a permanent error, or out of attempts). */
  opsGivenUp: number;
  /** Each operation given up on, by incident: what it was and the system's error. */
  failures: Array<{ incident: string /* ACME-42 */; key: string | null; operation: string; error: string | null }>;
  /** Each ticket, by incident: its key (null until it is created) and state. */
  keys: Array<{ incident: string; key: string | null; state: string }>;
}

/** Everything the monthly operational review of one engagement shows. */
export interface MonthlyReview {
  engagement: {
    id: string;
    name: string;
    timezone: string;
    sides: { internal: string; partner: string };
    currency: string;
    monthlyFee: number;
  };
  /** The reviewed month, "YYYY-MM". */
  month: string;
  /** When the figures were computed (ISO instant). */
  generatedAt: string;
  /** Priority names, most urgent first, e.g. ["P1", "P2", "P3"]. */
  priorities: string[];
  /** This month. */
  summary: ReviewSummary;
  /** Last month, for deltas; null for the first month of an engagement. */
  previous: ReviewSummary | null;
  volumeByDay: Array<{ date: string /* YYYY-MM-DD local */; byPriority: Record<string, number> }>;
  responseByWindow: Array<{ window: CoverageWindowName; incidents: number; mtta_s: number | null; mttr_s: number | null }>;
  responseBySide: Array<{ side: ReviewSide; name: string; incidents: number; mtta_s: number | null; mttr_s: number | null }>;
  slaAttainment: Array<{ sla: string; priority: string; kind: SlaKind; total: number; met: number; breached: number; pct: number | null }>;
  breaches: Array<{
    incident: string /* ACME-12 */;
    title: string;
    service: string;
    sla: string;
    priority: string;
    kind: SlaKind;
    target_s: number;
    actual_s: number;
    openedAt: string;
    credit_percent: number;
    credit_amount: number;
  }>;
  credits: { percent: number; amount: number; currency: string; capped: boolean; capPercent: number };
  pagesByPerson: Array<{
    person: string;
    name: string;
    side: ReviewSide;
    pages: number;
    night_pages: number; /* 22:00-07:00 in their own tz */
  }>;
  noisyServices: Array<{ service: string; name: string; incidents: number; alerts: number; events: number }>;
  changes: Array<{
    at: string;
    service: string;
    summary: string;
    followedBy: Array<{ incident: string; title: string; minutesAfter: number }>;
  }>;
  coverageGaps: Array<{ schedule: string; start: string; end: string; hours: number }>;
  /** Oldest first, up to 6 months including this one. */
  trend: Array<{
    month: string;
    incidents: number;
    mtta_s: number | null;
    mttr_s: number | null;
    sla_attainment_pct: number | null;
    credits_amount: number;
  }>;
  /**
   * The tickets of the month's incidents, one item per ticketing entry of
   * the engagement, in the file's order. Absent or empty when the
   * engagement has no ticketing: the review then has no Tickets section.
   */
  tickets?: ReviewTicketing[];
  /**
   * Night pages above which a person is flagged as at risk of burnout.
   * Optional: the review uses {@link DEFAULT_NIGHT_PAGE_THRESHOLD} when absent.
   */
  nightPageThreshold?: number;
}

/** More night pages than this in a month flags a person (a page every week, plus one). */
export const DEFAULT_NIGHT_PAGE_THRESHOLD = 4;

/** How long after a change an incident counts as following it. */
export const CHANGE_FOLLOW_WINDOW_MINUTES = 120;
