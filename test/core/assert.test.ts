// Always-on assertions: `assert` throws an InvariantError naming the rule; `maybe` checks nothing.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { assert as check, InvariantError, maybe } from '../../src/core/assert.js';

describe('assert', () => {
  test('passes on a truthy condition', () => {
    check(1, 'one is truthy');
    check('x', 'non-empty string');
  });

  test('throws an InvariantError naming the invariant and the detail', () => {
    assert.throws(
      () => check(false, 'queue is sorted', 'item 3 < item 2'),
      (e: unknown) =>
        e instanceof InvariantError &&
        e.invariant === 'queue is sorted' &&
        e.message === 'invariant violated: queue is sorted: item 3 < item 2',
    );
    assert.throws(() => check(0, 'nonzero'), /^InvariantError: invariant violated: nonzero$/);
  });

  test('maybe accepts both outcomes and returns nothing', () => {
    assert.equal(maybe(true), undefined);
    assert.equal(maybe(false), undefined);
  });
});
