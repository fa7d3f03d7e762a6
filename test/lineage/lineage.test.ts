/**
 * Goal: lineage links every event to what it depended on — trigger message (and so the sending
 * event), the event that armed its timer, the writes behind each value it read (all equal re-writes
 * as alternatives) — and every emission of a fact is a derivation. Method: tiny synchronous
 * protocols whose lineage is known by construction.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { type Context, defineSpec, fact, type Process, runSimulation } from '../../src/index.js';
import { Lineage, lineageToDot } from '../../src/lineage/lineage.js';

type Msg = { readonly v: number };

/** a: writes x=1 at init, re-writes x=1 on a 1-tick timer (twice), then sends x to b on the third
 * tick; b emits got(v) on each delivery. */
class Writer implements Process<Msg> {
  init(ctx: Context<Msg>): void {
    if (ctx.id !== 'a') return;
    ctx.memory.set('x', 1);
    ctx.setTimer('tick', 1);
  }
  receive(ctx: Context<Msg>, _from: string, msg: Msg): void {
    ctx.emit(fact('got', ctx.id, msg.v));
  }
  timer(ctx: Context<Msg>): void {
    const x = ctx.memory.get<number>('x') ?? 0;
    if (ctx.now() < 3) {
      ctx.memory.set('x', x);
      ctx.setTimer('tick', 1);
    } else {
      ctx.send('b', { v: x });
      ctx.send('b', { v: x });
    }
  }
}

const spec = defineSpec<Msg>({
  name: 'writer',
  nodes: ['a', 'b'],
  process: () => new Writer(),
  time: { model: 'sync', eot: 5 },
});

test('premises: trigger message, timer cause, reads with all equal writes', () => {
  const run = runSimulation(spec, { seed: 1, trace: true });
  const trace = run.trace;
  assert.ok(trace);
  const lineage = new Lineage(trace);
  const emissions = lineage.emissions('got', ['b', 1]);
  assert.equal(emissions.length, 2, 'both deliveries are derivations of got(b,1)');
  const first = emissions[0] as number;
  const [premise] = lineage.premises(first);
  assert.equal(premise?.kind, 'message');
  const msg = lineage.message(premise?.kind === 'message' ? premise.message : -1);
  const sender = lineage.event(msg.sendEvent);
  assert.equal(sender.kind, 'timer');
  assert.equal(sender.time, 3);
  const senderPremises = lineage.premises(sender.id);
  const timer = senderPremises.find((p) => p.kind === 'timer');
  assert.ok(timer && timer.kind === 'timer');
  assert.equal(lineage.event(timer.setter).time, 2, 'the tick-2 timer armed the tick-3 timer');
  const read = senderPremises.find((p) => p.kind === 'read');
  assert.ok(read && read.kind === 'read');
  // x was written at init (tick 1), then re-written equal at ticks 1 (timer? no: timer at 2) and 2.
  const times = read.writers.map((w) => `${lineage.event(w).kind}@${lineage.event(w).time}`);
  assert.deepEqual(
    times,
    ['timer@2', 'init@1'],
    'the latest write first, then the equal write it replaced',
  );
});

test('a changed value is not an alternative support', () => {
  class Changer implements Process<Msg> {
    init(ctx: Context<Msg>): void {
      ctx.memory.set('x', 1);
      ctx.setTimer('t', 1);
    }
    receive(): void {}
    timer(ctx: Context<Msg>): void {
      if (ctx.now() === 2) {
        ctx.memory.set('x', 2);
        ctx.setTimer('t', 1);
      } else ctx.emit(fact('x', ctx.memory.get<number>('x') ?? 0));
    }
  }
  const s = defineSpec<Msg>({
    name: 'changer',
    nodes: ['a'],
    process: () => new Changer(),
    time: { model: 'sync', eot: 4 },
  });
  const lineage = new Lineage(runSimulation(s, { seed: 1, trace: true }).trace!);
  const [e] = lineage.emissions('x', [2]);
  const read = lineage.premises(e as number).find((p) => p.kind === 'read');
  assert.ok(read && read.kind === 'read');
  assert.equal(read.writers.length, 1);
});

test('pcausal precision adds the previous event of the node', () => {
  const run = runSimulation(spec, { seed: 1, trace: true });
  const precise = new Lineage(run.trace!, 'tracked');
  const coarse = new Lineage(run.trace!, 'pcausal');
  const [e] = precise.emissions('got', ['b', 1]);
  assert.equal(
    precise.premises(e as number).some((p) => p.kind === 'previous'),
    false,
  );
  assert.equal(
    coarse.premises(e as number).some((p) => p.kind === 'previous'),
    true,
  );
});

test('graph of a fact: JSON nodes and edges back to init, and DOT', () => {
  const lineage = new Lineage(runSimulation(spec, { seed: 1, trace: true }).trace!);
  const g = lineage.graphOfFact('got', ['b', 1]);
  assert.deepEqual(g.roots, ['fact:got["b",1]']);
  const kinds = new Set(g.nodes.map((n) => n.kind));
  assert.deepEqual([...kinds].sort(), ['event', 'fact', 'message', 'value']);
  assert.ok(
    g.nodes.some((n) => n.kind === 'event' && n.label.includes('init')),
    'reaches back to init',
  );
  const dot = lineageToDot(g);
  assert.match(dot, /^digraph "lineage" \{/);
  assert.equal((dot.match(/->/g) ?? []).length, g.edges.length);
  const m = lineage.graphOfMessage(g.nodes.find((n) => n.kind === 'message')?.ref ?? -1);
  assert.ok(m.nodes.length >= 2);
  const k = lineage.graphOfKey('a', 'm', 'x');
  assert.equal(k.nodes.filter((n) => n.kind === 'event').length >= 2, true);
});

test('reading back its own write is no premise (the lineage stays acyclic)', () => {
  const selfRead = defineSpec<Msg>({
    name: 'self-read',
    nodes: ['a', 'b'],
    process: () => ({
      init(ctx: Context<Msg>) {
        if (ctx.id !== 'a') return;
        ctx.memory.set('x', 7);
        ctx.send('b', { v: ctx.memory.get<number>('x') ?? 0 });
      },
      receive(ctx: Context<Msg>, _from: string, msg: Msg) {
        ctx.emit(fact('got', ctx.id, msg.v));
      },
      timer() {},
    }),
    time: { model: 'sync', eot: 3 },
  });
  const run = runSimulation(selfRead, { seed: 1, trace: true });
  assert.ok(run.trace);
  const lineage = new Lineage(run.trace);
  const init = [...Array(run.trace.eventCount).keys()].find(
    (i) => lineage.event(i).node === 'a' && lineage.event(i).kind === 'init',
  );
  assert.ok(init !== undefined);
  assert.equal(lineage.event(init).reads.length, 1, 'the trace keeps the read');
  assert.deepEqual(lineage.premises(init), [], 'but it is not a premise of the event');
});
