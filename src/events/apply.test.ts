/**
 * The event-applying engine module on both databases: many events for the
 * same keys in one batch give exactly what applying them one at a time gives.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { databaseKinds } from '../../test/support/databases.js';
import { startHarness } from '../../test/support/harness.js';
import type { Harness } from '../../test/support/harness.js';

/** What the ingest contract speaks of; routing, paging and delivery entries are the response engine's. */
const isIncidentOrAlert = (kind: string) => kind.startsWith('incident.') || kind.startsWith('alert.') || kind === 'note';

const PD = '9f1c2a7e5b3d4c6e8a0b1d2f3e4a5b6c';
const OTHER = '0a1b2c3d4e5f60718293a4b5c6d7e8f9';
const trigger = (dedup: string, summary = dedup, key = PD) => ({
  routing_key: key,
  event_action: 'trigger',
  dedup_key: dedup,
  payload: { summary, source: 's', severity: 'critical' },
});
const act = (action: string, dedup: string, key = PD) => ({ routing_key: key, event_action: action, dedup_key: dedup });

describe.each(databaseKinds())('applying events in batches, on $name', (kind) => {
  let h: Harness;
  let token: string;
  beforeEach(async () => {
    h = await startHarness(kind);
    token = await h.token('viewer');
  });
  afterEach(async () => h.close());

  async function sendAll(bodies: unknown[]) {
    for (const b of bodies) {
      expect((await h.ingest('/v2/enqueue', b)).statusCode).toBe(202);
      h.clock.advance(1000);
    }
    // One settle after all: every event lands in one batch.
    await h.settle();
  }
  type Detail = {
    number: string;
    status: string;
    alerts: Array<{ status: string; summary: string; event_count: number }>;
    timeline: Array<{ kind: string; at: string }>;
  };
  async function all(): Promise<Detail[]> {
    const list = (await h.api('GET', '/incidents?limit=200', token)).json<{ incidents: Array<{ id: number }> }>().incidents.reverse();
    return Promise.all(list.map(async (i) => (await h.api('GET', `/incidents/${i.id}`, token)).json<{ incident: Detail }>().incident));
  }

  it('trigger, re-triggers, acknowledge, resolve and a new trigger of one key in a single batch', async () => {
    await sendAll([
      trigger('k', 'first'),
      trigger('k', 'second'),
      act('acknowledge', 'k'),
      trigger('k', 'third'),
      act('resolve', 'k'),
      trigger('k', 'again'),
    ]);
    const [first, second, ...rest] = await all();
    expect(rest).toHaveLength(0);
    expect(first?.status).toBe('resolved');
    expect(first?.alerts[0]).toMatchObject({ status: 'resolved', summary: 'third', event_count: 5 });
    expect(first?.timeline.map((t) => t.kind).filter(isIncidentOrAlert)).toEqual([
      'incident.triggered',
      'alert.triggered',
      'alert.retriggered',
      'alert.acknowledged',
      'incident.acknowledged',
      'alert.retriggered',
      'alert.resolved',
      'incident.resolved',
    ]);
    // The timeline is in the order things happened.
    const times = first?.timeline.filter((t) => isIncidentOrAlert(t.kind)).map((t) => Date.parse(t.at)) ?? [];
    expect([...times].sort((a, b) => a - b)).toEqual(times);
    expect(second).toMatchObject({ number: 'ACME-2', status: 'triggered' });
    expect(second?.alerts[0]).toMatchObject({ summary: 'again', event_count: 1 });
  });

  it("a resolve event counts on its own alert; a person's resolve closes the open alerts with the incident", async () => {
    await sendAll([trigger('by-event'), act('resolve', 'by-event'), trigger('by-person')]);
    const admin = await h.token('admin');
    const [byEvent, byPerson] = await all();
    expect((await h.api('POST', `/incidents/${byPerson?.number}/resolve`, admin)).statusCode).toBe(200);
    await h.settle();
    type Entry = { kind: string; message: string };
    const detail = async (number: string | undefined) =>
      (await h.api('GET', `/incidents/${number}`, token)).json<{ incident: Detail & { timeline: Entry[] } }>().incident;

    const event = await detail(byEvent?.number);
    expect(event.status).toBe('resolved');
    expect(event.alerts).toEqual([expect.objectContaining({ status: 'resolved', event_count: 2 })]);
    const eventResolves = event.timeline.filter((t) => t.kind === 'alert.resolved');
    expect(eventResolves).toHaveLength(1);
    expect(eventResolves[0]?.message).not.toMatch(/with the incident/);

    const person = await detail(byPerson?.number);
    expect(person.status).toBe('resolved');
    expect(person.alerts).toEqual([expect.objectContaining({ status: 'resolved', event_count: 1 })]);
    const personResolves = person.timeline.filter((t) => t.kind === 'alert.resolved');
    expect(personResolves).toHaveLength(1);
    expect(personResolves[0]?.message).toMatch(/^Alert resolved with the incident by /);
  });

  it('the same dedup key on two services is two alerts that never touch', async () => {
    await sendAll([trigger('shared', 'on payments'), trigger('shared', 'on storefront', OTHER), act('resolve', 'shared', OTHER)]);
    const incidents = await all();
    expect(incidents.map((i) => i.status)).toEqual(['triggered', 'resolved']);
  });

  it('a thousand events over fifty keys: one incident per key, every event counted once', async () => {
    const bodies = Array.from({ length: 1000 }, (_, i) => trigger(`key-${i % 50}`, `event ${i}`));
    await sendAll(bodies);
    const incidents = await all();
    expect(incidents).toHaveLength(50);
    expect(incidents.reduce((n, i) => n + (i.alerts[0]?.event_count ?? 0), 0)).toBe(1000);
    expect(incidents.every((i) => i.timeline.filter((t) => t.kind === 'alert.retriggered').length === 19)).toBe(true);
  });

  it('change events open nothing; /changes lists them newest first, by service and from an instant', async () => {
    const change = (summary: string, key = PD, extra: Record<string, unknown> = {}) => ({
      routing_key: key,
      payload: { summary, source: 'ci', ...extra },
    });
    const start = h.clock.now();
    for (const body of [change('Deploy v41'), change('Flag flip', OTHER), change('Deploy v42', PD, { custom_details: { sha: 'abc' } })]) {
      expect((await h.ingest('/v2/change/enqueue', body)).statusCode).toBe(202);
      h.clock.advance(1000);
    }
    await h.settle();
    expect(await all()).toHaveLength(0);
    type Change = { service: string; summary: string; source: string | null; details: unknown; at: string };
    const list = async (query: string) => (await h.api('GET', `/changes${query}`, token)).json<{ changes: Change[] }>().changes;
    expect((await list('')).map((c) => c.summary)).toEqual(['Deploy v42', 'Flag flip', 'Deploy v41']);
    expect(await list('?service=payments-api&limit=1')).toEqual([
      {
        id: expect.any(Number),
        engagement: 'acme',
        service: 'payments-api',
        at: new Date(start + 2000).toISOString(),
        summary: 'Deploy v42',
        source: 'ci',
        details: { custom_details: { sha: 'abc' } },
      },
    ]);
    expect((await list(`?since=${new Date(start + 1000).toISOString()}`)).map((c) => c.summary)).toEqual(['Deploy v42', 'Flag flip']);
  });
});
