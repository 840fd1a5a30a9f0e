import { describe, expect, it } from 'vitest';
import { createMetrics, registerBacklogGauges, registerTicketingMetrics } from './metrics.js';
import type { TicketingReading } from './metrics.js';

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

describe('the ticketing series', () => {
  const reading = (failed: number, failing: boolean): TicketingReading => ({
    integrations: [
      { engagement: 'acme', ticketing: 'acme-jira', system: 'jira', ops: { pending: 2, running: 1, done: 7, failed }, failing },
      {
        engagement: 'acme',
        ticketing: 'acme-snow',
        system: 'servicenow',
        ops: { pending: 0, running: 0, done: 0, failed: 0 },
        failing: false,
      },
    ],
    inbound: [{ engagement: 'acme', ticketing: 'acme-jira', result: 'done', count: 3 }],
  });

  it('show the outbox by status, the totals and whether each integration is up, read once per scrape', async () => {
    const metrics = createMetrics({ processMetrics: false });
    let reads = 0;
    registerTicketingMetrics(metrics, async () => {
      reads += 1;
      return reading(reads, reads > 1);
    });
    const first = await metrics.registry.metrics();
    expect(reads).toBe(1);
    const jira = 'engagement="acme",ticketing="acme-jira",system="jira"';
    expect(first).toContain(`tandem_ticket_ops{${jira},status="pending"} 2`);
    expect(first).toContain(`tandem_ticket_ops{${jira},status="running"} 1`);
    expect(first).toContain(`tandem_ticket_ops{${jira},status="failed"} 1`);
    expect(first).toContain(`tandem_ticket_ops_delivered_total{${jira}} 7`);
    expect(first).toContain(`tandem_ticket_ops_failed_total{${jira}} 1`);
    expect(first).toContain('tandem_ticket_inbound_total{engagement="acme",ticketing="acme-jira",result="done"} 3');
    expect(first).toContain(`tandem_ticketing_up{${jira}} 1`);
    // An integration that never had an operation is up, with zeros.
    expect(first).toContain('tandem_ticketing_up{engagement="acme",ticketing="acme-snow",system="servicenow"} 1');
    expect(first).toContain('tandem_ticket_ops_delivered_total{engagement="acme",ticketing="acme-snow",system="servicenow"} 0');
    const second = await metrics.registry.metrics();
    expect(reads).toBe(2);
    expect(second).toContain(`tandem_ticket_ops_failed_total{${jira}} 2`);
    expect(second).toContain(`tandem_ticketing_up{${jira}} 0`);
  });

  it('drop an integration that is gone, and keep the last values when the database does not answer', async () => {
    const metrics = createMetrics({ processMetrics: false });
    let next: TicketingReading | Error = reading(0, false);
    registerTicketingMetrics(metrics, async () => {
      if (next instanceof Error) throw next;
      return next;
    });
    await metrics.registry.metrics();
    next = { integrations: reading(0, false).integrations.slice(0, 1), inbound: [] };
    const fewer = await metrics.registry.metrics();
    expect(fewer).not.toContain('acme-snow');
    expect(fewer).not.toContain('tandem_ticket_inbound_total{');
    next = new Error('database unreachable');
    expect(await metrics.registry.metrics()).toContain('tandem_ticketing_up{engagement="acme",ticketing="acme-jira",system="jira"} 1');
  });
});
