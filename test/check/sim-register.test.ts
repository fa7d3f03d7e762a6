/**
 * `linearizable(model)` as a spec's final check on the history recorded by simulated workload
 * clients: a register served by one node passes; the same register replicated without
 * coordination (each client talks to a random replica, replicas never sync) fails, and the
 * message explains why.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { linearizable } from '../../src/check/linearizable-check.js';
import { casRegisterModel } from '../../src/check/models/register.js';
import type { OpValue } from '../../src/core/history.js';
import {
  type Context,
  defineSpec,
  NO_FAULTS,
  type NodeId,
  type Process,
  runSimulation,
} from '../../src/index.js';

type Msg =
  | { readonly type: 'req'; readonly id: number; readonly f: string; readonly value: OpValue }
  | { readonly type: 'res'; readonly id: number; readonly ok: boolean; readonly value: OpValue };

/** A register server: applies read, write and cas to its own value. */
class RegisterServer implements Process<Msg> {
  init(ctx: Context<Msg>): void {
    ctx.memory.set('value', null);
  }
  receive(ctx: Context<Msg>, from: NodeId, msg: Msg): void {
    if (msg.type !== 'req') return;
    const value = ctx.memory.get<OpValue>('value') ?? null;
    let ok = true;
    let out: OpValue = msg.value;
    if (msg.f === 'read') out = value;
    else if (msg.f === 'write') ctx.memory.set('value', msg.value);
    else {
      const [from_, to] = msg.value as [OpValue, OpValue];
      ok = from_ === value;
      if (ok) ctx.memory.set('value', to);
    }
    ctx.send(from, { type: 'res', id: msg.id, ok, value: out });
  }
  timer(): void {}
}

/** A workload client: one operation at a time, to a random server, recorded in the history. */
class RegisterClient implements Process<Msg> {
  init(ctx: Context<Msg>): void {
    ctx.memory.set('next', 0);
    ctx.setTimer('issue', 1 + Math.floor(ctx.random() * 5));
  }
  receive(ctx: Context<Msg>, _from: NodeId, msg: Msg): void {
    const open = ctx.memory.get<{ handle: number; id: number }>('open');
    if (msg.type !== 'res' || open === undefined || open.id !== msg.id) return;
    if (msg.ok) ctx.history.ok(open.handle, msg.value);
    else ctx.history.fail(open.handle, msg.value);
    ctx.memory.delete('open');
    ctx.setTimer('issue', 1 + Math.floor(ctx.random() * 5));
  }
  timer(ctx: Context<Msg>, name: string): void {
    if (name !== 'issue' || ctx.now() > 400) return;
    const id = ctx.memory.get<number>('next') ?? 0;
    ctx.memory.set('next', id + 1);
    const roll = ctx.random();
    const v = 1 + Math.floor(ctx.random() * 3);
    const [f, value]: [string, OpValue] =
      roll < 0.5 ? ['read', null] : roll < 0.8 ? ['write', v] : ['cas', [v, 1 + (v % 3)]];
    const handle = ctx.history.invoke(f, value);
    ctx.memory.set('open', { handle, id });
    const server = ctx.nodes[Math.floor(ctx.random() * ctx.nodes.length)] as NodeId;
    ctx.send(server, { type: 'req', id, f, value });
  }
}

function spec(servers: readonly NodeId[]) {
  return defineSpec<Msg>({
    name: `register-${servers.length}`,
    nodes: servers,
    process: () => new RegisterServer(),
    clients: { ids: ['c1', 'c2', 'c3'], process: () => new RegisterClient() },
    time: { model: 'async', horizonMs: 500 },
    guarantees: { final: [linearizable(casRegisterModel())] },
  });
}

describe('linearizable() as a final check of simulated workloads', () => {
  it('a single-node register is linearizable', () => {
    for (let seed = 1; seed <= 5; seed++) {
      const result = runSimulation(spec(['s1']), { seed, plan: NO_FAULTS });
      assert.ok(result.history.length > 100, `only ${result.history.length} events`);
      assert.equal(result.status, 'pass', JSON.stringify(result.violations));
    }
  });

  it('uncoordinated replicas are caught, with an explanation', () => {
    const result = runSimulation(spec(['s1', 's2']), { seed: 1, plan: NO_FAULTS });
    assert.equal(result.status, 'fail');
    const v = result.violations.find((x) => x.guarantee === 'linearizable-cas-register');
    assert.ok(v, JSON.stringify(result.violations));
    assert.match(v.message, /^not-linearizable/);
    assert.match(v.message, /could not linearise: op \d+ c\d/);
  });
});
