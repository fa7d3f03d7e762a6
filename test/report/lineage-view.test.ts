/**
 * Goal: the lineage graph of a counterexample explains the vanished outcome: it is the outcome's
 * lineage in the good run (src/lineage's closure), each fault is drawn with the derivations it
 * cuts, and the DOT lays out with Graphviz (WebAssembly) into an SVG that keeps the classes the
 * page styles. Method: the retry-deliv counterexample (O(a,b,1) + C(a,2)), checked by hand.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { type Context, defineSpec, fact, type Process } from '../../src/index.js';
import { Lineage } from '../../src/lineage/lineage.js';
import { faultCuts } from '../../src/report/fault-cuts.js';
import { graphvizLayout } from '../../src/report/graphviz.js';
import {
  LINEAGE_NODES_MAX,
  lineageViewDot,
  outcomeLineage,
  vanishedFacts,
} from '../../src/report/lineage-view.js';
import { traceFromData } from '../../src/report/trace-rebuild.js';
import { runSimulation } from '../../src/sim/simulator.js';
import { retryDelivCase, viaJsonl } from './helpers.js';

const { good, failing, ce } = retryDelivCase();
const goodLineage = new Lineage(traceFromData(good));

describe('the lineage of a vanished outcome', () => {
  test('post(c,hello) vanished because log(b,hello) did: that is the fact explained', () => {
    assert.deepEqual(ce.vanished, [['c', 'hello']]);
    assert.deepEqual(vanishedFacts(good, failing, ce.vanished), [
      { name: 'log', args: ['b', 'hello'] },
    ]);
  });

  const view = outcomeLineage(
    goodLineage,
    [{ name: 'log', args: ['b', 'hello'] }],
    faultCuts(failing.header.plan.faults, good),
    { title: 'why', vanished: true },
  );

  test('every derivation of log(b,hello) in the good run is cut by one of the faults', () => {
    assert.deepEqual(view.outcomes, ['log("b", "hello")']);
    const derivations = goodLineage.emissions('log', ['b', 'hello']);
    assert.equal(derivations.length, 3, 'b logs hello at t=2, 3 and 4 (a re-sends every tick)');
    const cut = new Set(view.cuts.flatMap((c) => c.nodes));
    for (const d of derivations) {
      const trigger = good.events[d]?.trigger;
      assert.ok(cut.has(`message:${trigger}`), `derivation ${d}'s message is cut`);
    }
    const byFault = Object.fromEntries(view.cuts.map((c) => [c.fault, c.nodes]));
    assert.equal(byFault['O(a,b,1)']?.length, 1);
    assert.equal(byFault['C(a,2,send-omission)']?.length, 2);
    assert.equal(view.truncated, false);
  });

  test('DOT: the vanished outcome in red, cut messages, and a red octagon per fault', () => {
    const dot = lineageViewDot(view);
    assert.match(dot, /VANISHED in the failing run/);
    assert.equal((dot.match(/shape=octagon/g) ?? []).length, 2);
    assert.equal((dot.match(/label="cuts"/g) ?? []).length, 3);
    assert.match(dot, /class="message cut"/);
  });

  test('Graphviz (WebAssembly) lays it out into SVG with the classes kept', async () => {
    const layout = await graphvizLayout();
    const svg = layout(lineageViewDot(view));
    assert.match(svg, /<svg/);
    assert.equal((svg.match(/class="node fault"/g) ?? []).length, 2);
    assert.equal((svg.match(/class="node message cut"/g) ?? []).length, 3);
    assert.equal((svg.match(/class="node fact vanished"/g) ?? []).length, 1);
  });

  test(`a graph over ${LINEAGE_NODES_MAX} nodes keeps the nodes nearest the outcome`, () => {
    // A ping-pong of 300 hops: the lineage of its last fact is a chain of about 600 nodes.
    class PingPong implements Process<number> {
      init(ctx: Context<number>): void {
        if (ctx.id === 'a') ctx.send('b', 0);
      }
      receive(ctx: Context<number>, from: string, hop: number): void {
        if (hop === 300) ctx.emit(fact('done', ctx.id));
        else ctx.send(from, hop + 1);
      }
      timer(): void {}
    }
    const spec = defineSpec<number>({
      name: 'ping-pong',
      nodes: ['a', 'b'],
      process: () => new PingPong(),
      time: { model: 'sync', eot: 305 },
    });
    const data = viaJsonl(runSimulation(spec, { seed: 1, trace: true }).trace);
    const done = data.events.find((e) => e.emits.length > 0);
    assert.ok(done !== undefined, 'the ball made 300 hops');
    const lineage = new Lineage(traceFromData(data));
    const whole = lineage.graphOfFact('done', [done.node]);
    assert.ok(whole.nodes.length > LINEAGE_NODES_MAX);
    const view = outcomeLineage(lineage, [{ name: 'done', args: [done.node] }], [], {
      title: 'chain',
      vanished: false,
    });
    assert.equal(view.truncated, true);
    assert.equal(view.graph.nodes.length, LINEAGE_NODES_MAX);
    const kept = new Set(view.graph.nodes.map((n) => n.id));
    assert.ok(kept.has(view.graph.roots[0] as string), 'the outcome itself is kept');
    assert.ok(kept.has(`event:${done.id}`), 'and the event that derived it');
    assert.ok(!kept.has('event:0'), 'the far end of the chain is dropped');
    for (const e of view.graph.edges) assert.ok(kept.has(e.from) && kept.has(e.to));
  });
});
