/**
 * cache-delta: the cache's delta propagation at LDFI scale with anti-entropy on (delta buffer with
 * acknowledgements and retransmission, and digest exchange). `cadre verify` finds no combination
 * of message omissions before EFF 3 that keeps a write from some node by EOT 6; its fixture twin
 * examples/cache-no-antientropy.ts fails within the same bounds.
 *
 *   npx cadre verify examples/cache-delta.ts     # VERIFIED
 */
import { defineSpec } from '../src/index.js';
import { deltaSpec } from './cache-delta-core.js';

export default defineSpec(
  deltaSpec(
    'cache-delta',
    'Cache delta propagation with acknowledged retransmission and digest anti-entropy.',
    true,
  ),
);
