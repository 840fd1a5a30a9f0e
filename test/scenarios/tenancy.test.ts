/**
 * Every API call is authenticated and scoped to an engagement: a token for
 * Acme cannot read or change Globex (404, as if it did not exist), a viewer
 * cannot acknowledge (403), no token is 401, integration keys only ingest.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { databaseKinds } from '../support/databases.js';
import { startHarness } from '../support/harness.js';
import type { Harness } from '../support/harness.js';
import { DEMO, ROOT } from '../support/paths.js';

/** What the ingest contract speaks of; routing, paging and delivery entries are the response engine's. */
const isIncidentOrAlert = (kind: string) => kind.startsWith('incident.') || kind.startsWith('alert.') || kind === 'note';

const GLOBEX = `${ROOT}test/fixtures/deployments/globex.yaml`;

describe.each(databaseKinds())('tenant isolation, on $name', (kind) => {
  let h: Harness;
  let acmeIncident: number;
  let globexIncident: number;
  let acmeViewer: string;
  let acmeResponder: string;
  let globexAdmin: string;

  beforeAll(async () => {
    h = await startHarness(kind, { config: [DEMO, GLOBEX] });
    await h.ingest('/v2/enqueue', {
      routing_key: '9f1c2a7e5b3d4c6e8a0b1d2f3e4a5b6c',
      event_action: 'trigger',
      payload: { summary: 'Acme down', source: 'a', severity: 'critical' },
    });
    await h.ingest('/v2/enqueue', {
      routing_key: 'globex-pd-5e1d0c7a9b2f4e3d8c6a1b0f',
      event_action: 'trigger',
      payload: { summary: 'Globex down', source: 'g', severity: 'critical' },
    });
    await h.settle();
    acmeViewer = await h.token('viewer', ['acme']);
    acmeResponder = await h.token('responder', ['acme']);
    globexAdmin = await h.token('admin', ['globex']);
    const a = (await h.api('GET', '/incidents', acmeViewer)).json<{ incidents: Array<{ id: number; number: string }> }>().incidents;
    const g = (await h.api('GET', '/incidents', globexAdmin)).json<{ incidents: Array<{ id: number; number: string }> }>().incidents;
    expect(a.map((i) => i.number)).toEqual(['ACME-1']);
    expect(g.map((i) => i.number)).toEqual(['GLOBEX-1']);
    acmeIncident = a[0]?.id ?? 0;
    globexIncident = g[0]?.id ?? 0;
  });
  afterAll(async () => h.close());

  it('no token is 401 AUTH_REQUIRED; a wrong one is 401 AUTH_INVALID', async () => {
    const none = await h.api('GET', '/incidents');
    expect(none.statusCode).toBe(401);
    expect(none.json()).toMatchObject({ error: { code: 'AUTH_REQUIRED', field: 'Authorization' } });
    const wrong = await h.api('GET', '/incidents', 'tdm_not-a-real-token');
    expect(wrong.statusCode).toBe(401);
    expect(wrong.json()).toMatchObject({ error: { code: 'AUTH_INVALID' } });
  });

  it('an integration key is not an API token', async () => {
    const res = await h.api('GET', '/incidents', '9f1c2a7e5b3d4c6e8a0b1d2f3e4a5b6c');
    expect(res.statusCode).toBe(401);
  });

  it("a token for Acme cannot see Globex's incident: 404 by id and by number", async () => {
    for (const ref of [String(globexIncident), 'GLOBEX-1']) {
      const res = await h.api('GET', `/incidents/${ref}`, acmeViewer);
      expect(res.statusCode).toBe(404);
      expect(res.json()).toMatchObject({ error: { code: 'NOT_FOUND' } });
    }
    expect((await h.api('GET', '/engagements/globex', acmeViewer)).statusCode).toBe(404);
    expect((await h.api('GET', '/incidents?engagement=globex', acmeViewer)).statusCode).toBe(404);
    const services = (await h.api('GET', '/services', acmeViewer)).json<{ services: Array<{ engagement: string }> }>().services;
    expect(new Set(services.map((s) => s.engagement))).toEqual(new Set(['acme']));
  });

  it("a token for Acme cannot change Globex's incident: 404, and nothing changed", async () => {
    for (const action of ['acknowledge', 'resolve']) {
      const res = await h.api('POST', `/incidents/${globexIncident}/${action}`, acmeResponder);
      expect(res.statusCode).toBe(404);
    }
    expect((await h.api('POST', `/incidents/${globexIncident}/notes`, acmeResponder, { text: 'sneaky' })).statusCode).toBe(404);
    const g = (await h.api('GET', `/incidents/${globexIncident}`, globexAdmin)).json<{
      incident: { status: string; timeline: Array<{ kind: string }> };
    }>().incident;
    expect(g.status).toBe('triggered');
    expect(g.timeline.some((t) => t.kind === 'note')).toBe(false);
  });

  it('a viewer cannot acknowledge, resolve or add notes (403) and nothing changes', async () => {
    for (const [action, body] of [
      ['acknowledge', undefined],
      ['resolve', undefined],
      ['notes', { text: 'hi' }],
    ] as const) {
      const res = await h.api('POST', `/incidents/${acmeIncident}/${action}`, acmeViewer, body);
      expect(res.statusCode).toBe(403);
      expect(res.json()).toMatchObject({ error: { code: 'FORBIDDEN' } });
    }
    const i = (await h.api('GET', `/incidents/${acmeIncident}`, acmeViewer)).json<{ incident: { status: string } }>().incident;
    expect(i.status).toBe('triggered');
  });

  it('a responder acknowledges, adds a note and resolves; the timeline records who', async () => {
    expect((await h.api('POST', `/incidents/${acmeIncident}/acknowledge`, acmeResponder)).json()).toMatchObject({
      incident: { status: 'acknowledged' },
    });
    expect((await h.api('POST', `/incidents/ACME-1/notes`, acmeResponder, { text: 'Restarted the pod' })).statusCode).toBe(201);
    expect((await h.api('POST', `/incidents/${acmeIncident}/resolve`, acmeResponder)).json()).toMatchObject({
      incident: { status: 'resolved' },
    });
    const again = await h.api('POST', `/incidents/${acmeIncident}/acknowledge`, acmeResponder);
    expect(again.statusCode).toBe(409);
    expect(again.json()).toMatchObject({ error: { code: 'INVALID_TRANSITION' } });
    const i = (await h.api('GET', `/incidents/${acmeIncident}`, acmeViewer)).json<{
      incident: { timeline: Array<{ kind: string; message: string; actor: { type: string } }> };
    }>().incident;
    expect(i.timeline.map((t) => t.kind).filter(isIncidentOrAlert)).toEqual([
      'incident.triggered',
      'alert.triggered',
      'incident.acknowledged',
      'note',
      'alert.resolved',
      'incident.resolved',
    ]);
    expect(i.timeline.filter((t) => isIncidentOrAlert(t.kind))[3]).toMatchObject({
      message: 'Restarted the pod',
      actor: { type: 'token' },
    });
  });

  it('the timeline cannot be rewritten, not even with SQL', async () => {
    await expect(h.tandem.database.db.updateTable('timeline').set({ message: 'edited' }).execute()).rejects.toThrow(/append-only/);
    await expect(h.tandem.database.db.deleteFrom('timeline').execute()).rejects.toThrow(/append-only/);
  });

  it('a token covering both engagements (the partner) sees both', async () => {
    const partner = await h.token('viewer', ['acme', 'globex']);
    const list = (await h.api('GET', '/incidents', partner)).json<{ incidents: Array<{ number: string; engagement: string }> }>().incidents;
    expect(list.map((i) => i.number).sort()).toEqual(['ACME-1', 'GLOBEX-1']);
  });
});
