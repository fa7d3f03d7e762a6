// SimDisk: writes are visible at once but durable only after sync; a crash loses unsynced writes;
// an `unsynced` fault makes sync a no-op; `full` makes writes throw DiskFullError; corrupt() flips a
// durable record so the next read fails its checksum. Also the OrderedKV basics and lineage hooks.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import {
  CorruptRecordError,
  DiskFullError,
  type DiskObserver,
  SimDisk,
} from '../../src/sim/sim-disk.js';
import { fromUtf8, utf8 } from '../../src/storage/bytes.js';
import { StorageInputError } from '../../src/storage/ordered-kv.js';

const get = (d: { get(k: Uint8Array): Uint8Array | undefined }, k: string) => {
  const v = d.get(utf8(k));
  return v === undefined ? undefined : fromUtf8(v);
};
const keys = (d: SimDisk) =>
  d
    .range()
    .map((e) => fromUtf8(e.key))
    .join(' ');

describe('SimDisk', () => {
  test('writes are visible immediately, durable only after sync', () => {
    const d = new SimDisk('a', undefined);
    d.put(utf8('k'), utf8('v'));
    assert.equal(get(d, 'k'), 'v');
    assert.equal(get(d.durableView(), 'k'), undefined);
    d.sync();
    assert.equal(get(d.durableView(), 'k'), 'v');
  });

  test('a crash loses unsynced writes and keeps synced ones', () => {
    const d = new SimDisk('a', undefined);
    d.put(utf8('synced'), utf8('1'));
    d.put(utf8('gone'), utf8('0'));
    d.sync();
    d.put(utf8('unsynced'), utf8('2'));
    d.put(utf8('synced'), utf8('overwritten'));
    d.delete(utf8('gone'));
    d.crash();
    assert.equal(get(d, 'synced'), '1');
    assert.equal(get(d, 'gone'), '0', 'an unsynced delete is lost too');
    assert.equal(get(d, 'unsynced'), undefined);
    assert.equal(keys(d), 'gone synced');
  });

  test('the unsynced fault makes sync a no-op until it is cleared', () => {
    const d = new SimDisk('a', undefined);
    d.unsynced = true;
    d.put(utf8('k'), utf8('v'));
    d.sync();
    assert.equal(get(d.durableView(), 'k'), undefined);
    d.crash();
    assert.equal(get(d, 'k'), undefined);
    d.put(utf8('k'), utf8('v2'));
    d.unsynced = false;
    d.sync();
    d.crash();
    assert.equal(get(d, 'k'), 'v2');
  });

  test('a full disk rejects every kind of write with DiskFullError and keeps its contents', () => {
    const d = new SimDisk('n1', undefined);
    d.put(utf8('k'), utf8('v'));
    d.full = true;
    assert.throws(
      () => d.put(utf8('x'), utf8('y')),
      (e: unknown) => e instanceof DiskFullError && /storage put on n1: disk full/.test(e.message),
    );
    assert.throws(() => d.delete(utf8('k')), DiskFullError);
    assert.throws(() => d.deleteRange(utf8('a'), utf8('z')), DiskFullError);
    assert.throws(
      () => d.batch([{ type: 'put', key: utf8('x'), value: utf8('y') }]),
      DiskFullError,
    );
    assert.equal(keys(d), 'k');
    assert.equal(get(d, 'k'), 'v', 'reads still work');
    d.full = false;
    d.put(utf8('x'), utf8('y'));
    assert.equal(keys(d), 'k x');
  });

  test('corrupt() makes the next read of that record throw CorruptRecordError', () => {
    const d = new SimDisk('a', undefined);
    d.put(utf8('k1'), utf8('one'));
    d.put(utf8('k2'), utf8('two'));
    d.sync();
    assert.equal(d.corrupt(1), 'k2');
    assert.equal(get(d, 'k1'), 'one');
    assert.throws(
      () => d.get(utf8('k2')),
      (e: unknown) =>
        e instanceof CorruptRecordError && /record "k2" fails its checksum/.test(e.message),
    );
    assert.throws(() => d.range(), CorruptRecordError);
    assert.throws(() => d.snapshot().get(utf8('k2')), CorruptRecordError);
    // Rewriting the record repairs it.
    d.put(utf8('k2'), utf8('fresh'));
    assert.equal(get(d, 'k2'), 'fresh');
  });

  test('corrupt() picks index modulo the count, survives a crash, and handles empty values and disks', () => {
    const empty = new SimDisk('a', undefined);
    assert.equal(empty.corrupt(0), undefined);
    const d = new SimDisk('a', undefined);
    d.put(utf8('a'), new Uint8Array());
    d.put(utf8('b'), utf8('x'));
    d.sync();
    assert.equal(d.corrupt(2), 'a', '2 mod 2 = 0: the first key');
    assert.throws(() => d.get(utf8('a')), CorruptRecordError);
    d.crash();
    assert.throws(() => d.get(utf8('a')), CorruptRecordError, 'the corruption is on disk');
    assert.equal(get(d, 'b'), 'x');
  });

  test('corrupt() hits the durable image; an unsynced newer write shadows it until a crash', () => {
    const d = new SimDisk('a', undefined);
    d.put(utf8('k'), utf8('old'));
    d.sync();
    d.put(utf8('k'), utf8('new'));
    d.corrupt(0);
    assert.equal(get(d, 'k'), 'new');
    d.crash();
    assert.throws(() => d.get(utf8('k')), CorruptRecordError);
  });

  test('range, deleteRange and batch follow the OrderedKV contract', () => {
    const d = new SimDisk('a', undefined);
    for (const k of ['a', 'b', 'c', 'd']) d.put(utf8(k), utf8(k));
    assert.equal(
      d
        .range({ reverse: true, limit: 2 })
        .map((e) => fromUtf8(e.key))
        .join(''),
      'dc',
    );
    d.deleteRange(utf8('b'), utf8('d'));
    assert.equal(keys(d), 'a d');
    assert.throws(
      () => d.batch([{ type: 'delete', key: utf8('a') }, { type: 'put', key: utf8('z') } as never]),
      (e: unknown) => e instanceof StorageInputError && /storage batch on a, op 1/.test(e.message),
    );
    assert.equal(keys(d), 'a d', 'a bad batch changes nothing');
    d.batch([
      { type: 'put', key: utf8('z'), value: utf8('z') },
      { type: 'delete', key: utf8('a') },
    ]);
    assert.equal(keys(d), 'd z');
    assert.equal(d.size, 2);
    const snap = d.snapshot();
    d.put(utf8('e'), utf8('e'));
    assert.equal(snap.range().length, 2);
    assert.equal(d.currentView().range().length, 3);
  });

  test('the observer sees reads with their writer event and every write, equal rewrites included', () => {
    const reads: [string, number][] = [];
    const writes: [string, number][] = [];
    const observer: DiskObserver = {
      read: (k, w) => reads.push([k, w]),
      write: (k, sameAs) => writes.push([k, sameAs]),
    };
    const d = new SimDisk('a', observer);
    d.writer = 4;
    d.put(utf8('k'), utf8('v'));
    d.writer = 6;
    d.put(utf8('k'), utf8('v')); // an equal rewrite: an alternative derivation of event 4's value
    d.put(utf8('k'), utf8('v')); // event 6 again: no alternative of itself (no lineage cycle)
    d.writer = 7;
    d.put(utf8('k'), utf8('w'));
    d.writer = 9;
    d.get(utf8('k'));
    d.get(utf8('absent'));
    d.range();
    d.delete(utf8('k'));
    assert.deepEqual(writes, [
      ['k', -1],
      ['k', 4],
      ['k', -1],
      ['k', -1],
      ['k', -1],
    ]);
    assert.deepEqual(reads, [
      ['k', 7],
      ['absent', -1],
      ['k', 7],
    ]);
  });
});
