// Delta-state CRDT laws (fast-check): join is associative, commutative and idempotent; deltas
// delivered in any order, any number of times, give the state the full states give; lost deltas
// are repaired by anti-entropy (a join of states). Covers the causal context, the add-wins set and
// map, the LWW register, the PN-counter, the hybrid clock and the cache's own map.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import fc from 'fast-check';
import { AWMap } from '../../../src/stores/cache/crdt/aw-map.js';
import { AWSet } from '../../../src/stores/cache/crdt/aw-set.js';
import {
  type CacheDelta,
  CacheMap,
  NotAnIntegerError,
} from '../../../src/stores/cache/crdt/cache-map.js';
import { CausalContext } from '../../../src/stores/cache/crdt/causal-context.js';
import { compareHlc, type Hlc, HybridClock } from '../../../src/stores/cache/crdt/hlc.js';
import { joinLww, type LWWRegister } from '../../../src/stores/cache/crdt/lww-register.js';
import {
  addToCounter,
  counterValue,
  EMPTY_COUNTER,
  joinCounters,
  type PNCounter,
} from '../../../src/stores/cache/crdt/pn-counter.js';
import { decodeKeys, encodeKey, encodeKeys } from '../../../src/stores/cache/messages.js';
import { canonicalCache } from './helpers.js';

const RUNS = { numRuns: 150 };

/** `items` permuted by swaps drawn from `order`. */
function shuffle<T>(items: readonly T[], order: readonly number[]): T[] {
  const out = [...items];
  if (out.length === 0) return out;
  order.forEach((o, i) => {
    const x = i % out.length;
    const y = o % out.length;
    [out[x], out[y]] = [out[y] as T, out[x] as T];
  });
  return out;
}

describe('hybrid logical clock', () => {
  test('never goes backwards, and orders a receive after what it saw', () => {
    fc.assert(
      fc.property(
        fc.array(fc.tuple(fc.boolean(), fc.nat(50), fc.nat(50), fc.nat(3)), { maxLength: 40 }),
        (steps) => {
          const clock = new HybridClock('a');
          let last: Hlc | undefined;
          for (const [receive, phys, remoteWall, remoteLogical] of steps) {
            const remote = { wallMs: remoteWall, logical: remoteLogical, node: 'b' };
            if (receive) clock.observe(remote, phys);
            const t = clock.now(phys);
            if (last !== undefined) assert.ok(compareHlc(t, last) > 0);
            if (receive) assert.ok(compareHlc(t, remote) > 0);
            assert.ok(t.wallMs >= phys);
            last = t;
          }
        },
      ),
      RUNS,
    );
  });

  test('ties on wall time and counter are broken by node id, the same everywhere', () => {
    const a = { wallMs: 5, logical: 1, node: 'a' };
    const b = { wallMs: 5, logical: 1, node: 'b' };
    assert.ok(compareHlc(a, b) < 0 && compareHlc(b, a) > 0 && compareHlc(a, { ...a }) === 0);
    assert.deepEqual(joinLww({ value: 1, hlc: a }, { value: 2, hlc: b }), { value: 2, hlc: b });
    assert.deepEqual(joinLww({ value: 2, hlc: b }, { value: 1, hlc: a }), { value: 2, hlc: b });
  });
});

const dots = fc.array(fc.tuple(fc.constantFrom('a', 'b', 'c'), fc.integer({ min: 1, max: 8 })), {
  maxLength: 12,
});
const ctxOf = (ds: [string, number][]) => {
  const c = new CausalContext();
  for (const [replica, counter] of ds) c.add({ replica, counter });
  return c;
};
const joined = (...cs: CausalContext[]) => {
  const out = new CausalContext();
  for (const c of cs) out.join(c);
  return out;
};

describe('causal context', () => {
  test('join is set union: associative, commutative, idempotent, and compact', () => {
    fc.assert(
      fc.property(dots, dots, dots, (x, y, z) => {
        const [a, b, c] = [ctxOf(x), ctxOf(y), ctxOf(z)];
        assert.equal(joined(a, b).canonical(), joined(b, a).canonical());
        assert.equal(joined(joined(a, b), c).canonical(), joined(a, joined(b, c)).canonical());
        assert.equal(joined(a, a).canonical(), a.canonical());
        const u = joined(a, b);
        for (const [replica, counter] of [...x, ...y]) assert.ok(u.contains({ replica, counter }));
        // Compact: no cloud dot continues the version vector.
        for (const [r, n] of u.versionVector)
          assert.ok(!ctxOf([]).contains({ replica: r, counter: n + 1 }));
      }),
      RUNS,
    );
  });

  test('filling a gap folds the dot cloud into the version vector', () => {
    const c = ctxOf([
      ['a', 1],
      ['a', 3],
      ['a', 4],
    ]);
    assert.equal(c.cloudSize, 2);
    c.add({ replica: 'a', counter: 2 });
    assert.equal(c.cloudSize, 0);
    assert.equal(c.versionVector.get('a'), 4);
    assert.deepEqual(c.next('a'), { replica: 'a', counter: 5 });
  });
});

/** Random operations on three replicas with delta delivery that duplicates, reorders and loses. */
type SetOp = { at: number; add: boolean; element: string; deliver: number[] };
const setOps = fc.array(
  fc.record({
    at: fc.nat(2),
    add: fc.boolean(),
    element: fc.constantFrom('x', 'y', 'z'),
    deliver: fc.array(fc.nat(), { maxLength: 3 }),
  }),
  { maxLength: 25 },
);

function runSets(ops: SetOp[], lose: boolean): { replicas: AWSet[]; deltas: AWSet[] } {
  const replicas = [new AWSet(), new AWSet(), new AWSet()];
  const names = ['a', 'b', 'c'];
  const pending: { to: number; delta: AWSet }[] = [];
  const deltas: AWSet[] = [];
  for (const op of ops) {
    for (const pick of op.deliver) {
      if (pending.length === 0) break;
      const i = pick % pending.length;
      const msg = pending[i] as { to: number; delta: AWSet };
      replicas[msg.to]?.join(msg.delta);
      if (pick % 3 !== 0) pending.splice(i, 1); // else: delivered again later (duplicate)
    }
    const r = replicas[op.at] as AWSet;
    const delta = op.add ? r.add(names[op.at] as string, op.element) : r.remove(op.element);
    deltas.push(delta);
    for (let to = 0; to < 3; to++) if (to !== op.at) pending.push({ to, delta });
  }
  if (!lose) for (const msg of pending) replicas[msg.to]?.join(msg.delta);
  return { replicas, deltas };
}

describe('add-wins set', () => {
  test('deltas in any order, duplicated, equal the join of full states; loss healed by a state join', () => {
    fc.assert(
      fc.property(
        setOps,
        fc.boolean(),
        fc.array(fc.nat(), { maxLength: 40 }),
        (ops, lose, order) => {
          const { replicas, deltas } = runSets(ops, lose);
          // Anti-entropy: every replica joins every other's full state.
          const full = new AWSet();
          for (const r of replicas) full.join(r);
          for (const r of replicas) r.join(full);
          for (const r of replicas) assert.deepEqual(r.values(), full.values());
          // All deltas, shuffled and with repeats, give the same state as the full states.
          const fromDeltas = new AWSet();
          const shuffled = shuffle(deltas, order);
          for (const d of [...shuffled, ...shuffled.slice(0, 3)]) fromDeltas.join(d);
          assert.deepEqual(fromDeltas.values(), full.values());
          assert.equal(fromDeltas.kernel.context.canonical(), full.kernel.context.canonical());
        },
      ),
      RUNS,
    );
  });

  test('join of states is associative, commutative and idempotent', () => {
    fc.assert(
      fc.property(setOps, (ops) => {
        const { replicas } = runSets(ops, true);
        const [a, b, c] = replicas as [AWSet, AWSet, AWSet];
        const j = (...xs: AWSet[]) => {
          const out = new AWSet();
          for (const x of xs) out.join(x);
          return out;
        };
        const show = (s: AWSet) => `${s.values().join(',')}|${s.kernel.context.canonical()}`;
        assert.equal(show(j(a, b)), show(j(b, a)));
        assert.equal(show(j(j(a, b), c)), show(j(a, j(b, c))));
        assert.equal(show(j(a, a)), show(a));
      }),
      RUNS,
    );
  });

  test('an add concurrent with a remove wins', () => {
    const a = new AWSet();
    const b = new AWSet();
    b.join(a.add('a', 'x'));
    const remove = b.remove('x');
    const readd = a.add('a', 'x');
    a.join(remove);
    b.join(readd);
    assert.deepEqual(a.values(), ['x']);
    assert.deepEqual(b.values(), ['x']);
    // Repeated adds do not grow the state.
    for (let i = 0; i < 10; i++) a.add('a', 'x');
    assert.equal(a.kernel.entries.size, 1);
  });
});

describe('add-wins LWW map', () => {
  test('concurrent sets resolve to the larger timestamp on every replica; a remove loses to a concurrent set', () => {
    const a = new AWMap<string>();
    const b = new AWMap<string>();
    const da = a.set('a', 'k', 'from-a', { wallMs: 10, logical: 0, node: 'a' });
    const db = b.set('b', 'k', 'from-b', { wallMs: 10, logical: 0, node: 'b' });
    a.join(db);
    b.join(da);
    assert.equal(a.get('k'), 'from-b');
    assert.equal(b.get('k'), 'from-b');
    assert.equal(a.candidates('k').length, 2);
    // A custom deterministic resolver: the smallest timestamp wins (registry "oldest wins").
    const oldest = (_k: string, c: readonly { hlc: Hlc }[]) => c[0] as never;
    assert.equal(a.get('k', oldest), 'from-a');
    const rm = a.remove('k');
    const again = b.set('b', 'k', 'again', { wallMs: 11, logical: 0, node: 'b' });
    a.join(again);
    b.join(rm);
    assert.deepEqual(a.entries(), [['k', 'again']]);
    assert.deepEqual(b.entries(), [['k', 'again']]);
  });

  test('join is associative, commutative and idempotent (random writes on three replicas)', () => {
    const ops = fc.array(
      fc.record({
        at: fc.nat(2),
        remove: fc.boolean(),
        key: fc.constantFrom('p', 'q'),
        v: fc.nat(9),
      }),
      { maxLength: 20 },
    );
    fc.assert(
      fc.property(ops, (list) => {
        const maps = [new AWMap<number>(), new AWMap<number>(), new AWMap<number>()];
        list.forEach((op, i) => {
          const m = maps[op.at] as AWMap<number>;
          const node = ['a', 'b', 'c'][op.at] as string;
          if (op.remove) m.remove(op.key);
          else m.set(node, op.key, op.v, { wallMs: i, logical: 0, node });
          if (i % 4 === 0) maps[(op.at + 1) % 3]?.join(m);
        });
        const j = (...xs: AWMap<number>[]) => {
          const out = new AWMap<number>();
          for (const x of xs) out.join(x);
          return out;
        };
        const show = (m: AWMap<number>) =>
          JSON.stringify([m.entries(), m.kernel.context.canonical()]);
        const [a, b, c] = maps as [AWMap<number>, AWMap<number>, AWMap<number>];
        assert.equal(show(j(a, b)), show(j(b, a)));
        assert.equal(show(j(j(a, b), c)), show(j(a, j(b, c))));
        assert.equal(show(j(a, a)), show(j(a)));
      }),
      RUNS,
    );
  });
});

describe('LWW register and PN-counter', () => {
  const hlc = fc.record({ wallMs: fc.nat(5), logical: fc.nat(2), node: fc.constantFrom('a', 'b') });
  const reg = fc.option(fc.record({ value: fc.nat(), hlc }), { nil: undefined });
  test('LWW join is associative, commutative, idempotent', () => {
    fc.assert(
      fc.property(reg, reg, reg, (a, b, c) => {
        const key = (r: LWWRegister<number> | undefined) =>
          r === undefined ? '-' : JSON.stringify(r.hlc);
        assert.equal(key(joinLww(a, b)), key(joinLww(b, a)));
        assert.equal(key(joinLww(joinLww(a, b), c)), key(joinLww(a, joinLww(b, c))));
        assert.equal(key(joinLww(a, a)), key(a));
      }),
      RUNS,
    );
  });

  test('counter deltas in any order and duplicated sum every step exactly once', () => {
    const steps = fc.array(
      fc.tuple(fc.constantFrom('a', 'b', 'c'), fc.integer({ min: -5, max: 5 })),
      {
        maxLength: 30,
      },
    );
    fc.assert(
      fc.property(steps, fc.array(fc.nat()), (list, order) => {
        const states = new Map<string, PNCounter>();
        const deltas: PNCounter[] = [];
        let sum = 0;
        for (const [r, by] of list) {
          const { state, delta } = addToCounter(states.get(r) ?? EMPTY_COUNTER, r, by);
          states.set(r, state);
          deltas.push(delta);
          sum += by;
        }
        const shuffled = shuffle(deltas, order);
        let acc = EMPTY_COUNTER;
        for (const d of [...shuffled, ...shuffled]) acc = joinCounters(acc, d);
        assert.equal(counterValue(acc), sum);
        const [p, q] = [deltas[0] ?? EMPTY_COUNTER, deltas[1] ?? EMPTY_COUNTER];
        assert.deepEqual(joinCounters(p, q), joinCounters(q, p));
      }),
      RUNS,
    );
    assert.throws(() => addToCounter(EMPTY_COUNTER, 'a', 0.5), /safe integer/);
  });
});

/** Random cache operations on three replicas, deltas duplicated, reordered and lost. */
const cacheOps = fc.array(
  fc.record({
    at: fc.nat(2),
    kind: fc.constantFrom('set', 'del', 'incr'),
    key: fc.constantFrom('k1', 'k2', 'k3'),
    value: fc.constantFrom('1', '7', 'x'),
    by: fc.integer({ min: -3, max: 3 }),
    deliver: fc.array(fc.nat(), { maxLength: 3 }),
  }),
  { maxLength: 30 },
);
type CacheOp = {
  at: number;
  kind: string;
  key: string;
  value: string;
  by: number;
  deliver: number[];
};

function runCache(ops: CacheOp[], lose: boolean) {
  const names = ['a', 'b', 'c'];
  const replicas = names.map((n) => new CacheMap(n, { buckets: 4 }));
  const clocks = names.map((n) => new HybridClock(n));
  const pending: { to: number; delta: CacheDelta }[] = [];
  const deltas: CacheDelta[] = [];
  ops.forEach((op, step) => {
    for (const pick of op.deliver) {
      if (pending.length === 0) break;
      const i = pick % pending.length;
      const msg = pending[i] as { to: number; delta: CacheDelta };
      replicas[msg.to]?.join(msg.delta);
      if (pick % 3 !== 0) pending.splice(i, 1);
    }
    const r = replicas[op.at] as CacheMap;
    let delta: CacheDelta | undefined;
    if (op.kind === 'set')
      delta = r.set(op.key, op.value, (clocks[op.at] as HybridClock).now(step), 0);
    else if (op.kind === 'del') delta = r.remove(op.key);
    else {
      try {
        delta = r.incrBy(op.key, op.by, step).delta;
      } catch (e) {
        assert.ok(e instanceof NotAnIntegerError);
      }
    }
    if (delta === undefined) return;
    deltas.push(delta);
    for (let to = 0; to < 3; to++) if (to !== op.at) pending.push({ to, delta });
  });
  if (!lose) for (const msg of pending) replicas[msg.to]?.join(msg.delta);
  return { replicas, deltas };
}

const allBuckets = new Set([0, 1, 2, 3]);

describe('cache map', () => {
  test('deltas tolerate duplication and reordering; loss is healed by bucket anti-entropy', () => {
    fc.assert(
      fc.property(cacheOps, fc.boolean(), (ops, lose) => {
        const { replicas, deltas } = runCache(ops, lose);
        // Anti-entropy: exchange only the buckets whose digests differ, both ways.
        for (const x of replicas) {
          for (const y of replicas) {
            if (x === y) continue;
            const differing = new Set(y.digest.differing(x.digest.snapshot()));
            y.join(x.statesInBuckets(differing));
            x.join(y.statesInBuckets(differing));
          }
        }
        const views = replicas.map((r) => canonicalCache(r, false));
        assert.equal(views[1], views[0]);
        assert.equal(views[2], views[0]);
        for (const r of replicas)
          assert.deepEqual(r.digest.snapshot(), (replicas[0] as CacheMap).digest.snapshot());
        // Every delta, in reverse and duplicated, applied to a fresh observer = the full states.
        const observer = new CacheMap('o', { buckets: 4 });
        for (const d of [...deltas].reverse()) observer.join(d);
        for (const d of deltas) observer.join(d);
        const full = new CacheMap('f', { buckets: 4 });
        for (const r of replicas) full.join(r.statesInBuckets(allBuckets));
        assert.equal(canonicalCache(observer, true), canonicalCache(full, true));
      }),
      RUNS,
    );
  });

  test('join of states is associative, commutative and idempotent', () => {
    fc.assert(
      fc.property(cacheOps, (ops) => {
        const { replicas } = runCache(ops, true);
        const j = (...xs: CacheMap[]) => {
          const out = new CacheMap('o', { buckets: 4 });
          for (const x of xs) out.join(x.statesInBuckets(allBuckets));
          return out;
        };
        const [a, b, c] = replicas as [CacheMap, CacheMap, CacheMap];
        const show = (m: CacheMap) => canonicalCache(m, true);
        assert.equal(show(j(a, b)), show(j(b, a)));
        assert.equal(show(j(j(a, b), c)), show(j(a, j(b, c))));
        assert.equal(show(j(a, a)), show(j(a)));
      }),
      RUNS,
    );
  });

  test('entries keep their timestamp, expiry and names once stored in packed form', () => {
    // Stored entries hold the timestamp inline (no Hlc object); an entry that arrives over the
    // wire must read back exactly as sent, and its state must re-encode to the same wire form.
    const a = new CacheMap('a');
    const b = new CacheMap('b');
    const hlc: Hlc = { wallMs: 1_764_115_200_123, logical: 7, node: 'a' };
    const delta = a.set('k', 'v', hlc, 1_764_115_260_000);
    const wire = JSON.parse(JSON.stringify(encodeKeys(delta)));
    b.join(decodeKeys(wire, 'test'));
    for (const m of [a, b]) {
      const entry = m.state('k')?.entries[0];
      assert.deepEqual(entry?.hlc, hlc);
      assert.equal(entry?.replica, 'a');
      assert.equal(entry?.seq, 1);
      assert.equal(entry?.expiresAtMs, 1_764_115_260_000);
      assert.deepEqual(m.resolve('k'), {
        value: 'v',
        expiresAtMs: 1_764_115_260_000,
        hlc,
        siblings: 1,
      });
    }
    const stateA = a.state('k');
    const stateB = b.state('k');
    assert.ok(stateA !== undefined && stateB !== undefined);
    assert.deepEqual(encodeKey('k', stateB), encodeKey('k', stateA));
  });

  test('concurrent increments on different replicas all count; SET after them resets', () => {
    const [a, b] = [new CacheMap('a'), new CacheMap('b')];
    const ca = new HybridClock('a');
    b.join(a.set('n', '10', ca.now(1), 0));
    const da = a.incrBy('n', 5, 2).delta;
    const db = b.incrBy('n', 7, 2).delta;
    const db2 = b.incrBy('n', 1, 3).delta;
    a.join(db2);
    a.join(db);
    b.join(da);
    assert.equal(a.resolve('n')?.value, '23');
    assert.equal(b.resolve('n')?.value, '23');
    b.join(a.set('n', 'text', ca.now(4), 0));
    assert.equal(b.resolve('n')?.value, 'text');
    assert.throws(() => b.incrBy('n', 1, 5), NotAnIntegerError);
    assert.equal(b.resolve('n')?.value, 'text', 'a failed INCRBY changes nothing');
    // Counting on an absent key on two replicas at once adds up too.
    const [x, y] = [new CacheMap('x'), new CacheMap('y')];
    const dx = x.incrBy('c', 2, 0).delta;
    y.join(x.incrBy('c', 3, 0).delta);
    y.join(dx);
    x.join(y.incrBy('c', 4, 0).delta);
    assert.equal(x.resolve('c')?.value, '9');
  });

  test('expiry hides a value from readers at or after its deadline', () => {
    const m = new CacheMap('a');
    m.set('k', 'v', new HybridClock('a').now(100), 150);
    assert.equal(m.read('k', 149)?.value, 'v');
    assert.equal(m.read('k', 150), undefined);
    assert.equal(m.incrBy('k', 1, 200).value, 1, 'an expired key counts from zero');
  });

  test('stale re-deliveries are refused and tombstones are collected after causal stability', () => {
    const [a, b] = [new CacheMap('a'), new CacheMap('b')];
    const clock = new HybridClock('a');
    const first = a.set('k', 'old', clock.now(1), 0);
    b.join(first);
    const del = b.remove('k') as CacheDelta;
    a.join(del);
    assert.equal(a.resolve('k'), undefined);
    assert.equal(a.storedKeys, 1, 'a tombstone remains until stable');
    // Both replicas know each other's writes: the frontier covers the tombstone.
    a.learn(b.knowledge);
    b.learn(a.knowledge);
    const frontier = new Map([
      ['a', Math.min(a.knowledge.get('a') ?? 0, b.knowledge.get('a') ?? 0)],
      ['b', Math.min(a.knowledge.get('b') ?? 0, b.knowledge.get('b') ?? 0)],
    ]);
    assert.equal(a.collect(frontier), 1);
    assert.equal(b.collect(frontier), 1);
    assert.equal(a.storedKeys, 0);
    // The first write, duplicated and delayed, arrives after collection: it stays dead.
    b.join(first);
    a.join(first);
    assert.equal(a.resolve('k'), undefined);
    assert.equal(b.resolve('k'), undefined);
    assert.equal(b.storedKeys, 0);
  });
});
