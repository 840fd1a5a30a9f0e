/**
 * The timeline check evidence packs use. The one place to swap it: until the
 * chain verification (src/audit/chain.ts `verifyChains`) is available this
 * is undefined and packs say that verify.json is left out.
 */
import type { ChainVerifier } from './verify.js';

export const timelineVerifier: ChainVerifier | undefined = undefined;
