/**
 * The asynchronous kill formula on a handler that reads back its own write, on a chain of timer
 * events: the read is no premise (it used to make the event its own premise, and the builder
 * recursed until the call stack overflowed — found on the Raft-replicated lock spec), and the chain
 * is built without one call per link. The chain's only faults are crash-stops of the node.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { defineSpec, fact, runSimulation } from '../../src/index.js';
import { AsyncKillFormulaBuilder } from '../../src/ldfi/async-formula.js';
import { variablesOf } from '../../src/ldfi/formula.js';
import { Lineage } from '../../src/lineage/lineage.js';
import { processFrom } from '../sim/process-from.js';

const LINKS = 2_000;

test('a 2,000-link timer chain whose handlers read their own writes builds', () => {
  const spec = defineSpec<never>({
    name: 'chain',
    nodes: ['a'],
    process: () =>
      processFrom<never>({
        init: (ctx) => ctx.setTimer('tick', 1),
        timer: (ctx) => {
          const n = (ctx.memory.get<number>('n') ?? 0) + 1;
          ctx.memory.set('n', n);
          assert.equal(ctx.memory.get<number>('n'), n); // reads back this handler's own write
          if (n < LINKS) ctx.setTimer('tick', 1);
          else ctx.emit(fact('done', ctx.id));
        },
      }),
    time: { model: 'async', horizonMs: LINKS + 10 },
  });
  const run = runSimulation(spec, { seed: 1, trace: true });
  assert.ok(run.trace);
  const builder = new AsyncKillFormulaBuilder(new Lineage(run.trace), {
    dropsBeforeMs: LINKS,
    crashes: 1,
  });
  const f = builder.fact('done', ['a']);
  const vars = variablesOf(f);
  assert.ok(vars.size > 0 && [...vars].every((v) => v.startsWith('S(a,')), [...vars].join(' '));
});
