import { createHash } from 'node:crypto';
import retry from '/work/main/examples/retry-deliv.ts';
import { floodSpec } from '/work/main/bench/workloads/flood.ts';
import { gossipSpec } from '/work/main/bench/workloads/gossip.ts';
import { runSimulation, defineSpec, type Spec, type FaultPlan } from '/work/main/src/index.ts';

function line(name: string, spec: Spec<any>, seed: number, plan?: FaultPlan) {
  const r = runSimulation(spec, { seed, trace: true, ...(plan ? { plan } : {}) });
  const h = r.trace!.hash();
  const extra = createHash('sha256').update(JSON.stringify({ s: r.stats, st: r.status, e: r.error ?? null, v: r.violations, f: r.facts, p: r.plan, end: r.endTime, c: r.crashed })).digest('hex').slice(0, 16);
  const r2 = runSimulation(spec, { seed, trace: false, ...(plan ? { plan } : {}) });
  const extra2 = createHash('sha256').update(JSON.stringify({ s: r2.stats, st: r2.status, e: r2.error ?? null, v: r2.violations, f: r2.facts, p: r2.plan, end: r2.endTime, c: r2.crashed })).digest('hex').slice(0, 16);
  console.log(`${name} seed=${seed} trace=${h} result=${extra} untraced=${extra2} events=${r.stats.events} status=${r.status}`);
}
line('retry-deliv', retry, 1, { faults: [{ kind: 'omission', from: 'a', to: 'b', at: 1 }, { kind: 'crash', node: 'a', at: 2 }] } as FaultPlan);
for (let s = 1; s <= 30; s++) line('retry-deliv-swarm', retry, s);
for (const s of [1, 2, 3]) line('flood', floodSpec(20000), s);
for (const s of [1, 2, 3]) line('gossip', gossipSpec(20000), s);
// Fault paths: the bench specs under swarm faults (partitions, loss, duplication, clog, clock, disk, crash).
const swarmGossip = defineSpec({ ...gossipSpec(5000), name: 'gossip-swarm', faults: { swarm: true } });
const swarmFlood = defineSpec({ ...floodSpec(5000), name: 'flood-swarm', faults: { swarm: { faultsMax: 8 } } });
for (let s = 1; s <= 25; s++) line('gossip-swarm', swarmGossip as Spec<any>, s);
for (let s = 1; s <= 25; s++) line('flood-swarm', swarmFlood as Spec<any>, s);
import echo from '/work/main/examples/echo.ts';
import le from '/work/main/examples/leader-election.ts';
import leb from '/work/main/examples/leader-election-buggy.ts';
import sd from '/work/main/examples/simple-deliv.ts';
for (const [name, spec] of [['echo', echo], ['le', le], ['le-buggy', leb], ['simple-deliv', sd]] as const) {
  for (let s = 1; s <= 20; s++) {
    try { line(name, spec as Spec<any>, s); } catch (e) { console.log(name, s, 'threw', (e as Error).message); }
  }
}
// Error paths: a handler that throws, a send to an unknown node, a bad timer, an event budget.
function bad(kind: string) {
  let count = 0;
  return defineSpec<any>({
    name: `bad-${kind}`,
    nodes: ['a', 'b'],
    process: () => ({
      init(ctx: any) { ctx.setTimer('t', 1); },
      receive(ctx: any, _f: string, m: any) {
        if (++count === 7 && kind === 'throw') throw new Error('boom');
        if (count === 7 && kind === 'unknown') ctx.send('zz', m);
        ctx.send(ctx.peers[0], m);
      },
      timer(ctx: any) {
        if (kind === 'timer' && count > 5) ctx.setTimer('t', -1);
        ctx.send(ctx.peers[0], { n: count }); ctx.memory.set('k', count); ctx.setTimer('t', 2);
      },
    }),
    time: { model: 'async', horizonMs: 50 },
    limits: { eventsMax: kind === 'budget' ? 40 : 100000 },
  });
}
for (const k of ['throw', 'unknown', 'timer', 'budget']) {
  const r = runSimulation(bad(k), { seed: 3, trace: true });
  console.log(`bad-${k} ${r.status} ${r.error} ${r.trace!.hash()}`);
}
