// Transactions: read-your-writes (also run through the whole conformance suite: a transaction is
// an OrderedKV), buffered writes invisible until commit, optimistic conflict detection on keys and
// ranges, retry via transact, and clear errors for closed or oversized transactions.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import fc from 'fast-check';
import { utf8 } from '../../src/storage/bytes.js';
import { MemoryKV } from '../../src/storage/memory-kv.js';
import {
  ConflictError,
  isRetryable,
  TransactionalKV,
  TransactionClosedError,
  TransactionTooLargeError,
} from '../../src/storage/transactions.js';
import { conformance } from './conformance.js';

// A transaction that is never committed, over a store with data it has partly overwritten, must
// behave like any OrderedKV: this exercises the merge of its snapshot with its own writes.
conformance('Transaction (read-your-writes)', () => {
  const base = new MemoryKV();
  return new TransactionalKV(base).begin();
});

conformance('Transaction over prior data it deletes first', () => {
  const base = new MemoryKV();
  for (const k of ['a', 'b', 'c', '\u00ff']) base.put(utf8(k), utf8('old'));
  const tx = new TransactionalKV(base).begin();
  tx.deleteRange(new Uint8Array(), new Uint8Array([0xff, 0xff, 0xff, 0xff]));
  return tx;
});

const val = (x: Uint8Array | undefined) =>
  x === undefined ? undefined : Buffer.from(x).toString();

describe('transactions', () => {
  test('writes are invisible outside until commit, then all appear at once', () => {
    const base = new MemoryKV();
    base.put(utf8('a'), utf8('0'));
    const db = new TransactionalKV(base);
    const tx = db.begin();
    tx.put(utf8('a'), utf8('1'));
    tx.put(utf8('b'), utf8('1'));
    tx.delete(utf8('a'));
    assert.equal(tx.get(utf8('a')), undefined, 'reads its own delete');
    assert.equal(val(base.get(utf8('a'))), '0');
    assert.equal(base.get(utf8('b')), undefined);
    tx.commit();
    assert.equal(base.get(utf8('a')), undefined);
    assert.equal(val(base.get(utf8('b'))), '1');
    assert.throws(() => tx.get(utf8('a')), TransactionClosedError);
    assert.throws(() => tx.commit(), /commit: the transaction is already committed or aborted/);
  });

  test('a read key written by a later commit is a retryable conflict; nothing is written', () => {
    const base = new MemoryKV();
    base.put(utf8('x'), utf8('0'));
    const db = new TransactionalKV(base);
    const t1 = db.begin();
    const t2 = db.begin();
    t1.put(utf8('x'), utf8(String(Number(val(t1.get(utf8('x')))) + 1)));
    t2.put(utf8('x'), utf8(String(Number(val(t2.get(utf8('x')))) + 1)));
    t2.put(utf8('other'), utf8('t2'));
    t1.commit();
    assert.throws(
      () => t2.commit(),
      (e: unknown) =>
        e instanceof ConflictError &&
        e.retryable &&
        isRetryable(e) &&
        /key "x", read by this transaction/.test(e.message),
    );
    assert.equal(val(base.get(utf8('x'))), '1', 'no lost update');
    assert.equal(base.get(utf8('other')), undefined, 'the conflicting transaction wrote nothing');
  });

  test('range reads conflict with writes and deleteRanges inside them, not outside', () => {
    const db = new TransactionalKV(new MemoryKV());
    const scan = db.begin();
    scan.range({ start: utf8('m'), end: utf8('p') });
    scan.put(utf8('summary'), utf8('1'));
    const outside = db.begin();
    outside.put(utf8('p'), utf8('edge'));
    outside.commit();
    const blind = db.begin();
    blind.put(utf8('zzz'), utf8('w'));
    blind.commit();
    const other = db.begin();
    other.deleteRange(utf8('a'), utf8('n'));
    // Before `other` commits, the scanner still commits: the end bound and the blind write are fine.
    const scan2 = db.begin();
    scan2.range({ start: utf8('m'), end: utf8('p') });
    scan2.put(utf8('s2'), utf8('1'));
    scan.commit();
    other.commit();
    assert.throws(() => scan2.commit(), ConflictError);
  });

  test('write-only (blind) and read-only transactions never conflict', () => {
    const db = new TransactionalKV(new MemoryKV());
    const w1 = db.begin();
    const w2 = db.begin();
    const r = db.begin();
    w1.put(utf8('k'), utf8('1'));
    w2.put(utf8('k'), utf8('2'));
    assert.equal(r.get(utf8('k')), undefined);
    w1.commit();
    w2.commit();
    r.commit();
    assert.equal(val(db.begin().get(utf8('k'))), '2', 'the last commit wins');
  });

  test('transact retries conflicts: concurrent increments all count', () => {
    const db = new TransactionalKV(new MemoryKV());
    const k = utf8('n');
    fc.assert(
      fc.property(fc.array(fc.nat(3), { minLength: 1, maxLength: 12 }), (interleave) => {
        db.transact((tx) => tx.put(k, utf8('0')));
        // Each step, one of four "clients" opens a transaction that will commit late: interleaved
        // increments conflict and retry; none may be lost.
        const pending = interleave.map(() => db.begin());
        pending.forEach((tx) => {
          tx.put(k, utf8(String(Number(val(tx.get(k))) + 1)));
        });
        let committed = 0;
        for (const tx of pending) {
          try {
            tx.commit();
            committed++;
          } catch (e) {
            assert.ok(isRetryable(e));
            db.transact((t) => t.put(k, utf8(String(Number(val(t.get(k))) + 1))));
            committed++;
          }
        }
        assert.equal(Number(val(db.begin().get(k))), committed);
      }),
      { numRuns: 50 },
    );
  });

  test('transact gives up after maxAttempts, rethrowing the conflict; other errors abort at once', () => {
    const db = new TransactionalKV(new MemoryKV());
    let attempts = 0;
    assert.throws(
      () =>
        db.transact((tx) => {
          attempts++;
          tx.get(utf8('hot'));
          tx.put(utf8('mine'), utf8('1'));
          db.transact((other) => other.put(utf8('hot'), utf8(String(attempts))));
        }, 3),
      ConflictError,
    );
    assert.equal(attempts, 3);
    attempts = 0;
    assert.throws(
      () =>
        db.transact(() => {
          attempts++;
          throw new Error('not retryable');
        }),
      /not retryable/,
    );
    assert.equal(attempts, 1);
  });

  test('an oversized transaction is refused clearly and keeps its earlier writes', () => {
    const db = new TransactionalKV(new MemoryKV(), { maxWriteBytes: 100 });
    const tx = db.begin();
    tx.put(utf8('a'), new Uint8Array(50));
    assert.throws(
      () => tx.put(utf8('b'), new Uint8Array(60)),
      (e: unknown) =>
        e instanceof TransactionTooLargeError &&
        e.message === 'put: the transaction would write 112 bytes; the limit is 100',
    );
    assert.equal(tx.get(utf8('b')), undefined);
    assert.equal(tx.get(utf8('a'))?.length, 50);
  });
});
