/**
 * Who is on call, on each side, and the calendars people subscribe to.
 *
 * Tuesday 2026-11-24, 23:47 in New York: payments are down. The dashboard
 * must say at a glance that the internal side has nobody on call (its
 * rotation covers weekdays 08:00-18:00 only) and that NightOwl's NOC has Ana.
 * Wednesday at 10:00 it is Lee. The week's shifts show Lee covering the
 * Friday after Thanksgiving as an override, and the nights and the weekend
 * as gaps. Engineers subscribe to their shifts from a calendar app, which
 * sends no credentials: the unguessable URL is the credential, and a wrong
 * or borrowed token gets the same 404 as a missing calendar.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CalendarLinks } from '../../src/calendar/links.js';
import { presentEngagementOnCall } from '../../src/api/schedule-presenters.js';
import { serverSecret } from '../../src/secrets/secrets.js';
import { databaseKinds } from '../support/databases.js';
import { startHarness } from '../support/harness.js';
import type { Harness } from '../support/harness.js';
import { DEMO, ROOT } from '../support/paths.js';

const GLOBEX = `${ROOT}test/fixtures/deployments/globex.yaml`;
/** Tuesday 2026-11-24 23:47 in New York (EST, UTC-5). */
const TUESDAY_NIGHT = '2026-11-25T04:47:00Z';
/** Wednesday 2026-11-25 10:00 in New York. */
const WEDNESDAY_10AM = '2026-11-25T15:00:00Z';
const DAY = 24 * 60 * 60 * 1000;

interface OnCallPerson {
  person: string;
  name: string;
  side: string | null;
  until: string | null;
}
interface SideOnCall {
  name: string;
  functions: string[];
  on_call: Array<OnCallPerson & { schedule: string }>;
  pages: Array<{
    function: string;
    policy: string | null;
    tier: number | null;
    targets: Array<{ target: string; people: Array<{ person: string; name: string }>; email: string | null }>;
  }>;
}
interface EngagementOnCall {
  id: string;
  coverage: { window: string; holiday: string | null; until: string | null; owners: Record<string, string> };
  sides: { internal: SideOnCall; partner: SideOnCall };
  schedules: Array<{ id: string; on_call: OnCallPerson[]; next_change: string | null }>;
}
interface ScheduleListing {
  id: string;
  engagement: string;
  timezone: string;
  layers: Array<{ layer: number; rotation: { every: string; handoff: string; members: Array<{ person: string }> }; only: unknown }>;
  overrides: Array<{ person: string; from: string; to: string; start: string; end: string }>;
  members: Array<{ person: string; name: string; calendar_url: string }>;
  on_call: OnCallPerson[];
  calendar_url: string;
}
interface ShiftsAnswer {
  from: string;
  to: string;
  shifts: Array<{
    person: string;
    name: string;
    side: string;
    start: string;
    end: string;
    source: 'layer' | 'override';
    layer: number | null;
  }>;
  gaps: Array<{ start: string; end: string }>;
}

/** An iCalendar body as events: property name (parameters dropped) -> value, lines unfolded. */
function parseIcal(body: string): { calendar: Record<string, string>; events: Array<Record<string, string>> } {
  expect(body.endsWith('\r\n')).toBe(true);
  const lines = body
    .replace(/\r\n[ \t]/g, '')
    .split('\r\n')
    .filter((l) => l !== '');
  expect(lines[0]).toBe('BEGIN:VCALENDAR');
  expect(lines[lines.length - 1]).toBe('END:VCALENDAR');
  const calendar: Record<string, string> = {};
  const events: Array<Record<string, string>> = [];
  let event: Record<string, string> | undefined;
  for (const line of lines) {
    const colon = line.indexOf(':');
    const name = line.slice(0, colon).split(';')[0] ?? '';
    const value = line.slice(colon + 1);
    if (line === 'BEGIN:VEVENT') event = {};
    else if (line === 'END:VEVENT') {
      if (event) events.push(event);
      event = undefined;
    } else if (event) event[name] = value;
    else calendar[name] = value;
  }
  return { calendar, events };
}

/** "20261125T180000Z" -> epoch ms. */
function icalInstant(text: string | undefined): number {
  const m = /^(\d{4})(\d{2})(\d{2})T(\d{2})(\d{2})(\d{2})Z$/.exec(text ?? '');
  expect(m, `UTC DATE-TIME: ${text ?? 'missing'}`).not.toBeNull();
  return m ? Date.UTC(Number(m[1]), Number(m[2]) - 1, Number(m[3]), Number(m[4]), Number(m[5]), Number(m[6])) : NaN;
}

describe.each(databaseKinds())('schedules and calendar feeds, on $name', (kind) => {
  let h: Harness;
  let viewer: string;
  let listing: ScheduleListing[];

  /** Fetches a feed exactly as a calendar app would: the URL's path, no Authorization header. */
  const fetchFeed = (url: string) => h.tandem.http.inject({ method: 'GET', url: new URL(url).pathname });
  const schedule = (id: string): ScheduleListing => {
    const s = listing.find((x) => x.id === id);
    if (!s) throw new Error(`no schedule ${id} in the listing`);
    return s;
  };

  beforeAll(async () => {
    h = await startHarness(kind, { config: [DEMO, GLOBEX], start: TUESDAY_NIGHT });
    viewer = await h.token('viewer', ['acme']);
    const res = await h.api('GET', '/schedules', viewer);
    expect(res.statusCode).toBe(200);
    listing = res.json<{ schedules: ScheduleListing[] }>().schedules;
  });
  afterAll(async () => h.close());

  it('Tuesday 23:47: after hours, the partner owns infrastructure, Ana is on the NOC and the internal side has nobody', async () => {
    const res = await h.api('GET', '/on-call', viewer);
    expect(res.statusCode).toBe(200);
    const body = res.json<{ at: string; engagements: EngagementOnCall[] }>();
    expect(body.at).toBe('2026-11-25T04:47:00.000Z');
    // The token sees Acme only, although the server also hosts Globex.
    expect(body.engagements.map((e) => e.id)).toEqual(['acme']);
    const acme = body.engagements[0];
    expect(acme?.coverage).toMatchObject({ window: 'after_hours', holiday: null, until: '2026-11-25T13:00:00.000Z' });
    expect(acme?.coverage.owners).toEqual({ infrastructure: 'partner', cloud: 'partner', security: 'partner', end_user: 'internal' });

    expect(acme?.sides.internal).toMatchObject({ name: 'Acme IT', functions: ['end_user'], on_call: [] });
    expect(acme?.sides.partner.name).toBe('NightOwl MSP');
    expect(acme?.sides.partner.on_call).toContainEqual({
      schedule: 'nightowl-noc-oncall',
      person: 'ana',
      name: 'Ana Souza',
      side: 'partner',
      until: '2026-11-25T18:00:00.000Z',
    });

    const primary = acme?.schedules.find((s) => s.id === 'acme-primary');
    expect(primary).toEqual({ id: 'acme-primary', timezone: 'America/New_York', on_call: [], next_change: '2026-11-25T13:00:00.000Z' });
  });

  it('Tuesday 23:47: nobody is on call in an internal schedule, but the internal side is not unattended: its end-user policy pages the acme-it team', async () => {
    const acme = (await h.api('GET', '/on-call', viewer)).json<{ engagements: EngagementOnCall[] }>().engagements[0];
    expect(acme?.sides.internal.on_call).toEqual([]);
    expect(acme?.sides.internal.pages).toEqual([
      {
        function: 'end_user',
        policy: 'internal-helpdesk',
        tier: 1,
        targets: [
          {
            target: 'team:acme-it',
            people: [
              { person: 'dana', name: 'Dana Reyes', side: 'internal' },
              { person: 'lee', name: 'Lee Park', side: 'internal' },
            ],
            email: null,
          },
        ],
      },
    ]);
    // The partner's first tiers page whoever is on call in its schedules: Ana on the NOC, Kim on the SOC this week.
    expect(
      acme?.sides.partner.pages.map(
        (p) =>
          `${p.function}: ${p.policy} tier ${p.tier} -> ${p.targets.map((t) => `${t.target} (${t.people.map((x) => x.name).join(', ')})`).join('; ')}`,
      ),
    ).toEqual([
      'infrastructure: partner-noc tier 1 -> schedule:nightowl-noc-oncall (Ana Souza)',
      'cloud: partner-noc tier 1 -> schedule:nightowl-noc-oncall (Ana Souza)',
      'security: partner-soc tier 1 -> schedule:nightowl-soc-oncall (Kim Tan)',
    ]);
  });

  it('whom a side pages first skips a tier in a schedule gap, as escalation does, and is null when nobody would be paged', () => {
    const acme = h.tandem.deployment.engagement('acme');
    if (!acme) throw new Error('no acme');
    const saturday = Date.parse('2026-11-28T16:00:00Z'); // Saturday 11:00 New York: acme-primary (weekdays only) has a gap
    const helpdesk = acme.escalationPolicies.find((p) => p.id === 'internal-helpdesk');
    const [teamTier] = helpdesk?.tiers ?? [];
    if (!teamTier) throw new Error('no internal-helpdesk tier');
    // internal-helpdesk variant: tier 1 the acme-primary schedule, tier 2 the acme-it team.
    const tiers = [{ ...teamTier, targets: [{ kind: 'schedule' as const, id: 'acme-primary' }] }, teamTier];
    const gapFirst = {
      ...acme,
      escalationPolicies: acme.escalationPolicies.map((p) => (p.id === 'internal-helpdesk' ? { ...p, tiers } : p)),
    };
    expect(presentEngagementOnCall(gapFirst, saturday).sides.internal.pages).toEqual([
      {
        function: 'end_user',
        policy: 'internal-helpdesk',
        tier: 2,
        targets: [
          {
            target: 'team:acme-it',
            people: [
              { person: 'dana', name: 'Dana Reyes', side: 'internal' },
              { person: 'lee', name: 'Lee Park', side: 'internal' },
            ],
            email: null,
          },
        ],
      },
    ]);
    const onlyGap = {
      ...acme,
      escalationPolicies: acme.escalationPolicies.map((p) => (p.id === 'internal-helpdesk' ? { ...p, tiers: tiers.slice(0, 1) } : p)),
    };
    expect(presentEngagementOnCall(onlyGap, saturday).sides.internal.pages).toEqual([
      { function: 'end_user', policy: 'internal-helpdesk', tier: null, targets: [] },
    ]);
  });

  it('Wednesday 10:00: business hours, Lee is on call internally until 18:00', async () => {
    const res = await h.api('GET', `/on-call?engagement=acme&at=${encodeURIComponent('2026-11-25T10:00:00-05:00')}`, viewer);
    expect(res.statusCode).toBe(200);
    const acme = res.json<{ engagements: EngagementOnCall[] }>().engagements[0];
    expect(acme?.coverage.window).toBe('business_hours');
    expect(acme?.coverage.owners['infrastructure']).toBe('internal');
    expect(acme?.sides.internal.on_call).toEqual([
      { schedule: 'acme-primary', person: 'lee', name: 'Lee Park', side: 'internal', until: '2026-11-25T23:00:00.000Z' },
    ]);

    const one = await h.api('GET', `/schedules/acme/acme-primary/on-call?at=${encodeURIComponent('2026-11-25T10:00:00-05:00')}`, viewer);
    expect(one.statusCode).toBe(200);
    expect(one.json()).toEqual({
      schedule: { id: 'acme-primary', engagement: 'acme', timezone: 'America/New_York' },
      at: WEDNESDAY_10AM.replace('Z', '.000Z'),
      on_call: [{ person: 'lee', name: 'Lee Park', side: 'internal', until: '2026-11-25T23:00:00.000Z' }],
      next_change: '2026-11-25T23:00:00.000Z',
    });
  });

  it('Thanksgiving is a holiday, and the on-call view names it', async () => {
    const res = await h.api('GET', `/on-call?at=${encodeURIComponent('2026-11-26T12:00:00-05:00')}`, viewer);
    const acme = res.json<{ engagements: EngagementOnCall[] }>().engagements[0];
    expect(acme?.coverage).toMatchObject({ window: 'holiday', holiday: 'Thanksgiving Day' });
    expect(acme?.coverage.owners['infrastructure']).toBe('partner');
  });

  it('the listing shows layers, the override, members with their feeds, who is on call now, and the schedule feed', () => {
    expect(listing.map((s) => s.id)).toEqual(['acme-primary', 'nightowl-noc-oncall', 'nightowl-soc-oncall']);
    const primary = schedule('acme-primary');
    expect(primary).toMatchObject({ engagement: 'acme', timezone: 'America/New_York', on_call: [] });
    expect(primary.layers).toEqual([
      {
        layer: 1,
        rotation: {
          every: '1w',
          handoff: 'mon 09:00',
          start: '2026-11-02',
          members: [
            { person: 'dana', name: 'Dana Reyes', side: 'internal' },
            { person: 'lee', name: 'Lee Park', side: 'internal' },
          ],
        },
        only: [{ days: ['mon', 'tue', 'wed', 'thu', 'fri'], from: '08:00', to: '18:00' }],
      },
    ]);
    expect(primary.overrides).toEqual([
      {
        person: 'lee',
        name: 'Lee Park',
        side: 'internal',
        from: '2026-11-27T08:00',
        to: '2026-11-27T18:00',
        start: '2026-11-27T13:00:00.000Z',
        end: '2026-11-27T23:00:00.000Z',
      },
    ]);
    expect(primary.members.map((m) => m.person)).toEqual(['dana', 'lee']);
    for (const m of primary.members)
      expect(m.calendar_url).toMatch(new RegExp(`/calendars/acme/person/${m.person}/[A-Za-z0-9_-]{27}\\.ics$`));
    expect(primary.calendar_url).toMatch(/\/calendars\/acme\/schedule\/acme-primary\/[A-Za-z0-9_-]{27}\.ics$/);
    expect(schedule('nightowl-noc-oncall').on_call.map((p) => p.person)).toEqual(['ana']);
    // The same person has one feed URL wherever it is listed: it is derived, not issued.
    const kimUrls = new Set(listing.flatMap((s) => s.members.filter((m) => m.person === 'kim').map((m) => m.calendar_url)));
    expect(kimUrls.size).toBe(1);
  });

  it("the week's shifts show Lee's Friday override and the gaps at night and over the weekend", async () => {
    const from = encodeURIComponent('2026-11-23T00:00:00-05:00');
    const to = encodeURIComponent('2026-11-30T00:00:00-05:00');
    const res = await h.api('GET', `/schedules/acme/acme-primary/shifts?from=${from}&to=${to}`, viewer);
    expect(res.statusCode).toBe(200);
    const body = res.json<ShiftsAnswer>();
    expect(body.from).toBe('2026-11-23T05:00:00.000Z');
    expect(body.to).toBe('2026-11-30T05:00:00.000Z');
    const brief = body.shifts.map((s) => `${s.person} ${s.start.slice(5, 16)}-${s.end.slice(5, 16)} ${s.source}`);
    expect(brief).toEqual([
      // Monday's 09:00 handoff: Dana's week ends, Lee's begins.
      'dana 11-23T13:00-11-23T14:00 layer',
      'lee 11-23T14:00-11-23T23:00 layer',
      'lee 11-24T13:00-11-24T23:00 layer',
      'lee 11-25T13:00-11-25T23:00 layer',
      'lee 11-26T13:00-11-26T23:00 layer',
      'lee 11-27T13:00-11-27T23:00 override',
    ]);
    expect(body.shifts[5]).toEqual({
      person: 'lee',
      name: 'Lee Park',
      side: 'internal',
      start: '2026-11-27T13:00:00.000Z',
      end: '2026-11-27T23:00:00.000Z',
      source: 'override',
      layer: null,
    });
    expect(body.shifts[1]).toMatchObject({ source: 'layer', layer: 1 });
    // Tuesday 18:00 -> Wednesday 08:00 is the gap the 23:47 page fell into; Friday 18:00 -> the end is the weekend.
    expect(body.gaps).toContainEqual({ start: '2026-11-24T23:00:00.000Z', end: '2026-11-25T13:00:00.000Z' });
    expect(body.gaps[body.gaps.length - 1]).toEqual({ start: '2026-11-27T23:00:00.000Z', end: '2026-11-30T05:00:00.000Z' });
    expect(body.gaps).toHaveLength(6);
  });

  it('shifts default to the next seven days', async () => {
    const body = (await h.api('GET', '/schedules/acme/nightowl-noc-oncall/shifts', viewer)).json<ShiftsAnswer>();
    expect(body.from).toBe('2026-11-25T04:47:00.000Z');
    expect(body.to).toBe('2026-12-02T04:47:00.000Z');
    expect(body.gaps).toEqual([]);
    expect(body.shifts[0]).toMatchObject({
      person: 'ana',
      start: '2026-11-25T04:47:00.000Z',
      end: '2026-11-25T18:00:00.000Z',
      source: 'layer',
    });
    expect(body.shifts).toHaveLength(8);
  });

  it('a range that is empty, backwards, longer than 92 days or not ISO is 400 INVALID_QUERY naming the field', async () => {
    const base = '/schedules/acme/acme-primary/shifts';
    const cases: Array<[string, string]> = [
      [`${base}?from=2026-11-25T00:00:00Z&to=2026-11-25T00:00:00Z`, 'to'],
      [`${base}?from=2026-11-25T00:00:00Z&to=2026-11-24T00:00:00Z`, 'to'],
      [`${base}?from=2026-11-01T00:00:00Z&to=2027-02-02T00:00:00Z`, 'to'],
      [`${base}?to=2026-11-01T00:00:00Z`, 'to'],
      [`${base}?from=yesterday`, 'from'],
      ['/schedules/acme/acme-primary/on-call?at=noon', 'at'],
      ['/on-call?at=2026-13-45', 'at'],
    ];
    for (const [path, field] of cases) {
      const res = await h.api('GET', path, viewer);
      expect(res.statusCode, path).toBe(400);
      expect(res.json(), path).toMatchObject({ error: { code: 'INVALID_QUERY', field } });
    }
    // Exactly 92 days is allowed.
    expect((await h.api('GET', `${base}?from=2026-11-01T00:00:00Z&to=2027-02-01T00:00:00Z`, viewer)).statusCode).toBe(200);
  });

  it("another engagement's schedule is 404, like an unknown one; no token is 401", async () => {
    for (const path of [
      '/schedules/globex/globex-noc/shifts',
      '/schedules/globex/globex-noc/on-call',
      '/schedules/acme/globex-noc/shifts',
      '/schedules/acme/nope/on-call',
      '/schedules?engagement=globex',
      '/on-call?engagement=globex',
    ]) {
      const res = await h.api('GET', path, viewer);
      expect(res.statusCode, path).toBe(404);
      expect(res.json(), path).toMatchObject({ error: { code: 'NOT_FOUND' } });
    }
    expect((await h.api('GET', '/schedules')).statusCode).toBe(401);
    expect((await h.api('GET', '/on-call')).statusCode).toBe(401);
    const globex = await h.token('viewer', ['globex']);
    expect((await h.api('GET', '/schedules/globex/globex-noc/on-call', globex)).json()).toMatchObject({ on_call: [{ person: 'nina' }] });
  });

  it('a schedule feed parses: one VEVENT per shift, UTC times, the person named, 30 days back to 90 ahead, no Authorization needed', async () => {
    const res = await fetchFeed(schedule('nightowl-noc-oncall').calendar_url);
    expect(res.statusCode).toBe(200);
    expect(res.headers['content-type']).toBe('text/calendar; charset=utf-8');
    expect(res.headers['cache-control']).toBe('private, max-age=300');
    const { calendar, events } = parseIcal(res.body);
    expect(calendar['VERSION']).toBe('2.0');
    expect(calendar['X-WR-CALNAME']).toBe('nightowl-noc-oncall · Acme Payments');
    expect(events.length).toBeGreaterThan(110);
    const now = Date.parse(TUESDAY_NIGHT);
    const starts = events.map((e) => icalInstant(e['DTSTART']));
    const ends = events.map((e) => icalInstant(e['DTEND']));
    // 30 days back reaches before the rotation began (2026-11-01 18:00 UTC), so the feed starts at its first turn.
    expect(events[0]?.['DTSTART']).toBe('20261101T180000Z');
    expect(Math.min(...ends)).toBeGreaterThan(now - 31 * DAY);
    expect(Math.max(...ends)).toBeGreaterThanOrEqual(now + 90 * DAY);
    expect(Math.max(...starts)).toBeLessThan(now + 92 * DAY);
    for (const [i, e] of events.entries()) {
      expect(ends[i] ?? 0).toBeGreaterThan(starts[i] ?? 0);
      expect(e['SUMMARY']).toMatch(/^On call: nightowl-noc-oncall · Acme Payments \((Sam Okafor|Kim Tan|Ana Souza)\)$/);
      expect(e['UID']).toMatch(/@tandem$/);
    }
    // Ana's current turn is whole, not cut at "now".
    expect(events).toContainEqual(
      expect.objectContaining({
        DTSTART: '20261124T180000Z',
        DTEND: '20261125T180000Z',
        SUMMARY: 'On call: nightowl-noc-oncall · Acme Payments (Ana Souza)',
      }),
    );
    // Every UID is unique within the feed.
    expect(new Set(events.map((e) => e['UID'])).size).toBe(events.length);
  });

  it("acme-primary's feed has the Friday override and only business hours", async () => {
    const { events } = parseIcal((await fetchFeed(schedule('acme-primary').calendar_url)).body);
    const friday = events.find((e) => e['DTSTART'] === '20261127T130000Z');
    expect(friday).toMatchObject({ DTEND: '20261127T230000Z', SUMMARY: 'On call: acme-primary · Acme Payments (Lee Park)' });
    expect(friday?.['DESCRIPTION']).toMatch(/^Override/);
    expect(events.some((e) => e['DTSTART'] === '20261128T130000Z')).toBe(false);
  });

  it("a person feed lists only that person's shifts, across schedules, each naming its schedule", async () => {
    const kim = schedule('nightowl-noc-oncall').members.find((m) => m.person === 'kim');
    const res = await fetchFeed(kim?.calendar_url ?? '');
    expect(res.statusCode).toBe(200);
    expect(res.headers['content-type']).toBe('text/calendar; charset=utf-8');
    const { calendar, events } = parseIcal(res.body);
    expect(calendar['X-WR-CALNAME']).toBe('On call: Kim Tan · Acme Payments');
    expect(events.length).toBeGreaterThan(10);
    for (const e of events)
      expect(e['SUMMARY']).toMatch(/^On call: (nightowl-noc-oncall|nightowl-soc-oncall) · Acme Payments \(Kim Tan\)$/);
    const names = new Set(events.map((e) => /On call: (\S+)/.exec(e['SUMMARY'] ?? '')?.[1]));
    expect(names).toEqual(new Set(['nightowl-noc-oncall', 'nightowl-soc-oncall']));
    // This week Kim holds the SOC week (Monday 00:00 New York to the next).
    expect(events).toContainEqual(expect.objectContaining({ DTSTART: '20261123T050000Z', DTEND: '20261130T050000Z' }));
    // Merged in start order.
    const starts = events.map((e) => icalInstant(e['DTSTART']));
    expect([...starts].sort((a, b) => a - b)).toEqual(starts);

    const dana = schedule('acme-primary').members.find((m) => m.person === 'dana');
    const danaEvents = parseIcal((await fetchFeed(dana?.calendar_url ?? '')).body).events;
    expect(danaEvents.length).toBeGreaterThan(0);
    for (const e of danaEvents) expect(e['SUMMARY']).toBe('On call: acme-primary · Acme Payments (Dana Reyes)');
  });

  it("/me gives a person's token the feed of their own shifts", async () => {
    const dana = await h.token('responder', ['acme'], 'dana');
    const me = (await h.api('GET', '/me', dana)).json<{
      token: { person: string };
      calendars: Array<{ engagement: string; person: string; calendar_url: string }>;
    }>();
    expect(me.token.person).toBe('dana');
    expect(me.calendars).toEqual([
      { engagement: 'acme', person: 'dana', calendar_url: schedule('acme-primary').members.find((m) => m.person === 'dana')?.calendar_url },
    ]);
    expect((await fetchFeed(me.calendars[0]?.calendar_url ?? '')).statusCode).toBe(200);
    expect((await h.api('GET', '/me', viewer)).json()).toMatchObject({ calendars: [] });
  });

  it('a tampered token, a token for another schedule or person, and an unknown id are the same 404', async () => {
    const primary = new URL(schedule('acme-primary').calendar_url).pathname;
    const token = /\/([^/]+)\.ics$/.exec(primary)?.[1] ?? '';
    const flipped = `${token.slice(0, -1)}${token.endsWith('A') ? 'B' : 'A'}`;
    const dana = new URL(schedule('acme-primary').members[0]?.calendar_url ?? '').pathname;
    const danaToken = /\/([^/]+)\.ics$/.exec(dana)?.[1] ?? '';

    // A genuine token for ids that do not exist, signed with the server's own key, so only the id is wrong.
    const key = await serverSecret(h.tandem.database, 'link-signing-key', h.tandem.settings.secret, h.clock.now());
    const signer = new CalendarLinks(key, 'http://x');
    expect(signer.scheduleFeedUrl('acme', 'acme-primary')).toBe(`http://x${primary}`);
    const bad = [
      primary.replace(token, flipped),
      primary.replace(token, token.slice(0, 20)),
      primary.replace(token, ''),
      primary.replace('acme-primary', 'nightowl-noc-oncall'),
      primary.replace('/acme/', '/globex/'),
      `/calendars/acme/person/lee/${danaToken}.ics`,
      `/calendars/acme/schedule/dana/${danaToken}.ics`,
      new URL(signer.scheduleFeedUrl('acme', 'no-such-schedule')).pathname,
      new URL(signer.personFeedUrl('acme', 'nobody')).pathname,
      new URL(signer.scheduleFeedUrl('gone', 'acme-primary')).pathname,
    ];
    const bodies = new Set<string>();
    for (const path of bad) {
      const res = await h.tandem.http.inject({ method: 'GET', url: path });
      expect(res.statusCode, path).toBe(404);
      expect(res.headers['content-type'], path).not.toContain('text/calendar');
      // An empty token is a different route (no match at all); everything else answers identically.
      if (!path.endsWith('/.ics')) bodies.add(res.body);
    }
    expect(bodies.size).toBe(1);
    // A bearer token does not open a feed either: only the URL's own token does.
    const res = await h.tandem.http.inject({
      method: 'GET',
      url: primary.replace(token, flipped),
      headers: { authorization: `Bearer ${viewer}` },
    });
    expect(res.statusCode).toBe(404);
  });

  it('when the virtual clock reaches Wednesday 10:00, "now" follows it: Lee is on call and the feed is stamped then', async () => {
    h.clock.set(WEDNESDAY_10AM);
    const one = (await h.api('GET', '/schedules/acme/acme-primary/on-call', viewer)).json<{ at: string; on_call: OnCallPerson[] }>();
    expect(one.at).toBe('2026-11-25T15:00:00.000Z');
    expect(one.on_call.map((p) => p.person)).toEqual(['lee']);
    const all = (await h.api('GET', '/on-call', viewer)).json<{ engagements: EngagementOnCall[] }>();
    expect(all.engagements[0]?.sides.internal.on_call.map((p) => p.person)).toEqual(['lee']);
    const { events } = parseIcal((await fetchFeed(schedule('acme-primary').calendar_url)).body);
    expect(events[0]?.['DTSTAMP']).toBe('20261125T150000Z');
  });
});
