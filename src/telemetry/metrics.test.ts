import { describe, expect, it } from 'vitest';
import { createMetrics, registerBacklogGauges } from './metrics.js';

describe('the event backlog gauges', () => {
  it('read the backlog once per scrape, and afresh at the next', async () => {
    const metrics = createMetrics({ processMetrics: false });
    let reads = 0;
    registerBacklogGauges(metrics, async () => {
      reads += 1;
      return { waiting: reads * 10, oldestAgeSeconds: reads, quarantined: reads * 2 };
    });
    const first = await metrics.registry.metrics();
    expect(reads).toBe(1);
    expect(first).toMatch(/^tandem_event_backlog_events 10$/m);
    expect(first).toMatch(/^tandem_event_backlog_oldest_age_seconds 1$/m);
    expect(first).toMatch(/^tandem_events_quarantined 2$/m);
    const second = await metrics.registry.metrics();
    expect(reads).toBe(2);
    expect(second).toMatch(/^tandem_event_backlog_events 20$/m);
  });

  it('keep the last values when the database does not answer', async () => {
    const metrics = createMetrics({ processMetrics: false });
    let fail = false;
    registerBacklogGauges(metrics, async () => {
      if (fail) throw new Error('database unreachable');
      return { waiting: 3, oldestAgeSeconds: 4, quarantined: 5 };
    });
    await metrics.registry.metrics();
    fail = true;
    expect(await metrics.registry.metrics()).toMatch(/^tandem_event_backlog_events 3$/m);
  });
});
