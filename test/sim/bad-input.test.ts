// Bad input (issue 2): a handler that throws, a send to an unknown node, a negative or non-finite
// timer, a context used outside its handler, and an event storm each end the run with status
// `error` and a message naming the node, the event, the time and the seed. No run ever hangs.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { SimulationError } from '../../src/core/errors.js';
import { fact } from '../../src/core/fact.js';
import type { Context, Process } from '../../src/core/process.js';
import { defineSpec, type Spec } from '../../src/core/spec.js';
import type { RunResult } from '../../src/sim/result.js';
import { runSimulation } from '../../src/sim/simulator.js';
import { type Handlers, processFrom } from './process-from.js';

type Msg = string;

const proc = (h: Handlers<Msg>): Process<Msg> => processFrom(h);

function spec(
  make: (id: string) => Process<Msg>,
  model: 'sync' | 'async' = 'async',
  extra: Partial<Spec<Msg>> = {},
) {
  return defineSpec<Msg>({
    name: 'bad-input',
    nodes: ['a', 'b'],
    process: make,
    time:
      model === 'sync'
        ? { model: 'sync', eot: 5 }
        : { model: 'async', horizonMs: 100, network: { latency: { kind: 'fixed', ms: 2 } } },
    ...extra,
  });
}

/** Asserts an error result whose message names all four: node, event, time, seed. */
function assertLocated(
  r: RunResult,
  where: { node: string; time: number; seed: number; kind: string },
  problem: RegExp,
) {
  assert.equal(r.status, 'error', `expected an error, got ${r.status}`);
  const e = r.error ?? '';
  assert.match(e, problem);
  assert.ok(e.includes(`node ${where.node}`), `names the node: ${e}`);
  assert.match(e, new RegExp(`event \\d+ \\(${where.kind}\\)`), `names the event: ${e}`);
  assert.ok(e.includes(`time ${where.time}`), `names the time: ${e}`);
  assert.ok(e.includes(`seed ${where.seed}`), `names the seed: ${e}`);
  assert.ok(e.includes('spec bad-input'), `names the spec: ${e}`);
}

describe('bad input', () => {
  test('a handler that throws: error names node, event, time and seed', () => {
    const make = (id: string) =>
      proc({
        init: (ctx) => {
          if (id === 'a') ctx.send('b', 'hi');
        },
        receive: () => {
          throw new RangeError('kaboom');
        },
      });
    const r = runSimulation(spec(make), { seed: 42, trace: true });
    assertLocated(
      r,
      { node: 'b', time: 2, seed: 42, kind: 'deliver' },
      /handler deliver threw: RangeError: kaboom/,
    );
    // The event id in the message is the trace's id of the failing event.
    const id = Number(/event (\d+)/.exec(r.error!)?.[1]);
    assert.equal(r.trace!.event(id).node, 'b');
    assert.equal(r.trace!.event(id).kind, 'deliver');
  });

  test('a throw of a non-Error value is described too', () => {
    const make = () =>
      proc({
        init: () => {
          throw 'plain string';
        },
      });
    const r = runSimulation(spec(make, 'sync'), { seed: 3 });
    assertLocated(
      r,
      { node: 'a', time: 1, seed: 3, kind: 'init' },
      /handler init threw: plain string/,
    );
  });

  test('a send to an unknown node', () => {
    const make = (id: string) =>
      proc({
        init: (ctx) => ctx.setTimer('t', 5),
        timer: (ctx) => {
          if (id === 'b') ctx.send('nobody', 'x');
        },
      });
    const r = runSimulation(spec(make), { seed: 7 });
    assertLocated(
      r,
      { node: 'b', time: 5, seed: 7, kind: 'timer' },
      /send to unknown node "nobody" \(nodes: a, b\)/,
    );
  });

  for (const delay of [-1, Number.NaN, Number.POSITIVE_INFINITY]) {
    test(`a timer of ${delay} ms`, () => {
      const make = (id: string) =>
        proc({
          receive: (ctx) => {
            if (id === 'a') ctx.setTimer('retry', delay);
          },
        });
      const r = runSimulation(spec(make, 'async', { inputs: [{ at: 3, to: 'a', msg: 'go' }] }), {
        seed: 11,
      });
      assertLocated(
        r,
        { node: 'a', time: 3, seed: 11, kind: 'deliver' },
        new RegExp(`setTimer\\("retry"\\): delay must be a finite number >= 0, got ${delay}`),
      );
    });
  }

  test('a non-string timer name and a malformed fact', () => {
    const r1 = runSimulation(
      spec(() => proc({ init: (ctx) => ctx.setTimer(5 as unknown as string, 1) })),
      { seed: 1 },
    );
    assertLocated(
      r1,
      { node: 'a', time: 0, seed: 1, kind: 'init' },
      /setTimer: name must be a string/,
    );
    const r2 = runSimulation(
      spec(() => proc({ init: (ctx) => ctx.emit({ name: 'x', args: [Number.NaN] }) })),
      { seed: 1 },
    );
    assertLocated(r2, { node: 'a', time: 0, seed: 1, kind: 'init' }, /fact x: argument 0/);
    const r3 = runSimulation(
      spec(() => proc({ init: (ctx) => ctx.emit('x' as never) })),
      { seed: 1 },
    );
    assertLocated(r3, { node: 'a', time: 0, seed: 1, kind: 'init' }, /emit: expected a fact/);
  });

  test('a context used by another node (a stored callback) errors clearly', () => {
    let stolen: Context<Msg> | undefined;
    const make = (id: string) =>
      proc({
        init: (ctx) => {
          if (id === 'a') stolen = ctx;
          ctx.setTimer('t', 4);
        },
        timer: (ctx) => {
          if (id === 'b') stolen?.send('b', 'forged');
          ctx.emit(fact('ran', id));
        },
      });
    const r = runSimulation(spec(make), { seed: 5 });
    assert.equal(r.status, 'error');
    // The problem names the misused context (a); the location is the event that misused it (b's).
    assertLocated(
      r,
      { node: 'b', time: 4, seed: 5, kind: 'timer' },
      /ctx\.send called on a outside one of its handlers/,
    );
    assert.ok(!r.error!.includes('node a'), `only b's event is located: ${r.error}`);
  });

  test('a process factory that throws at a restart errors the run, naming the node and time', () => {
    let calls = 0;
    const make = () => {
      if (calls++ >= 2) throw new Error('factory boom');
      return proc({});
    };
    const r = runSimulation(spec(make), {
      seed: 4,
      plan: { faults: [{ kind: 'crash', node: 'a', at: 2, restartAt: 6 }] },
    });
    assert.equal(r.status, 'error');
    assert.match(r.error!, /process factory threw for a: Error: factory boom/);
    assert.ok(
      r.error!.includes('node a') && r.error!.includes('time 6') && r.error!.includes('seed 4'),
      r.error,
    );
  });

  test('a context kept after the run errors clearly when used', () => {
    let kept: Context<Msg> | undefined;
    const r = runSimulation(
      spec((id) =>
        proc({
          init: (ctx) => {
            if (id === 'a') kept = ctx;
          },
        }),
      ),
      { seed: 2 },
    );
    assert.equal(r.status, 'pass');
    const ctx = kept!;
    for (const use of [
      () => ctx.send('b', 'late'),
      () => ctx.setTimer('t', 1),
      () => ctx.cancelTimer('t'),
      () => ctx.emit(fact('late', 'a')),
      () => ctx.random(),
      () => ctx.log('note'),
      () => ctx.history.invoke('read', null),
      () => ctx.buggify('site'),
    ]) {
      assert.throws(use, /outside/);
    }
  });

  test('an event storm hits the event budget with a clear message, and the run ends', () => {
    // Async: a zero-delay timer re-armed forever never advances time.
    const zeno = proc({
      init: (ctx) => ctx.setTimer('again', 0),
      timer: (ctx) => ctx.setTimer('again', 0),
    });
    const r = runSimulation(
      spec(() => zeno, 'async', { limits: { eventsMax: 1000 } }),
      { seed: 8 },
    );
    assert.equal(r.status, 'error');
    assert.match(r.error!, /event budget of 1000 events exhausted before the end of the run/);
    assert.match(r.error!, /limits\.eventsMax/);
    assert.ok(r.error!.includes('seed 8') && r.error!.includes('time 0'), r.error);
    assert.equal(r.stats.events, 1001);
  });

  test('a message storm (each message begets two) is cut off by the budget given in the run options', () => {
    const storm = proc({
      init: (ctx) => ctx.send(ctx.peers[0]!, 'x'),
      receive: (ctx, from) => {
        ctx.send(from, 'x');
        ctx.send(from, 'x');
      },
    });
    const s = spec(() => storm, 'sync', { time: { model: 'sync', eot: 30 } });
    const r = runSimulation(s, { seed: 1, eventsMax: 500 });
    assert.equal(r.status, 'error');
    assert.match(r.error!, /event budget of 500 events exhausted/);
  });

  test('virtual time bounds a run that would go on forever', () => {
    const forever = proc({
      init: (ctx) => ctx.setTimer('t', 1),
      timer: (ctx) => ctx.setTimer('t', 1),
    });
    const a = runSimulation(
      spec(() => forever, 'async'),
      { seed: 1 },
    );
    assert.equal(a.status, 'pass');
    assert.equal(a.endTime, 100);
    const s = runSimulation(
      spec(() => forever, 'sync'),
      { seed: 1 },
    );
    assert.equal(s.status, 'pass');
    assert.equal(s.endTime, 5);
  });

  test('an invalid plan or seed is rejected up front with a clear error', () => {
    const s = spec(() => proc({}));
    assert.throws(
      () => runSimulation(s, { seed: 1, plan: { faults: [{ kind: 'crash', node: 'zz', at: 1 }] } }),
      (e: unknown) =>
        e instanceof SimulationError &&
        /invalid fault plan: faults\[0\]\.node: unknown node "zz"/.test(e.message),
    );
    assert.throws(() => runSimulation(s, { seed: 1.5 }), /seed must be a safe integer, got 1.5/);
  });

  test('history misuse: completing an operation that is not open', () => {
    const make = () =>
      proc({
        init: (ctx) => {
          const h = ctx.history.invoke('read', null);
          ctx.history.ok(h, 1);
          ctx.history.ok(h, 1);
        },
      });
    const r = runSimulation(spec(make), { seed: 1 });
    assertLocated(
      r,
      { node: 'a', time: 0, seed: 1, kind: 'init' },
      /history\.ok: operation 0 is not open on a/,
    );
  });
});
