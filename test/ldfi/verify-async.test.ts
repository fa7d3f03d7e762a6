/**
 * Goal: LDFI works in the asynchronous model, with faults as drops of individual messages and
 * crash-stops at event boundaries. Method: a send-once broadcast (broken by one drop) and an
 * acknowledged broadcast that re-sends every 5 ms until acked (verified while drops stop at EFF).
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import {
  type Context,
  defineSpec,
  describeFault,
  fact,
  type PrePost,
  type Process,
} from '../../src/index.js';
import { verify } from '../../src/ldfi/verify.js';

type Msg = { readonly type: 'log' | 'ack'; readonly p: string };

/** If some node other than a logged P, every node must have (the delivery guarantee). */
const delivery: PrePost = {
  name: 'delivery',
  pre: (w) =>
    w
      .facts('log')
      .filter((f) => f.args[0] !== 'a')
      .map((f) => f.args),
  post: (w) =>
    w
      .facts('log')
      .filter((f) => w.nodes.every((n) => w.has('log', n, f.args[1] ?? null)))
      .map((f) => f.args),
};

class Broadcast implements Process<Msg> {
  constructor(readonly retry: boolean) {}
  init(ctx: Context<Msg>): void {
    if (ctx.id !== 'a') return;
    ctx.emit(fact('log', 'a', 'P'));
    for (const peer of ctx.peers) ctx.send(peer, { type: 'log', p: 'P' });
    if (this.retry) ctx.setTimer('retry', 5);
  }
  receive(ctx: Context<Msg>, from: string, msg: Msg): void {
    if (msg.type === 'log') {
      ctx.emit(fact('log', ctx.id, msg.p));
      ctx.send(from, { type: 'ack', p: msg.p });
    } else ctx.memory.set(`ack/${from}`, true);
  }
  timer(ctx: Context<Msg>): void {
    let pending = false;
    for (const peer of ctx.peers) {
      if (ctx.memory.get(`ack/${peer}`) !== true) {
        ctx.send(peer, { type: 'log', p: 'P' });
        pending = true;
      }
    }
    if (pending) ctx.setTimer('retry', 5);
  }
}

const spec = (retry: boolean) =>
  defineSpec<Msg>({
    name: retry ? 'ack-broadcast' : 'once-broadcast',
    nodes: ['a', 'b', 'c'],
    process: () => new Broadcast(retry),
    time: {
      model: 'async',
      horizonMs: 100,
      network: { latency: { kind: 'uniform', minMs: 1, maxMs: 3 } },
    },
    guarantees: { prePost: [delivery] },
  });

test('send-once broadcast: one dropped message is a counterexample', () => {
  const r = verify(spec(false), { eot: 100, eff: 100, crashes: 0 });
  assert.equal(r.verdict, 'counterexample');
  const faults = r.counterexamples[0]?.faults.map(describeFault);
  assert.equal(faults?.length, 1);
  assert.match(faults?.[0] ?? '', /^drop\(a->[bc]#0\)$/);
  assert.ok(r.runs <= 3, `${r.runs} runs`);
});

test('acknowledged broadcast with retries: verified when drops stop at EFF', () => {
  const r = verify(spec(true), { eot: 100, eff: 20, crashes: 0 });
  assert.equal(r.verdict, 'verified');
  assert.ok(r.runs > 1, 'LDFI had to try drops');
});

test('acknowledged broadcast with one crash: a receiver stopped at its start never logs', () => {
  // The delivery spec asks crashed nodes to have P too (Molly's deliv_assert), so stopping b
  // before its first event while c logs P is a counterexample with a single fault.
  const r = verify(spec(true), { eot: 100, eff: 20, crashes: 1 });
  assert.equal(r.verdict, 'counterexample');
  const faults = r.counterexamples[0]?.faults ?? [];
  assert.deepEqual(
    faults.map((f) => (f.kind === 'crash' ? `${f.kind}:${f.mode}` : f.kind)),
    ['crash:stop'],
  );
});
