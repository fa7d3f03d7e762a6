// The asynchronous model: latency distributions stay in their bounds; `fifo` keeps per-link order
// and its absence lets random latency reorder; symmetric partitions cut both ways and heal at
// `until`; one-way partitions cut one direction; clogs hold messages until `until`; loss and
// duplication at probability 1; clock faults skew one node's ctx.now() and stretch its timers;
// drops by message identity. Each test uses a tiny inline process that emits what it saw.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { fact } from '../../src/core/fact.js';
import type { Fault } from '../../src/core/fault.js';
import type { Context, Process } from '../../src/core/process.js';
import { defineSpec, type LatencyDistribution, type Spec } from '../../src/core/spec.js';
import type { RunResult } from '../../src/sim/result.js';
import { runSimulation } from '../../src/sim/simulator.js';
import { type Handlers, processFrom } from './process-from.js';

type Msg = { readonly n: number; readonly sentAt: number };

const proc = (h: Handlers<Msg>): Process<Msg> => processFrom(h);

function asyncSpec(
  make: (id: string) => Process<Msg>,
  options: {
    nodes?: string[];
    horizonMs?: number;
    latency?: LatencyDistribution;
    fifo?: boolean;
  } = {},
  extra: Partial<Spec<Msg>> = {},
): Spec<Msg> {
  return defineSpec<Msg>({
    name: 'async-test',
    nodes: options.nodes ?? ['a', 'b'],
    process: make,
    time: {
      model: 'async',
      horizonMs: options.horizonMs ?? 100,
      network: {
        ...(options.latency === undefined ? {} : { latency: options.latency }),
        ...(options.fifo === undefined ? {} : { fifo: options.fifo }),
      },
    },
    ...extra,
  });
}

/** Receipts as {to, from, n, sentAt, at}. */
function receipts(r: RunResult) {
  return r.facts
    .filter((f) => f.name === 'recv')
    .map((f) => ({
      to: f.args[0] as string,
      from: f.args[1] as string,
      n: f.args[2] as number,
      sentAt: f.args[3] as number,
      at: f.time,
    }));
}
const recordReceive = (ctx: Context<Msg>, from: string, msg: Msg) =>
  ctx.emit(fact('recv', ctx.id, from, msg.n, msg.sentAt));

/** a sends `count` numbered messages to b in init; b records them. */
function burst(count: number) {
  return () =>
    proc({
      init: (ctx) => {
        if (ctx.id === 'a') for (let n = 0; n < count; n++) ctx.send('b', { n, sentAt: ctx.now() });
      },
      receive: recordReceive,
    });
}

/** Every node pings every peer once per ms (timer), and records what it receives. */
function pinger(periodMs = 1) {
  return () => {
    let n = 0;
    const ping = (ctx: Context<Msg>) => {
      for (const p of ctx.peers) ctx.send(p, { n: n++, sentAt: ctx.now() });
      ctx.setTimer('ping', periodMs);
    };
    return proc({ init: ping, timer: ping, receive: recordReceive });
  };
}

const sentTimes = (r: RunResult, from: string, to: string) =>
  receipts(r)
    .filter((x) => x.from === from && x.to === to)
    .map((x) => x.sentAt);
const range = (lo: number, hi: number) => Array.from({ length: hi - lo + 1 }, (_, i) => lo + i);

describe('simulator, asynchronous model', () => {
  test('fixed latency: every message arrives exactly ms later', () => {
    const r = runSimulation(asyncSpec(burst(20), { latency: { kind: 'fixed', ms: 7 } }), {
      seed: 1,
    });
    const got = receipts(r);
    assert.equal(got.length, 20);
    for (const x of got) assert.equal(x.at - x.sentAt, 7);
  });

  test('uniform latency stays within [minMs, maxMs] and spreads over it', () => {
    const r = runSimulation(
      asyncSpec(burst(300), { latency: { kind: 'uniform', minMs: 2, maxMs: 5 } }),
      { seed: 2 },
    );
    const delays = receipts(r).map((x) => x.at - x.sentAt);
    assert.equal(delays.length, 300);
    for (const d of delays) assert.ok(d >= 2 && d <= 5, `delay ${d}`);
    assert.ok(Math.min(...delays) < 2.5 && Math.max(...delays) > 4.5, 'uses the whole range');
  });

  test('the default latency is uniform 1–10 ms', () => {
    const r = runSimulation(asyncSpec(burst(200), { horizonMs: 50 }), { seed: 2 });
    const delays = receipts(r).map((x) => x.at - x.sentAt);
    assert.equal(delays.length, 200);
    for (const d of delays) assert.ok(d >= 1 && d <= 10, `delay ${d}`);
  });

  test('exponential latency is at least minMs, capped at minMs + 100×mean, with about the mean', () => {
    const r = runSimulation(
      asyncSpec(burst(2000), {
        horizonMs: 1000,
        latency: { kind: 'exponential', minMs: 1, meanMs: 2 },
      }),
      { seed: 3 },
    );
    const delays = receipts(r).map((x) => x.at - x.sentAt);
    assert.equal(delays.length, 2000);
    for (const d of delays) assert.ok(d >= 1 && d <= 201, `delay ${d}`);
    const mean = delays.reduce((s, d) => s + d, 0) / delays.length;
    assert.ok(Math.abs(mean - 3) < 0.3, `mean delay ${mean}`);
  });

  test('without fifo, random latency reorders; with fifo, each link keeps send order', () => {
    const latency: LatencyDistribution = { kind: 'uniform', minMs: 1, maxMs: 10 };
    const loose = receipts(runSimulation(asyncSpec(burst(50), { latency }), { seed: 5 })).map(
      (x) => x.n,
    );
    assert.equal(loose.length, 50);
    assert.notDeepEqual(loose, range(0, 49), 'reordering happens without fifo');
    const ordered = receipts(
      runSimulation(asyncSpec(burst(50), { latency, fifo: true }), { seed: 5 }),
    ).map((x) => x.n);
    assert.deepEqual(ordered, range(0, 49));
  });

  test('fifo holds per link over many seeds, also with duplication', () => {
    for (let seed = 0; seed < 20; seed++) {
      const spec = asyncSpec(
        burst(30),
        { fifo: true, latency: { kind: 'exponential', minMs: 0, meanMs: 5 } },
        {
          faults: { plan: { faults: [{ kind: 'duplicate', probability: 0.5, at: 0 }] } },
        },
      );
      const ns = receipts(runSimulation(spec, { seed })).map((x) => x.n);
      assert.deepEqual(
        [...ns].sort((x, y) => x - y),
        ns,
        `seed ${seed}`,
      );
    }
  });

  test('symmetric partition cuts both ways (in flight too) and heals at until', () => {
    const plan = {
      faults: [{ kind: 'partition', groups: [['a'], ['b']], at: 10, until: 20 }] as Fault[],
    };
    const r = runSimulation(
      asyncSpec(pinger(), { horizonMs: 30, latency: { kind: 'fixed', ms: 1 } }),
      {
        seed: 1,
        plan,
        trace: true,
      },
    );
    // Sent at 9 → arrives at 10, inside the partition: lost. Sent in [10, 20): lost. From 20 on: delivered.
    const expected = [...range(0, 8), ...range(20, 29)];
    assert.deepEqual(sentTimes(r, 'a', 'b'), expected);
    assert.deepEqual(sentTimes(r, 'b', 'a'), expected);
    const reasons = new Set<string | null>();
    for (let i = 0; i < r.trace!.messageCount; i++) {
      const m = r.trace!.message(i);
      if (m.status === 'lost')
        reasons.add(`${m.sentAt >= 30 ? 'at-end' : 'in-run'}:${m.lostReason}`);
    }
    assert.deepEqual([...reasons], ['in-run:partition', 'at-end:after-end']);
  });

  test('a partition leaves nodes outside every group connected', () => {
    const plan = { faults: [{ kind: 'partition', groups: [['a'], ['b']], at: 0 }] as Fault[] };
    const r = runSimulation(
      asyncSpec(pinger(5), {
        nodes: ['a', 'b', 'c'],
        horizonMs: 20,
        latency: { kind: 'fixed', ms: 1 },
      }),
      { seed: 1, plan },
    );
    assert.deepEqual(sentTimes(r, 'a', 'b'), []);
    assert.deepEqual(sentTimes(r, 'b', 'a'), []);
    assert.deepEqual(sentTimes(r, 'a', 'c'), [0, 5, 10, 15]);
    assert.deepEqual(sentTimes(r, 'c', 'b'), [0, 5, 10, 15]);
  });

  test('one-way partition cuts one direction only', () => {
    const plan = {
      faults: [{ kind: 'one-way-partition', from: ['a'], to: ['b'], at: 5, until: 15 }] as Fault[],
    };
    const r = runSimulation(
      asyncSpec(pinger(), { horizonMs: 20, latency: { kind: 'fixed', ms: 1 } }),
      { seed: 1, plan },
    );
    assert.deepEqual(sentTimes(r, 'a', 'b'), [...range(0, 3), ...range(15, 19)]);
    assert.deepEqual(sentTimes(r, 'b', 'a'), range(0, 19));
  });

  test('clog delays what is sent on the link while clogged to >= until; other links and earlier sends flow', () => {
    const plan = { faults: [{ kind: 'clog', from: 'a', to: 'b', at: 5, until: 15 }] as Fault[] };
    const r = runSimulation(
      asyncSpec(pinger(), { horizonMs: 30, latency: { kind: 'fixed', ms: 1 } }),
      { seed: 1, plan },
    );
    const ab = receipts(r).filter((x) => x.from === 'a' && x.to === 'b');
    assert.deepEqual(
      ab.map((x) => x.sentAt),
      range(0, 29),
      'nothing is lost',
    );
    for (const x of ab) {
      if (x.sentAt >= 5 && x.sentAt < 15) assert.ok(x.at >= 15, `sent ${x.sentAt} arrived ${x.at}`);
      else assert.equal(x.at, x.sentAt + 1);
    }
    for (const x of receipts(r).filter((y) => y.from === 'b')) assert.equal(x.at, x.sentAt + 1);
  });

  test('loss with probability 1 drops every message while active; a link filter narrows it', () => {
    const all = { faults: [{ kind: 'loss', probability: 1, at: 0 }] as Fault[] };
    const r = runSimulation(
      asyncSpec(pinger(), { horizonMs: 10, latency: { kind: 'fixed', ms: 1 } }),
      { seed: 1, plan: all },
    );
    assert.equal(receipts(r).length, 0);
    assert.equal(r.stats.messagesLost, r.stats.messagesSent);
    assert.ok(r.stats.messagesSent > 10);
    const window = {
      faults: [{ kind: 'loss', probability: 1, at: 3, until: 6, from: 'a', to: 'b' }] as Fault[],
    };
    const w = runSimulation(
      asyncSpec(pinger(), { horizonMs: 10, latency: { kind: 'fixed', ms: 1 } }),
      { seed: 1, plan: window },
    );
    assert.deepEqual(sentTimes(w, 'a', 'b'), [0, 1, 2, 6, 7, 8, 9]);
    assert.deepEqual(sentTimes(w, 'b', 'a'), range(0, 9));
    const none = { faults: [{ kind: 'loss', probability: 0, at: 0 }] as Fault[] };
    const z = runSimulation(
      asyncSpec(pinger(), { horizonMs: 10, latency: { kind: 'fixed', ms: 1 } }),
      { seed: 1, plan: none },
    );
    assert.equal(z.stats.messagesLost, 0);
  });

  test('duplicate with probability 1 delivers every message twice', () => {
    const plan = { faults: [{ kind: 'duplicate', probability: 1, at: 0 }] as Fault[] };
    const r = runSimulation(
      asyncSpec(burst(10), { latency: { kind: 'uniform', minMs: 1, maxMs: 3 } }),
      { seed: 1, plan },
    );
    const ns = receipts(r)
      .map((x) => x.n)
      .sort((x, y) => x - y);
    assert.deepEqual(
      ns,
      range(0, 9).flatMap((n) => [n, n]),
    );
    assert.equal(r.stats.messagesDuplicated, 10);
    assert.equal(r.stats.deliveries, 20);
  });

  test('clock fault: shifts ctx.now() of that node only, from `at` on', () => {
    const make = () =>
      proc({
        init: (ctx) => ctx.setTimer('t', 2),
        timer: (ctx) => {
          ctx.emit(fact('now', ctx.id, ctx.now()));
          ctx.setTimer('t', 2);
        },
      });
    const plan = { faults: [{ kind: 'clock', node: 'a', at: 5, offsetMs: 100 }] as Fault[] };
    const r = runSimulation(asyncSpec(make, { horizonMs: 10 }), { seed: 1, plan });
    const nows = (id: string) =>
      r.facts.filter((f) => f.args[0] === id).map((f) => [f.time, f.args[1]]);
    assert.deepEqual(nows('a'), [
      [2, 2],
      [4, 4],
      [6, 106],
      [8, 108],
      [10, 110],
    ]);
    assert.deepEqual(nows('b'), [
      [2, 2],
      [4, 4],
      [6, 6],
      [8, 8],
      [10, 10],
    ]);
  });

  test('clock drift: the node clock runs fast and its timers stretch so they fire on its own clock', () => {
    const make = () =>
      proc({
        init: (ctx) => {
          ctx.memory.set('armedAt', ctx.now());
          ctx.setTimer('t', 10);
        },
        timer: (ctx) =>
          ctx.emit(fact('fired', ctx.id, ctx.now(), ctx.memory.get<number>('armedAt') ?? -1)),
      });
    // a runs 10% fast (100,000 ppm) from time 0.
    const plan = {
      faults: [{ kind: 'clock', node: 'a', at: 0, offsetMs: 0, driftPpm: 100_000 }] as Fault[],
    };
    const r = runSimulation(asyncSpec(make, { horizonMs: 50 }), { seed: 1, plan });
    const fired = (id: string) => r.facts.find((f) => f.name === 'fired' && f.args[0] === id)!;
    const a = fired('a');
    assert.ok(Math.abs(a.time - 10 / 1.1) < 1e-9, `a's timer fires at ${a.time} real ms`);
    assert.ok(Math.abs((a.args[1] as number) - 10) < 1e-9, `a reads ${a.args[1]} on its own clock`);
    const b = fired('b');
    assert.equal(b.time, 10);
    assert.equal(b.args[1], 10);
  });

  test('drop by message identity loses exactly the index-th message of that channel', () => {
    const plan = { faults: [{ kind: 'drop', from: 'a', to: 'b', index: 2 }] as Fault[] };
    const r = runSimulation(asyncSpec(burst(5), { fifo: true }), { seed: 1, plan });
    assert.deepEqual(
      receipts(r).map((x) => x.n),
      [0, 1, 3, 4],
    );
  });

  test('the run ends at the horizon: nothing after horizonMs is processed', () => {
    const r = runSimulation(
      asyncSpec(pinger(), { horizonMs: 10, latency: { kind: 'fixed', ms: 1 } }),
      { seed: 1 },
    );
    assert.equal(r.status, 'pass');
    assert.equal(r.endTime, 10);
    assert.ok(receipts(r).every((x) => x.at <= 10));
  });
});
