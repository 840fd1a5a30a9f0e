/**
 * Test helpers for the review renderers: a strict well-formedness check for
 * generated SVG, a minimal PNG decoder to prove a rendered page is not
 * blank, and review variants (capped credits, hostile text). Not built into
 * dist (see tsconfig "exclude").
 */
import { inflateSync } from 'node:zlib';
import type { MonthlyReview } from './model.js';
import { sampleReview } from './sample.js';

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
  for (let at = 8; at + 8 <= png.length; ) {
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
  review.changes = review.changes.map((c) => ({ ...c, summary: `${c.summary} ${HOSTILE}`, followedBy: c.followedBy.map((f) => ({ ...f, title: HOSTILE })) }));
  review.noisyServices = review.noisyServices.map((s) => ({ ...s, name: `${s.name} ${HOSTILE}` }));
  review.pagesByPerson = review.pagesByPerson.map((p) => ({ ...p, name: `${p.name} ${HOSTILE}` }));
  review.coverageGaps = review.coverageGaps.map((g) => ({ ...g, schedule: `${g.schedule}</style>${HOSTILE}` }));
  review.responseBySide = review.responseBySide.map((s) => ({ ...s, name: HOSTILE }));
  review.slaAttainment = review.slaAttainment.map((r) => ({ ...r, sla: `${r.sla}${HOSTILE}` }));
  return review;
}
