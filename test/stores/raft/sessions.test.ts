// The client session table: retries within the TTL are duplicates (same result), older seqs are
// stale, expiry is a function of entry times only, and a snapshot round-trips the live sessions.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { MemoryKV } from '../../../src/index.js';
import { SessionTable } from '../../../src/stores/raft/sessions.js';

describe('SessionTable', () => {
  it('recognises retries within the TTL and forgets sessions idle for longer', () => {
    const kv = new MemoryKV();
    const table = new SessionTable(1_000);
    kv.batch([table.advance(5_000).op, table.record('s', 3, { v: 1 }, 5_000)]);
    assert.deepEqual(table.duplicate('s', 3, 5_900), { result: { v: 1 } });
    assert.deepEqual(table.duplicate('s', 2, 5_900), { stale: true });
    assert.equal(table.duplicate('s', 4, 5_900), undefined, 'a new seq is not a duplicate');
    assert.equal(
      table.duplicate('s', 3, 6_001),
      undefined,
      'expired: 1001 ms after its last request',
    );
    assert.equal(table.duplicate('t', 1, 5_900), undefined, 'unknown session');
    // Persisted: a table loaded from storage decides the same.
    const loaded = new SessionTable(1_000);
    loaded.load(kv);
    assert.deepEqual(loaded.duplicate('s', 3, 5_900), { result: { v: 1 } });
  });

  it('snapshots only live sessions and restores them (with the writes that persist them)', () => {
    const table = new SessionTable(1_000);
    table.advance(1_000);
    table.record('old', 1, 'a', 1_000);
    table.advance(2_500);
    table.record('new', 7, 'b', 2_500);
    const bytes = table.encode();
    const other = new SessionTable(1_000);
    const kv = new MemoryKV();
    kv.batch(other.restore(bytes));
    assert.equal(other.size, 1);
    assert.equal(other.clockMs, 2_500);
    assert.deepEqual(other.duplicate('new', 7, 2_700), { result: 'b' });
    const reloaded = new SessionTable(1_000);
    reloaded.load(kv);
    assert.equal(reloaded.size, 1);
    assert.equal(reloaded.clockMs, 2_500);
  });

  it('keeps a replicated clock that entry times never move back', () => {
    const table = new SessionTable(1_000);
    assert.equal(table.advance(5_000).clockMs, 5_000);
    // A new leader with a clock 3 s behind: the replicated clock stays, so a session that expired
    // on one replica (dropped from its snapshot) is expired on every replica too.
    assert.equal(table.advance(2_000).clockMs, 5_000);
    assert.equal(table.advance(Number.NaN).clockMs, 5_000);
    assert.equal(table.advance(6_000).clockMs, 6_000);
  });
});
