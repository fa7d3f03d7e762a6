// The example of docs/guide/cache.md §2: a deterministic "oldest registration wins" resolver that
// tells the losers, on two replicas whose deltas cross.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { CacheMap, type CacheResolver } from '../../../src/stores/cache/crdt/cache-map.js';
import { HybridClock } from '../../../src/stores/cache/crdt/hlc.js';

test('guide: a registry resolver, oldest registration wins, the same on every replica', () => {
  const losers = new Set<string>();
  const oldestWins: CacheResolver = (key, candidates) => {
    // candidates arrive sorted by hybrid timestamp: the first is the oldest
    for (const c of candidates.slice(1)) losers.add(`${key}: ${c.value}`);
    return candidates[0] as (typeof candidates)[number];
  };
  const a = new CacheMap('a', { resolve: oldestWins });
  const b = new CacheMap('b', { resolve: oldestWins });
  const fromA = a.set('worker:1', 'pid-on-a', new HybridClock('a').now(1_000), 0);
  const fromB = b.set('worker:1', 'pid-on-b', new HybridClock('b').now(1_005), 0);
  a.join(fromB);
  b.join(fromA);
  assert.equal(a.resolve('worker:1')?.value, 'pid-on-a');
  assert.equal(b.resolve('worker:1')?.value, 'pid-on-a');
  assert.equal(a.resolve('worker:1')?.siblings, 2);
  // Called on every read of a key with siblings: notifications need deduplicating.
  assert.deepEqual([...losers], ['worker:1: pid-on-b']);
  // The default resolver (larger hybrid timestamp) picks the other one — also on both.
  const [x, y] = [new CacheMap('a'), new CacheMap('b')];
  x.join(fromB);
  x.join(fromA);
  y.join(fromA);
  y.join(fromB);
  assert.equal(x.resolve('worker:1')?.value, 'pid-on-b');
  assert.equal(y.resolve('worker:1')?.value, 'pid-on-b');
});
