// Run errors name where they happened: spec, seed, and the node, event and time when known.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { ContextUsageError, describeLocation, SimulationError } from '../../src/core/errors.js';

describe('errors', () => {
  test('describeLocation lists every known part in a fixed order', () => {
    assert.equal(describeLocation({ spec: 's', seed: 7 }), 'spec s, seed 7');
    assert.equal(
      describeLocation({
        spec: 's',
        seed: 7,
        node: 'a',
        eventId: 12,
        eventKind: 'deliver',
        time: 3,
      }),
      'spec s, seed 7, node a, event 12 (deliver), time 3',
    );
    assert.equal(describeLocation({ spec: 's', seed: 0, eventId: 0 }), 'spec s, seed 0, event 0');
  });

  test('SimulationError carries the problem, the location and the cause', () => {
    const cause = new Error('boom');
    const e = new SimulationError('handler threw', { spec: 's', seed: 1, node: 'b' }, { cause });
    assert.equal(e.name, 'SimulationError');
    assert.equal(e.problem, 'handler threw');
    assert.equal(e.where.node, 'b');
    assert.equal(e.cause, cause);
    assert.equal(e.message, 'handler threw [spec s, seed 1, node b]');
  });

  test('ContextUsageError is an Error with its own name', () => {
    const e = new ContextUsageError('bad');
    assert.ok(e instanceof Error);
    assert.equal(e.name, 'ContextUsageError');
  });
});
