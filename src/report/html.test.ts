import { describe, expect, it } from 'vitest';
import { SECTION_TITLES, renderMonthlyReviewHtml } from './html.js';
import { escapeHtml } from '../html/html.js';
import {
  breachTakeaway,
  changesTakeaway,
  gapsTakeaway,
  noisyTakeaway,
  pagesTakeaway,
  responseTakeaway,
  slaTakeaway,
  summaryTakeaway,
  ticketsTakeaway,
  trendTakeaway,
  volumeTakeaway,
} from './takeaways.js';
import { HOSTILE, cappedReview, emptyReview, hostileReview, sampleReview, svgsIn, wellFormedProblems } from './test-fixtures.js';

const TAKEAWAYS = [
  summaryTakeaway,
  volumeTakeaway,
  responseTakeaway,
  slaTakeaway,
  breachTakeaway,
  pagesTakeaway,
  noisyTakeaway,
  changesTakeaway,
  gapsTakeaway,
  trendTakeaway,
  ticketsTakeaway,
];

function headings(html: string): string[] {
  return [...html.matchAll(/<h2 id="[^"]+">(?:<span class="num">\d+&nbsp;<\/span>)?([^<]+)<\/h2>/g)].map((m) => m[1] ?? '');
}

/** Every start tag, with its attribute names; quoted values are skipped, so escaped text inside them cannot pose as markup. */
function tagsIn(html: string): Array<{ name: string; attributes: string[]; values: Record<string, string> }> {
  return [...html.matchAll(/<([a-zA-Z][\w-]*)((?:\s+[\w:-]+(?:="[^"]*")?)*)\s*\/?>/g)].map((m) => {
    const pairs = [...(m[2] ?? '').matchAll(/([\w:-]+)(?:="([^"]*)")?/g)].map((a) => [(a[1] ?? '').toLowerCase(), a[2] ?? ''] as const);
    return { name: (m[1] ?? '').toLowerCase(), attributes: pairs.map(([k]) => k), values: Object.fromEntries(pairs) };
  });
}

/** Anything that would make a browser fetch or run something. */
function externalReferences(html: string): string[] {
  const found: string[] = [];
  for (const re of [
    /https?:/gi,
    /\b(?:src|href|xlink:href|action|srcset|poster)\s*=\s*(?!"#)/gi,
    /url\(/gi,
    /@import/gi,
    /<(?:script|link|img|iframe|object|embed|base)\b/gi,
    /\/\/[a-z0-9.-]+\.[a-z]{2,}\//gi,
  ]) {
    for (const m of html.matchAll(re)) found.push(m[0]);
  }
  return found;
}

describe('the monthly review document', () => {
  const review = sampleReview();
  const html = renderMonthlyReviewHtml(review);

  it('is one HTML document with a title block naming the engagement, month and both sides', () => {
    expect(html.startsWith('<!DOCTYPE html>')).toBe(true);
    expect(html.match(/<html/g)).toHaveLength(1);
    expect(html).toContain('<title>Acme Payments — Monthly operational review, November 2026</title>');
    expect(html).toContain('<h1>Acme Payments</h1>');
    expect(html).toContain('<div class="period">November 2026</div>');
    expect(html).toContain('<dd>Acme IT</dd>');
    expect(html).toContain('<dd>NightOwl MSP</dd>');
    expect(html).toContain('1 Dec 2026, 09:05 EST');
  });

  it('has every section, in order, each with its computed takeaway', () => {
    expect(headings(html)).toEqual(Object.values(SECTION_TITLES));
    const shown = [...html.matchAll(/<p class="takeaway(?: empty)?">([^<]*)<\/p>/g)].map((m) => m[1]);
    expect(shown).toEqual(TAKEAWAYS.map((t) => escapeHtml(t(review))));
  });

  it('shows KPI tiles with deltas coloured by whether the change is good', () => {
    expect(html).toMatch(/MTTA<\/div>\s*<div class="kpi-value">4m 12s<\/div>\s*<div class="kpi-delta good">▼ 21% vs Oct/);
    expect(html).toMatch(/SLA attainment<\/div>\s*<div class="kpi-value">95.0%<\/div>\s*<div class="kpi-delta good">▲ 0.2 pts vs Oct/);
    expect(html).toMatch(/Night pages<\/div>\s*<div class="kpi-value">21<\/div>\s*<div class="kpi-delta bad">▲ 4 vs Oct/);
  });

  it('draws the charts as accessible, well-formed inline SVG', () => {
    const svgs = svgsIn(html);
    // volume, 2 response panels, pages, 4 trend lines, plus one meter per SLA row and per service
    expect(svgs.length).toBe(1 + 2 + 1 + 4 + review.slaAttainment.length + review.noisyServices.length);
    for (const svg of svgs) {
      expect(wellFormedProblems(svg)).toEqual([]);
      expect(svg).toMatch(/^<svg [^>]*role="img" aria-label="[^"]+"/);
      expect(svg).toMatch(/<title>[^<]+<\/title>/);
    }
    expect(html).not.toMatch(/NaN|undefined|Infinity|\[object/);
  });

  it('lists the points for discussion, each linked to its section', () => {
    expect(html).toContain(
      '<li>5 SLA breaches: $1,710 in service credits due to Acme Payments <a class="ref" href="#breaches">§4</a></li>',
    );
    expect(renderMonthlyReviewHtml(emptyReview())).toContain('Nothing needs a decision this month');
  });

  it('formats durations the way people say them', () => {
    expect(html).toContain('>3m 08s</text>');
    expect(html).toContain('>1h 13m</text>');
  });

  it('lists every breach with its credit and a totals row', () => {
    for (const b of review.breaches) expect(html).toContain(`<span class="mono">${b.incident}</span>`);
    expect(html).toMatch(/Total \(5 breaches\)<\/th><td class="num">9.5%<\/td><td class="num">\$1,710<\/td>/);
    expect(html).not.toContain('capped</span>');
  });

  it('notes the cap when credits are capped', () => {
    const capped = renderMonthlyReviewHtml(cappedReview());
    expect(capped).toContain('Credits due, capped at 20% of the monthly fee');
    expect(capped).toContain('capped at 20%');
    expect(capped).toMatch(/<td class="num">20%<\/td><td class="num">\$3,600<\/td>/);
  });

  it('flags people over the night-page threshold', () => {
    expect(html).toContain('Threshold: 4 night pages');
    expect(html).toMatch(/fill="#b42318" font-weight="600">Kim Tan</);
    expect(html).not.toMatch(/fill="#b42318" font-weight="600">Sam Okafor</);
  });

  it('links each change to the incidents that followed within two hours', () => {
    expect(html).toMatch(/\+18 min<\/span> <span class="mono">ACME-1108<\/span> Payment API p99 latency above 2s/);
  });

  it('has tables with scoped headers', () => {
    const tables = html.match(/<table>[\s\S]*?<\/table>/g) ?? [];
    expect(tables.length).toBe(7); // SLA, breaches, noisy, changes, gaps, tickets and the tickets given up
    for (const t of tables) {
      expect(t).toContain('<th scope="col"');
      expect(t).not.toMatch(/<th(?=[\s>])(?![^>]*scope=)[^>]*>/);
    }
  });

  it('references nothing outside itself and runs no script', () => {
    expect(externalReferences(html)).toEqual([]);
    // The only links are to its own sections.
    const links = [...html.matchAll(/href="([^"]*)"/g)].map((m) => m[1] ?? '');
    expect(links.length).toBeGreaterThan(0);
    for (const link of links) expect(html).toContain(`<section id="${link.slice(1)}"`);
    expect(html.match(/<style>/g)).toHaveLength(1);
  });

  it('prints on A4 with running header, footer and page numbers', () => {
    expect(html).toMatch(/@page \{\s*size: A4;/);
    expect(html).toContain('@bottom-right { content: "Page " counter(page) " of " counter(pages);');
    expect(html).toContain('break-inside: avoid');
  });

  it('is deterministic', () => {
    expect(renderMonthlyReviewHtml(sampleReview())).toBe(html);
  });
});

describe('hostile text', () => {
  const html = renderMonthlyReviewHtml(hostileReview());

  it('stays inert: no element, attribute or style can be injected', () => {
    expect(html).not.toContain('<script');
    expect(html).not.toContain('<img');
    const tags = tagsIn(html);
    expect(new Set(tags.map((t) => t.name))).toEqual(new Set(tagsIn(renderMonthlyReviewHtml(sampleReview())).map((t) => t.name)));
    expect(tags.flatMap((t) => t.attributes).filter((a) => a.startsWith('on'))).toEqual([]);
    expect(html.match(/<\/style>/g)).toHaveLength(1);
    const fetching = tags.flatMap((t) =>
      t.attributes.filter((a) => /^(?:src|href|xlink:href|srcset|action)$/.test(a)).map((a) => t.values[a] ?? ''),
    );
    expect(fetching.filter((v) => !/^#[a-z]+$/.test(v))).toEqual([]);
    // The hostile text is still there for the reader, as text.
    expect(html).toContain(escapeHtml(HOSTILE));
  });

  it('keeps every SVG well-formed', () => {
    for (const svg of svgsIn(html)) expect(wellFormedProblems(svg)).toEqual([]);
  });
});

describe('an empty month', () => {
  const review = emptyReview();
  const html = renderMonthlyReviewHtml(review);

  it('still has every section, each saying plainly there is nothing to show (no Tickets section without ticketing)', () => {
    const { tickets, ...always } = SECTION_TITLES;
    expect(headings(html)).toEqual(Object.values(always));
    expect(html).not.toContain(tickets);
    expect(html).toContain('<p class="takeaway empty">No breaches this month, so no service credits are due.</p>');
    expect(html).toContain('<p class="takeaway empty">No incidents were opened in November 2026.</p>');
    expect(html).toContain('<p class="takeaway empty">No coverage gaps: every schedule had someone on call for the whole month.</p>');
    expect(html.match(/class="takeaway empty"/g)).toHaveLength(9);
  });

  it('draws no broken charts and prints no placeholders', () => {
    expect(svgsIn(html)).toEqual([]);
    expect(html).not.toMatch(/NaN|undefined|Infinity|null|\[object/);
    expect(html).toContain('first month on record');
  });

  it('renders a month with data but no history or previous month', () => {
    const partial = { ...sampleReview(), previous: null, trend: [] };
    const doc = renderMonthlyReviewHtml(partial);
    expect(doc).toContain('This is the first month on record; trends appear from next month.');
    for (const svg of svgsIn(doc)) expect(wellFormedProblems(svg)).toEqual([]);
    expect(doc).not.toMatch(/NaN|undefined|Infinity/);
  });
});

describe('the Tickets section', () => {
  const review = sampleReview();
  const html = renderMonthlyReviewHtml(review);
  const section = /<section id="tickets"[\s\S]*?<\/section>/.exec(html)?.[0] ?? '';

  it("counts each ticketing entry's tickets by state, with the operations retried and given up", () => {
    expect(section).toContain('<h2 id="tickets-h"><span class="num">10&nbsp;</span>Tickets</h2>');
    expect(ticketsTakeaway(review)).toBe(
      'Of 120 incidents opened in November 2026, 11 got a ticket in Jira and 4 in ServiceNow; 1 ticket operation was given up, listed below.',
    );
    const rows = [...section.matchAll(/<tr>\s*<th scope="row">([^<]+)<br>[\s\S]*?<\/tr>/g)].map((m) =>
      [m[1], ...[...m[0].matchAll(/<td class="num[^"]*">([^<]+)<\/td>/g)].map((c) => c[1])].join(' '),
    );
    // Incidents with a ticket, open, in progress, done, not created yet, failed, retried, given up.
    expect(rows).toEqual(['Jira 11 1 1 9 0 1 3 1', 'ServiceNow 4 1 0 3 0 0 1 0']);
  });

  it("lists each operation given up with its incident and the system's error, and every incident's ticket key", () => {
    expect(section).toMatch(
      /<th scope="row" class="mono regular">ACME-1088<\/th>\s*<td>Jira<\/td>\s*<td class="mono"><span class="muted">not created<\/span><\/td>\s*<td>create<\/td>/,
    );
    expect(section).toContain('Jira 400: Field &#39;priority&#39; cannot be set.');
    expect(section).toContain('<span class="pair"><span class="mono">ACME-1040</span> → <span class="mono">OPS-101</span></span>');
    expect(section).toContain('<span class="pair"><span class="mono">ACME-1088</span> → <span class="muted">Failed</span></span>');
    expect(section).toContain('<span class="pair"><span class="mono">ACME-1041</span> → <span class="mono">INC0010001</span></span>');
  });

  it('puts the given-up operations on the agenda', () => {
    expect(html).toContain(
      '<li>1 ticket operation given up in Jira: those tickets do not show what happened <a class="ref" href="#tickets">§10</a></li>',
    );
  });

  it('says so plainly when the engagement has ticketing but no incident got a ticket', () => {
    const quiet = {
      ...emptyReview(),
      tickets: [
        {
          ...(sampleReview().tickets?.[0] ?? never()),
          incidents: 0,
          byState: zeroStates(),
          opsRetried: 0,
          opsGivenUp: 0,
          failures: [],
          keys: [],
        },
      ],
    };
    const doc = renderMonthlyReviewHtml(quiet);
    expect(headings(doc)).toContain(SECTION_TITLES.tickets);
    expect(doc).toContain('<p class="takeaway empty">No incidents were opened in November 2026, so no tickets.</p>');
  });

  it('lists two entries of one system by their ids, and the retries when nothing was given up', () => {
    const [jira] = sampleReview().tickets ?? [];
    if (!jira) throw new Error('no sample');
    const calm = { ...jira, opsGivenUp: 0, failures: [] };
    const two = { ...sampleReview(), tickets: [calm, { ...calm, ticketing: 'ops-jira', incidents: 2 }] };
    expect(ticketsTakeaway(two)).toBe(
      'Of 120 incidents opened in November 2026, 11 got a ticket in Jira (acme-jira) and 2 in Jira (ops-jira); every ticket operation got through, 6 after a retry.',
    );
  });
});

function never(): never {
  throw new Error('the sample has tickets');
}

function zeroStates() {
  return { pending: 0, open: 0, in_progress: 0, done: 0, failed: 0 };
}
