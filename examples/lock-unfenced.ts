/**
 * lock-unfenced: examples/lock.ts with a resource that ignores fencing tokens. A holder that
 * stalls past its lease writes after its successor and overwrites its increment: the
 * `fenced-exclusive` invariant fails on most seeds. The lock alone is not safe against pauses.
 *
 *   npx cadre simulate examples/lock-unfenced.ts --seeds 1..20
 */
import { lockSpec } from './lock.js';

export default lockSpec({ fenced: false });
