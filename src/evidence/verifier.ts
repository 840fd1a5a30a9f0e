/**
 * The timeline check evidence packs use: the tamper-evident timeline's chain
 * verification (src/audit/chain.ts), the same `tandem verify` runs. Kept
 * apart so the pack builder depends only on the shape of its result.
 */
import { verifyChains } from '../audit/chain.js';
import type { ChainVerifier } from './verify.js';

export const timelineVerifier: ChainVerifier | undefined = verifyChains;
