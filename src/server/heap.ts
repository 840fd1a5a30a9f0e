/**
 * A full garbage collection on demand, for the one moment a long-running
 * server knows it has just dropped a large structure: a SIGHUP reload swaps
 * every engagement's model for a new one. Left to itself V8 promotes the old
 * models (they live across the reload's awaits) and lets the heap grow until
 * its next major collection, so each reload of 2,000 engagements raised the
 * resident size by about 19 MB before it levelled off some 60 MB up
 * (bench:engagements, issue 14). Collecting right after the swap keeps it
 * where the first load left it, at the price of one pause of a few hundred
 * milliseconds on an operator's reload.
 */
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';

let gc: (() => void) | undefined;

/** Collects all garbage now; returns the milliseconds it took. */
export function collectGarbage(): number {
  if (gc === undefined) {
    // --expose-gc set at run time exposes `gc` to contexts created after it; only that new context sees it.
    setFlagsFromString('--expose-gc');
    gc = runInNewContext('gc') as () => void;
  }
  const started = performance.now();
  gc();
  return Math.round(performance.now() - started);
}
