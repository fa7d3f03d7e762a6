/**
 * registry-unconditional: examples/registry.ts with registrants whose put forgot `ifAbsent` (a
 * registry that overwrites the holder). Two owners are acknowledged for one name, and
 * `registry-exclusive` reports the duplicate on every seed of 1..20.
 *
 *   npx cadre simulate examples/registry-unconditional.ts --seeds 1..20
 */
import { registrySpec } from './registry.js';

export default registrySpec({ registrant: { unconditional: true } });
