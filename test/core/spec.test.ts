// defineSpec: a valid spec comes back unchanged; every invalid field is rejected with a SpecError
// whose message names the spec and the field.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import type { Process } from '../../src/core/process.js';
import { defineSpec, type Spec, SpecError } from '../../src/core/spec.js';

const idle: Process<string> = { init() {}, receive() {}, timer() {} };

function base(): Spec<string> {
  return {
    name: 'demo',
    nodes: ['a', 'b'],
    process: () => idle,
    time: { model: 'sync', eot: 3 },
  };
}

/** Expects defineSpec to throw a SpecError mentioning `spec "name": field: …`. */
function rejects(patch: Record<string, unknown>, field: string, detail?: RegExp): void {
  const spec = { ...base(), ...patch } as unknown as Spec<string>;
  assert.throws(
    () => defineSpec(spec),
    (e: unknown) => {
      assert.ok(e instanceof SpecError, `expected SpecError, got ${String(e)}`);
      const name = JSON.stringify((spec as { name?: unknown }).name ?? '?');
      assert.ok(
        e.message.startsWith(`spec ${name}: ${field}: `),
        `message ${JSON.stringify(e.message)} should start with spec ${name}: ${field}:`,
      );
      if (detail !== undefined) assert.match(e.message, detail);
      return true;
    },
  );
}

describe('defineSpec', () => {
  test('returns a valid spec unchanged (specs stay plain data)', () => {
    const spec = base();
    assert.equal(defineSpec(spec), spec);
    const full: Spec<string> = {
      ...base(),
      time: {
        model: 'async',
        horizonMs: 100,
        network: { latency: { kind: 'exponential', minMs: 0, meanMs: 2 }, fifo: true },
      },
      inputs: [{ at: 0.5, to: 'w', msg: 'go' }],
      clients: { ids: ['w'], process: () => idle },
      faults: {
        plan: { faults: [{ kind: 'crash', node: 'w', at: 3 }] },
        swarm: true,
        livenessBoundMs: 50,
      },
      limits: { eventsMax: 10 },
    };
    assert.equal(defineSpec(full), full);
  });

  test('rejects a non-object spec', () => {
    assert.throws(() => defineSpec(null as unknown as Spec), SpecError);
  });

  test('name', () => {
    rejects({ name: '' }, 'name', /non-empty string/);
    rejects({ name: 42 }, 'name');
  });

  test('node ids: empty, invalid, duplicate, reserved', () => {
    rejects({ nodes: [] }, 'nodes', /non-empty array/);
    rejects({ nodes: 'ab' }, 'nodes', /non-empty array/);
    rejects({ nodes: ['a', 'a'] }, 'nodes[1]', /duplicate node id "a"/);
    rejects({ nodes: ['a', 'b c'] }, 'nodes[1]', /must match/);
    rejects({ nodes: ['a', ''] }, 'nodes[1]', /must match/);
    rejects({ nodes: [7] }, 'nodes[0]', /must be a string/);
    rejects({ nodes: ['$env'] }, 'nodes[0]');
    rejects({ nodes: ['x'.repeat(65)] }, 'nodes[0]');
    rejects({ nodes: ['-a'] }, 'nodes[0]');
  });

  test('a client id must not repeat a server id', () => {
    rejects(
      { clients: { ids: ['w', 'a'], process: () => idle } },
      'clients.ids[1]',
      /duplicate node id "a"/,
    );
    rejects({ clients: { ids: 'w', process: () => idle } }, 'clients.ids', /array/);
    rejects({ clients: { ids: ['w'], process: 1 } }, 'clients.process', /function/);
  });

  test('process must be a factory', () => {
    rejects({ process: idle }, 'process', /must be a function/);
  });

  test('time model, eot and horizon', () => {
    rejects({ time: undefined }, 'time.model');
    rejects({ time: { model: 'quantum' } }, 'time.model', /"sync" or "async"/);
    rejects({ time: { model: 'sync', eot: 0 } }, 'time.eot', /whole tick >= 1, got 0/);
    rejects({ time: { model: 'sync', eot: 2.5 } }, 'time.eot', /got 2.5/);
    rejects({ time: { model: 'sync' } }, 'time.eot');
    rejects({ time: { model: 'async', horizonMs: 0 } }, 'time.horizonMs', /> 0, got 0/);
    rejects({ time: { model: 'async', horizonMs: Number.POSITIVE_INFINITY } }, 'time.horizonMs');
    rejects({ time: { model: 'async', horizonMs: Number.NaN } }, 'time.horizonMs');
  });

  test('latency distributions', () => {
    const net = (latency: unknown) => ({
      time: { model: 'async', horizonMs: 10, network: { latency } },
    });
    rejects(net({ kind: 'fixed', ms: -1 }), 'time.network.latency.ms');
    rejects(net({ kind: 'uniform', minMs: 5, maxMs: 1 }), 'time.network.latency', /minMs <= maxMs/);
    rejects(net({ kind: 'uniform', minMs: -1, maxMs: 1 }), 'time.network.latency');
    rejects(
      net({ kind: 'exponential', minMs: 0, meanMs: 0 }),
      'time.network.latency',
      /meanMs > 0/,
    );
    rejects(net({ kind: 'normal' }), 'time.network.latency.kind');
  });

  test('inputs: unknown node, bad time, ticks in the synchronous model', () => {
    rejects(
      {
        inputs: [
          { at: 1, to: 'a', msg: 'x' },
          { at: 1, to: 'zz', msg: 'x' },
        ],
      },
      'inputs[1].to',
      /unknown node "zz"/,
    );
    rejects({ inputs: [{ at: -1, to: 'a', msg: 'x' }] }, 'inputs[0].at', /finite time >= 0/);
    rejects({ inputs: [{ at: Number.NaN, to: 'a', msg: 'x' }] }, 'inputs[0].at');
    rejects({ inputs: [{ at: 0, to: 'a', msg: 'x' }] }, 'inputs[0].at', /whole tick >= 1, got 0/);
    rejects({ inputs: [{ at: 1.5, to: 'a', msg: 'x' }] }, 'inputs[0].at', /whole tick/);
  });

  test('fault settings and limits', () => {
    rejects(
      { faults: { plan: { faults: [{ kind: 'crash', node: 'zz', at: 1 }] } } },
      'faults.plan',
      /faults\[0\]\.node: unknown node "zz"/,
    );
    rejects(
      { faults: { plan: { faults: [{ kind: 'crash', node: 'a', at: 1.5 }] } } },
      'faults.plan',
      /whole tick/,
    );
    rejects({ faults: { livenessBoundMs: 0 } }, 'faults.livenessBoundMs');
    rejects({ faults: { livenessBoundMs: Number.POSITIVE_INFINITY } }, 'faults.livenessBoundMs');
    rejects({ limits: { eventsMax: 0 } }, 'limits.eventsMax');
    rejects({ limits: { eventsMax: 1.5 } }, 'limits.eventsMax');
  });

  test('the error names the spec even when other fields are fine', () => {
    assert.throws(
      () => defineSpec({ ...base(), name: 'my-proto', nodes: ['a', 'a'] }),
      /^SpecError: spec "my-proto": nodes\[1\]/,
    );
  });
});
