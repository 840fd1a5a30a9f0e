import { describe, expect, it } from 'vitest';
import { noteTagUri, statusAtom, xml } from './atom.js';
import { localTime, statusHtml } from './html.js';
import type { PublicNote, StatusView } from './view.js';

const T0 = Date.parse('2026-11-24T22:00:00Z');

const NOTE: PublicNote = {
  id: 7,
  title: 'Payments <b>down</b>',
  state: 'degraded',
  components: ['Payments'],
  createdAt: T0,
  updatedAt: T0 + 1_200_000,
  resolvedAt: null,
  updates: [
    { at: T0 + 1_200_000, state: 'degraded', text: 'Recovering "slowly"\u0007' },
    { at: T0, state: 'outage', text: 'Declined <script>x</script>' },
  ],
};

const VIEW: StatusView = {
  engagementId: 'acme',
  title: 'Acme <IT> & services',
  timezone: 'America/New_York',
  generatedAt: T0 + 3_600_000,
  overall: 'outage',
  components: [
    { name: 'Payments', description: 'Cards & refunds', state: 'outage' },
    { name: 'Online shop', state: 'maintenance', maintenanceUntil: T0 + 7_200_000 },
  ],
  notes: [
    NOTE,
    {
      id: 3,
      title: 'Old',
      state: 'resolved',
      components: ['Online shop'],
      createdAt: T0 - 86_400_000,
      updatedAt: T0 - 80_000_000,
      resolvedAt: T0 - 80_000_000,
      updates: [{ at: T0 - 80_000_000, state: 'resolved', text: 'Done.' }],
    },
  ],
};

describe('localTime', () => {
  it.each([
    ['2026-11-24T22:20:00Z', 'America/New_York', 'Nov 24, 2026, 5:20 PM EST'],
    ['2026-07-01T12:00:00Z', 'America/New_York', 'Jul 1, 2026, 8:00 AM EDT'],
    ['2026-11-24T22:20:00Z', 'UTC', 'Nov 24, 2026, 10:20 PM UTC'],
  ])('%s in %s', (iso, zone, shown) => {
    expect(localTime(Date.parse(iso), zone)).toBe(shown);
  });
});

describe('statusHtml', () => {
  const page = statusHtml(VIEW);

  it('escapes every text and runs nothing', () => {
    expect(page).toContain('<h1>Acme &lt;IT&gt; &amp; services</h1>');
    expect(page).toContain('Payments &lt;b&gt;down&lt;/b&gt;');
    expect(page).toContain('Declined &lt;script&gt;x&lt;/script&gt;');
    expect(page).not.toContain('<script');
  });

  it('writes each state in words, with the maintenance end, the open notes apart from the resolved', () => {
    expect(page).toContain('<p class="overall s-outage" role="status"><span aria-hidden="true">■</span> Some systems are down</p>');
    expect(page).toMatch(
      /<li data-state="maintenance"><span class="name">Online shop<\/span>\n<span><span class="state s-maintenance"><span aria-hidden="true">◆<\/span> Under maintenance<\/span><span class="until">until <time datetime="2026-11-25T00:00:00.000Z">Nov 24, 2026, 7:00 PM EST<\/time>/,
    );
    const current = page.indexOf('Current notices');
    const past = page.indexOf('Resolved in the last 7 days');
    expect(current).toBeGreaterThan(0);
    expect(page.indexOf('id="note-7"')).toBeGreaterThan(current);
    expect(page.indexOf('id="note-7"')).toBeLessThan(past);
    expect(page.indexOf('id="note-3"')).toBeGreaterThan(past);
  });

  it('says so when there are no notices, and has no resolved section then', () => {
    const empty = statusHtml({ ...VIEW, notes: [] });
    expect(empty).toContain('<p>No current notices.</p>');
    expect(empty).not.toContain('Resolved in the last 7 days');
  });
});

describe('statusAtom', () => {
  const feed = statusAtom(VIEW, 'https://status.acme.example/');

  it('has the feed elements RFC 4287 requires, updated at the latest note change', () => {
    expect(feed).toContain('<id>https://status.acme.example/status/acme</id>');
    expect(feed).toContain('<title>Acme &lt;IT&gt; &amp; services: notices</title>');
    expect(feed).toContain('<updated>2026-11-24T22:20:00.000Z</updated>');
    expect(feed).toContain('<author><name>Acme &lt;IT&gt; &amp; services</name></author>');
    expect(feed).toContain('<link rel="self" type="application/atom+xml" href="https://status.acme.example/status/acme/feed.atom"/>');
    expect(feed.match(/<entry>/g)).toHaveLength(2);
  });

  it('gives each note a stable tag URI, its times, categories, and escaped HTML content without characters XML cannot hold', () => {
    expect(feed).toContain('<id>tag:status.acme.example,2026-11-24:acme/notes/7</id>');
    expect(feed).toContain('<title>Resolved: Old</title>');
    expect(feed).toContain('<category term="Payments"/>');
    expect(feed).toContain('<summary>Degraded performance: Recovering &quot;slowly&quot;\uFFFD</summary>');
    expect(feed).toContain(
      '&lt;p&gt;&lt;strong&gt;Outage&lt;/strong&gt; (Nov 24, 2026, 5:00 PM EST): Declined &amp;lt;script&amp;gt;x&amp;lt;/script&amp;gt;&lt;/p&gt;',
    );
    expect(feed).not.toContain('\u0007');
  });

  it('updates at the generation time when there are no notes', () => {
    expect(statusAtom({ ...VIEW, notes: [] }, 'http://127.0.0.1:8080')).toContain('<updated>2026-11-24T23:00:00.000Z</updated>');
  });

  it.each([
    ['plain', 'plain'],
    ['a\u0000b\u001fc\td\ne', 'a\uFFFDb\uFFFDc\td\ne'],
    ['lone \ud800 and \udc00, pair 😀', 'lone \uFFFD and \uFFFD, pair 😀'],
    ['<&">\'', '&lt;&amp;&quot;&gt;&#39;'],
  ])('xml(%j)', (input, out) => {
    expect(xml(input)).toBe(out);
  });

  it('mints tag URIs from the public URL host and the note creation day', () => {
    expect(noteTagUri('http://10.0.0.5:8080', 'acme', { ...NOTE, id: 12 })).toBe('tag:10.0.0.5,2026-11-24:acme/notes/12');
  });
});
