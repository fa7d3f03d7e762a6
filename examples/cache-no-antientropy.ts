/**
 * cache-no-antientropy (a fixture with a bug): the cache's delta propagation with anti-entropy
 * turned off — each write's delta is sent once to every peer, with no buffer, acknowledgement,
 * retransmission or digest exchange. One lost message loses the update on that peer for good:
 * `cadre verify` finds it at once (e.g. O(a,c,1): c never holds k=v), while examples/cache-delta.ts
 * — the same spec with anti-entropy — is verified within the same bounds.
 *
 *   npx cadre verify examples/cache-no-antientropy.ts     # COUNTEREXAMPLE
 */
import { defineSpec } from '../src/index.js';
import { deltaSpec } from './cache-delta-core.js';

export default defineSpec(
  deltaSpec(
    'cache-no-antientropy',
    'Cache deltas sent once, no anti-entropy (buggy: a lost message loses the update).',
    false,
  ),
);
