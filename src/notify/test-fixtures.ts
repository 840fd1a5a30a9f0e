/**
 * Messages for the notify tests: the demo story (Tuesday 23:47, payments
 * down, the partner NOC paged after hours) and an alert storm.
 */
import { VirtualClock } from '../clock/clock.js';
import type { IncidentRef, OutboundMessage } from './channel.js';

export const START = '2026-11-24T23:47:00Z';

export function testClock(): VirtualClock {
  return new VirtualClock(START);
}

const TANDEM = 'https://tandem.acme.example';

/** Signed links are long in real life; these are as long as Tandem's (a 43-character token). */
export function incident(n: number, overrides: Partial<IncidentRef> = {}): IncidentRef {
  const token = `${String(n).padStart(4, '0')}-k7Qz2mXb9LwR4tYp1NcVd8HsJf3GaE6uOi5`;
  return {
    id: n,
    number: `ACME-${n}`,
    title: 'Payment API down',
    priority: 'P1',
    status: 'triggered',
    severity: 'critical',
    service: { id: 'payments-api', name: 'Payment processing API' },
    createdAt: Date.parse(START),
    url: `${TANDEM}/incidents/${n}`,
    acknowledgeUrl: `${TANDEM}/a/${token}`,
    resolveUrl: `${TANDEM}/r/${token}`,
    ...overrides,
  };
}

export function pageMessage(overrides: Partial<OutboundMessage> = {}): OutboundMessage {
  return {
    id: 'dlv_01JD8X2R7Q4M9',
    channel: 'email',
    to: 'sam@nightowl.example',
    recipient: { kind: 'person', id: 'sam', name: 'Sam Okafor' },
    engagement: { id: 'acme', name: 'Acme Payments' },
    kind: 'page',
    incidents: [incident(42)],
    reason: 'Tier 1 of partner-noc (after hours: partner owns infrastructure)',
    ...overrides,
  };
}

export function bundleMessage(count: number, overrides: Partial<OutboundMessage> = {}): OutboundMessage {
  const incidents = Array.from({ length: count }, (_, i) =>
    incident(100 + i, {
      title: `Disk latency high on db-${i + 1}`,
      priority: i === 0 ? 'P1' : 'P3',
      service: { id: 'storefront', name: 'Web storefront' },
    }),
  );
  return pageMessage({
    id: 'dlv_bundle_1',
    kind: 'bundle',
    incidents,
    overviewUrl: `${TANDEM}/incidents?bundle=b1`,
    acknowledgeAllUrl: `${TANDEM}/a/bundle-b1-k7Qz2mXb9LwR4tYp1NcVd8HsJf3GaE6uOi5`,
    ...overrides,
  });
}
