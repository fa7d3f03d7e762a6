/**
 * registry-available-local-order: examples/registry-available.ts with a broken conflict resolver
 * that keeps the candidate this node saw first. Candidates arrive in each node's own order (its
 * own registration first), so after a partition each side keeps its own owner: nodes disagree
 * forever, and `registry-converges` fails. A resolver must be a pure function of the set of
 * competing registrations.
 *
 *   npx cadre simulate examples/registry-available-local-order.ts --seeds 1..20
 */
import type { ConflictResolver } from '../src/stores/primitives/registry-available.js';
import { availableRegistrySpec } from './registry-available.js';

/** The broken resolver: the first candidate in this node's arrival order wins. */
export const firstArrivedWins: ConflictResolver = (name, candidates) => {
  const first = candidates[0];
  if (first === undefined) throw new RangeError(`resolver for ${name}: no candidates`);
  return { winner: first, action: 'keep' };
};

export default availableRegistrySpec({
  name: 'registry-available-local-order',
  resolver: firstArrivedWins,
});
