#!/usr/bin/env node
// npm run bench:compute — the pure computations the engine and the reports
// call in loops, on the demo engagement (demo/acme.yaml; New York, mon-fri
// 08:00-18:00, US holidays): mean time per call over many calls, after a
// warm-up, with its target. These were timed assertions in unit tests once;
// speed lives here instead, so a busy machine cannot fail `npm test`.
// Uses the compiled dist/ (run `npx tsc -p tsconfig.json` or `npm run build` first).
import { readFileSync } from 'node:fs';
import { cpus } from 'node:os';
import { join } from 'node:path';
import { ROOT, round } from './lib.js';

const dist = (p) => import(join(ROOT, 'dist', p));
const { loadEngagementText } = await dist('engagement/index.js');
const { holidaysFor } = await dist('coverage/holidays.js');
const { addBusinessMs, businessMsBetween } = await dist('coverage/business-time.js');
const { shifts } = await dist('schedule/on-call.js');
const { slaState } = await dist('sla/clock.js');

const H = 3_600_000;
const M = 60_000;
const file = join(ROOT, 'demo/acme.yaml');
const text = readFileSync(file, 'utf8');
const { engagement } = loadEngagementText(text, file);
if (!engagement) throw new Error('demo/acme.yaml did not load');

/** Mean milliseconds per call of `fn(i)` over `runs` calls, after `warm` warm-up calls. */
function perCall(fn, runs, warm = Math.min(runs, 10)) {
  for (let i = 0; i < warm; i++) fn(i);
  const t0 = performance.now();
  for (let i = 0; i < runs; i++) fn(i);
  return (performance.now() - t0) / runs;
}

const from2026 = Date.parse('2026-01-01T05:00:00Z');
const from2027 = Date.parse('2027-01-01T05:00:00Z');
const rotation = engagement.schedules.find((s) => s.id === 'nightowl-noc-oncall');
const businessSla = engagement.slas.find((s) => s.clock === 'business_hours');
if (!rotation || !businessSla) throw new Error('demo/acme.yaml has no daily rotation or business-hours SLA');

// A business-hours clock open two years with 400 waiting-on-customer pauses.
const opened = Date.parse('2026-01-05T14:00:00Z');
const history = [{ at: opened, status: 'triggered' }];
for (let d = 1; d <= 400; d++) {
  const day = opened + d * 40 * H;
  history.push({ at: day, status: 'waiting_on_customer' }, { at: day + 3 * H, status: 'acknowledged' });
}
const longClock = {
  engagement,
  sla: { ...businessSla, pauseWhile: ['waiting_on_customer'] },
  kind: 'resolve',
  priority: 'P1',
  openedAt: opened,
  history,
  stoppedAt: null,
};
const twoYearsLater = Date.parse('2028-01-05T17:00:00Z');

const check = holidaysFor(engagement);
const cases = [
  { name: 'load demo/acme.yaml (parse and validate)', ms: perCall(() => loadEngagementText(text, file), 20, 3), targetMs: 50 },
  { name: 'holiday check, repeated day', ms: perCall(() => check('2026-11-26'), 100_000, 1000), targetMs: 0.05 },
  { name: 'businessMsBetween over a year', ms: perCall(() => businessMsBetween(engagement, from2026, from2027), 50), targetMs: 10 },
  {
    name: 'addBusinessMs, 3 business days',
    ms: perCall((i) => addBusinessMs(engagement, Date.parse('2026-11-25T15:00:00Z') + i * M, 30 * H), 5000, 100),
    targetMs: 0.5,
  },
  {
    name: 'shifts of a daily rotation over a year',
    ms: perCall(() => shifts(rotation, from2027, Date.parse('2028-01-01T05:00:00Z')), 50),
    targetMs: 10,
  },
  {
    name: 'slaState, business clock open two years with 400 pauses',
    ms: perCall(() => slaState(longClock, twoYearsLater), 50),
    targetMs: 100,
  },
];

const results = cases.map((c) => ({ name: c.name, msPerCall: round(c.ms, 4), targetMs: c.targetMs, met: c.ms < c.targetMs }));
console.log(JSON.stringify({ benchmark: 'compute', node: process.version, cpus: cpus().length, results }, null, 2));
if (results.some((r) => !r.met)) process.exitCode = 1;
