/**
 * mulberry32: a tiny seeded PRNG, uniform in [0, 1). For what must come out
 * the same on every run (the sample review, test histories, the ingest fuzz);
 * never for anything secret.
 */
export function mulberry32(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (s + 0x6d2b79f5) >>> 0;
    let t = s;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4_294_967_296;
  };
}
