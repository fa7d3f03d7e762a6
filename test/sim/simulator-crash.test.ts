// Crash models in the asynchronous model and the liveness phase: crash-stop (the node never runs
// again; messages to it are lost as receiver-down), crash-restart (memory lost, storage kept, init
// runs again at restartAt, the old incarnation's timers never fire), the heal at the horizon
// (downed nodes restart, liveness must hold within the bound), and persist-before-send (a handler's
// writes are durable before any receiver acts on its messages, unless an `unsynced` disk fault
// breaks that promise on purpose).
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { fact } from '../../src/core/fact.js';
import type { Fault } from '../../src/core/fault.js';
import type { Process } from '../../src/core/process.js';
import { defineSpec, type Spec } from '../../src/core/spec.js';
import type { RunResult } from '../../src/sim/result.js';
import { runSimulation } from '../../src/sim/simulator.js';
import { fromUtf8, utf8 } from '../../src/storage/bytes.js';
import { type Handlers, processFrom } from './process-from.js';

type Msg = { readonly n: number };

const proc = (h: Handlers<Msg>): Process<Msg> => processFrom(h);

function spec(
  make: (id: string) => Process<Msg>,
  extra: Partial<Spec<Msg>> = {},
  horizonMs = 30,
): Spec<Msg> {
  return defineSpec<Msg>({
    name: 'crash-test',
    nodes: ['a', 'b'],
    process: make,
    time: { model: 'async', horizonMs, network: { latency: { kind: 'fixed', ms: 1 } } },
    ...extra,
  });
}

const facts = (r: RunResult, name: string, node?: string) =>
  r.facts.filter((f) => f.name === name && (node === undefined || f.args[0] === node));

/** Ticks every ms (emits tick(id, t)), pings the peer every ms (peer emits recv). */
const ticker = () =>
  proc({
    init: (ctx) => {
      ctx.emit(fact('init', ctx.id, ctx.now()));
      ctx.setTimer('tick', 1);
    },
    timer: (ctx) => {
      ctx.emit(fact('tick', ctx.id, ctx.now()));
      for (const p of ctx.peers) ctx.send(p, { n: ctx.now() });
      ctx.setTimer('tick', 1);
    },
    receive: (ctx, from, msg) => ctx.emit(fact('recv', ctx.id, from, msg.n)),
  });

describe('simulator, crash models', () => {
  test('crash-stop: the node never runs again and messages to it are lost as receiver-down', () => {
    const plan = { faults: [{ kind: 'crash', node: 'a', at: 5.5, mode: 'stop' }] as Fault[] };
    const r = runSimulation(spec(ticker), { seed: 1, plan, trace: true });
    assert.equal(r.status, 'pass');
    const aTimes = r.facts.filter((f) => f.args[0] === 'a').map((f) => f.time);
    assert.ok(aTimes.length > 0 && Math.max(...aTimes) < 5.5, 'a does nothing after 5.5');
    assert.equal(Math.max(...facts(r, 'tick', 'b').map((f) => f.time)), 30, 'b keeps going');
    assert.equal(r.world.up('a'), false);
    assert.equal(r.world.crashed('a'), true);
    assert.deepEqual(r.crashed, ['a']);
    assert.equal(r.stats.crashes, 1);
    assert.equal(r.stats.restarts, 0);
    const toA = Array.from({ length: r.trace!.messageCount }, (_, i) => r.trace!.message(i)).filter(
      (m) => m.to === 'a' && m.sentAt >= 5.5 && m.sentAt < 29,
    );
    assert.ok(toA.length > 20);
    for (const m of toA) assert.equal(m.lostReason, 'receiver-down');
  });

  test('crash-restart: memory lost, storage kept, init runs again at restartAt, old timers never fire', () => {
    const make = (id: string) =>
      proc({
        init: (ctx) => {
          const boots = ctx.storage.get(utf8('boots'));
          const n = boots === undefined ? 1 : Number(fromUtf8(boots)) + 1;
          ctx.storage.put(utf8('boots'), utf8(String(n)));
          ctx.emit(fact('boot', id, n, ctx.now(), ctx.memory.get<string>('volatile') ?? 'none'));
          ctx.memory.set('volatile', `set-in-boot-${n}`);
          if (n === 1) {
            ctx.setTimer('soon', 3); // would fire at 3: before the crash, so it fires
            ctx.setTimer('late', 12); // would fire at 12: after the restart, so it must not
          }
        },
        timer: (ctx, name) => ctx.emit(fact('timer', id, name, ctx.now())),
        receive: (ctx, from, msg) => ctx.emit(fact('recv', id, from, msg.n)),
      });
    const plan = {
      faults: [{ kind: 'crash', node: 'a', at: 5, mode: 'restart', restartAt: 10 }] as Fault[],
    };
    const r = runSimulation(
      spec(make, {
        inputs: [
          { at: 7, to: 'a', msg: { n: 7 } },
          { at: 11, to: 'a', msg: { n: 11 } },
        ],
      }),
      {
        seed: 1,
        plan,
        trace: true,
      },
    );
    assert.equal(r.status, 'pass');
    assert.deepEqual(
      facts(r, 'boot', 'a').map((f) => f.args.slice(1)),
      [
        [1, 0, 'none'],
        [2, 10, 'none'],
      ],
      'storage survived (boot 2), memory did not (volatile is gone)',
    );
    assert.deepEqual(
      facts(r, 'timer', 'a').map((f) => f.args.slice(1)),
      [['soon', 3]],
      "the first incarnation's pending timer never fires",
    );
    assert.deepEqual(
      facts(r, 'recv', 'a').map((f) => f.args[2]),
      [11],
      'the input delivered while a was down is lost',
    );
    assert.equal(r.stats.crashes, 1);
    assert.equal(r.stats.restarts, 1);
    assert.equal(r.world.up('a'), true);
    assert.equal(r.world.memory('a').get('volatile'), 'set-in-boot-2');
    const restart = Array.from({ length: r.trace!.eventCount }, (_, i) => r.trace!.event(i)).find(
      (e) => e.kind === 'restart',
    );
    assert.equal(restart?.node, 'a');
    assert.equal(restart?.time, 10);
  });

  test('crash-restart is the default crash mode in the asynchronous model', () => {
    const plan = { faults: [{ kind: 'crash', node: 'a', at: 5, restartAt: 8 }] as Fault[] };
    const r = runSimulation(spec(ticker), { seed: 1, plan });
    assert.deepEqual(
      facts(r, 'init', 'a').map((f) => f.args[1]),
      [0, 8],
    );
    const aTicks = facts(r, 'tick', 'a').map((f) => f.time);
    assert.ok(!aTicks.some((t) => t > 5 && t < 8), 'nothing runs while down');
    assert.ok(aTicks.includes(9), 'the new incarnation ticks');
  });

  test('a restart crash without restartAt and no liveness phase stays down for the rest of the run', () => {
    const plan = { faults: [{ kind: 'crash', node: 'a', at: 5, mode: 'restart' }] as Fault[] };
    const r = runSimulation(spec(ticker), { seed: 1, plan });
    assert.equal(facts(r, 'init', 'a').length, 1);
    assert.equal(r.world.up('a'), false);
  });

  test('heal at the horizon restarts downed nodes; liveness that holds ends the run early and passes', () => {
    const plan = {
      faults: [
        { kind: 'crash', node: 'a', at: 5, mode: 'restart' },
        { kind: 'partition', groups: [['a'], ['b']], at: 1 },
      ] as Fault[],
    };
    const s = spec(ticker, {
      guarantees: {
        liveness: [
          {
            name: 'a back and heard',
            holds: (w) =>
              w.up('a') &&
              w
                .facts('recv')
                .some((f) => f.args[0] === 'b' && f.args[1] === 'a' && (f.args[2] as number) >= 30),
          },
        ],
      },
      faults: { livenessBoundMs: 1000 },
    });
    const r = runSimulation(s, { seed: 1, plan, trace: true });
    assert.equal(r.status, 'pass', r.error ?? JSON.stringify(r.violations));
    assert.deepEqual(
      facts(r, 'init', 'a').map((f) => f.args[1]),
      [0, 30],
      'a restarts at the heal',
    );
    assert.ok(
      r.endTime > 30 && r.endTime < 40,
      `the run ends once liveness holds (at ${r.endTime})`,
    );
    const heal = Array.from({ length: r.trace!.eventCount }, (_, i) => r.trace!.event(i)).find(
      (e) => e.kind === 'heal' && e.time === 30,
    );
    assert.ok(heal !== undefined, 'the heal is an event in the trace');
  });

  test('a liveness guarantee that never holds fails with kind liveness after the bound', () => {
    const s = spec(ticker, {
      guarantees: { liveness: [{ name: 'never', holds: () => false }] },
      faults: { livenessBoundMs: 20 },
    });
    const r = runSimulation(s, { seed: 1 });
    assert.equal(r.status, 'fail');
    assert.equal(r.violations.length, 1);
    assert.equal(r.violations[0]?.guarantee, 'never');
    assert.equal(r.violations[0]?.kind, 'liveness');
    assert.match(r.violations[0]?.message ?? '', /within 20 ms after the heal/);
    assert.equal(r.endTime, 50);
  });

  test('a stopped node is not restarted by the heal', () => {
    const plan = { faults: [{ kind: 'crash', node: 'a', at: 5, mode: 'stop' }] as Fault[] };
    const s = spec(ticker, {
      guarantees: { liveness: [{ name: 'b ticks after heal', holds: (w) => w.time > 31 }] },
    });
    const r = runSimulation(s, { seed: 1, plan });
    assert.equal(r.status, 'pass');
    assert.equal(facts(r, 'init', 'a').length, 1);
    assert.equal(r.world.up('a'), false);
  });

  test('faults scheduled after the heal never happen', () => {
    const plan = { faults: [{ kind: 'crash', node: 'a', at: 35, mode: 'stop' }] as Fault[] };
    const s = spec(ticker, {
      guarantees: { liveness: [{ name: 'late', holds: (w) => w.time >= 40 }] },
    });
    const r = runSimulation(s, { seed: 1, plan });
    assert.equal(r.status, 'pass');
    assert.equal(r.world.crashed('a'), false);
  });
});

describe('simulator, persist-before-send', () => {
  /** a writes `k` then sends to b in init; b records receipt; a emits what storage holds at boot. */
  const writer = (id: string) =>
    proc({
      init: (ctx) => {
        const v = ctx.storage.get(utf8('k'));
        ctx.emit(fact('boot', id, ctx.now(), v === undefined ? null : fromUtf8(v)));
        if (id === 'a' && v === undefined) {
          ctx.storage.put(utf8('k'), utf8('written'));
          ctx.send('b', { n: 1 });
        }
      },
      receive: (ctx, from) => ctx.emit(fact('recv', ctx.id, from, ctx.now())),
    });
  const s = (extra: Fault[]) =>
    defineSpec<Msg>({
      name: 'pbs',
      nodes: ['a', 'b'],
      process: writer,
      time: { model: 'async', horizonMs: 20, network: { latency: { kind: 'fixed', ms: 5 } } },
      faults: { plan: { faults: extra } },
    });
  // a crashes at 5, the very instant b acts on a's message (faults run before deliveries).
  const crash: Fault = { kind: 'crash', node: 'a', at: 5, mode: 'restart', restartAt: 6 };

  test("a handler's write is durable by the time a receiver acts on its message", () => {
    const r = runSimulation(s([crash]), { seed: 1 });
    assert.equal(r.status, 'pass');
    assert.deepEqual(
      facts(r, 'recv').map((f) => f.args.slice(1)),
      [['a', 5]],
    );
    assert.deepEqual(
      facts(r, 'boot', 'a').map((f) => f.args.slice(1)),
      [
        [0, null],
        [6, 'written'],
      ],
    );
  });

  test('with an unsynced disk fault, a crash loses a write whose message already left', () => {
    const unsynced: Fault = { kind: 'disk', node: 'a', fault: 'unsynced', at: 0 };
    const r = runSimulation(s([unsynced, crash]), { seed: 1 });
    // b got the message at 5 (and, since a lost its write, a second one after a's restart).
    assert.deepEqual(
      facts(r, 'recv').map((f) => f.args.slice(1)),
      [
        ['a', 5],
        ['a', 11],
      ],
      'b got the message',
    );
    assert.deepEqual(
      facts(r, 'boot', 'a').map((f) => f.args.slice(1, 3)),
      [
        [0, null],
        [6, null],
      ],
      'but the write it followed is gone',
    );
  });

  test('when the unsynced fault ends, pending writes are synced', () => {
    const unsynced: Fault = { kind: 'disk', node: 'a', fault: 'unsynced', at: 0, until: 2 };
    const r = runSimulation(s([unsynced, crash]), { seed: 1 });
    assert.deepEqual(
      facts(r, 'boot', 'a').map((f) => f.args[2]),
      [null, 'written'],
    );
  });

  test('a full disk makes the write throw: the run errors, naming the node and DiskFullError', () => {
    const full: Fault = { kind: 'disk', node: 'a', fault: 'full', at: 0 };
    const r = runSimulation(s([full]), { seed: 1 });
    assert.equal(r.status, 'error');
    assert.match(r.error!, /DiskFullError: storage put on a: disk full/);
    assert.match(r.error!, /node a/);
  });

  test('a corrupt fault makes the next read of the record fail its checksum', () => {
    const corrupt: Fault = { kind: 'corrupt', node: 'a', at: 3, index: 0 };
    const r = runSimulation(s([corrupt, crash]), { seed: 1 });
    assert.equal(r.status, 'error');
    assert.match(r.error!, /CorruptRecordError: storage on a: record "k" fails its checksum/);
    assert.match(r.error!, /node a/);
    assert.match(r.error!, /time 6/);
  });
});
