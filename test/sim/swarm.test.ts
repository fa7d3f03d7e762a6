// Swarm testing: generated plans validate against the spec, are a pure function of the seed, and
// respect faultsMax, crashesMax, crashMode and the allowed kinds. Buggify is deterministic per seed
// and off when swarm mode is off.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { fact } from '../../src/core/fact.js';
import { validateFaultPlan } from '../../src/core/fault.js';
import type { Process } from '../../src/core/process.js';
import { defineSpec, type Spec, type SwarmOptions } from '../../src/core/spec.js';
import { runSimulation } from '../../src/sim/simulator.js';
import { Buggify, generateSwarmPlan, swarmOptions } from '../../src/sim/swarm.js';

const idle: Process<unknown> = { init() {}, receive() {}, timer() {} };
const nodes = ['n1', 'n2', 'n3', 'n4', 'n5'];
const asyncSpec = (swarm: SwarmOptions | boolean = true): Spec<unknown> =>
  defineSpec<unknown>({
    name: 'swarm',
    nodes,
    process: () => idle,
    time: { model: 'async', horizonMs: 1000 },
    faults: { swarm },
  });
const syncSpec = (swarm: SwarmOptions | boolean = true): Spec<unknown> =>
  defineSpec<unknown>({
    name: 'swarm-sync',
    nodes,
    process: () => idle,
    time: { model: 'sync', eot: 6 },
    faults: { swarm },
  });
const SEEDS = 300;

describe('swarm plans', () => {
  test('generated plans validate, in both models', () => {
    for (let seed = 0; seed < SEEDS; seed++) {
      validateFaultPlan(generateSwarmPlan(asyncSpec(), seed, {}), nodes, 'async');
      validateFaultPlan(generateSwarmPlan(syncSpec(), seed, {}), nodes, 'sync');
      validateFaultPlan(
        generateSwarmPlan(syncSpec(), seed, { crashMode: 'restart' }),
        nodes,
        'sync',
      );
      validateFaultPlan(
        generateSwarmPlan(asyncSpec(), seed, { crashMode: 'stop' }),
        nodes,
        'async',
      );
    }
  });

  test('plans are deterministic per seed and vary across seeds', () => {
    const distinct = new Set<string>();
    for (let seed = 0; seed < 50; seed++) {
      const p1 = generateSwarmPlan(asyncSpec(), seed, {});
      const p2 = generateSwarmPlan(asyncSpec(), seed, {});
      assert.deepEqual(p1, p2);
      distinct.add(JSON.stringify(p1));
    }
    assert.ok(distinct.size > 40, `${distinct.size} distinct plans from 50 seeds`);
  });

  test('faults are sorted by time and stay within the run', () => {
    for (let seed = 0; seed < SEEDS; seed++) {
      const faults = generateSwarmPlan(asyncSpec(), seed, {}).faults;
      const times = faults.map((f) => (f.kind === 'drop' ? 0 : f.at));
      assert.deepEqual(
        times,
        [...times].sort((a, b) => a - b),
      );
      for (const t of times) assert.ok(t >= 0 && t < 1000);
      for (const f of generateSwarmPlan(syncSpec(), seed, {}).faults) {
        assert.ok(
          f.kind !== 'drop' && f.at >= 1 && f.at <= 5,
          'sync faults fall on ticks 1..EOT-1',
        );
      }
    }
  });

  test('respects faultsMax, crashesMax (distinct crashed nodes) and one crash per node', () => {
    let sawMax = false;
    for (let seed = 0; seed < SEEDS; seed++) {
      const faults = generateSwarmPlan(asyncSpec(), seed, {
        kinds: ['crash'],
        faultsMax: 6,
        crashesMax: 2,
      }).faults;
      assert.ok(faults.length <= 6);
      const crashed = faults.flatMap((f) => (f.kind === 'crash' ? [f.node] : []));
      assert.equal(new Set(crashed).size, crashed.length, 'one crash per node');
      assert.ok(crashed.length <= 2, `seed ${seed}: ${crashed.length} crashes`);
      if (crashed.length === 2) sawMax = true;
    }
    assert.ok(sawMax, 'the bound is reached sometimes');
    // The default bound is a minority: ⌊(5−1)/2⌋ = 2.
    for (let seed = 0; seed < SEEDS; seed++) {
      const crashes = generateSwarmPlan(asyncSpec(), seed, {
        kinds: ['crash'],
        faultsMax: 20,
      }).faults;
      assert.ok(crashes.length <= 2);
    }
  });

  test('respects kinds, and the model decides which kinds exist', () => {
    const seen = new Set<string>();
    for (let seed = 0; seed < SEEDS; seed++) {
      for (const f of generateSwarmPlan(asyncSpec(), seed, { kinds: ['clog', 'loss'] }).faults) {
        assert.ok(f.kind === 'clog' || f.kind === 'loss', f.kind);
        seen.add(f.kind);
      }
      for (const f of generateSwarmPlan(syncSpec(), seed, {}).faults) {
        assert.ok(f.kind === 'omission' || f.kind === 'crash', `sync default kinds: ${f.kind}`);
        if (f.kind === 'crash') assert.equal(f.mode, 'send-omission');
      }
      assert.deepEqual(
        generateSwarmPlan(syncSpec(), seed, { kinds: ['partition', 'clog'] }).faults,
        [],
        'no async kinds in sync',
      );
      assert.ok(generateSwarmPlan(asyncSpec(), seed, { kinds: ['omission'] }).faults.length === 0);
    }
    assert.deepEqual([...seen].sort(), ['clog', 'loss']);
  });

  test('every async kind shows up by default', () => {
    const seen = new Set<string>();
    for (let seed = 0; seed < SEEDS; seed++)
      for (const f of generateSwarmPlan(asyncSpec(), seed, {}).faults) seen.add(f.kind);
    assert.deepEqual([...seen].sort(), [
      'clock',
      'clog',
      'corrupt',
      'crash',
      'disk',
      'duplicate',
      'loss',
      'one-way-partition',
      'partition',
    ]);
  });

  test('respects crashMode', () => {
    for (let seed = 0; seed < 100; seed++) {
      for (const f of generateSwarmPlan(asyncSpec(), seed, { kinds: ['crash'], crashMode: 'stop' })
        .faults) {
        assert.equal(f.kind === 'crash' && f.mode, 'stop');
        assert.equal(f.kind === 'crash' && f.restartAt, undefined);
      }
    }
  });

  test('swarmOptions: off, true (defaults) or the given options', () => {
    assert.equal(swarmOptions(asyncSpec(false)), undefined);
    assert.equal(
      swarmOptions(
        defineSpec<unknown>({
          name: 's',
          nodes,
          process: () => idle,
          time: { model: 'sync', eot: 2 },
        }),
      ),
      undefined,
    );
    assert.deepEqual(swarmOptions(asyncSpec(true)), {});
    assert.deepEqual(swarmOptions(asyncSpec({ faultsMax: 2 })), { faultsMax: 2 });
  });

  test('a run with swarm on runs the spec plan followed by the drawn plan', () => {
    const fixed = { kind: 'crash', node: 'n1', at: 3, mode: 'stop' } as const;
    const spec = defineSpec<unknown>({
      ...asyncSpec({ kinds: ['loss'], faultsMax: 4 }),
      faults: { plan: { faults: [fixed] }, swarm: { kinds: ['loss'], faultsMax: 4 } },
    });
    for (let seed = 0; seed < 20; seed++) {
      const r = runSimulation(spec, { seed });
      const drawn = generateSwarmPlan(spec, seed, { kinds: ['loss'], faultsMax: 4 }).faults;
      assert.deepEqual(r.plan.faults, [fixed, ...drawn]);
    }
  });
});

describe('buggify', () => {
  const sites = Array.from({ length: 40 }, (_, i) => `site${i}`);
  const pattern = (b: Buggify) =>
    sites.map((s) => [b.check(s), b.check(s), b.check(s)].map(Number).join('')).join(' ');

  test('deterministic per seed, different across seeds', () => {
    assert.equal(pattern(new Buggify(1, 0.5, 0.5)), pattern(new Buggify(1, 0.5, 0.5)));
    assert.notEqual(pattern(new Buggify(1, 0.5, 0.5)), pattern(new Buggify(2, 0.5, 0.5)));
  });

  test('a site is activated once per run; an inactive site never fires', () => {
    const b = new Buggify(3, 0.5, 1);
    for (const s of sites) {
      const first = b.check(s);
      for (let i = 0; i < 5; i++)
        assert.equal(b.check(s), first, 'fire = 1: active sites always fire');
    }
    const active = [...b.sites().values()].filter(Boolean).length;
    assert.ok(active > 5 && active < 35, `${active} of 40 active at activation 0.5`);
  });

  test('activation 0 never fires, activation 1 with fire 1 always fires', () => {
    const never = new Buggify(4, 0, 1);
    const always = new Buggify(4, 1, 1);
    for (const s of sites) {
      assert.equal(never.check(s), false);
      assert.equal(always.check(s), true);
    }
  });

  test('ctx.buggify is off when swarm is off and follows the seed when it is on', () => {
    const proc = (): Process<unknown> => ({
      init(ctx) {
        for (let i = 0; i < 20; i++) ctx.emit(fact('b', ctx.id, i, ctx.buggify(`site${i % 5}`)));
      },
      receive() {},
      timer() {},
    });
    const base = {
      name: 'bug',
      nodes: ['a'],
      process: proc,
      time: { model: 'sync' as const, eot: 1 },
    };
    const fired = (spec: Spec<unknown>, seed: number) =>
      runSimulation(spec, { seed })
        .facts.map((f) => (f.args[2] ? 1 : 0))
        .join('');
    const off = defineSpec<unknown>(base);
    for (let seed = 0; seed < 10; seed++) assert.equal(fired(off, seed), '0'.repeat(20));
    const always = defineSpec<unknown>({
      ...base,
      faults: { swarm: { kinds: [], buggifyActivation: 1, buggifyFire: 1 } },
    });
    assert.equal(fired(always, 1), '1'.repeat(20));
    const some = defineSpec<unknown>({
      ...base,
      faults: { swarm: { buggifyActivation: 0.5, buggifyFire: 0.5 } },
    });
    assert.equal(fired(some, 7), fired(some, 7));
    const patterns = new Set(Array.from({ length: 10 }, (_, seed) => fired(some, seed)));
    assert.ok(patterns.size > 3, 'patterns differ across seeds');
  });
});
