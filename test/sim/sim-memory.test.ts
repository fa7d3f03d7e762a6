// SimMemory (ctx.memory): a map whose reads report the writer event and whose writes are all
// reported, equal rewrites included.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { SimMemory } from '../../src/sim/sim-memory.js';

describe('SimMemory', () => {
  test('get, has, set, delete and sorted keys', () => {
    const m = new SimMemory('a', undefined);
    m.set('b/2', 2);
    m.set('a', 'x');
    m.set('b/1', 1);
    assert.equal(m.get('a'), 'x');
    assert.ok(m.has('b/1'));
    assert.deepEqual(m.keys(), ['a', 'b/1', 'b/2']);
    assert.deepEqual(m.keys('b/'), ['b/1', 'b/2']);
    m.delete('a');
    assert.equal(m.has('a'), false);
    assert.equal(m.get('a'), undefined);
    assert.deepEqual(m.peekKeys(), ['b/1', 'b/2']);
    assert.equal(m.peek('b/2'), 2);
  });

  test('undefined is not storable', () => {
    const m = new SimMemory('n', undefined);
    assert.throws(() => m.set('k', undefined), /memory.set on n: undefined is not storable at "k"/);
  });

  test('reads carry the writer event; writes are all reported', () => {
    const log: string[] = [];
    const m = new SimMemory('a', {
      read: (k, w) => log.push(`r ${k} ${w}`),
      write: (k, sameAs) => log.push(`w ${k} ${sameAs}`),
    });
    m.writer = 3;
    m.set('k', 1);
    m.writer = 4;
    m.set('k', 1); // equal rewrite: same as event 3's value
    m.set('o', { x: [1, 2] });
    m.writer = 5;
    m.set('o', { x: [1, 2] }); // equal plain data, a different object
    m.set('o', { x: [1, 3] });
    m.get('k');
    m.has('nope');
    m.keys();
    m.peek('k');
    m.delete('k');
    assert.deepEqual(log, [
      'w k -1',
      'w k 3',
      'w o -1',
      'w o 4',
      'w o -1',
      'r k 4',
      'r nope -1',
      'r k 4',
      'r o 5',
      'w k -1',
    ]);
  });

  test('an equal rewrite by the same event names no alternative (no lineage cycle)', () => {
    const log: string[] = [];
    const m = new SimMemory('a', {
      read: () => {},
      write: (k, sameAs) => log.push(`w ${k} ${sameAs}`),
    });
    m.writer = 2;
    m.set('k', 1);
    m.writer = 7;
    m.set('k', 1); // same as event 2's value
    m.set('k', 1); // event 7 again: not an alternative derivation of itself
    assert.deepEqual(log, ['w k -1', 'w k 2', 'w k -1']);
  });
});
