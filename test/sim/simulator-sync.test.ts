// The synchronous-rounds model, checked item by item against the Molly parity checklist
// (shared/reference/ldfi-molly.md §7): ticks start at 1; a message sent at t arrives at t+1;
// messages sent at EOT are not delivered; an omission O(from,to,t) drops every message on that
// channel at that tick and never a self-send; a send-omission crash C(n,t) drops n's sends at
// ticks >= t while n keeps receiving and computing; deliveries come before timers within a tick;
// timers count whole ticks >= 1. Each test uses a tiny inline process that emits what it saw.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { fact } from '../../src/core/fact.js';
import type { Fault } from '../../src/core/fault.js';
import type { Context, Process } from '../../src/core/process.js';
import { defineSpec, type Spec } from '../../src/core/spec.js';
import { runSimulation } from '../../src/sim/simulator.js';
import { type Handlers, processFrom } from './process-from.js';

type Msg = { readonly tag: string; readonly sentAt: number };

const proc = (h: Handlers<Msg>): Process<Msg> => processFrom(h);

/** Emits recv(to, from, tag, sentAt, now) for every message. */
function recordReceive(ctx: Context<Msg>, from: string, msg: Msg): void {
  ctx.emit(fact('recv', ctx.id, from, msg.tag, msg.sentAt, ctx.now()));
}

function syncSpec(
  eot: number,
  nodes: string[],
  make: (id: string) => Process<Msg>,
  extra: Partial<Spec<Msg>> = {},
) {
  return defineSpec<Msg>({
    name: 'sync-test',
    nodes,
    process: make,
    time: { model: 'sync', eot },
    ...extra,
  });
}

/** recv facts as `to<-from:tag@sentAt->now` strings, in emission order. */
function receipts(facts: readonly { name: string; args: readonly unknown[] }[]): string[] {
  return facts
    .filter((f) => f.name === 'recv')
    .map((f) => `${f.args[0]}<-${f.args[1]}:${f.args[2]}@${f.args[3]}->${f.args[4]}`);
}

/** Every node sends `tag` to each peer at every tick via a 1-tick timer, and records receipts. */
function chatter(): (id: string) => Process<Msg> {
  return () =>
    proc({
      init: (ctx) => {
        for (const p of ctx.peers) ctx.send(p, { tag: ctx.id, sentAt: ctx.now() });
        ctx.setTimer('tick', 1);
      },
      timer: (ctx) => {
        for (const p of ctx.peers) ctx.send(p, { tag: ctx.id, sentAt: ctx.now() });
        ctx.setTimer('tick', 1);
      },
      receive: recordReceive,
    });
}

describe('simulator, synchronous model (Molly parity)', () => {
  test('ticks start at 1: init runs at tick 1, and inputs at tick 1 come after init', () => {
    const seen: string[] = [];
    const spec = syncSpec(
      2,
      ['a'],
      () =>
        proc({
          init: (ctx) => {
            seen.push(`init@${ctx.now()}`);
            ctx.memory.set('ready', true);
          },
          receive: (ctx, from, msg) => {
            seen.push(`recv ${msg.tag} from ${from}@${ctx.now()} ready=${ctx.memory.get('ready')}`);
          },
        }),
      { inputs: [{ at: 1, to: 'a', msg: { tag: 'in', sentAt: 0 } }] },
    );
    const r = runSimulation(spec, { seed: 1 });
    assert.equal(r.status, 'pass');
    assert.deepEqual(seen, ['init@1', 'recv in from $env@1 ready=true']);
  });

  test('a message sent at t is delivered at t+1, never reordered or delayed', () => {
    const r = runSimulation(syncSpec(4, ['a', 'b'], chatter()), { seed: 3 });
    assert.equal(r.status, 'pass');
    const got = receipts(r.facts);
    for (const line of got) {
      const [, sent, recv] = /@(\d+)->(\d+)$/.exec(line) as RegExpExecArray;
      assert.equal(Number(recv), Number(sent) + 1, line);
    }
    // Sent at ticks 1..3 arrive at 2..4; the sends of tick 4 (EOT) never arrive.
    assert.deepEqual(
      got.filter((l) => l.startsWith('b<-')),
      ['b<-a:a@1->2', 'b<-a:a@2->3', 'b<-a:a@3->4'],
    );
  });

  test('messages sent at EOT are not delivered (the trace marks them lost after the end)', () => {
    const r = runSimulation(syncSpec(3, ['a', 'b'], chatter()), { seed: 1, trace: true });
    assert.ok(!receipts(r.facts).some((l) => l.includes('@3->')), 'nothing sent at EOT arrives');
    const trace = r.trace!;
    const atEot = Array.from({ length: trace.messageCount }, (_, i) => trace.message(i)).filter(
      (m) => m.sentAt === 3,
    );
    assert.equal(atEot.length, 2);
    for (const m of atEot) {
      assert.equal(m.status, 'lost');
      assert.equal(m.lostReason, 'after-end');
    }
    assert.ok(r.endTime <= 3);
  });

  test('omission O(a,b,2) drops every a→b message sent at tick 2 and nothing else', () => {
    const make = () =>
      proc({
        init: (ctx) => ctx.setTimer('tick', 1),
        timer: (ctx) => {
          if (ctx.id === 'a') {
            ctx.send('b', { tag: 'x', sentAt: ctx.now() });
            ctx.send('b', { tag: 'y', sentAt: ctx.now() });
            ctx.send('c', { tag: 'x', sentAt: ctx.now() });
            ctx.send('a', { tag: 'self', sentAt: ctx.now() });
          }
          if (ctx.id === 'b') ctx.send('a', { tag: 'back', sentAt: ctx.now() });
          ctx.setTimer('tick', 1);
        },
        receive: recordReceive,
      });
    const plan = { faults: [{ kind: 'omission', from: 'a', to: 'b', at: 2 }] as Fault[] };
    const r = runSimulation(syncSpec(4, ['a', 'b', 'c'], make), { seed: 1, plan, trace: true });
    const got = receipts(r.facts);
    assert.deepEqual(
      got.filter((l) => l.startsWith('b<-')),
      ['b<-a:x@3->4', 'b<-a:y@3->4'],
      'both a→b messages of tick 2 are lost; tick 3 gets through',
    );
    assert.ok(got.includes('c<-a:x@2->3'), 'a→c at tick 2 is unaffected');
    assert.ok(got.includes('a<-a:self@2->3'), 'self-sends are never lost');
    assert.ok(got.includes('a<-b:back@2->3'), 'the reverse channel is unaffected');
    assert.equal(r.stats.messagesLost, 2);
    const lost = Array.from({ length: r.trace!.messageCount }, (_, i) =>
      r.trace!.message(i),
    ).filter((m) => m.lostReason === 'omission');
    assert.deepEqual(
      lost.map((m) => `${m.from}->${m.to}@${m.sentAt}`),
      ['a->b@2', 'a->b@2'],
    );
  });

  test('send-omission crash C(a,2): a stops sending at ticks >= 2 but keeps receiving and computing', () => {
    const make = () =>
      proc({
        init: (ctx) => {
          ctx.setTimer('tick', 1);
          for (const p of ctx.peers) ctx.send(p, { tag: ctx.id, sentAt: ctx.now() });
        },
        timer: (ctx) => {
          ctx.emit(fact('alive', ctx.id, ctx.now()));
          ctx.memory.set('ticks', (ctx.memory.get<number>('ticks') ?? 0) + 1);
          for (const p of ctx.peers) ctx.send(p, { tag: ctx.id, sentAt: ctx.now() });
          ctx.send(ctx.id, { tag: 'self', sentAt: ctx.now() });
          ctx.setTimer('tick', 1);
        },
        receive: recordReceive,
      });
    const plan = { faults: [{ kind: 'crash', node: 'a', at: 2 }] as Fault[] };
    const r = runSimulation(syncSpec(4, ['a', 'b'], make), { seed: 1, plan });
    assert.equal(r.status, 'pass');
    const got = receipts(r.facts);
    assert.deepEqual(
      got.filter((l) => l.startsWith('b<-a')),
      ['b<-a:a@1->2'],
      'only what a sent before tick 2 reaches b',
    );
    assert.deepEqual(
      got.filter((l) => l.startsWith('a<-b')),
      ['a<-b:b@1->2', 'a<-b:b@2->3', 'a<-b:b@3->4'],
      'a keeps receiving after its crash',
    );
    assert.ok(
      got.includes('a<-a:self@3->4'),
      'a crashed node still hears its own sends (clock(n,n,t,t+1))',
    );
    assert.deepEqual(
      r.facts.filter((f) => f.name === 'alive' && f.args[0] === 'a').map((f) => f.args[1]),
      [2, 3, 4],
      'a keeps computing: its timers fire and it emits facts',
    );
    assert.equal(r.world.memory('a').get('ticks'), 3);
    assert.deepEqual(r.crashed, ['a']);
    assert.equal(r.world.crashed('a'), true);
    assert.equal(r.world.crashed('b'), false);
    assert.equal(r.world.up('a'), true, 'a send-omission crash does not take the node down');
  });

  test('within a tick, deliveries come before timers regardless of scheduling order', () => {
    const order: string[] = [];
    // b arms its timer before a sends (b's init runs first), so only the phase puts delivery first.
    const make = (id: string) =>
      proc({
        init: (ctx) => {
          if (id === 'b') ctx.setTimer('t', 1);
          if (id === 'a') ctx.send('b', { tag: 'm', sentAt: ctx.now() });
        },
        receive: (ctx) => order.push(`deliver@${ctx.now()}`),
        timer: (ctx) => order.push(`timer@${ctx.now()}`),
      });
    const r = runSimulation(syncSpec(3, ['b', 'a'], make), { seed: 1 });
    assert.equal(r.status, 'pass');
    assert.deepEqual(order, ['deliver@2', 'timer@2']);
  });

  test('timers count whole ticks: k ticks later, re-arming replaces, cancel disarms', () => {
    const fired: string[] = [];
    const make = () =>
      proc({
        init: (ctx) => {
          ctx.setTimer('three', 3);
          ctx.setTimer('re', 1);
          ctx.setTimer('re', 2);
          ctx.setTimer('gone', 1);
          ctx.cancelTimer('gone');
          ctx.cancelTimer('never-set');
        },
        timer: (ctx, name) => fired.push(`${name}@${ctx.now()}`),
      });
    runSimulation(syncSpec(5, ['a'], make), { seed: 1 });
    assert.deepEqual(fired, ['re@3', 'three@4']);
  });

  test('timers need whole ticks >= 1 (0, 0.5 and 1.5 are errors naming the node and delay)', () => {
    for (const delay of [0, 0.5, 1.5]) {
      const make = () => proc({ init: (ctx) => ctx.setTimer('t', delay) });
      const r = runSimulation(syncSpec(2, ['a'], make), { seed: 4 });
      assert.equal(r.status, 'error', `delay ${delay}`);
      assert.match(r.error!, new RegExp(`whole ticks >= 1, got ${delay}`));
      assert.match(r.error!, /node a/);
    }
  });

  test('an input is a message from $env delivered at its tick', () => {
    const make = () => proc({ receive: recordReceive });
    const spec = syncSpec(3, ['a', 'b'], make, {
      inputs: [
        { at: 2, to: 'b', msg: { tag: 'late', sentAt: 0 } },
        { at: 1, to: 'a', msg: { tag: 'early', sentAt: 0 } },
      ],
    });
    assert.deepEqual(receipts(runSimulation(spec, { seed: 1 }).facts), [
      'a<-$env:early@0->1',
      'b<-$env:late@0->2',
    ]);
  });

  test('parity: rdlog (retry-deliv) survives omissions but fails under O(a,b,1) + C(a,2) at EOT 4', () => {
    // Molly's delivery/rdlog.ded: a logs and re-sends to every peer every tick; receivers log.
    const make = () =>
      proc({
        receive: (ctx, _from, msg) => {
          if (msg.tag === 'bcast') {
            ctx.memory.set('bcast', true);
            for (const p of ctx.peers) ctx.send(p, { tag: 'log', sentAt: ctx.now() });
            ctx.setTimer('resend', 1);
          }
          ctx.emit(fact('log', ctx.id, 'hello'));
        },
        timer: (ctx) => {
          for (const p of ctx.peers) ctx.send(p, { tag: 'log', sentAt: ctx.now() });
          ctx.setTimer('resend', 1);
        },
      });
    const spec = syncSpec(4, ['a', 'b', 'c'], make, {
      inputs: [{ at: 1, to: 'a', msg: { tag: 'bcast', sentAt: 0 } }],
      guarantees: {
        prePost: [
          {
            name: 'delivery',
            // pre: some correct node other than the broadcaster logged; post: everyone logged.
            pre: (w) =>
              w
                .facts('log')
                .filter((f) => f.args[0] !== 'a' && !w.crashed(f.args[0] as string))
                .map(() => ['hello']),
            post: (w) => (w.nodes.every((n) => w.has('log', n, 'hello')) ? [['hello']] : []),
          },
        ],
      },
    });
    const omissions: Fault[] = [
      { kind: 'omission', from: 'a', to: 'b', at: 1 },
      { kind: 'omission', from: 'a', to: 'b', at: 2 },
      { kind: 'omission', from: 'a', to: 'c', at: 1 },
    ];
    assert.equal(runSimulation(spec, { seed: 1 }).status, 'pass');
    assert.equal(runSimulation(spec, { seed: 1, plan: { faults: omissions } }).status, 'pass');
    const bad: Fault[] = [
      { kind: 'omission', from: 'a', to: 'b', at: 1 },
      { kind: 'crash', node: 'a', at: 2 },
    ];
    const r = runSimulation(spec, { seed: 1, plan: { faults: bad } });
    assert.equal(r.status, 'fail');
    assert.equal(r.violations[0]?.guarantee, 'delivery');
    assert.equal(r.violations[0]?.kind, 'pre-post');
    assert.deepEqual(r.violations[0]?.missing, [['hello']]);
  });
});
