// The trace: versioned JSON lines (header, one line per event, one per message, an end line);
// reads carry the id of the event that wrote the value read; repeated equal writes and repeated
// emits are all recorded; lost messages carry their reason; timers name the event that armed them;
// the hash is stable across runs of the same seed.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { fact } from '../../src/core/fact.js';
import type { Fault } from '../../src/core/fault.js';
import type { Process } from '../../src/core/process.js';
import { defineSpec, type Spec } from '../../src/core/spec.js';
import { runSimulation } from '../../src/sim/simulator.js';
import {
  stableJson,
  TRACE_FORMAT_VERSION,
  type Trace,
  type TraceEvent,
} from '../../src/sim/trace.js';
import { utf8 } from '../../src/storage/bytes.js';

type Msg = { readonly v: number };

/** a: init writes storage `k` and memory `m`, sends v=1 to b, arms a 1-tick timer; the timer reads
 * both, rewrites `k` with the same value, emits `seen` twice. b: on receive writes, reads back. */
const proc = (id: string): Process<Msg> => ({
  init(ctx) {
    if (id !== 'a') return;
    ctx.storage.put(utf8('k'), utf8('v'));
    ctx.memory.set('m', 1);
    ctx.send('b', { v: 1 });
    ctx.send('c', { v: 2 });
    ctx.setTimer('t', 1);
  },
  receive(ctx, _from, msg) {
    ctx.storage.put(utf8('got'), utf8(String(msg.v)));
    ctx.storage.get(utf8('got'));
    ctx.log(`received ${msg.v}`);
  },
  timer(ctx) {
    ctx.storage.get(utf8('k'));
    ctx.memory.get('m');
    ctx.storage.put(utf8('k'), utf8('v'));
    ctx.memory.set('m', 1);
    ctx.emit(fact('seen', ctx.id));
    ctx.emit(fact('seen', ctx.id));
    ctx.send('b', { v: ctx.random() });
  },
});

const plan = { faults: [{ kind: 'omission', from: 'a', to: 'c', at: 1 }] as Fault[] };
const spec: Spec<Msg> = defineSpec<Msg>({
  name: 'trace-test',
  nodes: ['a', 'b', 'c'],
  process: proc,
  time: { model: 'sync', eot: 2 },
});

const events = (t: Trace): TraceEvent[] =>
  Array.from({ length: t.eventCount }, (_, i) => t.event(i));
const byKind = (t: Trace, node: string, kind: string) =>
  events(t).filter((e) => e.node === node && e.kind === kind);

describe('trace', () => {
  const r = runSimulation(spec, { seed: 5, plan, trace: true });
  const trace = r.trace!;

  test('is absent unless asked for', () => {
    assert.equal(runSimulation(spec, { seed: 5 }).trace, undefined);
  });

  test('JSON lines: a header, one line per event, one per message, then an end line', () => {
    const lines = [...trace.toJsonLines({ status: r.status })].map(
      (l) => JSON.parse(l) as Record<string, unknown>,
    );
    const header = lines[0]!;
    assert.equal(header.type, 'header');
    assert.equal(header.format, 'cadre-trace');
    assert.equal(header.version, 1);
    assert.equal(TRACE_FORMAT_VERSION, 1);
    assert.equal(header.spec, 'trace-test');
    assert.equal(header.seed, 5);
    assert.equal(header.model, 'sync');
    assert.deepEqual(header.nodes, ['a', 'b', 'c']);
    assert.deepEqual(header.plan, plan);
    const types = lines.map((l) => l.type);
    const ev = trace.eventCount;
    const ms = trace.messageCount;
    assert.deepEqual(types, [
      'header',
      ...Array(ev).fill('event'),
      ...Array(ms).fill('message'),
      'end',
    ]);
    assert.deepEqual(lines.at(-1), { type: 'end', events: ev, messages: ms, status: 'pass' });
    const firstEvent = lines[1]!;
    for (const key of [
      'id',
      'node',
      'time',
      'kind',
      'trigger',
      'sends',
      'reads',
      'writes',
      'emits',
    ])
      assert.ok(key in firstEvent, `event lines carry ${key}`);
    const firstMessage = lines[1 + ev]!;
    for (const key of [
      'id',
      'from',
      'to',
      'sendEvent',
      'sentAt',
      'status',
      'lostReason',
      'payload',
    ])
      assert.ok(key in firstMessage, `message lines carry ${key}`);
    // Every line is one line.
    for (const line of trace.toJsonLines()) assert.ok(!line.includes('\n'));
  });

  test('events carry node, time, kind and trigger; a delivery names its message', () => {
    const [init] = byKind(trace, 'a', 'init');
    assert.equal(init?.time, 1);
    assert.equal(init?.trigger, null);
    assert.equal(init?.sends.length, 2);
    const [deliver] = byKind(trace, 'b', 'deliver');
    assert.equal(deliver?.time, 2);
    const m = trace.message(deliver?.trigger as number);
    assert.equal(m.from, 'a');
    assert.equal(m.to, 'b');
    assert.equal(m.sendEvent, init?.id);
    assert.equal(m.status, 'delivered');
    assert.equal(m.deliverEvent, deliver?.id);
    assert.equal(m.deliveredAt, 2);
    assert.deepEqual(m.payload, { v: 1 });
    assert.deepEqual(deliver?.notes, ['received 1']);
  });

  test('a timer event names its timer and the event that armed it', () => {
    const [timer] = byKind(trace, 'a', 'timer');
    const [init] = byKind(trace, 'a', 'init');
    assert.equal(timer?.trigger, 't');
    assert.equal(timer?.cause, init?.id);
    assert.equal(init?.cause, null);
  });

  test('reads carry the id of the event that wrote the value read', () => {
    const [init] = byKind(trace, 'a', 'init');
    const [timer] = byKind(trace, 'a', 'timer');
    assert.deepEqual(timer?.reads, [
      ['s', 'k', init?.id],
      ['m', 'm', init?.id],
    ]);
    const [deliver] = byKind(trace, 'b', 'deliver');
    assert.deepEqual(deliver?.reads, [['s', 'got', deliver?.id]], 'a read of its own write');
  });

  test('repeated equal writes are recorded, pointing at the value they repeat; repeated emits too', () => {
    const [init] = byKind(trace, 'a', 'init');
    const [timer] = byKind(trace, 'a', 'timer');
    assert.deepEqual(init?.writes, [
      ['s', 'k', -1],
      ['m', 'm', -1],
    ]);
    assert.deepEqual(timer?.writes, [
      ['s', 'k', init?.id],
      ['m', 'm', init?.id],
    ]);
    assert.deepEqual(
      timer?.emits.map((f) => [f.name, f.args]),
      [
        ['seen', ['a']],
        ['seen', ['a']],
      ],
    );
    assert.equal(r.facts.filter((f) => f.name === 'seen').length, 2);
  });

  test('lost messages carry their reason', () => {
    const messages = Array.from({ length: trace.messageCount }, (_, i) => trace.message(i));
    const toC = messages.find((m) => m.to === 'c');
    assert.equal(toC?.status, 'lost');
    assert.equal(toC?.lostReason, 'omission');
    assert.equal(toC?.deliverEvent, null);
    const atEot = messages.find((m) => m.sentAt === 2);
    assert.equal(atEot?.status, 'lost');
    assert.equal(atEot?.lostReason, 'after-end');
    const crashed = runSimulation(spec, {
      seed: 5,
      plan: { faults: [{ kind: 'crash', node: 'a', at: 1 }] },
      trace: true,
    }).trace!;
    const reasons = Array.from(
      { length: crashed.messageCount },
      (_, i) => crashed.message(i).lostReason,
    );
    assert.deepEqual(reasons, ['sender-crashed', 'sender-crashed', 'sender-crashed']);
    const delivered = messages.filter((m) => m.status === 'delivered');
    for (const m of delivered) assert.equal(m.lostReason, null);
  });

  test('inputs are messages from $env', () => {
    const s = defineSpec<Msg>({ ...spec, inputs: [{ at: 1, to: 'b', msg: { v: 9 } }] });
    const t = runSimulation(s, { seed: 1, trace: true }).trace!;
    const input = t.message(0);
    assert.equal(input.from, '$env');
    assert.equal(input.to, 'b');
    assert.equal(input.sendEvent, -1);
    assert.equal(input.status, 'delivered');
  });

  test('the hash is stable across runs of the same seed and changes with the seed', () => {
    const h1 = runSimulation(spec, { seed: 5, plan, trace: true }).trace!.hash();
    const h2 = runSimulation(spec, { seed: 5, plan, trace: true }).trace!.hash();
    assert.equal(h1, h2);
    assert.match(h1, /^[0-9a-f]{64}$/);
    const h3 = runSimulation(spec, { seed: 6, plan, trace: true }).trace!.hash();
    assert.notEqual(h1, h3, 'ctx.random() differs by seed, and it is in a payload');
    assert.notEqual(trace.hash(), trace.hash({ extra: 1 }), 'the footer is part of the hash');
  });

  test('fault and crash events are in the trace (async model)', () => {
    const s = defineSpec<Msg>({
      name: 'faults',
      nodes: ['a', 'b'],
      process: () => ({ init() {}, receive() {}, timer() {} }),
      time: { model: 'async', horizonMs: 10 },
    });
    const t = runSimulation(s, {
      seed: 1,
      trace: true,
      plan: {
        faults: [
          { kind: 'partition', groups: [['a'], ['b']], at: 1, until: 2 },
          { kind: 'crash', node: 'b', at: 3, mode: 'stop' },
        ],
      },
    }).trace!;
    const kinds = events(t).map((e) => `${e.kind}@${e.time}:${e.node}`);
    assert.deepEqual(kinds, ['init@0:a', 'init@0:b', 'fault@1:null', 'heal@2:null', 'crash@3:b']);
  });

  test('stableJson renders values JSON lacks in a fixed way', () => {
    assert.equal(
      stableJson({
        b: 1n,
        u: new Uint8Array([0, 255]),
        m: new Map([['k', 1]]),
        s: new Set([2]),
        n: Number.NaN,
      }),
      '{"b":{"$bigint":"1"},"u":{"$bytes":"00ff"},"m":{"$map":[["k",1]]},"s":{"$set":[2]},"n":{"$number":"NaN"}}',
    );
    assert.equal(
      stableJson([undefined, Number.POSITIVE_INFINITY]),
      '[null,{"$number":"Infinity"}]',
    );
  });
});
