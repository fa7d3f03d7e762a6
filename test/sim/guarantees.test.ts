// Guarantees: an invariant is checked after every event and its violation fails the run at that
// event; pre/post (Molly) fails when a `pre` tuple is missing from `post`, restricted under LDFI to
// the good outcomes; final checks run once at the end; a checker that throws makes the run an error.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { fact } from '../../src/core/fact.js';
import type { Guarantees } from '../../src/core/guarantee.js';
import type { Process } from '../../src/core/process.js';
import { defineSpec } from '../../src/core/spec.js';
import { tupleKey } from '../../src/core/value.js';
import { runSimulation } from '../../src/sim/simulator.js';

type Msg = { readonly v: string };

/** Each node emits has(id, v) for every value it receives; a's inputs are relayed to b. */
const relay = (): Process<Msg> => ({
  init() {},
  receive(ctx, from, msg) {
    ctx.emit(fact('has', ctx.id, msg.v));
    if (from === '$env') for (const p of ctx.peers) ctx.send(p, msg);
  },
  timer() {},
});

function spec(guarantees: Guarantees, inputs = ['x', 'y']) {
  return defineSpec<Msg>({
    name: 'guarantees',
    nodes: ['a', 'b'],
    process: relay,
    time: { model: 'sync', eot: 4 },
    inputs: inputs.map((v, i) => ({ at: i + 1, to: 'a', msg: { v } })),
    guarantees,
  });
}

/** pre: values a has; post: values both nodes have. */
const delivered = {
  name: 'delivered',
  pre: (w: Parameters<NonNullable<Guarantees['prePost']>[number]['pre']>[0]) =>
    w
      .facts('has')
      .filter((f) => f.args[0] === 'a')
      .map((f) => [f.args[1] ?? null]),
  post: (w: Parameters<NonNullable<Guarantees['prePost']>[number]['pre']>[0]) =>
    w
      .facts('has')
      .filter((f) => f.args[0] === 'b')
      .map((f) => [f.args[1] ?? null]),
};

describe('guarantees', () => {
  test('an invariant violation fails the run at that event, naming the invariant and the event', () => {
    const r = runSimulation(
      spec({
        invariants: [
          { name: 'fine', check: () => undefined },
          { name: 'b never has y', check: (w) => (w.has('has', 'b', 'y') ? 'b got y' : undefined) },
        ],
      }),
      { seed: 1, trace: true },
    );
    assert.equal(r.status, 'fail');
    assert.equal(r.violations.length, 1);
    const v = r.violations[0]!;
    assert.equal(v.guarantee, 'b never has y');
    assert.equal(v.kind, 'invariant');
    assert.equal(v.message, 'b got y');
    assert.equal(v.time, 3);
    const e = r.trace!.event(v.eventId!);
    assert.equal(e.node, 'b');
    assert.equal(e.kind, 'deliver');
    assert.deepEqual(
      e.emits.map((f) => f.args),
      [['b', 'y']],
      'the named event is the one that broke it',
    );
    assert.equal(r.endTime, 3, 'the run stops at the violation');
  });

  test('an invariant that holds throughout passes', () => {
    const r = runSimulation(spec({ invariants: [{ name: 'ok', check: () => undefined }] }), {
      seed: 1,
    });
    assert.equal(r.status, 'pass');
    assert.deepEqual(r.violations, []);
  });

  test('pre/post passes when every pre tuple is in post', () => {
    const r = runSimulation(spec({ prePost: [delivered] }), { seed: 1 });
    assert.equal(r.status, 'pass');
    assert.deepEqual(r.preTuples.get('delivered'), [['x'], ['y']]);
    assert.deepEqual(r.postTuples.get('delivered'), [['x'], ['y']]);
  });

  test('pre/post fails when a pre tuple is missing from post, listing the missing tuples', () => {
    const plan = { faults: [{ kind: 'omission' as const, from: 'a', to: 'b', at: 2 }] };
    const r = runSimulation(spec({ prePost: [delivered] }), { seed: 1, plan });
    assert.equal(r.status, 'fail');
    const v = r.violations[0]!;
    assert.equal(v.guarantee, 'delivered');
    assert.equal(v.kind, 'pre-post');
    assert.deepEqual(v.missing, [['y']]);
    assert.match(v.message, /pre holds but post does not for \["y"\]/);
  });

  test('pre false is vacuously fine: a tuple only in post, or in neither, is no violation', () => {
    const r = runSimulation(
      spec({ prePost: [{ name: 'vacuous', pre: () => [], post: () => [['z']] }] }),
      { seed: 1 },
    );
    assert.equal(r.status, 'pass');
  });

  test('pre and post tuples are deduplicated', () => {
    const r = runSimulation(
      spec({
        prePost: [{ name: 'dups', pre: () => [['p'], ['p']], post: () => [['p'], ['p'], ['q']] }],
      }),
      { seed: 1 },
    );
    assert.deepEqual(r.preTuples.get('dups'), [['p']]);
    assert.deepEqual(r.postTuples.get('dups'), [['p'], ['q']]);
  });

  test('with goodOutcomes, only good tuples count (Molly isGood)', () => {
    const plan = { faults: [{ kind: 'omission' as const, from: 'a', to: 'b', at: 2 }] };
    const s = spec({ prePost: [delivered] });
    const onlyX = new Map([['delivered', new Set([tupleKey(['x'])])]]);
    const r1 = runSimulation(s, { seed: 1, plan, goodOutcomes: onlyX });
    assert.equal(r1.status, 'pass', 'y is missing, but y is not a good outcome');
    const both = new Map([['delivered', new Set([tupleKey(['x']), tupleKey(['y'])])]]);
    const r2 = runSimulation(s, { seed: 1, plan, goodOutcomes: both });
    assert.equal(r2.status, 'fail');
    assert.deepEqual(r2.violations[0]?.missing, [['y']]);
  });

  test('final checks run once at the end and report their message', () => {
    let calls = 0;
    const r = runSimulation(
      spec({
        final: [
          { name: 'ok', check: () => undefined },
          {
            name: 'two values',
            check: (w) => {
              calls++;
              return w.facts('has').length === 4 ? 'expected more' : undefined;
            },
          },
        ],
      }),
      { seed: 1 },
    );
    assert.equal(calls, 1);
    assert.equal(r.status, 'fail');
    assert.deepEqual(
      r.violations.map((v) => [v.guarantee, v.kind, v.message]),
      [['two values', 'final', 'expected more']],
    );
  });

  test('a throwing invariant errors the run, naming the guarantee', () => {
    const r = runSimulation(
      spec({
        invariants: [
          {
            name: 'broken',
            check: () => {
              throw new Error('oops');
            },
          },
        ],
      }),
      { seed: 9 },
    );
    assert.equal(r.status, 'error');
    assert.match(r.error!, /guarantee "broken" threw: Error: oops/);
    assert.match(r.error!, /seed 9/);
  });

  test('a throwing final check makes the run an error (its verdict is unknown)', () => {
    const r = runSimulation(
      spec({
        final: [
          {
            name: 'bad',
            check: () => {
              throw new Error('nope');
            },
          },
        ],
      }),
      { seed: 1 },
    );
    assert.equal(r.status, 'error');
    assert.match(r.error ?? '', /guarantee "bad" threw: Error: nope/);
  });

  test('a throwing pre or post is reported in the result, never thrown out of runSimulation', () => {
    const boom = () => {
      throw new Error('pre boom');
    };
    const r = runSimulation(spec({ prePost: [{ name: 'pp', pre: boom, post: () => [] }] }), {
      seed: 1,
    });
    assert.equal(r.status, 'error');
    assert.match(r.error ?? '', /guarantee "pp.pre" threw: Error: pre boom/);
    // Also when the run already failed for another reason (the end checks are then skipped).
    const r2 = runSimulation(
      spec({
        prePost: [{ name: 'pp', pre: () => [], post: boom }],
        invariants: [{ name: 'first', check: () => 'broken at once' }],
      }),
      { seed: 1 },
    );
    assert.equal(r2.status, 'fail');
    assert.equal(r2.violations[0]?.guarantee, 'first');
  });

  test('the world view reads facts, nodes and storage for checkers', () => {
    const r = runSimulation(spec({}), { seed: 1 });
    assert.deepEqual(r.world.nodes, ['a', 'b']);
    assert.ok(r.world.has('has', 'a', 'x'));
    assert.ok(!r.world.has('has', 'a', 'q'));
    assert.equal(r.world.facts().length, 4);
    assert.deepEqual(r.world.storage('a').range(), []);
    assert.throws(() => r.world.up('zz'), /unknown node "zz"/);
  });
});
