// Facts: construction checks its arguments; equal facts have equal keys; Molly-style rendering.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { fact, factKey, formatFact } from '../../src/core/fact.js';
import type { Value } from '../../src/core/value.js';
import { isValue, tupleKey } from '../../src/core/value.js';

describe('fact', () => {
  test('builds a fact from a name and scalar arguments', () => {
    assert.deepEqual(fact('log', 'b', 'hello'), { name: 'log', args: ['b', 'hello'] });
    assert.deepEqual(fact('n', 1, true, null), { name: 'n', args: [1, true, null] });
    assert.deepEqual(fact('empty'), { name: 'empty', args: [] });
  });

  test('rejects an empty name', () => {
    assert.throws(() => fact(''), /fact name must be a non-empty string/);
  });

  test('rejects non-scalar or non-finite arguments, naming the position', () => {
    assert.throws(() => fact('x', 'a', Number.NaN), /fact x: argument 1/);
    assert.throws(() => fact('x', Number.POSITIVE_INFINITY), /fact x: argument 0/);
    assert.throws(() => fact('x', { a: 1 } as unknown as Value), /argument 0/);
    assert.throws(() => fact('x', undefined as unknown as Value), /argument 0/);
  });

  test('factKey is equal for equal facts and differs otherwise', () => {
    assert.equal(factKey(fact('log', 'b', 1)), factKey(fact('log', 'b', 1)));
    assert.notEqual(factKey(fact('log', 'b', 1)), factKey(fact('log', 'b', '1')));
    assert.notEqual(factKey(fact('log', 'b')), factKey(fact('lo', 'gb')));
    assert.notEqual(factKey(fact('a', 'b,c')), factKey(fact('a', 'b', 'c')));
  });

  test('formatFact renders like Molly', () => {
    assert.equal(formatFact(fact('log', 'b', 'hello')), 'log("b","hello")');
    assert.equal(formatFact(fact('n', 1, null)), 'n(1,null)');
  });

  test('isValue and tupleKey', () => {
    assert.ok(isValue(null) && isValue('s') && isValue(0) && isValue(false));
    assert.ok(!isValue(undefined) && !isValue(Number.NaN) && !isValue([]) && !isValue(1n));
    assert.equal(tupleKey(['a', 1]), '["a",1]');
  });
});
