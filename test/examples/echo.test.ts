import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import echo, { CLIENTS, EchoClient, type EchoMsg } from '../../examples/echo.js';
import {
  type Context,
  defineSpec,
  type HistoryEvent,
  NO_FAULTS,
  type NodeId,
  type Process,
  runCampaign,
  runSimulation,
} from '../../src/index.js';

/** Problems with a history's shape: completions without a matching invoke, double completions,
 * a client with two operations open, time going backwards. Empty when well-formed. */
function historyProblems(history: readonly HistoryEvent[]): string[] {
  const problems: string[] = [];
  const completed = new Set<number>();
  const open = new Map<NodeId, number>();
  let time = 0;
  history.forEach((e, i) => {
    if (e.index !== i) problems.push(`#${i}: index ${e.index}`);
    if (e.time < time) problems.push(`#${i}: time ${e.time} before ${time}`);
    time = e.time;
    if (e.type === 'invoke') {
      if (e.invokeIndex !== undefined) problems.push(`#${i}: invoke with an invokeIndex`);
      const previous = open.get(e.process);
      if (previous !== undefined) problems.push(`#${i}: ${e.process} still has #${previous} open`);
      open.set(e.process, i);
      return;
    }
    const inv = e.invokeIndex === undefined ? undefined : history[e.invokeIndex];
    if (inv === undefined || e.invokeIndex === undefined || e.invokeIndex >= i) {
      problems.push(`#${i}: ${e.type} without an earlier invoke`);
      return;
    }
    if (inv.type !== 'invoke') problems.push(`#${i}: completes #${inv.index}, a ${inv.type}`);
    if (inv.process !== e.process) problems.push(`#${i}: completes ${inv.process}'s operation`);
    if (inv.f !== e.f) problems.push(`#${i}: f ${e.f} completes f ${inv.f}`);
    if (completed.has(e.invokeIndex)) problems.push(`#${i}: #${e.invokeIndex} completed twice`);
    completed.add(e.invokeIndex);
    if (open.get(e.process) === e.invokeIndex) open.delete(e.process);
  });
  return problems;
}

describe('examples/echo', () => {
  it('passes failure-free, with every operation ok', () => {
    const result = runSimulation(echo, { seed: 1, plan: NO_FAULTS });
    assert.equal(result.status, 'pass', result.violations[0]?.message);
    const types = result.history.map((e) => e.type);
    assert.ok(types.filter((t) => t === 'ok').length > 50, 'many echoes completed');
    assert.ok(!types.includes('info'), 'no timeouts without faults');
    assert.deepEqual(historyProblems(result.history), []);
  });

  it('passes a swarm campaign of seeds 1..200 with well-formed histories', () => {
    let ok = 0;
    let info = 0;
    const malformed: string[] = [];
    const campaign = runCampaign(echo, {
      from: 1,
      to: 200,
      onRun: (result) => {
        for (const e of result.history) {
          if (e.type === 'ok') ok++;
          else if (e.type === 'info') info++;
        }
        for (const p of historyProblems(result.history)) malformed.push(`seed ${result.seed} ${p}`);
        const clients = new Set(result.history.map((e) => e.process));
        for (const c of CLIENTS)
          if (!clients.has(c)) malformed.push(`seed ${result.seed}: ${c} idle`);
      },
    });
    assert.deepEqual(
      campaign.failures.map((f) => `seed ${f.seed}: ${f.summary}`),
      [],
      'no seed fails',
    );
    assert.deepEqual(malformed.slice(0, 10), []);
    // The faults must actually bite, or the campaign proves little: some requests time out.
    assert.ok(info > 0, `timeouts recorded as info (ok ${ok}, info ${info})`);
    assert.ok(ok > 100 * 200 * 0.5, `most operations complete (ok ${ok}, info ${info})`);
  });

  it('the history check rejects a completion without its invoke', () => {
    const bad: HistoryEvent[] = [
      { index: 0, type: 'invoke', process: 'c1', f: 'echo', value: 'x', time: 0 },
      { index: 1, type: 'ok', process: 'c2', f: 'echo', value: 'x', time: 1, invokeIndex: 0 },
      { index: 2, type: 'ok', process: 'c1', f: 'echo', value: 'x', time: 2, invokeIndex: 5 },
    ];
    assert.equal(historyProblems(bad).length, 2);
  });

  it('a client that invokes with an operation still open stops the run (Jepsen: one at a time)', () => {
    // EchoClient's timeout path completes the open operation before the next invoke; a client
    // that forgets to would record an ill-formed history, so the simulator refuses.
    class Forgetful extends EchoClient {
      override timer(ctx: Context<EchoMsg>, name: string): void {
        if (name === 'timeout') ctx.memory.delete('open');
        super.timer(ctx, name === 'timeout' ? 'issue' : name);
      }
    }
    const spec = defineSpec({
      ...echo,
      name: 'echo-forgetful',
      clients: { ids: CLIENTS, process: () => new Forgetful() },
    });
    // Drop every request so that timeouts happen.
    const plan = { faults: [{ kind: 'loss' as const, probability: 1, at: 0 }] };
    const result = runSimulation(spec, { seed: 1, plan });
    assert.equal(result.status, 'error');
    assert.match(result.error ?? '', /history\.invoke: operation \d+ is still open/);
  });

  it('the echo guarantee catches a server that answers with the wrong payload', () => {
    // Answers correctly at first, then echoes the previous request's payload: a stale-buffer bug.
    class StaleEcho implements Process<EchoMsg> {
      init(ctx: Context<EchoMsg>): void {
        ctx.memory.set('last', null);
      }
      receive(ctx: Context<EchoMsg>, from: NodeId, msg: EchoMsg): void {
        if (msg.type !== 'echo') return;
        const last = ctx.memory.get<string | null>('last') ?? null;
        ctx.memory.set('last', msg.payload);
        ctx.send(from, { type: 'echo-reply', id: msg.id, payload: last ?? msg.payload });
      }
      timer(): void {}
    }
    const spec = defineSpec({ ...echo, name: 'echo-stale', process: () => new StaleEcho() });
    const result = runSimulation(spec, { seed: 1, plan: NO_FAULTS });
    assert.equal(result.status, 'fail');
    assert.equal(result.violations[0]?.guarantee, 'echo-returns-what-was-sent');
    assert.match(result.violations[0]?.message ?? '', /got back/);
  });
});
