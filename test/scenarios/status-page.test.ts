/**
 * The public status page (issue 13): Acme's customers and staff open
 * /status/acme without signing in. Tuesday evening the payments API fails
 * (P1) and the shop slows down (P3): the page says Payments is down and the
 * online shop degraded, a P5 on staff laptops changes nothing, and no word of
 * what the engineers see (titles, numbers, people, notes) reaches it. An
 * admin publishes a note, updates it and resolves it; the HTML, the JSON and
 * the Atom feed follow. Engagements without a status page, and unknown ones,
 * are the same 404.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { LightMyRequestResponse } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { databaseKinds } from '../support/databases.js';
import { startHarness } from '../support/harness.js';
import type { Harness } from '../support/harness.js';
import { FIXTURES } from '../support/paths.js';
import { STATUS_KEYS, statusDemo } from '../support/status-page.js';

const GLOBEX = join(FIXTURES, 'deployments/globex.yaml');
const PUBLIC_URL = ['--public-url', 'https://status.acme.example'];

interface StatusJson {
  engagement: string;
  title: string;
  description: string | null;
  url: string;
  updated_at: string;
  status: { state: string; description: string };
  components: Array<{ name: string; description: string | null; state: string; maintenance_until: string | null }>;
  notes: Array<{
    id: number;
    title: string;
    state: string;
    components: string[];
    resolved_at: string | null;
    updates: Array<{ at: string; state: string; text: string }>;
  }>;
}

interface NoteJson {
  id: number;
  engagement: string;
  title: string;
  state: string;
  components: string[];
  incident: { id: number; number: string } | null;
  created_by: string;
  resolved_at: string | null;
  updates: Array<{ state: string; text: string; author: string }>;
}

async function get(h: Harness, url: string): Promise<LightMyRequestResponse> {
  return h.tandem.http.inject({ method: 'GET', url });
}

async function statusJson(h: Harness): Promise<StatusJson> {
  const res = await get(h, '/status/acme.json');
  expect(res.statusCode).toBe(200);
  return res.json<StatusJson>();
}

const statesOf = (doc: StatusJson) => Object.fromEntries(doc.components.map((c) => [c.name, c.state]));

async function pd(h: Harness, key: string, dedup: string, summary: string, severity: string, action = 'trigger', details: object = {}) {
  const res = await h.ingest('/v2/enqueue', {
    routing_key: key,
    event_action: action,
    dedup_key: dedup,
    payload: { summary, source: `${dedup}.prod.acme.internal`, severity, custom_details: details },
  });
  expect(res.statusCode).toBe(202);
}

async function generic(h: Harness, key: string, dedup: string, summary: string, severity: string) {
  const res = await h.ingest(`/integrations/generic/${key}`, { summary, severity, dedup_key: dedup, source: `${dedup}-host` });
  expect(res.statusCode).toBe(202);
}

describe.each(databaseKinds())('the public status page, on $name', (kind) => {
  let h: Harness;
  let dir: string;
  let admin: string;

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'tandem-status-'));
    h = await startHarness(kind, { config: [statusDemo(dir), GLOBEX], start: '2026-11-24T22:00:00Z', extraArgs: PUBLIC_URL });
    admin = await h.token('admin');
  });
  afterAll(async () => {
    await h?.close();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('shows every component operational with nothing open, as HTML, JSON and an empty feed, without signing in', async () => {
    const page = await get(h, '/status/acme');
    expect(page.statusCode).toBe(200);
    expect(page.headers['content-type']).toBe('text/html; charset=utf-8');
    expect(page.headers['cache-control']).toBe('public, max-age=30');
    expect(String(page.headers['content-security-policy'])).toMatch(/^default-src 'none'; style-src 'sha256-/);
    expect(page.body).toContain('<h1>Acme IT services</h1>');
    expect(page.body).toContain('All systems operational');
    // Self-contained: no script, no stylesheet, image or font from anywhere.
    expect(page.body).not.toMatch(/<script|<img|<iframe|rel="stylesheet"|src=|href="https?:/i);

    const doc = await statusJson(h);
    expect(doc).toMatchObject({
      engagement: 'acme',
      title: 'Acme IT services',
      description: "The services Acme's customers and staff rely on, as they are now.",
      url: 'https://status.acme.example/status/acme',
      updated_at: '2026-11-24T22:00:00.000Z',
      status: { state: 'operational', description: 'All systems operational' },
      notes: [],
    });
    expect(doc.components).toEqual([
      { name: 'Payments', description: 'Card payments and refunds', state: 'operational', maintenance_until: null },
      { name: 'Online shop', description: null, state: 'operational', maintenance_until: null },
      { name: 'Staff devices and sign-in', description: null, state: 'operational', maintenance_until: null },
    ]);

    const feed = await get(h, '/status/acme/feed.atom');
    expect(feed.statusCode).toBe(200);
    expect(feed.headers['content-type']).toBe('application/atom+xml; charset=utf-8');
    expect(feed.headers['cache-control']).toBe('public, max-age=60');
    expect(feed.headers['access-control-allow-origin']).toBe('*');
    expect(feed.body).toMatch(/^<\?xml version="1\.0" encoding="utf-8"\?>\n<feed xmlns="http:\/\/www\.w3\.org\/2005\/Atom">/);
    expect(feed.body).toContain('<id>https://status.acme.example/status/acme</id>');
    expect(feed.body).toContain('<title>Acme IT services: notices</title>');
    expect(feed.body).toContain('<updated>2026-11-24T22:00:00.000Z</updated>');
    expect(feed.body).not.toContain('<entry>');
  });

  it('answers the same 404 for an unknown engagement and for one without a status page', async () => {
    const unknown = await get(h, '/status/nope');
    const globex = await get(h, '/status/globex');
    expect(unknown.statusCode).toBe(404);
    expect(globex.statusCode).toBe(404);
    expect(globex.body).toBe(unknown.body);
    expect(globex.headers['content-type']).toBe('text/html; charset=utf-8');
    expect(globex.body).toContain('Status page not found');
    expect(globex.body).not.toMatch(/globex/i);
    for (const path of ['.json', '/feed.atom']) {
      const a = await get(h, `/status/nope${path}`);
      const b = await get(h, `/status/globex${path}`);
      expect([a.statusCode, b.statusCode]).toEqual([404, 404]);
      expect(a.json<{ error: { code: string } }>().error.code).toBe('NOT_FOUND');
      expect(b.body.replace('globex', 'nope')).toBe(a.body);
    }
    expect((await get(h, '/status/ACME')).statusCode).toBe(404);
  });

  it('Tuesday 17:00 in New York: payments down (P1) is an outage, a slow shop (P3) degraded, a P5 on laptops nothing', async () => {
    await pd(h, STATUS_KEYS.payments, 'pay-5xx', 'payments-api 5xx above 40% on pay-db-07', 'critical');
    await pd(h, STATUS_KEYS.storefront, 'shop-p95', 'storefront checkout p95 4.2 s', 'warning');
    await generic(h, STATUS_KEYS.laptops, 'printer-3f', 'Printer on floor 3 offline', 'warning');
    await h.settle();

    const doc = await statusJson(h);
    expect(statesOf(doc)).toEqual({ Payments: 'outage', 'Online shop': 'degraded', 'Staff devices and sign-in': 'operational' });
    expect(doc.status).toEqual({ state: 'outage', description: 'Some systems are down' });

    const page = (await get(h, '/status/acme')).body;
    expect(page).toContain('Some systems are down');
    expect(page).toMatch(/<li data-state="outage"><span class="name">Payments<span class="desc">Card payments and refunds<\/span><\/span>/);
    expect(page).toMatch(/<li data-state="degraded"><span class="name">Online shop<\/span>[\s\S]*?Degraded performance/);
  });

  it('publishes an admin note on the page, the JSON and the feed; updates it; resolves it', async () => {
    const created = await h.api('POST', '/status-notes', admin, {
      engagement: 'acme',
      title: 'Card payments failing for some customers',
      components: ['payments', 'Online shop'],
      state: 'outage',
      text: 'Some card payments are declined. We are working on it.',
      incident: 'ACME-1',
    });
    expect(created.statusCode).toBe(201);
    const note = created.json<{ note: NoteJson }>().note;
    expect(note).toMatchObject({
      engagement: 'acme',
      title: 'Card payments failing for some customers',
      components: ['Payments', 'Online shop'],
      state: 'outage',
      incident: { number: 'ACME-1' },
      resolved_at: null,
      updates: [{ state: 'outage', text: 'Some card payments are declined. We are working on it.' }],
    });
    expect(note.created_by).toMatch(/^token:/);

    let doc = await statusJson(h);
    expect(statesOf(doc)).toEqual({ Payments: 'outage', 'Online shop': 'outage', 'Staff devices and sign-in': 'operational' });
    expect(doc.notes).toMatchObject([
      {
        id: note.id,
        title: 'Card payments failing for some customers',
        state: 'outage',
        components: ['Payments', 'Online shop'],
        resolved_at: null,
        updates: [{ at: '2026-11-24T22:00:00.000Z', state: 'outage', text: 'Some card payments are declined. We are working on it.' }],
      },
    ]);
    expect(JSON.stringify(doc)).not.toContain('ACME-1');

    h.clock.advance(20 * 60_000);
    const updated = await h.api('POST', `/status-notes/${note.id}/updates`, admin, {
      text: 'A fix is being deployed; payments recover.',
      state: 'degraded',
      components: ['Payments'],
    });
    expect(updated.statusCode).toBe(201);
    doc = await statusJson(h);
    expect(doc.notes[0]?.updates.map((u) => [u.state, u.text])).toEqual([
      ['degraded', 'A fix is being deployed; payments recover.'],
      ['outage', 'Some card payments are declined. We are working on it.'],
    ]);
    // The note no longer names the shop: its P3 alone degrades it; a note never makes payments look better than its P1.
    expect(statesOf(doc)).toEqual({ Payments: 'outage', 'Online shop': 'degraded', 'Staff devices and sign-in': 'operational' });

    let feed = (await get(h, '/status/acme/feed.atom')).body;
    expect(feed).toContain(`<id>tag:status.acme.example,2026-11-24:acme/notes/${note.id}</id>`);
    expect(feed).toContain('<title>Card payments failing for some customers</title>');
    expect(feed).toContain('<updated>2026-11-24T22:20:00.000Z</updated>');
    expect(feed).toContain('<published>2026-11-24T22:00:00.000Z</published>');
    expect(feed).toContain(`<link rel="alternate" type="text/html" href="https://status.acme.example/status/acme#note-${note.id}"/>`);
    expect(feed).toContain('<summary>Degraded performance: A fix is being deployed; payments recover.</summary>');
    expect(feed).toContain('<content type="html">&lt;p&gt;&lt;strong&gt;Degraded performance&lt;/strong&gt;');

    const page = (await get(h, '/status/acme')).body;
    expect(page).toContain(`<article id="note-${note.id}" aria-labelledby="note-${note.id}-title">`);
    expect(page).toContain('A fix is being deployed; payments recover.');
    expect(page).toContain('<time datetime="2026-11-24T22:20:00.000Z">Nov 24, 2026, 5:20 PM EST</time>');

    h.clock.advance(40 * 60_000);
    await pd(h, STATUS_KEYS.payments, 'pay-5xx', 'payments-api 5xx above 40% on pay-db-07', 'critical', 'resolve');
    await h.settle();
    const resolved = await h.api('POST', `/status-notes/${note.id}/resolve`, admin);
    expect(resolved.statusCode).toBe(200);
    expect(resolved.json<{ note: NoteJson }>().note).toMatchObject({
      state: 'resolved',
      resolved_at: '2026-11-24T23:00:00.000Z',
      updates: [{ state: 'outage' }, { state: 'degraded' }, { state: 'resolved', text: 'This issue is resolved.' }],
    });
    // Resolving again changes nothing.
    const again = await h.api('POST', `/status-notes/${note.id}/resolve`, admin, { text: 'twice' });
    expect(again.json<{ note: NoteJson }>().note.updates).toHaveLength(3);

    // The incident the note was written for records what the public was told, and when, on its timeline.
    const incident = (await h.api('GET', '/incidents/ACME-1', admin)).json<{
      incident: { timeline: Array<{ at: string; kind: string; message: string }> };
    }>().incident;
    expect(incident.timeline.filter((e) => e.kind === 'status.note').map((e) => [e.at, e.message])).toEqual([
      [
        '2026-11-24T22:00:00.000Z',
        `Status page note ${note.id} published (outage; Payments, Online shop): Some card payments are declined. We are working on it.`,
      ],
      ['2026-11-24T22:20:00.000Z', `Status page note ${note.id} updated (degraded; Payments): A fix is being deployed; payments recover.`],
      ['2026-11-24T23:00:00.000Z', `Status page note ${note.id} resolved (resolved; Payments): This issue is resolved.`],
    ]);

    doc = await statusJson(h);
    expect(statesOf(doc)).toEqual({ Payments: 'operational', 'Online shop': 'degraded', 'Staff devices and sign-in': 'operational' });
    expect(doc.notes[0]).toMatchObject({ state: 'resolved', resolved_at: '2026-11-24T23:00:00.000Z' });
    expect((await get(h, '/status/acme')).body).toContain('Resolved in the last 7 days');
    feed = (await get(h, '/status/acme/feed.atom')).body;
    expect(feed).toContain('<title>Resolved: Card payments failing for some customers</title>');

    // A week later the resolved note has left the page (the admin list keeps it for 30 days).
    h.clock.advance(7 * 86_400_000 + 60_000);
    expect((await statusJson(h)).notes).toEqual([]);
    const listed = (await h.api('GET', '/status-notes?engagement=acme', await h.token('viewer'))).json<{ notes: NoteJson[] }>();
    expect(listed.notes.map((n) => n.id)).toEqual([note.id]);
  });

  it('refuses bad notes with the field at fault, non-admins with 403, notes of unseen engagements with 404', async () => {
    const viewer = await h.token('viewer');
    const globexAdmin = await h.token('admin', ['globex']);
    const good = { engagement: 'acme', title: 'Slow checkout', components: ['Online shop'], state: 'degraded', text: 'Checkout is slow.' };
    const fails = async (token: string, body: unknown, status: number, code: string, field?: string) => {
      const res = await h.api('POST', '/status-notes', token, body);
      expect(res.statusCode, JSON.stringify(body)).toBe(status);
      expect(res.json<{ error: { code: string; field?: string } }>().error).toMatchObject({ code, ...(field ? { field } : {}) });
    };
    await fails(viewer, good, 403, 'FORBIDDEN');
    await fails(admin, { ...good, components: ['Mainframe'] }, 400, 'INVALID_BODY', 'components');
    await fails(admin, { ...good, components: [] }, 400, 'INVALID_BODY', 'components');
    await fails(admin, { ...good, state: 'on fire' }, 400, 'INVALID_BODY', 'state');
    await fails(admin, { ...good, state: 'resolved' }, 400, 'INVALID_BODY', 'state');
    await fails(admin, { ...good, text: '   ' }, 400, 'INVALID_BODY', 'text');
    await fails(admin, { ...good, text: 'x'.repeat(5001) }, 400, 'INVALID_BODY', 'text');
    await fails(admin, { ...good, title: 'nul\u0000' }, 400, 'INVALID_BODY', 'title');
    await fails(admin, { ...good, incident: 'ACME-999' }, 400, 'INVALID_BODY', 'incident');
    await fails(admin, { ...good, incident: 'GLOBEX-1' }, 400, 'INVALID_BODY', 'incident');
    await fails(admin, { ...good, engagement: 'globex' }, 404, 'NOT_FOUND', 'engagement');
    await fails(globexAdmin, { ...good, engagement: 'globex' }, 400, 'INVALID_BODY', 'engagement');
    await fails(globexAdmin, good, 404, 'NOT_FOUND', 'engagement');
    await fails(admin, { ...good, title: undefined }, 400, 'INVALID_BODY', 'title');

    const created = (await h.api('POST', '/status-notes', admin, good)).json<{ note: NoteJson }>().note;
    const other = async (token: string, path: string, body: unknown, status: number, code: string) => {
      const res = await h.api('POST', path, token, body);
      expect(res.statusCode, path).toBe(status);
      expect(res.json<{ error: { code: string } }>().error.code).toBe(code);
    };
    await other(globexAdmin, `/status-notes/${created.id}/updates`, { text: 'hello' }, 404, 'NOT_FOUND');
    await other(viewer, `/status-notes/${created.id}/resolve`, {}, 403, 'FORBIDDEN');
    await other(admin, '/status-notes/999999/updates', { text: 'hello' }, 404, 'NOT_FOUND');
    await other(admin, '/status-notes/abc/resolve', {}, 404, 'NOT_FOUND');
    await other(admin, `/status-notes/${created.id}/updates`, { text: 'x', components: ['Nope'] }, 400, 'INVALID_BODY');
    expect((await h.api('POST', `/status-notes/${created.id}/resolve`, admin, { text: 'Checkout is fast again.' })).statusCode).toBe(200);
    await other(admin, `/status-notes/${created.id}/updates`, { text: 'too late' }, 409, 'INVALID_TRANSITION');
    const listed = await h.api('GET', '/status-notes?engagement=globex', admin);
    expect(listed.statusCode).toBe(404);
  });
});

describe.each(databaseKinds())('planned work on the status page, on $name', (kind) => {
  let h: Harness;
  let dir: string;
  const WINDOW = [
    'maintenance:',
    '  - { services: [laptops], from: "2026-11-24T16:00", to: "2026-11-24T18:00", reason: "Intune re-enrolment of FIN-LAPTOP fleet" }',
  ].join('\n');

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'tandem-status-maint-'));
    h = await startHarness(kind, { config: [statusDemo(dir, WINDOW)], start: '2026-11-24T21:30:00Z', extraArgs: PUBLIC_URL });
  });
  afterAll(async () => {
    await h?.close();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('shows the component under maintenance until the window ends, without its reason, and its open incident after', async () => {
    // 16:30 in New York: the laptops' window runs until 18:00; an alert during it opens a P3 that pages nobody.
    await generic(h, STATUS_KEYS.laptops, 'mdm-1', 'MDM enrolment failing on 40 laptops', 'critical');
    await h.settle();
    let doc = await statusJson(h);
    expect(doc.components[2]).toEqual({
      name: 'Staff devices and sign-in',
      description: null,
      state: 'maintenance',
      maintenance_until: '2026-11-24T23:00:00.000Z',
    });
    expect(doc.status).toEqual({ state: 'maintenance', description: 'Maintenance in progress' });
    const page = (await get(h, '/status/acme')).body;
    expect(page).toContain('Under maintenance');
    expect(page).toContain('until <time datetime="2026-11-24T23:00:00.000Z">Nov 24, 2026, 6:00 PM EST</time>');
    for (const body of [page, JSON.stringify(doc)]) expect(body).not.toMatch(/Intune|FIN-LAPTOP|MDM/);

    // 18:00: the window is over and the incident is still open: the component is degraded.
    h.clock.set('2026-11-24T23:00:00Z');
    await h.settle();
    doc = await statusJson(h);
    expect(doc.components[2]).toMatchObject({ state: 'degraded', maintenance_until: null });

    // An admin opens a window through the API for the shop; ending it early ends it on the page too.
    const admin = await h.token('admin');
    const created = await h.api('POST', '/maintenance-windows', admin, {
      engagement: 'acme',
      services: ['storefront'],
      to: '2026-11-25T01:00:00Z',
      reason: 'CDN origin cut-over to eu-west-2',
    });
    expect(created.statusCode).toBe(201);
    doc = await statusJson(h);
    expect(doc.components[1]).toMatchObject({ name: 'Online shop', state: 'maintenance', maintenance_until: '2026-11-25T01:00:00.000Z' });
    expect(JSON.stringify(doc)).not.toMatch(/CDN|eu-west-2/);
    const id = created.json<{ window: { id: number } }>().window.id;
    expect((await h.api('POST', `/maintenance-windows/${id}/end`, admin, {})).statusCode).toBe(200);
    expect((await statusJson(h)).components[1]).toMatchObject({ state: 'operational', maintenance_until: null });
  });
});

describe.each(databaseKinds())('nothing internal reaches the status page, on $name', (kind) => {
  let h: Harness;
  let dir: string;

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'tandem-status-leak-'));
    h = await startHarness(kind, { config: [statusDemo(dir)], start: '2026-11-25T04:47:00Z', extraArgs: PUBLIC_URL });
  });
  afterAll(async () => {
    await h?.close();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('shows states and published notes only: no incident title, number, person, email, timeline text, service id or internal note', async () => {
    const titles = {
      payments: 'PAYDB-PRIMARY-07 OOM-killed: failover to pay-db-08 (ask Lee Park)',
      shop: 'storefront-k8s-node-3 disk 97% /var/lib/docker',
      edr: 'Mimikatz on FIN-LAPTOP-22 (user j.doe@acme.example)',
      laptops: 'VPN concentrator vpn-02 rejecting MFA',
    };
    await pd(h, STATUS_KEYS.payments, 'db-oom-pay07', titles.payments, 'critical', 'trigger', {
      runbook: 'https://wiki.acme.internal/rb/42',
    });
    await pd(h, STATUS_KEYS.storefront, 'k8s-disk-n3', titles.shop, 'error');
    await generic(h, STATUS_KEYS.edr, 'mimikatz-22', titles.edr, 'critical');
    await generic(h, STATUS_KEYS.laptops, 'vpn-mfa', titles.laptops, 'critical');
    await h.settle();
    const dana = await h.token('responder', ['acme'], 'dana');
    const admin = await h.token('admin', ['acme'], 'dana');
    const internalNote = 'Internal: root password for pay-db-07 rotated, see vault path secret/pay';
    expect((await h.api('POST', '/incidents/ACME-1/acknowledge', dana)).statusCode).toBe(200);
    expect((await h.api('POST', '/incidents/ACME-1/notes', dana, { text: internalNote })).statusCode).toBe(201);
    h.clock.advance(16 * 60_000);
    await h.settle(); // escalation pages more people; their names land on timelines
    const published = await h.api('POST', '/status-notes', admin, {
      engagement: 'acme',
      title: 'Payments unavailable',
      components: ['Payments'],
      state: 'outage',
      text: 'Card payments are failing. Next update in 30 minutes.',
      incident: 'ACME-1',
    });
    expect(published.statusCode).toBe(201);
    expect(published.json<{ note: NoteJson }>().note.created_by).toBe('person:dana');

    const incidents = (await h.api('GET', '/incidents?limit=50', admin)).json<{ incidents: Array<{ number: string; id: number }> }>()
      .incidents;
    expect(incidents).toHaveLength(4);
    const timelines = await Promise.all(
      incidents.map(async (i) =>
        (await h.api('GET', `/incidents/${i.number}`, admin)).json<{ incident: { timeline: Array<{ message: string }> } }>(),
      ),
    );
    const timelineTexts = timelines.flatMap((t) => t.incident.timeline.map((e) => e.message)).filter((m) => m.length > 12);
    expect(timelineTexts.length).toBeGreaterThan(8);

    const engagement = h.tandem.deployment.engagement('acme');
    if (!engagement) throw new Error('no acme');
    const forbidden: string[] = [
      ...Object.values(titles),
      internalNote,
      'pay-db-07',
      'wiki.acme.internal',
      'db-oom-pay07',
      'prod.acme.internal',
      ...incidents.flatMap((i) => [i.number, `"incident":${i.id}`]),
      'ACME-',
      ...engagement.people.flatMap((p) => [p.name, `person:${p.id}`, ...(p.contact.email ? [p.contact.email] : [])]),
      'token:',
      ...engagement.teams.flatMap((t) => [t.name, ...(t.email ? [t.email] : [])]),
      ...engagement.services.map((s) => s.name),
      'NightOwl',
      ...timelineTexts,
    ];
    const ids = [
      ...engagement.services.map((s) => s.id),
      ...engagement.schedules.map((s) => s.id),
      ...engagement.escalationPolicies.map((p) => p.id),
    ];

    const bodies = {
      html: (await get(h, '/status/acme')).body,
      json: (await get(h, '/status/acme.json')).body,
      atom: (await get(h, '/status/acme/feed.atom')).body,
    };
    for (const [name, body] of Object.entries(bodies)) {
      const leaked = forbidden.filter((text) => body.includes(text));
      expect(leaked, name).toEqual([]);
      const leakedIds = ids.filter((id) => new RegExp(`(?<![\\w-])${id.replace(/[.-]/g, '\\$&')}(?![\\w-])`).test(body));
      expect(leakedIds, name).toEqual([]);
      expect(body, name).toContain('Card payments are failing. Next update in 30 minutes.');
    }
    const doc = JSON.parse(bodies.json) as StatusJson;
    expect(statesOf(doc)).toEqual({ Payments: 'outage', 'Online shop': 'degraded', 'Staff devices and sign-in': 'degraded' });
    // Exactly the published shape: no key beyond the contract's.
    expect(Object.keys(doc).sort()).toEqual(['components', 'description', 'engagement', 'notes', 'status', 'title', 'updated_at', 'url']);
    expect(Object.keys(doc.notes[0] ?? {}).sort()).toEqual([
      'components',
      'created_at',
      'id',
      'resolved_at',
      'state',
      'title',
      'updated_at',
      'updates',
    ]);
    expect(Object.keys(doc.notes[0]?.updates[0] ?? {}).sort()).toEqual(['at', 'state', 'text']);
  });
});
