// The seeded PRNG: same seed, same stream; derived streams are fixed by (seed, label) and
// independent of each other; int/pick/chance/exponential stay in their ranges.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import fc from 'fast-check';
import { hash32, mix32, Prng } from '../../src/sim/prng.js';

const take = (p: Prng, n: number) => Array.from({ length: n }, () => p.next());

describe('Prng', () => {
  test('same seed gives the same stream; different seeds differ', () => {
    assert.deepEqual(take(new Prng(42), 50), take(new Prng(42), 50));
    assert.notDeepEqual(take(new Prng(42), 50), take(new Prng(43), 50));
    // Negative seeds must not mirror non-negative ones (a `lo ^ hi` fold maps -k to k-1).
    for (const k of [1, 2, 3, 1000]) {
      assert.notDeepEqual(take(new Prng(-k), 10), take(new Prng(k - 1), 10), `seed -${k}`);
    }
    assert.notDeepEqual(take(new Prng(1), 10), take(new Prng(2 ** 32 + 1), 10), 'high bits matter');
  });

  test('derive(seed, label) is fixed by seed and label', () => {
    assert.deepEqual(take(Prng.derive(7, 'network'), 20), take(Prng.derive(7, 'network'), 20));
    assert.notDeepEqual(take(Prng.derive(7, 'network'), 20), take(Prng.derive(7, 'node:a'), 20));
    assert.notDeepEqual(take(Prng.derive(7, 'network'), 20), take(Prng.derive(8, 'network'), 20));
    assert.notDeepEqual(take(Prng.derive(7, 'network'), 20), take(new Prng(7), 20));
  });

  test('derived streams are independent: drawing from one does not shift another', () => {
    const a1 = Prng.derive(5, 'a');
    const b1 = Prng.derive(5, 'b');
    const lone = take(Prng.derive(5, 'b'), 10);
    take(a1, 1000);
    assert.deepEqual(take(b1, 10), lone);
  });

  test('next is in [0, 1) and looks uniform', () => {
    const p = new Prng(1);
    let sum = 0;
    const n = 20000;
    for (let i = 0; i < n; i++) {
      const x = p.next();
      assert.ok(x >= 0 && x < 1);
      sum += x;
    }
    assert.ok(Math.abs(sum / n - 0.5) < 0.02, `mean ${sum / n}`);
  });

  test('int(min, max) is inclusive at both ends and hits every value', () => {
    const p = new Prng(3);
    const seen = new Set<number>();
    for (let i = 0; i < 2000; i++) {
      const x = p.int(-2, 3);
      assert.ok(Number.isInteger(x) && x >= -2 && x <= 3, `out of range: ${x}`);
      seen.add(x);
    }
    assert.deepEqual(
      [...seen].sort((a, b) => a - b),
      [-2, -1, 0, 1, 2, 3],
    );
    assert.equal(p.int(4, 4), 4);
  });

  test('pick returns every element and only elements', () => {
    const p = new Prng(9);
    const items = ['x', 'y', 'z'] as const;
    const seen = new Set<string>();
    for (let i = 0; i < 300; i++) {
      const x = p.pick(items);
      assert.ok(items.includes(x));
      seen.add(x);
    }
    assert.equal(seen.size, 3);
  });

  test('chance: 0 never, 1 always, 0.3 about 30%', () => {
    const p = new Prng(11);
    let hits = 0;
    for (let i = 0; i < 10000; i++) {
      assert.equal(p.chance(0), false);
      assert.equal(p.chance(1), true);
      if (p.chance(0.3)) hits++;
    }
    assert.ok(Math.abs(hits / 10000 - 0.3) < 0.03, `rate ${hits / 10000}`);
  });

  test('exponential is non-negative with about the given mean', () => {
    const p = new Prng(13);
    let sum = 0;
    for (let i = 0; i < 20000; i++) {
      const x = p.exponential(4);
      assert.ok(x >= 0 && Number.isFinite(x));
      sum += x;
    }
    assert.ok(Math.abs(sum / 20000 - 4) < 0.2, `mean ${sum / 20000}`);
  });

  test('property: int stays in range for any bounds and seed', () => {
    fc.assert(
      fc.property(
        fc.integer(),
        fc.integer({ min: -1000, max: 1000 }),
        fc.nat(1000),
        (seed, min, span) => {
          const p = new Prng(seed);
          for (let i = 0; i < 5; i++) {
            const x = p.int(min, min + span);
            assert.ok(x >= min && x <= min + span);
          }
        },
      ),
      { numRuns: 300 },
    );
  });

  test('mix32 keeps small seeds apart (no collisions among -1000..1000)', () => {
    const seen = new Map<number, number>();
    for (let s = -1000; s <= 1000; s++) {
      const m = mix32(s);
      assert.equal(seen.get(m), undefined, `seeds ${seen.get(m)} and ${s} collide`);
      seen.set(m, s);
    }
  });

  test('hash32 and mix32 are deterministic 32-bit integers', () => {
    assert.equal(hash32('abc'), hash32('abc'));
    assert.notEqual(hash32('abc'), hash32('abd'));
    assert.equal(mix32(12345), mix32(12345));
    assert.notEqual(mix32(1), mix32(2));
    for (const x of [0, 1, -1, 2 ** 40, Number.MAX_SAFE_INTEGER]) {
      const m = mix32(x);
      assert.ok(Number.isInteger(m) && m >= -(2 ** 31) && m < 2 ** 31);
    }
  });
});
