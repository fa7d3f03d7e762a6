// The cache process in the simulator: the client protocol's semantics (Redis-like replies and
// errors), read-your-writes on the node written to even when it is cut off, TTL expiry, the memory
// bound (evictions are replicated, so replicas stay equal), tombstone collection after causal
// stability, a permanently-down node told to rejoin as a fresh replica, and refusal to start on a
// damaged data directory or to apply a malformed peer message.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import fc from 'fast-check';
import { fact } from '../../../src/core/fact.js';
import type { WorldView } from '../../../src/core/guarantee.js';
import type { Context } from '../../../src/core/process.js';
import { utf8 } from '../../../src/storage/bytes.js';
import { MemoryKV } from '../../../src/storage/memory-kv.js';
import { replicasConverge, replicasEqual } from '../../../src/stores/cache/checks.js';
import {
  type CacheMsg,
  type CacheRequest,
  decodeKeys,
} from '../../../src/stores/cache/messages.js';
import {
  CacheDataError,
  CacheNode,
  FINGERPRINT_KEY,
  readCacheData,
} from '../../../src/stores/cache/process.js';
import { runScript, valuesOf } from './helpers.js';

// Limits small enough to test: 16-character keys, 100-character values.
const limits = { keyLengthMax: 16, valueLengthMax: 100 };

describe('cache client protocol', () => {
  test('GET, SET, DEL, EXPIRE, TTL, INCRBY, MGET answer like Redis', () => {
    const at = (n: number) => 10 + n * 10;
    const { replies } = runScript(
      limits,
      [
        { at: at(0), to: 'n1', req: { type: 'set', id: 1, key: 'a', value: '1' } },
        { at: at(1), to: 'n1', req: { type: 'get', id: 2, key: 'a' } },
        { at: at(2), to: 'n1', req: { type: 'incrby', id: 3, key: 'a', by: 41 } },
        { at: at(3), to: 'n1', req: { type: 'mget', id: 4, keys: ['a', 'missing'] } },
        { at: at(4), to: 'n1', req: { type: 'ttl', id: 5, key: 'a' } },
        { at: at(5), to: 'n1', req: { type: 'expire', id: 6, key: 'a', ttlMs: 5000 } },
        { at: at(6), to: 'n1', req: { type: 'ttl', id: 7, key: 'a' } },
        { at: at(7), to: 'n1', req: { type: 'del', id: 8, keys: ['a', 'missing'] } },
        { at: at(8), to: 'n1', req: { type: 'ttl', id: 9, key: 'a' } },
        { at: at(9), to: 'n1', req: { type: 'expire', id: 10, key: 'a', ttlMs: 10 } },
        { at: at(10), to: 'n1', req: { type: 'set', id: 11, key: 's', value: 'text' } },
        { at: at(11), to: 'n1', req: { type: 'incrby', id: 12, key: 's', by: 1 } },
        { at: at(12), to: 'n1', req: { type: 'set', id: 13, key: 'big', value: 'x'.repeat(101) } },
        { at: at(13), to: 'n1', req: { type: 'get', id: 14, key: 'k'.repeat(20) } },
        { at: at(14), to: 'n1', req: { type: 'set', id: 15, key: 't', value: 'v', ttlMs: -5 } },
        { at: at(15), to: 'n1', req: { type: 'incrby', id: 16, key: 'n', by: -3 } },
      ],
      { horizonMs: 500 },
    );
    const r = (id: number) => replies.get(id);
    assert.deepEqual(r(1), { type: 'ok', id: 1 });
    assert.deepEqual(r(2), { type: 'value', id: 2, value: '1' });
    assert.deepEqual(r(3), { type: 'int', id: 3, value: 42 });
    assert.deepEqual(r(4), { type: 'values', id: 4, values: ['42', null] });
    assert.deepEqual(r(5), { type: 'int', id: 5, value: -1 });
    assert.deepEqual(r(6), { type: 'int', id: 6, value: 1 });
    assert.equal(r(7)?.type, 'int');
    assert.ok(
      (r(7) as { value: number }).value > 4900 && (r(7) as { value: number }).value <= 5000,
    );
    assert.deepEqual(r(8), { type: 'int', id: 8, value: 1 });
    assert.deepEqual(r(9), { type: 'int', id: 9, value: -2 });
    assert.deepEqual(r(10), { type: 'int', id: 10, value: 0 });
    assert.deepEqual(r(12), {
      type: 'error',
      id: 12,
      message: 'value is not an integer or out of range',
    });
    assert.match(
      (r(13) as { message: string }).message,
      /value is 101 characters, more than the limit of 100/,
    );
    assert.match(
      (r(14) as { message: string }).message,
      /key is 20 characters, more than the limit of 16/,
    );
    assert.match((r(15) as { message: string }).message, /invalid expire time -5 ms/);
    assert.deepEqual(r(16), { type: 'int', id: 16, value: -3 });
  });
});

describe('SET NX / XX and SCAN', () => {
  test('NX sets only an absent key and XX only a present one, on the node written to', () => {
    const { replies } = runScript(
      limits,
      [
        { at: 10, to: 'n1', req: { type: 'set', id: 1, key: 'k', value: 'a', condition: 'XX' } },
        { at: 20, to: 'n1', req: { type: 'set', id: 2, key: 'k', value: 'b', condition: 'NX' } },
        { at: 30, to: 'n1', req: { type: 'set', id: 3, key: 'k', value: 'c', condition: 'NX' } },
        { at: 40, to: 'n1', req: { type: 'set', id: 4, key: 'k', value: 'd', condition: 'XX' } },
        { at: 50, to: 'n1', req: { type: 'get', id: 5, key: 'k' } },
        { at: 60, to: 'n1', req: { type: 'set', id: 6, key: 'e', value: 'v', ttlMs: 20 } },
        // An expired key counts as absent.
        { at: 90, to: 'n1', req: { type: 'set', id: 7, key: 'e', value: 'w', condition: 'NX' } },
        {
          at: 95,
          to: 'n1',
          req: { type: 'set', id: 8, key: 'k', value: 'x', condition: 'YY' as 'NX' },
        },
      ],
      { horizonMs: 300 },
    );
    assert.deepEqual(replies.get(1), { type: 'value', id: 1, value: null }, 'XX on absent');
    assert.deepEqual(replies.get(2), { type: 'ok', id: 2 }, 'NX on absent');
    assert.deepEqual(replies.get(3), { type: 'value', id: 3, value: null }, 'NX on present');
    assert.deepEqual(replies.get(4), { type: 'ok', id: 4 }, 'XX on present');
    assert.deepEqual(replies.get(5), { type: 'value', id: 5, value: 'd' });
    assert.deepEqual(replies.get(7), { type: 'ok', id: 7 });
    assert.match((replies.get(8) as { message: string }).message, /condition must be NX or XX/);
  });

  test('NX is local: two partitioned nodes both accept it; after the heal the later write wins everywhere', () => {
    const { replies, result } = runScript(
      limits,
      [
        {
          at: 100,
          to: 'n1',
          req: { type: 'set', id: 1, key: 'lock', value: 'n1-owner', condition: 'NX' },
        },
        {
          at: 120,
          to: 'n2',
          req: { type: 'set', id: 2, key: 'lock', value: 'n2-owner', condition: 'NX' },
        },
      ],
      {
        faults: [{ kind: 'partition', groups: [['n1'], ['n2', 'n3']], at: 50, until: 500 }],
        horizonMs: 2500,
      },
    );
    assert.deepEqual(replies.get(1), { type: 'ok', id: 1 });
    assert.deepEqual(replies.get(2), { type: 'ok', id: 2 }, "n2 cannot see n1's write");
    // The default resolver keeps the larger hybrid timestamp: n2 wrote 20 ms later.
    for (const n of ['n1', 'n2', 'n3']) assert.deepEqual(valuesOf(result, n), { lock: 'n2-owner' });
  });

  test('SCAN returns every key present for the whole scan, whatever happens between calls', () => {
    // A law (Redis' SCAN guarantee), checked over random interleavings: writes of new keys,
    // overwrites and reads (both move a key to the back of the iteration order) and deletes
    // between the calls of one scan.
    fc.assert(
      fc.property(
        fc.integer({ min: 0, max: 30 }),
        fc.array(
          fc.tuple(
            fc.constantFrom('new', 'overwrite', 'read', 'del', 'scan'),
            fc.nat(60),
            fc.integer({ min: 1, max: 6 }),
          ),
          { maxLength: 120 },
        ),
        (initial, ops) => {
          const { ask } = directNode();
          for (let i = 0; i < initial; i++) ask({ type: 'set', id: 0, key: `k${i}`, value: 'v' });
          const live = new Set(Array.from({ length: initial }, (_, i) => `k${i}`));
          const always = new Set(live); // present for the whole scan so far
          const found = new Set<string>();
          let cursor = 0;
          let started = false;
          let next = initial;
          const scan = (count: number) => {
            const r = ask({ type: 'scan', id: 0, cursor, count });
            assert.ok(r.type === 'scanned', JSON.stringify(r));
            for (const k of r.keys) {
              assert.ok(live.has(k), `${k} returned but not live`);
              found.add(k);
            }
            cursor = r.cursor;
            started = true;
          };
          for (const [op, n, count] of ops) {
            const key = `k${n % Math.max(next, 1)}`;
            if (op === 'scan') scan(count);
            else if (op === 'new') {
              ask({ type: 'set', id: 0, key: `k${next}`, value: 'v' });
              live.add(`k${next++}`);
            } else if (op === 'overwrite' && live.has(key)) {
              ask({ type: 'set', id: 0, key, value: 'w' });
            } else if (op === 'read') ask({ type: 'get', id: 0, key });
            else if (op === 'del' && live.has(key)) {
              ask({ type: 'del', id: 0, keys: [key] });
              live.delete(key);
              always.delete(key);
            }
            if (started && cursor === 0) break;
          }
          while (!(started && cursor === 0)) scan(3);
          for (const k of always)
            assert.ok(found.has(k), `${k} was present throughout but not returned`);
        },
      ),
      { numRuns: 300 },
    );
  });

  test('SCAN with MATCH and COUNT; bad cursors and counts are refused by name', () => {
    const { ask } = directNode();
    for (let i = 0; i < 25; i++) ask({ type: 'set', id: 0, key: `user:${i}`, value: 'v' });
    for (let i = 0; i < 5; i++) ask({ type: 'set', id: 0, key: `order:${i}`, value: 'v' });
    const found: string[] = [];
    let cursor = 0;
    let calls = 0;
    do {
      const r = ask({ type: 'scan', id: 0, cursor, count: 4, match: 'user:1*' });
      assert.ok(r.type === 'scanned', JSON.stringify(r));
      found.push(...r.keys);
      cursor = r.cursor;
      calls++;
    } while (cursor !== 0);
    assert.deepEqual(found.sort(), [
      'user:1',
      'user:10',
      'user:11',
      'user:12',
      'user:13',
      'user:14',
      'user:15',
      'user:16',
      'user:17',
      'user:18',
      'user:19',
    ]);
    assert.ok(calls >= 30 / 4, `COUNT bounds the keys examined per call (${calls} calls)`);
    const error = (req: CacheRequest) => (ask(req) as { message: string }).message;
    assert.match(
      error({ type: 'scan', id: 0, cursor: 0, count: 0 }),
      /COUNT must be a whole number >= 1, got 0/,
    );
    assert.match(error({ type: 'scan', id: 0, cursor: -3, count: 1 }), /invalid cursor -3/);
    assert.match(
      error({ type: 'scan', id: 0, cursor: 77, count: 1 }),
      /invalid cursor 77: not a scan of this node/,
    );
  });
});

describe('heal traffic', () => {
  test('a backlog goes out once, pipelined; a silent peer is probed, not sent copies', () => {
    const ctx = handContext();
    let now = 1000;
    ctx.now = () => now;
    const node = new CacheNode({ gossipIntervalMs: 50, retransmitMs: 250 });
    node.init(ctx);
    const deltas = () =>
      ctx.sent.filter(([, m]) => m.type === 'delta') as [string, { from: number; seq: number }][];
    const probes = () => ctx.sent.filter(([, m]) => m.type === 'ping' && m.probe === true).length;
    // n2 goes silent (a partition); 600 keys are written in three bursts, one gossip round each.
    for (let burst = 0; burst < 3; burst++) {
      for (let i = 0; i < 200; i++)
        node.receive(ctx, 'client:1', { type: 'set', id: 0, key: `k${burst}-${i}`, value: 'v' });
      now += 50;
      node.timer(ctx, 'gossip');
    }
    assert.deepEqual(
      deltas().map(([, d]) => [d.from, d.seq]),
      [
        [0, 200],
        [200, 400],
        [400, 600],
      ],
      'each round sends only the new positions',
    );
    // Long past the retransmission time, n2 still silent: probes, no copy of the 600 keys.
    for (let round = 0; round < 20; round++) {
      now += 50;
      node.timer(ctx, 'gossip');
    }
    assert.equal(deltas().length, 3, 'no retransmission to a silent peer');
    assert.ok(probes() >= 3, `${probes()} probes`);
    // The heal: n2's pong arrives having acknowledged only the first piece (the rest was
    // dropped): the rest goes out next round, from that acknowledgement.
    node.receive(ctx, 'n2', { type: 'ack', session: 1, from: 0, seq: 200 });
    node.receive(ctx, 'n2', { type: 'pong' });
    now += 50;
    node.timer(ctx, 'gossip');
    const last = deltas().at(-1)?.[1];
    assert.deepEqual([last?.from, last?.seq], [200, 600]);
    // An acknowledgement that skips a gap acknowledges nothing.
    node.receive(ctx, 'n2', { type: 'ack', session: 1, from: 400, seq: 600 });
    now += 300;
    node.timer(ctx, 'gossip');
    assert.deepEqual(deltas().at(-1)?.[1].from, 200, 'still re-sent from the last contiguous ack');
  });
});

describe('convergence check', () => {
  test('equal values with unequal entries are not converged', () => {
    // Seed 415 of the campaign once looked converged this way: n1 held n1's +5 and n2's +2 on a
    // counter, n2 held n1's older +2, n2's +2 and n3's +3 — both read 7, one merge from 10.
    const world = (fingerprints: [string, string]) =>
      ({
        time: 0,
        nodes: ['n1', 'n2'],
        up: () => true,
        memory: (n: string) => {
          const m = new Map<string, unknown>([
            ['v/c0', ['7', 0]],
            [FINGERPRINT_KEY, fingerprints[n === 'n1' ? 0 : 1]],
          ]);
          return {
            get: (k: string) => m.get(k),
            keys: (p = '') => [...m.keys()].filter((k) => k.startsWith(p)),
          };
        },
      }) as unknown as WorldView;
    assert.equal(replicasConverge.holds(world(['1.a', '2.b'])), false);
    assert.match(replicasEqual.check(world(['1.a', '2.b'])) ?? '', /entry fingerprint/);
    assert.equal(replicasConverge.holds(world(['1.a', '1.a'])), true);
  });
});

/** One cache node driven by hand: `ask` delivers a client request and returns the reply. */
function directNode(): { node: CacheNode; ask: (req: CacheRequest) => CacheMsg } {
  const ctx = handContext();
  const node = new CacheNode(limits);
  node.init(ctx);
  let id = 0;
  const ask = (req: CacheRequest): CacheMsg => {
    node.receive(ctx, 'client:1', { ...req, id: ++id } as CacheRequest);
    const [, reply] = ctx.sent[ctx.sent.length - 1] as [string, CacheMsg];
    return reply;
  };
  return { node, ask };
}

describe('cache node behaviour', () => {
  test('read-your-writes on the node written to, while it is partitioned from the rest', () => {
    const { replies, result } = runScript(
      limits,
      [
        { at: 100, to: 'n1', req: { type: 'set', id: 1, key: 'k', value: 'mine' } },
        { at: 101, to: 'n1', req: { type: 'get', id: 2, key: 'k' } },
        { at: 102, to: 'n2', req: { type: 'get', id: 3, key: 'k' } },
      ],
      {
        faults: [
          {
            kind: 'partition',
            groups: [['n1'], ['n2', 'n3']],
            at: 50,
            until: 1000,
          },
        ],
        horizonMs: 2000,
      },
    );
    assert.deepEqual(replies.get(2), { type: 'value', id: 2, value: 'mine' });
    // n2 is cut off from n1 (not from the client): it has not seen the write.
    assert.deepEqual(replies.get(3), { type: 'value', id: 3, value: null });
    // After the partition heals, every node has it.
    for (const n of ['n1', 'n2', 'n3']) assert.deepEqual(valuesOf(result, n), { k: 'mine' });
  });

  test('a key with a TTL reads as absent once expired and is swept from every node', () => {
    const { replies, result, nodes } = runScript(
      { ...limits, sweepIntervalMs: 100 },
      [
        { at: 10, to: 'n1', req: { type: 'set', id: 1, key: 'k', value: 'v', ttlMs: 200 } },
        { at: 100, to: 'n2', req: { type: 'get', id: 2, key: 'k' } },
        { at: 250, to: 'n2', req: { type: 'get', id: 3, key: 'k' } },
        { at: 250, to: 'n3', req: { type: 'ttl', id: 4, key: 'k' } },
      ],
      { horizonMs: 1500 },
    );
    assert.deepEqual(replies.get(2), { type: 'value', id: 2, value: 'v' });
    assert.deepEqual(replies.get(3), { type: 'value', id: 3, value: null });
    assert.deepEqual(replies.get(4), { type: 'int', id: 4, value: -2 });
    for (const n of ['n1', 'n2', 'n3']) assert.deepEqual(valuesOf(result, n), {});
    const expirations = [...nodes.values()].reduce((s, p) => s + p.stats.expirations, 0);
    assert.ok(expirations >= 1);
  });

  test('the memory bound evicts least recently used keys on every node alike', () => {
    const script = Array.from({ length: 30 }, (_, i) => ({
      at: 10 + i * 5,
      to: ['n1', 'n2', 'n3'][i % 3] as string,
      req: { type: 'set' as const, id: i + 1, key: `k${i}`, value: `v${i}` },
    }));
    const { result, nodes } = runScript({ ...limits, maxKeys: 8 }, script, { horizonMs: 2000 });
    const views = ['n1', 'n2', 'n3'].map((n) => valuesOf(result, n));
    assert.deepEqual(views[1], views[0]);
    assert.deepEqual(views[2], views[0]);
    const held = Object.keys(views[0] ?? {}).length;
    assert.ok(held <= 8 && held >= 1, `${held} keys held`);
    assert.ok([...nodes.values()].some((p) => p.stats.evictions > 0));
    // The most recent write survives eviction.
    assert.equal(views[0]?.k29, 'v29');
  });

  test('the byte bound (maxBytes) evicts too, on every node alike', () => {
    const script = Array.from({ length: 30 }, (_, i) => ({
      at: 10 + i * 5,
      to: ['n1', 'n2', 'n3'][i % 3] as string,
      req: { type: 'set' as const, id: i + 1, key: `k${i}`, value: `${i}`.padEnd(60, 'x') },
    }));
    const unbounded = runScript(limits, script, { horizonMs: 2000 });
    // Two thirds of what the 30 keys take: evicted keys leave tombstones, which count too.
    const full = unbounded.nodes.get('n1')?.replica?.bytes ?? 0;
    assert.ok(full > 0, 'the unbounded run holds data');
    const bound = Math.floor((full * 2) / 3);
    const { result, nodes } = runScript({ ...limits, maxBytes: bound }, script, {
      horizonMs: 2000,
    });
    const views = ['n1', 'n2', 'n3'].map((n) => valuesOf(result, n));
    assert.deepEqual(views[1], views[0]);
    assert.deepEqual(views[2], views[0]);
    const held = Object.keys(views[0] ?? {}).length;
    assert.ok(held < 30 && held >= 1, `${held} of 30 keys held under a ${bound}-byte bound`);
    for (const n of ['n1', 'n2', 'n3'])
      assert.ok(
        (nodes.get(n)?.replica?.bytes ?? Number.POSITIVE_INFINITY) <= bound,
        `${n} within the byte bound`,
      );
    assert.ok([...nodes.values()].some((p) => p.stats.evictions > 0));
    assert.equal(views[0]?.k29, '29'.padEnd(60, 'x'), 'the most recent write survives');
  });

  test('tombstones are collected once every member has seen the delete', () => {
    const { result, nodes } = runScript(
      { ...limits, antiEntropyIntervalMs: 100 },
      [
        { at: 10, to: 'n1', req: { type: 'set', id: 1, key: 'a', value: '1' } },
        { at: 20, to: 'n2', req: { type: 'set', id: 2, key: 'b', value: '2' } },
        { at: 200, to: 'n3', req: { type: 'del', id: 3, keys: ['a'] } },
      ],
      { horizonMs: 3000 },
    );
    for (const n of ['n1', 'n2', 'n3']) {
      assert.deepEqual(valuesOf(result, n), { b: '2' });
      const m = nodes.get(n)?.replica;
      assert.equal(m?.storedKeys, 1, `${n} keeps only the live key (tombstone of a collected)`);
      assert.equal(m?.state('b')?.context.size, 0, 'stable contexts are pruned');
    }
    assert.ok([...nodes.values()].some((p) => p.stats.tombstonesCollected > 0));
  });

  test('a permanently-down node that returns rejoins as a fresh replica', () => {
    const { result, nodes } = runScript(
      { ...limits, downAfterMs: 200, permDownAfterMs: 600, antiEntropyIntervalMs: 100 },
      [
        { at: 10, to: 'n1', req: { type: 'set', id: 1, key: 'a', value: 'old' } },
        // n3 is cut off; meanwhile a is deleted and the tombstone collected without n3.
        { at: 300, to: 'n1', req: { type: 'del', id: 2, keys: ['a'] } },
        { at: 400, to: 'n2', req: { type: 'set', id: 3, key: 'b', value: 'new' } },
      ],
      {
        faults: [{ kind: 'partition', groups: [['n1', 'n2'], ['n3']], at: 100, until: 2000 }],
        horizonMs: 4000,
      },
    );
    for (const n of ['n1', 'n2', 'n3']) assert.deepEqual(valuesOf(result, n), { b: 'new' });
    assert.equal(nodes.get('n3')?.stats.rejoins, 1);
    assert.match(nodes.get('n3')?.replica?.replica ?? '', /^n3#[0-9]+$/);
  });

  test('a node joining during traffic bootstraps everything written before and while it joins', () => {
    const script = Array.from({ length: 40 }, (_, i) => ({
      at: 10 + i * 20,
      to: i % 2 === 0 ? 'n1' : 'n2',
      req: { type: 'set' as const, id: i + 1, key: `k${i % 25}`, value: `v${i}` },
    }));
    const { result, nodes } = runScript({ ...limits, antiEntropyIntervalMs: 200 }, script, {
      // n3 is down from the start and comes up in the middle of the writes, empty.
      faults: [{ kind: 'crash', node: 'n3', at: 0, mode: 'restart', restartAt: 400 }],
      horizonMs: 2000,
    });
    const n1 = valuesOf(result, 'n1');
    assert.equal(Object.keys(n1).length, 25);
    assert.deepEqual(valuesOf(result, 'n3'), n1);
    assert.deepEqual(valuesOf(result, 'n2'), n1);
    assert.ok((nodes.get('n3')?.stats.repairRounds ?? 0) >= 1, 'n3 started an exchange at once');
  });

  test('a persisted node survives a crash-restart with its data', () => {
    const { result } = runScript(
      { ...limits, persist: true },
      [
        { at: 10, to: 'n1', req: { type: 'set', id: 1, key: 'a', value: 'kept' } },
        { at: 12, to: 'n1', req: { type: 'incrby', id: 2, key: 'n', by: 5 } },
      ],
      {
        nodes: ['n1'],
        faults: [{ kind: 'crash', node: 'n1', at: 50, mode: 'restart', restartAt: 60 }],
        horizonMs: 500,
      },
    );
    assert.deepEqual(valuesOf(result, 'n1'), { a: 'kept', n: '5' });
  });
});

/** A minimal context for driving one node by hand. */
function handContext(storage = new MemoryKV()): Context<CacheMsg> & { sent: [string, CacheMsg][] } {
  const memory = new Map<string, unknown>();
  const sent: [string, CacheMsg][] = [];
  return {
    id: 'n1',
    peers: ['n2'],
    nodes: ['n1', 'n2'],
    now: () => 1000,
    random: () => 0.5,
    send: (to, msg) => sent.push([to, msg]),
    setTimer: () => {},
    cancelTimer: () => {},
    storage,
    memory: {
      get: <T>(k: string) => memory.get(k) as T | undefined,
      has: (k) => memory.has(k),
      set: (k, v) => memory.set(k, v),
      delete: (k) => memory.delete(k),
      keys: (p = '') => [...memory.keys()].filter((k) => k.startsWith(p)).sort(),
    },
    emit: () => fact('x'),
    buggify: () => false,
    history: { invoke: () => 0, ok: () => {}, fail: () => {}, info: () => {} },
    log: () => {},
    sent,
  };
}

describe('bad input', () => {
  test('a malformed peer message is dropped whole and counted', () => {
    const ctx = handContext();
    const node = new CacheNode({ persist: true });
    node.init(ctx);
    node.receive(ctx, 'n2', {
      type: 'delta',
      session: 1,
      from: 0,
      seq: 1,
      // names, then key 'k' (one entry, one context pair), then a key whose entry count is bad.
      keys: [
        ['n2#1', 'n2'],
        ['k', 1, 0, 1, 5, 0, 1, 'v', 0, 0, 1, 0, 1, 'bad', 'shape'],
      ],
    } as never);
    assert.equal(node.stats.badPeerMessages, 1);
    // The error names the batch, the key (by position and name) and the field.
    assert.throws(
      () => decodeKeys([['n2#1'], ['k', 1, 0, 0, 5, 0, 0, 'v', 0, 0, 0]], 'delta from n2: keys'),
      /delta from n2: keys: key 0 \("k"\): entry 0: seq must be a whole number >= 1/,
    );
    assert.throws(
      () => decodeKeys([['n2#1'], ['k', 1, 3, 1, 5, 0, 0, 'v', 0, 0, 0]], 'repair'),
      /repair: key 0 \("k"\): entry 0: replica must index the 1 names/,
    );
    assert.equal(node.replica?.liveKeys, 0, 'the valid first key was not applied either');
    node.receive(ctx, 'n2', { type: 'digest', round: 1, digest: [1, 2], knowledge: [] });
    assert.equal(node.stats.badPeerMessages, 2, 'a digest with the wrong bucket count');
    node.receive(ctx, 'n2', { type: 'ack', session: 'x', seq: 1 } as never);
    node.receive(ctx, 'n2', {
      type: 'repair',
      round: 1,
      buckets: [-1],
      keys: [[], []],
      knowledge: [],
    });
    assert.equal(node.stats.badPeerMessages, 4, 'non-numeric session, negative bucket');
  });

  test('a damaged data directory makes the node refuse to start, naming the record', () => {
    const storage = new MemoryKV();
    const ctx = handContext(storage);
    const node = new CacheNode({ persist: true });
    node.init(ctx);
    node.receive(ctx, 'client:1', { type: 'set', id: 1, key: 'good', value: 'v' });
    assert.equal(readCacheData(storage, 'n1').keys.size, 1);
    storage.put(utf8('k/bad'), utf8('{"not": "a key state"'));
    assert.throws(
      () => new CacheNode({ persist: true }).init(handContext(storage)),
      (e: unknown) =>
        e instanceof CacheDataError &&
        /refusing to start: the record of key "bad" in the data directory is corrupt/.test(
          e.message,
        ),
    );
    storage.delete(utf8('k/bad'));
    storage.put(utf8('m/seq'), utf8('0'));
    assert.throws(() => readCacheData(storage, 'n1'), /the write counter .* below a stored write/);
  });
});
