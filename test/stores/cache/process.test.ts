// The cache process in the simulator: the client protocol's semantics (Redis-like replies and
// errors), read-your-writes on the node written to even when it is cut off, TTL expiry, the memory
// bound (evictions are replicated, so replicas stay equal), tombstone collection after causal
// stability, a permanently-down node told to rejoin as a fresh replica, and refusal to start on a
// damaged data directory or to apply a malformed peer message.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { fact } from '../../../src/core/fact.js';
import type { Context } from '../../../src/core/process.js';
import { utf8 } from '../../../src/storage/bytes.js';
import { MemoryKV } from '../../../src/storage/memory-kv.js';
import type { CacheMsg } from '../../../src/stores/cache/messages.js';
import { CacheDataError, CacheNode, readCacheData } from '../../../src/stores/cache/process.js';
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
      seq: 1,
      keys: [
        ['k', [['n2#1', 1, 5, 0, 'n2', 'v', 0, 0]], [['n2#1', 1]]],
        ['bad', 'shape'],
      ],
    } as never);
    assert.equal(node.stats.badPeerMessages, 1);
    assert.equal(node.replica?.liveKeys, 0, 'the valid first key was not applied either');
    node.receive(ctx, 'n2', { type: 'digest', round: 1, digest: [1, 2], knowledge: [] });
    assert.equal(node.stats.badPeerMessages, 2, 'a digest with the wrong bucket count');
    node.receive(ctx, 'n2', { type: 'ack', session: 'x', seq: 1 } as never);
    node.receive(ctx, 'n2', { type: 'repair', round: 1, buckets: [-1], keys: [] });
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
