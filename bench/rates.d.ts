// Types of bench/rates.js, for the tests that check it (test/bench/rates.test.ts).

/** One count taken while the load ran. */
export interface EventCountSample {
  /** Seconds since the load started. */
  readonly s: number;
  /** Events stored. */
  readonly total: number;
  /** Events waiting to be applied. */
  readonly waiting: number;
}

export interface RatesDuringLoad {
  readonly from_s: number;
  readonly to_s: number;
  readonly samples: number;
  readonly accepted_events_per_s: number;
  readonly applied_events_per_s: number;
  readonly applied_of_accepted: number | null;
  readonly backlog_growth_events_per_s: number;
  readonly backlog_min: number;
  readonly backlog_max: number;
}

export function ratesDuringLoad(samples: readonly EventCountSample[]): RatesDuringLoad | null;
