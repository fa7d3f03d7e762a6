/**
 * A partition through fault-injecting TCP proxies between real processes, against the simulator's
 * prediction for the same fault on the same spec: the isolated leader is replaced by a leader of a
 * later term on the majority side, safety holds throughout, and after the heal the old leader
 * adopts the new term.
 */
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import leaderElection from '../../examples/leader-election.js';
import { fromUtf8, runSimulation, utf8, withEndOfTime } from '../../src/index.js';
import { FaultProxy } from '../../src/runtime/fault-proxy.js';
import { freePorts } from '../../src/runtime/free-port.js';
import { LmdbKV } from '../../src/storage/backends/lmdb-kv.js';
import {
  eventually,
  type LoggedFact,
  leadersByTerm,
  NodeProcess,
  scratch,
} from './node-process.js';

const proxies: FaultProxy[] = [];
const cleanups: (() => void)[] = [];
after(async () => {
  await NodeProcess.killAll();
  await Promise.all(proxies.map((p) => p.stop()));
  for (const c of cleanups) c();
});

describe('partition through a fault proxy', () => {
  it('leader-election behaves as the simulator predicts: the isolated leader is replaced, and recovers on heal', async () => {
    const ids = ['n1', 'n2', 'n3'];
    // The simulator's prediction for the same fault: isolate the first leader for a while.
    const spec = withEndOfTime(leaderElection, 2_000);
    const calm = runSimulation(spec, { seed: 1, plan: { faults: [] } });
    const firstLeader = calm.facts.find((f) => f.name === 'leader');
    assert.ok(firstLeader !== undefined, 'the failure-free simulation elects a leader');
    const [simLeader, simTerm] = firstLeader.args as [string, number];
    const simFirst = firstLeader.time;
    const isolateAt = simFirst + 200;
    const predicted = runSimulation(spec, {
      seed: 1,
      plan: {
        faults: [
          {
            kind: 'partition',
            groups: [[simLeader], ids.filter((n) => n !== simLeader)],
            at: isolateAt,
            until: isolateAt + 1000,
          },
        ],
      },
    });
    assert.equal(predicted.status, 'pass', 'the simulator predicts safety and recovery');
    const simLeaders = leadersByTerm(predicted.facts.filter((f) => f.name === 'leader'));
    const replacement = [...simLeaders].find(
      ([term, node]) => term > simTerm && node !== simLeader,
    );
    assert.ok(
      replacement !== undefined,
      'the simulator predicts a new leader in a later term on the majority side',
    );

    // The same on real processes: one proxy per direction of every link.
    const tmp = scratch('cadre-partition-');
    cleanups.push(tmp.remove);
    const ports = await freePorts(ids.length);
    const listen = Object.fromEntries(ids.map((id, i) => [id, ports[i] as number]));
    const link = new Map<string, FaultProxy>();
    for (const from of ids) {
      for (const to of ids) {
        if (from === to) continue;
        const proxy = await FaultProxy.start(
          { host: '127.0.0.1', port: listen[to] as number },
          { cadreFrames: true },
        );
        proxies.push(proxy);
        link.set(`${from}>${to}`, proxy);
      }
    }
    const nodes = ids.map((id) => {
      const peers = ids
        .map(
          (p) =>
            `${p}=127.0.0.1:${p === id ? listen[id] : (link.get(`${id}>${p}`) as FaultProxy).address.port}`,
        )
        .join(',');
      return new NodeProcess(id, [
        'examples/leader-election.ts',
        '--id',
        id,
        '--peers',
        peers,
        '--data-dir',
        join(tmp.dir, id),
      ]);
    });
    await Promise.all(nodes.map((n) => n.started()));
    const leaders = (): LoggedFact[] => nodes.flatMap((n) => n.facts('leader'));
    await eventually('a first leader', () => leaders().length > 0);
    await new Promise((r) => setTimeout(r, 500));
    leadersByTerm(leaders());
    const [leader, term] = (leaders().at(-1) as LoggedFact).args as [string, number];

    // Isolate the leader both ways.
    for (const [name, proxy] of link) if (name.includes(leader)) proxy.partition();
    await eventually('a new leader in a later term on the majority side', () =>
      leaders().some((f) => f.args[0] !== leader && (f.args[1] as number) > term),
    );
    const during = leadersByTerm(leaders());
    assert.ok(
      ![...during].some(([t, n]) => n === leader && t > term),
      'the isolated node cannot win a later term',
    );

    // Heal: the old leader hears the later term and follows.
    for (const proxy of link.values()) proxy.heal();
    await new Promise((r) => setTimeout(r, 2500));
    const final = leadersByTerm(leaders());
    const newest = Math.max(...final.keys());
    assert.deepEqual(await Promise.all(nodes.map((n) => n.stop('SIGTERM'))), [0, 0, 0]);
    const kv = LmdbKV.open(join(tmp.dir, leader));
    try {
      const stored = Number(fromUtf8(kv.get(utf8('raft/term')) as Uint8Array));
      assert.ok(
        stored >= newest,
        `after the heal the old leader adopted term ${newest} (holds ${stored})`,
      );
    } finally {
      kv.close();
    }
  });
});
