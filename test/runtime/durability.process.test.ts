/**
 * Persist before send on real processes: `a` writes a counter and sends it to `b`; kill -9 of `a`
 * at an arbitrary moment, then a restart on the same data directory. Every value `b` saw was on
 * `a`'s disk before it left, so `a` restores at least the largest value `b` saw — the same
 * property the simulator checks under a crash-restart.
 */
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { runSimulation } from '../../src/index.js';
import { freePorts } from '../../src/runtime/free-port.js';
import counterSpec from './fixtures/durable-counter.js';
import { eventually, NodeProcess, peersFlag, scratch } from './node-process.js';

const tmp = scratch('cadre-durability-');
after(async () => {
  await NodeProcess.killAll();
  tmp.remove();
});

const spec = 'test/runtime/fixtures/durable-counter.ts';

describe('persist before send, real processes', () => {
  it('after kill -9 the sender restores at least every value its peer saw (as the simulator predicts)', async () => {
    // The simulator under the same fault: a crashes at 300 ms and restarts at 400 ms.
    const sim = runSimulation(counterSpec, {
      seed: 1,
      plan: { faults: [{ kind: 'crash', node: 'a', at: 300, mode: 'restart', restartAt: 400 }] },
    });
    const simRestored = sim.facts
      .filter((f) => f.name === 'restored')
      .map((f) => f.args[1] as number);
    const simSeenBefore = sim.facts
      .filter((f) => f.name === 'seen' && f.time < 300)
      .map((f) => f.args[1] as number);
    assert.equal(simRestored.length, 2, 'start and restart');
    assert.ok((simRestored[1] as number) >= Math.max(...simSeenBefore));

    const ports = await freePorts(2);
    const peers = peersFlag({ a: ports[0] as number, b: ports[1] as number });
    const launch = (id: string) =>
      new NodeProcess(id, [spec, '--id', id, '--peers', peers, '--data-dir', join(tmp.dir, id)]);
    const b = launch('b');
    let a = launch('a');
    await Promise.all([a.started(), b.started()]);
    const seen = () => b.facts('seen').map((f) => f.args[1] as number);
    for (let round = 0; round < 4; round++) {
      const before = seen().length;
      await eventually('values reaching b', () => seen().length >= before + 10);
      assert.equal(await a.stop('SIGKILL'), null);
      // Whatever was in flight has arrived or is lost once the connection is gone.
      await new Promise((r) => setTimeout(r, 300));
      const maxSeen = Math.max(...seen());
      a = launch('a');
      const restored = (
        await a.waitFor(
          'the restored value',
          (l) => (l.fact as { name?: string } | undefined)?.name === 'restored',
        )
      ).fact as { args: [string, number] };
      assert.ok(
        restored.args[1] >= maxSeen,
        `round ${round}: restored ${restored.args[1]} < seen ${maxSeen}`,
      );
      await eventually(
        'the protocol going on after the restart',
        () => Math.max(...seen()) > restored.args[1],
      );
    }
    assert.equal(await a.stop('SIGTERM'), 0);
    assert.equal(await b.stop('SIGTERM'), 0);
  });
});
