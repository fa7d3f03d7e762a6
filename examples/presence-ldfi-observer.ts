/**
 * presence-ldfi-observer: examples/presence-ldfi.ts with a third node n3 that tracks nothing and
 * only observes and relays (n1 and n2 interchangeable), at EOT 7, EFF 4, no crashes. Larger than
 * the CI spec (2,080 LDFI runs, 91 s on a busy 2-core machine), so it is run by
 * hand; the relay adds the case where a node learns an entry from a third node while the owner
 * is silent to it, and a collection spreading to the third node through the causal context.
 *
 *   npx cadre verify examples/presence-ldfi-observer.ts
 */
import { presenceLdfiSpec } from './presence-ldfi.js';

export default presenceLdfiSpec({
  name: 'presence-ldfi-observer',
  observer: true,
  eot: 7,
  eff: 4,
});
