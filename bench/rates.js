// How fast events were accepted and applied while a benchmark's load ran, from counts sampled in the database.
import { round } from './lib.js';

/**
 * Accepted and applied events per second over the same seconds of the load, from samples of
 * `{ s, total, waiting }` (seconds since the load started, events stored, events waiting to be applied): the
 * load's last three quarters, after the first batches have filled the pipeline (the events in flight at the stop
 * are `backlog_when_load_stopped`). Each rate is the least-squares slope of its count over every sample in that
 * window, not the difference of the window's two ends: the backlog at any moment swings by the batches in flight
 * (up to 500 events per apply worker), and two samples taken at different points of that swing would read as
 * growth or shrinkage. Application keeps pace when the two rates match; the backlog's growth per second is their
 * difference, and the smallest and largest backlog seen in the window show the swing. Null with fewer than three
 * samples in the window.
 */
export function ratesDuringLoad(samples) {
  const last = samples.at(-1);
  if (!last || last.s <= 0) return null;
  const window = samples.filter((x) => x.s >= last.s / 4);
  if (window.length < 3) return null;
  const accepted = slope(window, (x) => x.total);
  const applied = slope(window, (x) => x.total - x.waiting);
  const backlogs = window.map((x) => x.waiting);
  return {
    from_s: round(window[0].s, 1),
    to_s: round(last.s, 1),
    samples: window.length,
    accepted_events_per_s: round(accepted, 0),
    applied_events_per_s: round(applied, 0),
    applied_of_accepted: accepted > 0 ? round(applied / accepted, 3) : null,
    backlog_growth_events_per_s: round(accepted - applied, 0),
    backlog_min: Math.min(...backlogs),
    backlog_max: Math.max(...backlogs),
  };
}

/** The least-squares slope of `y` over the samples' seconds. */
function slope(samples, y) {
  const n = samples.length;
  const mx = samples.reduce((a, x) => a + x.s, 0) / n;
  const my = samples.reduce((a, x) => a + y(x), 0) / n;
  let sxy = 0;
  let sxx = 0;
  for (const x of samples) {
    sxy += (x.s - mx) * (y(x) - my);
    sxx += (x.s - mx) ** 2;
  }
  return sxx > 0 ? sxy / sxx : 0;
}
