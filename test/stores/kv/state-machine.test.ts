/**
 * The KV state machine: etcd semantics of revisions, CAS, ranges, history (watches) and leases,
 * driven the way Raft drives it (apply(index, command, timeMs) / query / snapshot / restore).
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { InvariantError } from '../../../src/core/assert.js';
import { MemoryKV } from '../../../src/storage/memory-kv.js';
import type { KvCommand, KvQuery, KvResult } from '../../../src/stores/kv/commands.js';
import { SnapshotFormatError } from '../../../src/stores/kv/snapshot-codec.js';
import { KvStateMachine } from '../../../src/stores/kv/state-machine.js';

/** A state machine with a Raft-like driver: consecutive indexes, a settable entry time. */
function machine(historyMax?: number) {
  const storage = new MemoryKV();
  let sm = new KvStateMachine(storage, historyMax === undefined ? {} : { historyMax });
  let index = 0;
  let timeMs = 1000;
  return {
    storage,
    get sm() {
      return sm;
    },
    apply: (c: KvCommand) => sm.apply(++index, c, timeMs),
    query: (q: KvQuery) => sm.query(q),
    at(ms: number) {
      timeMs = ms;
    },
    /** Builds a new state machine over the same storage, as after a crash and restart. */
    reopen() {
      sm = new KvStateMachine(storage, historyMax === undefined ? {} : { historyMax });
    },
  };
}

function expectType<T extends KvResult['type']>(
  r: KvResult,
  type: T,
): Extract<KvResult, { type: T }> {
  assert.equal(r.type, type, JSON.stringify(r));
  return r as Extract<KvResult, { type: T }>;
}

describe('KV state machine: keys and revisions', () => {
  it('put, get and delete follow etcd revisions, versions and create/mod revisions', () => {
    const m = machine();
    assert.equal(expectType(m.query({ op: 'status' }), 'status').revision, 1);
    const p1 = expectType(m.apply({ op: 'put', key: 'a', value: '1' }), 'put');
    assert.deepEqual([p1.revision, p1.written, p1.prev], [2, true, null]);
    m.apply({ op: 'put', key: 'a', value: '2' });
    const kv = expectType(m.query({ op: 'get', key: 'a' }), 'get').kv;
    assert.deepEqual(kv, {
      key: 'a',
      value: '2',
      createRevision: 2,
      modRevision: 3,
      version: 2,
      lease: 0,
    });
    const d = expectType(m.apply({ op: 'delete', keys: ['a', 'missing', 'a'] }), 'delete');
    assert.deepEqual([d.revision, d.deleted], [4, 1]);
    // Deleting nothing does not make a revision.
    assert.equal(expectType(m.apply({ op: 'delete', keys: ['a'] }), 'delete').revision, 4);
    m.apply({ op: 'put', key: 'a', value: '3' });
    const again = expectType(m.query({ op: 'get', key: 'a' }), 'get').kv;
    assert.deepEqual([again?.createRevision, again?.version], [5, 1]);
    assert.equal(m.sm.appliedIndex(), 5);
  });

  it('NX and XX write only when the key is absent / present', () => {
    const m = machine();
    assert.equal(
      expectType(m.apply({ op: 'put', key: 'k', value: 'x', ifPresent: true }), 'put').written,
      false,
    );
    assert.equal(
      expectType(m.apply({ op: 'put', key: 'k', value: 'x', ifAbsent: true }), 'put').written,
      true,
    );
    const nx = expectType(m.apply({ op: 'put', key: 'k', value: 'y', ifAbsent: true }), 'put');
    assert.deepEqual([nx.written, nx.prev?.value, nx.revision], [false, 'x', 2]);
    assert.equal(
      expectType(m.apply({ op: 'put', key: 'k', value: 'z', ifPresent: true }), 'put').written,
      true,
    );
  });

  it('compare-and-set on value, modRevision and version; value null deletes', () => {
    const m = machine();
    const absent = expectType(
      m.apply({ op: 'cas', key: 'k', expect: { value: null }, value: 'v1' }),
      'cas',
    );
    assert.equal(absent.succeeded, true);
    const wrong = expectType(
      m.apply({ op: 'cas', key: 'k', expect: { value: 'nope' }, value: 'v2' }),
      'cas',
    );
    assert.deepEqual([wrong.succeeded, wrong.prev?.value, wrong.revision], [false, 'v1', 2]);
    const byRev = expectType(
      m.apply({ op: 'cas', key: 'k', expect: { modRevision: 2 }, value: 'v2' }),
      'cas',
    );
    assert.equal(byRev.succeeded, true);
    assert.equal(
      expectType(m.apply({ op: 'cas', key: 'k', expect: { modRevision: 2 }, value: 'v3' }), 'cas')
        .succeeded,
      false,
    );
    assert.equal(
      expectType(m.apply({ op: 'cas', key: 'k', expect: { version: 2 }, value: null }), 'cas')
        .succeeded,
      true,
    );
    assert.equal(expectType(m.query({ op: 'get', key: 'k' }), 'get').kv, null);
    assert.equal(
      expectType(m.apply({ op: 'cas', key: 'k', expect: { version: 0 }, value: 'w' }), 'cas')
        .succeeded,
      true,
    );
  });

  it('incr counts in 64-bit decimal and refuses non-integers and overflow', () => {
    const m = machine();
    assert.equal(expectType(m.apply({ op: 'incr', key: 'n', by: 1 }), 'incr').value, '1');
    assert.equal(expectType(m.apply({ op: 'incr', key: 'n', by: -5 }), 'incr').value, '-4');
    m.apply({ op: 'put', key: 'n', value: '9223372036854775806' });
    assert.equal(
      expectType(m.apply({ op: 'incr', key: 'n', by: 1 }), 'incr').value,
      '9223372036854775807',
    );
    assert.equal(expectType(m.apply({ op: 'incr', key: 'n', by: 1 }), 'error').code, 'not-integer');
    for (const bad of ['abc', '01', '-0', '1.5', '', ' 1']) {
      m.apply({ op: 'put', key: 's', value: bad });
      const e = expectType(m.apply({ op: 'incr', key: 's', by: 1 }), 'error');
      assert.match(e.message, /incr "s": value is not an integer/);
    }
  });

  it('range and prefix scans in byte order, with limit and more', () => {
    const m = machine();
    for (const k of ['b', 'a', 'ab', 'c', '\xff', 'a\x00'])
      m.apply({ op: 'put', key: k, value: `v${k}` });
    const all = expectType(m.query({ op: 'range', start: '', end: '' }), 'range');
    assert.deepEqual(
      all.kvs.map((kv) => kv.key),
      ['a', 'a\x00', 'ab', 'b', 'c', '\xff'],
    );
    const prefix = expectType(m.query({ op: 'range', start: 'a', end: 'b' }), 'range');
    assert.deepEqual(
      prefix.kvs.map((kv) => kv.key),
      ['a', 'a\x00', 'ab'],
    );
    const limited = expectType(
      m.query({ op: 'range', start: '', end: '', limit: 2, keysOnly: true }),
      'range',
    );
    assert.deepEqual(
      limited.kvs.map((kv) => [kv.key, kv.value]),
      [
        ['a', ''],
        ['a\x00', ''],
      ],
    );
    assert.equal(limited.more, true);
    assert.equal(
      expectType(m.query({ op: 'range', start: 'c', end: '', limit: 2 }), 'range').more,
      false,
    );
    const gone = expectType(m.apply({ op: 'deleteRange', start: 'a', end: 'b' }), 'delete');
    assert.equal(gone.deleted, 3);
    assert.equal(
      expectType(m.query({ op: 'exists', keys: ['a', 'b', 'b', 'zz'] }), 'count').count,
      2,
    );
    assert.equal(expectType(m.query({ op: 'status' }), 'status').keys, 3);
  });

  it('bad commands are answered with bad-request, still advance the applied index, change nothing', () => {
    const m = machine();
    const cases: [unknown, RegExp][] = [
      [{ op: 'put', key: '', value: 'x' }, /put key must not be empty/],
      [
        { op: 'put', key: 'k', value: 'x'.repeat(512 * 1024 + 1) },
        /put value is 524289 bytes; the limit is 524288/,
      ],
      [{ op: 'put', key: 'k', value: 'é€' }, /put value must be a byte string/],
      [{ op: 'put', key: 'k', value: 'v', ifAbsent: true, ifPresent: true }, /exclude each other/],
      [{ op: 'frobnicate' }, /unknown command op "frobnicate"/],
      [null, /a command must be an object/],
      [
        { op: 'cas', key: 'k', expect: {}, value: 'v' },
        /exactly one of value, modRevision, version/,
      ],
      [{ op: 'incr', key: 'k', by: 1.5 }, /incr by must be a whole number/],
      [{ op: 'leaseGrant', ttlMs: 0 }, /leaseGrant ttlMs must be a whole number in \[1,/],
    ];
    for (const [command, message] of cases) {
      const e = expectType(m.apply(command as KvCommand), 'error');
      assert.equal(e.code, 'bad-request');
      assert.match(e.message, message);
    }
    assert.equal(m.sm.appliedIndex(), cases.length);
    assert.equal(expectType(m.query({ op: 'status' }), 'status').revision, 1);
    assert.match(
      expectType(m.query({ op: 'nope' } as unknown as KvQuery), 'error').message,
      /unknown query op "nope"/,
    );
  });

  it('asserts that entries apply in increasing index order', () => {
    const m = machine();
    m.apply({ op: 'tick' });
    assert.throws(() => m.sm.apply(1, { op: 'tick' }, 0), InvariantError);
  });

  it('state survives a restart: meta and keys are read back from storage', () => {
    const m = machine();
    m.apply({ op: 'put', key: 'a', value: '1' });
    m.apply({ op: 'put', key: 'b', value: '2' });
    m.reopen();
    assert.equal(m.sm.appliedIndex(), 2);
    assert.equal(expectType(m.query({ op: 'get', key: 'b' }), 'get').kv?.value, '2');
    assert.equal(expectType(m.apply({ op: 'put', key: 'c', value: '3' }), 'put').revision, 4);
  });
});

describe('KV state machine: history for watches', () => {
  it('changes are ordered, filtered by key range, resumable, and a revision is never split', () => {
    const m = machine();
    m.apply({ op: 'put', key: 'a', value: '1' }); // rev 2
    m.apply({ op: 'put', key: 'b', value: '1' }); // rev 3
    m.apply({ op: 'put', key: 'a', value: '2' }); // rev 4
    m.apply({ op: 'delete', keys: ['a', 'b'] }); // rev 5: two events
    const all = expectType(m.query({ op: 'changes', fromRevision: 1 }), 'changes');
    assert.deepEqual(
      all.events.map((e) => [e.revision, e.type, e.kv.key, e.kv.value]),
      [
        [2, 'put', 'a', '1'],
        [3, 'put', 'b', '1'],
        [4, 'put', 'a', '2'],
        [5, 'delete', 'a', '2'],
        [5, 'delete', 'b', '1'],
      ],
    );
    assert.equal(all.nextRevision, 6);
    const onlyA = expectType(
      m.query({ op: 'changes', fromRevision: 3, start: 'a', end: 'b' }),
      'changes',
    );
    assert.deepEqual(
      onlyA.events.map((e) => e.revision),
      [4, 5],
    );
    // limit 4 would cut revision 5 in half: both of its events come.
    const page = expectType(m.query({ op: 'changes', fromRevision: 2, limit: 4 }), 'changes');
    assert.equal(page.events.length, 5);
    const first = expectType(m.query({ op: 'changes', fromRevision: 2, limit: 2 }), 'changes');
    assert.deepEqual([first.events.length, first.nextRevision], [2, 4]);
    const rest = expectType(
      m.query({ op: 'changes', fromRevision: first.nextRevision }),
      'changes',
    );
    assert.deepEqual(
      rest.events.map((e) => e.revision),
      [4, 5, 5],
    );
  });

  it('compaction discards history and a watch from before it gets a clear compacted error', () => {
    const m = machine(3);
    for (let i = 0; i < 6; i++) m.apply({ op: 'put', key: 'k', value: String(i) }); // revs 2..7
    const status = expectType(m.query({ op: 'status' }), 'status');
    assert.deepEqual([status.revision, status.compactRevision], [7, 4]);
    const e = expectType(m.query({ op: 'changes', fromRevision: 3 }), 'error');
    assert.equal(e.code, 'compacted');
    assert.match(e.message, /revision 3 has been compacted; the oldest revision kept is 5/);
    assert.deepEqual(
      expectType(m.query({ op: 'changes', fromRevision: 5 }), 'changes').events.map(
        (x) => x.revision,
      ),
      [5, 6, 7],
    );
    assert.equal(expectType(m.apply({ op: 'compact', revision: 6 }), 'compact').compactRevision, 6);
    assert.equal(expectType(m.apply({ op: 'compact', revision: 5 }), 'error').code, 'compacted');
    assert.match(
      expectType(m.apply({ op: 'compact', revision: 99 }), 'error').message,
      /in the future/,
    );
  });
});

describe('KV state machine: leases', () => {
  it('keys on a lease are deleted when an entry with a later time applies, at one revision', () => {
    const m = machine();
    m.at(1000);
    const lease = expectType(m.apply({ op: 'leaseGrant', ttlMs: 500 }), 'lease');
    assert.deepEqual([lease.id, lease.expiresAtMs], [1, 1500]);
    m.apply({ op: 'put', key: 'x', value: '1', lease: lease.id });
    m.apply({ op: 'put', key: 'y', value: '1', lease: lease.id });
    m.at(1400);
    assert.equal(
      expectType(m.apply({ op: 'leaseKeepAlive', id: lease.id }), 'lease').expiresAtMs,
      1900,
    );
    const info = expectType(m.query({ op: 'leaseInfo', id: lease.id }), 'lease');
    assert.deepEqual(info.keys, ['x', 'y']);
    m.at(1899);
    assert.equal(expectType(m.apply({ op: 'tick' }), 'tick').expired, 0);
    m.at(1900);
    const tick = expectType(m.apply({ op: 'tick' }), 'tick');
    assert.deepEqual([tick.expired, tick.revision], [1, 4]);
    assert.equal(expectType(m.query({ op: 'exists', keys: ['x', 'y'] }), 'count').count, 0);
    assert.equal(expectType(m.query({ op: 'leaseInfo', id: lease.id }), 'error').code, 'no-lease');
    assert.equal(
      expectType(m.apply({ op: 'put', key: 'z', value: '1', lease: lease.id }), 'error').code,
      'no-lease',
    );
    const changes = expectType(m.query({ op: 'changes', fromRevision: 4 }), 'changes');
    assert.deepEqual(
      changes.events.map((e) => [e.type, e.kv.key]),
      [
        ['delete', 'x'],
        ['delete', 'y'],
      ],
    );
  });

  it('the lease clock never goes back: an entry from a lagging new leader does not revive time', () => {
    const m = machine();
    m.at(5000);
    m.apply({ op: 'put', key: 'k', value: 'v', ttlMs: 100 });
    m.at(10);
    const lease = expectType(m.apply({ op: 'leaseGrant', ttlMs: 50 }), 'lease');
    assert.equal(lease.expiresAtMs, 5050);
    assert.equal(expectType(m.query({ op: 'status' }), 'status').clockMs, 5000);
  });

  it("a new leader's promote entry renews every lease before its clock can expire one", () => {
    const m = machine();
    m.at(1000);
    const a = expectType(m.apply({ op: 'leaseGrant', ttlMs: 500 }), 'lease'); // expires 1500
    const b = expectType(m.apply({ op: 'leaseGrant', ttlMs: 10_000 }), 'lease'); // 11000
    m.apply({ op: 'put', key: 'held', value: '1', lease: a.id });
    // The old leader died at 1200; the new one's first entry comes at 2000, past a's expiry.
    m.at(2000);
    assert.equal(expectType(m.apply({ op: 'promote' }), 'promote').renewed, 2);
    assert.equal(expectType(m.query({ op: 'leaseInfo', id: a.id }), 'lease').expiresAtMs, 2500);
    assert.equal(expectType(m.query({ op: 'leaseInfo', id: b.id }), 'lease').expiresAtMs, 12_000);
    // A lease whose expiry is already past the renewal keeps it.
    m.at(2100);
    m.apply({ op: 'leaseKeepAlive', id: b.id }); // 12100
    assert.equal(expectType(m.apply({ op: 'promote' }), 'promote').renewed, 1);
    assert.notEqual(expectType(m.query({ op: 'get', key: 'held' }), 'get').kv, null);
    // Renewed, not kept: without keep-alives it expires a TTL after the last promote.
    m.at(2601);
    m.apply({ op: 'tick' });
    assert.equal(expectType(m.query({ op: 'get', key: 'held' }), 'get').kv, null);
    // Without the promote, the same gap expires the lease on the first entry.
    const n = machine();
    n.at(1000);
    const c = expectType(n.apply({ op: 'leaseGrant', ttlMs: 500 }), 'lease');
    n.at(2000);
    n.apply({ op: 'tick' });
    assert.equal(expectType(n.query({ op: 'leaseInfo', id: c.id }), 'error').code, 'no-lease');
  });

  it('a put with ttlMs makes a private lease that dies with the key; a plain put clears it', () => {
    const m = machine();
    m.at(0);
    m.apply({ op: 'put', key: 'k', value: 'v', ttlMs: 100 });
    const kv = expectType(m.query({ op: 'get', key: 'k' }), 'get').kv;
    assert.ok(kv !== null && kv.lease > 0);
    assert.equal(expectType(m.query({ op: 'status' }), 'status').leases, 1);
    m.apply({ op: 'incr', key: 'n', by: 1 });
    m.apply({ op: 'put', key: 'k', value: 'w' }); // no TTL any more (Redis SET semantics)
    assert.equal(expectType(m.query({ op: 'status' }), 'status').leases, 0);
    m.at(1000);
    m.apply({ op: 'tick' });
    assert.equal(expectType(m.query({ op: 'get', key: 'k' }), 'get').kv?.value, 'w');
    // INCR keeps the TTL.
    m.apply({ op: 'put', key: 'c', value: '1', ttlMs: 100 });
    m.apply({ op: 'incr', key: 'c', by: 1 });
    m.apply({ op: 'put', key: 'c', value: '7', keepTtl: true }); // SET … KEEPTTL
    m.at(1100);
    m.apply({ op: 'tick' });
    assert.equal(expectType(m.query({ op: 'get', key: 'c' }), 'get').kv, null);
    assert.equal(expectType(m.query({ op: 'status' }), 'status').leases, 0);
  });

  it('revoke deletes the keys now; revoking twice is no-lease', () => {
    const m = machine();
    const lease = expectType(m.apply({ op: 'leaseGrant', ttlMs: 60_000 }), 'lease');
    m.apply({ op: 'put', key: 'a', value: '1', lease: lease.id });
    assert.equal(
      expectType(m.apply({ op: 'leaseRevoke', id: lease.id }), 'leaseRevoke').deleted,
      1,
    );
    assert.equal(
      expectType(m.apply({ op: 'leaseRevoke', id: lease.id }), 'error').code,
      'no-lease',
    );
  });
});

describe('KV state machine: snapshots', () => {
  it('restore replaces the state and sets the applied index; garbage is refused clearly', () => {
    const a = machine();
    a.apply({ op: 'put', key: 'a', value: '1' });
    a.apply({ op: 'leaseGrant', ttlMs: 100 });
    const snap = a.sm.snapshot();
    const b = machine();
    b.apply({ op: 'put', key: 'stale', value: 'x' });
    b.sm.restore(7, snap);
    assert.equal(b.sm.appliedIndex(), 7);
    assert.deepEqual(
      b.storage.range().filter((e) => e.key[1] !== 0x6d),
      a.storage.range().filter((e) => e.key[1] !== 0x6d),
    );
    assert.equal(expectType(b.query({ op: 'get', key: 'stale' }), 'get').kv, null);
    assert.throws(() => b.sm.restore(8, new Uint8Array([1, 2, 3])), SnapshotFormatError);
    assert.throws(
      () => b.sm.restore(8, snap.subarray(0, snap.length - 3)),
      /KV snapshot \(\d+ bytes\): truncated|bad end marker/,
    );
    assert.equal(b.sm.appliedIndex(), 7, 'a refused snapshot changes nothing');
  });
});
