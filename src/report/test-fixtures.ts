/**
 * Test data and helpers for the review renderers, not built into dist (see
 * tsconfig "exclude"):
 * - the sample review: a realistic, deterministic month for the demo
 *   engagement (Acme Payments with NightOwl MSP, November 2026) in which
 *   every figure agrees with the others (windows, sides and services add up
 *   to the month's incidents; SLA attainment and credits follow from the
 *   listed breaches), the empty review, and variants (capped credits,
 *   hostile text);
 * - a strict well-formedness check for generated SVG and a minimal PNG
 *   decoder to prove a rendered page is not blank.
 */
import { inflateSync } from 'node:zlib';
import type { MonthlyReview, ReviewSummary } from './model.js';
import { mulberry32 } from '../random/seeded.js';

const PRIORITIES = ['P1', 'P2', 'P3', 'P4', 'P5'] as const;

/** Incidents per day of November 2026 (1 Nov is a Sunday; the 17th is the bad deploy; the 26th is Thanksgiving). */
const DAILY_TOTALS = [2, 5, 4, 6, 4, 5, 2, 3, 5, 4, 5, 4, 6, 2, 1, 5, 11, 6, 4, 5, 3, 2, 4, 5, 4, 2, 3, 1, 2, 5];

/** Priority mix of a typical month: few P1s, most incidents P3/P4. */
const MIX: ReadonlyArray<[string, number]> = [
  ['P1', 0.05],
  ['P2', 0.15],
  ['P3', 0.36],
  ['P4', 0.31],
  ['P5', 0.13],
];

function pickPriority(r: number): string {
  let acc = 0;
  for (const [p, share] of MIX) {
    acc += share;
    if (r < acc) return p;
  }
  return 'P5';
}

function volumeByDay(): MonthlyReview['volumeByDay'] {
  const random = mulberry32(202611);
  return DAILY_TOTALS.map((total, i) => {
    const byPriority: Record<string, number> = Object.fromEntries(PRIORITIES.map((p) => [p, 0]));
    // The 17 Nov deploy caused three P1s; the rest of that day is ordinary noise.
    const forcedP1 = i === 16 ? 3 : 0;
    byPriority.P1 = forcedP1;
    for (let k = forcedP1; k < total; k++) {
      const p = pickPriority(random());
      byPriority[p] = (byPriority[p] ?? 0) + 1;
    }
    return { date: `2026-11-${String(i + 1).padStart(2, '0')}`, byPriority };
  });
}

function slaAttainment(): MonthlyReview['slaAttainment'] {
  const rows: Array<[string, string, 'respond' | 'resolve', number, number, number]> = [
    ['partner-sla', 'P1', 'respond', 5, 5, 0],
    ['partner-sla', 'P1', 'resolve', 5, 4, 1],
    ['partner-sla', 'P2', 'respond', 13, 11, 2],
    ['partner-sla', 'P2', 'resolve', 13, 13, 0],
    ['partner-sla', 'P3', 'respond', 24, 24, 0],
    // One P3 resolve clock was still running at month end: neither met nor breached.
    ['partner-sla', 'P3', 'resolve', 24, 22, 1],
    ['internal-ola', 'P1', 'respond', 2, 2, 0],
    ['internal-ola', 'P1', 'resolve', 2, 2, 0],
    ['internal-ola', 'P2', 'respond', 7, 6, 1],
    ['internal-ola', 'P2', 'resolve', 7, 7, 0],
  ];
  return rows.map(([sla, priority, kind, total, met, breached]) => ({
    sla,
    priority,
    kind,
    total,
    met,
    breached,
    pct: met + breached > 0 ? Math.round((met / (met + breached)) * 1000) / 10 : null,
  }));
}

const FEE = 18_000;

function breaches(): MonthlyReview['breaches'] {
  const credit = (percent: number): { credit_percent: number; credit_amount: number } => ({
    credit_percent: percent,
    credit_amount: (FEE * percent) / 100,
  });
  return [
    {
      incident: 'ACME-1062',
      title: 'Storefront 5xx spike on checkout',
      service: 'storefront',
      sla: 'partner-sla',
      priority: 'P2',
      kind: 'respond',
      target_s: 1800,
      actual_s: 2_534,
      openedAt: '2026-11-10T22:04:00-05:00',
      ...credit(2),
    },
    {
      incident: 'ACME-1109',
      title: 'Card authorization failures above 5%',
      service: 'payments-api',
      sla: 'partner-sla',
      priority: 'P1',
      kind: 'resolve',
      target_s: 14_400,
      actual_s: 19_860,
      openedAt: '2026-11-17T13:46:00-05:00',
      ...credit(5),
    },
    {
      incident: 'ACME-1117',
      title: 'Suspicious PowerShell on finance laptop',
      service: 'edr',
      sla: 'partner-sla',
      priority: 'P2',
      kind: 'respond',
      target_s: 1800,
      actual_s: 2_291,
      openedAt: '2026-11-19T03:12:00-05:00',
      ...credit(2),
    },
    {
      incident: 'ACME-1134',
      title: 'Storefront image cache miss rate high',
      service: 'storefront',
      sla: 'partner-sla',
      priority: 'P3',
      kind: 'resolve',
      target_s: 259_200,
      actual_s: 301_500,
      openedAt: '2026-11-21T09:30:00-05:00',
      ...credit(0.5),
    },
    // The internal OLA has no financial remedy: a breach is reported, no credit.
    {
      incident: 'ACME-1151',
      title: 'Staff unable to sign in (MFA)',
      service: 'laptops',
      sla: 'internal-ola',
      priority: 'P2',
      kind: 'respond',
      target_s: 3600,
      actual_s: 4_380,
      openedAt: '2026-11-24T18:15:00-05:00',
      ...credit(0),
    },
  ];
}

/**
 * The sample's tickets: Acme IT's Jira (12 tickets, one create refused, three
 * operations retried) and NightOwl's ServiceNow (4 tickets, one retried).
 */
function tickets(): NonNullable<MonthlyReview['tickets']> {
  const jiraStates = ['done', 'done', 'done', 'in_progress', 'done', 'done', 'open', 'done', 'failed', 'done', 'done', 'done'];
  const jiraKeys = jiraStates.map((state, i) => ({
    incident: `ACME-${1040 + i * 6}`,
    key: state === 'failed' ? null : `OPS-${101 + i}`,
    state,
  }));
  return [
    {
      ticketing: 'acme-jira',
      system: 'jira',
      side: 'internal',
      incidents: 11,
      byState: { pending: 0, open: 1, in_progress: 1, done: 9, failed: 1 },
      opsRetried: 3,
      opsGivenUp: 1,
      failures: [
        {
          incident: 'ACME-1088',
          key: null,
          operation: 'create',
          error: "Jira 400: Field 'priority' cannot be set. It is not on the appropriate screen, or unknown.",
        },
      ],
      keys: jiraKeys,
    },
    {
      ticketing: 'nightowl-snow',
      system: 'servicenow',
      side: 'partner',
      incidents: 4,
      byState: { pending: 0, open: 1, in_progress: 0, done: 3, failed: 0 },
      opsRetried: 1,
      opsGivenUp: 0,
      failures: [],
      keys: [1041, 1062, 1108, 1109].map((n, i) => ({ incident: `ACME-${n}`, key: `INC001000${i + 1}`, state: i === 3 ? 'open' : 'done' })),
    },
  ];
}

/**
 * The sample review of Acme Payments (internal Acme IT, partner NightOwl
 * MSP, USD 18,000 a month) for November 2026: 122 incidents, five SLA
 * breaches, USD 1,710 in credits, two people over the night-page threshold,
 * two coverage gaps, tickets in Jira and ServiceNow. Deterministic: equal on every call.
 */
export function sampleReview(): MonthlyReview {
  const days = volumeByDay();
  const incidents = days.reduce((sum, d) => sum + Object.values(d.byPriority).reduce((a, b) => a + b, 0), 0);
  const sla = slaAttainment();
  const met = sla.reduce((s, r) => s + r.met, 0);
  const decided = sla.reduce((s, r) => s + r.met + r.breached, 0);
  const breachList = breaches();
  const creditPercent = breachList.reduce((s, b) => s + b.credit_percent, 0);
  const capPercent = 20;
  const capped = creditPercent > capPercent;
  const creditAmount = (FEE * Math.min(creditPercent, capPercent)) / 100;
  const pages: MonthlyReview['pagesByPerson'] = [
    { person: 'dana', name: 'Dana Reyes', side: 'internal', pages: 14, night_pages: 2 },
    { person: 'lee', name: 'Lee Park', side: 'internal', pages: 11, night_pages: 1 },
    { person: 'sam', name: 'Sam Okafor', side: 'partner', pages: 16, night_pages: 3 },
    { person: 'kim', name: 'Kim Tan', side: 'partner', pages: 19, night_pages: 7 },
    { person: 'ana', name: 'Ana Souza', side: 'partner', pages: 12, night_pages: 5 },
    { person: 'mo', name: 'Mo Haddad', side: 'partner', pages: 6, night_pages: 3 },
  ];
  const summary: ReviewSummary = {
    incidents,
    mtta_s: 252,
    mttr_s: 5_040,
    sla_attainment_pct: Math.round((met / decided) * 1000) / 10,
    credit_amount: creditAmount,
    after_hours_pages: 41,
    night_pages: pages.reduce((s, p) => s + p.night_pages, 0),
  };
  const previous: ReviewSummary = {
    incidents: 131,
    mtta_s: 318,
    mttr_s: 5_820,
    sla_attainment_pct: 94.8,
    credit_amount: 2_160,
    after_hours_pages: 44,
    night_pages: 17,
  };
  const afterHours = 33;
  const weekend = 22;
  const holiday = 6;
  const partnerIncidents = 73;
  const services: Array<[string, string, number, number, number]> = [
    ['payments-api', 'Payment processing API', 46, 312, 1_840],
    ['storefront', 'Web storefront', 38, 205, 962],
    ['edr', 'Endpoint detection', 24, 96, 410],
  ];
  const rest = incidents - services.reduce((s, r) => s + r[2], 0);
  services.push(['laptops', 'Staff laptops and accounts', rest, rest + 3, rest + 3]);

  return {
    engagement: {
      id: 'acme',
      name: 'Acme Payments',
      timezone: 'America/New_York',
      sides: { internal: 'Acme IT', partner: 'NightOwl MSP' },
      currency: 'USD',
      monthlyFee: FEE,
    },
    month: '2026-11',
    generatedAt: '2026-12-01T14:05:00Z',
    priorities: [...PRIORITIES],
    summary,
    previous,
    volumeByDay: days,
    responseByWindow: [
      { window: 'business_hours', incidents: incidents - afterHours - weekend - holiday, mtta_s: 188, mttr_s: 4_380 },
      { window: 'after_hours', incidents: afterHours, mtta_s: 306, mttr_s: 5_700 },
      { window: 'weekend', incidents: weekend, mtta_s: 342, mttr_s: 6_240 },
      { window: 'holiday', incidents: holiday, mtta_s: 415, mttr_s: 7_980 },
    ],
    responseBySide: [
      { side: 'internal', name: 'Acme IT', incidents: incidents - partnerIncidents, mtta_s: 221, mttr_s: 4_620 },
      { side: 'partner', name: 'NightOwl MSP', incidents: partnerIncidents, mtta_s: 273, mttr_s: 5_320 },
    ],
    slaAttainment: sla,
    breaches: breachList,
    credits: { percent: Math.min(creditPercent, capPercent), amount: creditAmount, currency: 'USD', capped, capPercent },
    pagesByPerson: pages,
    noisyServices: services.map(([service, name, inc, alerts, events]) => ({ service, name, incidents: inc, alerts, events })),
    changes: [
      {
        at: '2026-11-03T10:12:00-05:00',
        service: 'payments-api',
        summary: 'Deploy payments-api v4.18.0 (3-D Secure retry logic)',
        followedBy: [],
      },
      {
        at: '2026-11-10T21:30:00-05:00',
        service: 'storefront',
        summary: 'CDN cache rules updated for checkout assets',
        followedBy: [{ incident: 'ACME-1062', title: 'Storefront 5xx spike on checkout', minutesAfter: 34 }],
      },
      {
        at: '2026-11-17T13:05:00-05:00',
        service: 'payments-api',
        summary: 'Deploy payments-api v4.19.0 (connection pool resize)',
        followedBy: [
          { incident: 'ACME-1108', title: 'Payment API p99 latency above 2s', minutesAfter: 18 },
          { incident: 'ACME-1109', title: 'Card authorization failures above 5%', minutesAfter: 41 },
        ],
      },
      { at: '2026-11-19T02:00:00-05:00', service: 'edr', summary: 'EDR sensor policy update (script control)', followedBy: [] },
      {
        at: '2026-11-24T16:40:00-05:00',
        service: 'laptops',
        summary: 'MFA provider signing certificate rotated',
        followedBy: [{ incident: 'ACME-1151', title: 'Staff unable to sign in (MFA)', minutesAfter: 95 }],
      },
      { at: '2026-11-30T09:00:00-05:00', service: 'storefront', summary: 'Kubernetes node pool upgraded to 1.33', followedBy: [] },
    ],
    coverageGaps: [
      { schedule: 'nightowl-soc-oncall', start: '2026-11-14T22:00:00-05:00', end: '2026-11-15T04:00:00-05:00', hours: 6 },
      { schedule: 'acme-primary', start: '2026-11-27T08:00:00-05:00', end: '2026-11-27T10:00:00-05:00', hours: 2 },
    ],
    trend: [
      { month: '2026-06', incidents: 148, mtta_s: 402, mttr_s: 7_260, sla_attainment_pct: 91.2, credits_amount: 3_600 },
      { month: '2026-07', incidents: 139, mtta_s: 377, mttr_s: 6_900, sla_attainment_pct: 92.5, credits_amount: 2_880 },
      { month: '2026-08', incidents: 152, mtta_s: 351, mttr_s: 6_480, sla_attainment_pct: 93.0, credits_amount: 3_150 },
      { month: '2026-09', incidents: 127, mtta_s: 330, mttr_s: 6_120, sla_attainment_pct: 94.1, credits_amount: 2_250 },
      {
        month: '2026-10',
        incidents: previous.incidents,
        mtta_s: previous.mtta_s,
        mttr_s: previous.mttr_s,
        sla_attainment_pct: previous.sla_attainment_pct,
        credits_amount: previous.credit_amount,
      },
      {
        month: '2026-11',
        incidents,
        mtta_s: summary.mtta_s,
        mttr_s: summary.mttr_s,
        sla_attainment_pct: summary.sla_attainment_pct,
        credits_amount: creditAmount,
      },
    ],
    tickets: tickets(),
  };
}

/**
 * A review with nothing in it: the first month of a new engagement, no
 * incidents, no pages, no history. The document must still read well.
 */
export function emptyReview(): MonthlyReview {
  const zero: ReviewSummary = {
    incidents: 0,
    mtta_s: null,
    mttr_s: null,
    sla_attainment_pct: null,
    credit_amount: 0,
    after_hours_pages: 0,
    night_pages: 0,
  };
  return {
    engagement: {
      id: 'newco',
      name: 'NewCo',
      timezone: 'Europe/Berlin',
      sides: { internal: 'NewCo IT', partner: 'Partner GmbH' },
      currency: 'EUR',
      monthlyFee: 9_000,
    },
    month: '2026-11',
    generatedAt: '2026-12-01T08:00:00Z',
    priorities: ['P1', 'P2', 'P3'],
    summary: zero,
    previous: null,
    volumeByDay: [],
    responseByWindow: [],
    responseBySide: [],
    slaAttainment: [],
    breaches: [],
    credits: { percent: 0, amount: 0, currency: 'EUR', capped: false, capPercent: 20 },
    pagesByPerson: [],
    noisyServices: [],
    changes: [],
    coverageGaps: [],
    trend: [],
  };
}

/** The sample with so many breaches that credits hit the 20% cap. */
export function cappedReview(): MonthlyReview {
  const review = sampleReview();
  const fee = review.engagement.monthlyFee;
  const extra = [1, 2, 3, 4].map((n) => ({
    incident: `ACME-12${n}0`,
    title: `Payment API outage ${n}`,
    service: 'payments-api',
    sla: 'partner-sla',
    priority: 'P1',
    kind: 'resolve' as const,
    target_s: 14_400,
    actual_s: 14_400 + n * 3_600,
    openedAt: `2026-11-2${n}T02:00:00-05:00`,
    credit_percent: 5,
    credit_amount: fee * 0.05,
  }));
  review.breaches = [...review.breaches, ...extra];
  const sum = review.breaches.reduce((s, b) => s + b.credit_percent, 0);
  review.credits = { ...review.credits, percent: Math.min(sum, 20), amount: (fee * Math.min(sum, 20)) / 100, capped: sum > 20 };
  review.summary = { ...review.summary, credit_amount: review.credits.amount };
  return review;
}

/** The markup an attacker would put into every free-text field. */
export const HOSTILE = `<script>alert("x")</script><img src=x onerror=alert(1)>&amp;"'`;

/** The sample with hostile text in every field a person or a monitoring tool can write. */
export function hostileReview(): MonthlyReview {
  const review = sampleReview();
  review.engagement = { ...review.engagement, name: `Acme ${HOSTILE}`, sides: { internal: `IT ${HOSTILE}`, partner: `MSP ${HOSTILE}` } };
  review.breaches = review.breaches.map((b) => ({ ...b, title: HOSTILE, incident: `${b.incident}${HOSTILE}` }));
  review.changes = review.changes.map((c) => ({
    ...c,
    summary: `${c.summary} ${HOSTILE}`,
    followedBy: c.followedBy.map((f) => ({ ...f, title: HOSTILE })),
  }));
  review.noisyServices = review.noisyServices.map((s) => ({ ...s, name: `${s.name} ${HOSTILE}` }));
  review.pagesByPerson = review.pagesByPerson.map((p) => ({ ...p, name: `${p.name} ${HOSTILE}` }));
  review.coverageGaps = review.coverageGaps.map((g) => ({ ...g, schedule: `${g.schedule}</style>${HOSTILE}` }));
  review.responseBySide = review.responseBySide.map((s) => ({ ...s, name: HOSTILE }));
  review.slaAttainment = review.slaAttainment.map((r) => ({ ...r, sla: `${r.sla}${HOSTILE}` }));
  review.tickets = review.tickets?.map((t) => ({
    ...t,
    ticketing: `${t.ticketing}${HOSTILE}`,
    system: `${t.system}${HOSTILE}`,
    failures: t.failures.map((f) => ({ ...f, error: `${f.error ?? ''}${HOSTILE}`, key: HOSTILE })),
    keys: t.keys.map((k) => ({ ...k, key: k.key === null ? null : `${k.key}${HOSTILE}`, state: `${k.state}${HOSTILE}` })),
  }));
  return review;
}

// ---------------------------------------------------------------------------
// Markup and PNG checks

const TAG = /^<(\/?)([A-Za-z][\w:-]*)((?:\s+[A-Za-z_:][\w:.-]*="[^"<]*")*)\s*(\/?)>/;
const ENTITY = /^&(?:amp|lt|gt|quot|#39|#\d+|#x[0-9a-fA-F]+);/;

/**
 * Checks markup as XML would: every tag closed in order, attributes quoted,
 * no stray `<` or unescaped `&` in text or attribute values. Returns the
 * problems found (empty when well-formed).
 */
export function wellFormedProblems(markup: string): string[] {
  const problems: string[] = [];
  const stack: string[] = [];
  let i = 0;
  while (i < markup.length && problems.length < 10) {
    const c = markup[i];
    if (c === '<') {
      const m = TAG.exec(markup.slice(i));
      if (!m) {
        problems.push(`malformed tag at ${i}: ${JSON.stringify(markup.slice(i, i + 40))}`);
        i++;
        continue;
      }
      const [whole, closing, name = '', attrs = '', selfClosing] = m;
      for (const amp of attrs.matchAll(/&/g)) {
        const at = amp.index;
        if (!ENTITY.test(attrs.slice(at))) problems.push(`unescaped & in attributes of <${name}> at ${i}`);
      }
      if (closing) {
        const open = stack.pop();
        if (open !== name) problems.push(`</${name}> at ${i} closes <${open ?? 'nothing'}>`);
      } else if (!selfClosing) stack.push(name);
      i += whole.length;
    } else if (c === '&') {
      if (!ENTITY.test(markup.slice(i))) problems.push(`unescaped & at ${i}`);
      i++;
    } else if (c === '>') {
      problems.push(`stray > at ${i}`);
      i++;
    } else i++;
  }
  if (stack.length) problems.push(`unclosed: ${stack.join(' > ')}`);
  return problems;
}

/** Every `<svg>...</svg>` in a document, in order. */
export function svgsIn(html: string): string[] {
  return [...html.matchAll(/<svg[\s\S]*?<\/svg>/g)].map((m) => m[0]);
}

/** Width and height from a PNG's IHDR chunk; null if the bytes are not a PNG. */
export function pngSize(png: Buffer): { width: number; height: number } | null {
  const signature = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);
  if (png.length < 24 || !png.subarray(0, 8).equals(signature) || png.toString('latin1', 12, 16) !== 'IHDR') return null;
  return { width: png.readUInt32BE(16), height: png.readUInt32BE(20) };
}

/**
 * The share of pixels in an 8-bit RGB or RGBA PNG (what pdftoppm writes)
 * that are not near-white: a blank page scores about 0.
 */
export function inkCoverage(png: Buffer): number {
  const size = pngSize(png);
  if (!size) throw new Error('not a PNG');
  const bitDepth = png[24];
  const colorType = png[25];
  const channels = colorType === 2 ? 3 : colorType === 6 ? 4 : colorType === 0 ? 1 : 0;
  if (bitDepth !== 8 || channels === 0) throw new Error(`unsupported PNG: depth ${bitDepth ?? '?'} color type ${colorType ?? '?'}`);
  const idat: Buffer[] = [];
  for (let at = 8; at + 8 <= png.length;) {
    const length = png.readUInt32BE(at);
    const type = png.toString('latin1', at + 4, at + 8);
    if (type === 'IDAT') idat.push(png.subarray(at + 8, at + 8 + length));
    at += 12 + length;
  }
  const raw = inflateSync(Buffer.concat(idat));
  const stride = size.width * channels;
  let prev = new Uint8Array(stride);
  let ink = 0;
  for (let y = 0; y < size.height; y++) {
    const filter = raw[y * (stride + 1)] ?? 0;
    const line = raw.subarray(y * (stride + 1) + 1, (y + 1) * (stride + 1));
    const cur = new Uint8Array(stride);
    for (let x = 0; x < stride; x++) {
      const a = x >= channels ? (cur[x - channels] ?? 0) : 0;
      const b = prev[x] ?? 0;
      const cc = x >= channels ? (prev[x - channels] ?? 0) : 0;
      const v = line[x] ?? 0;
      let predictor = 0;
      if (filter === 1) predictor = a;
      else if (filter === 2) predictor = b;
      else if (filter === 3) predictor = (a + b) >> 1;
      else if (filter === 4) {
        // Paeth: whichever neighbour is closest to a + b - c.
        const p = a + b - cc;
        const pa = Math.abs(p - a);
        const pb = Math.abs(p - b);
        const pc = Math.abs(p - cc);
        predictor = pa <= pb && pa <= pc ? a : pb <= pc ? b : cc;
      }
      cur[x] = (v + predictor) & 0xff;
    }
    for (let x = 0; x < size.width; x++) {
      const o = x * channels;
      const r = cur[o] ?? 255;
      const g = channels >= 3 ? (cur[o + 1] ?? 255) : r;
      const bl = channels >= 3 ? (cur[o + 2] ?? 255) : r;
      if (Math.min(r, g, bl) < 235) ink++;
    }
    prev = cur;
  }
  return ink / (size.width * size.height);
}
