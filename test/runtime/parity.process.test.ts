/**
 * Real OS processes on loopback (`cadre run`), compared with the simulator: the same spec, the same
 * process code, the same outcomes. Also: kill -9 and restart, bad input on a live node port, and
 * the merged trace of the real run.
 */
import assert from 'node:assert/strict';
import { connect } from 'node:net';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import leaderElection from '../../examples/leader-election.js';
import retryDeliv from '../../examples/retry-deliv.js';
import { factKey, fromUtf8, runSimulation, utf8 } from '../../src/index.js';
import { freePorts } from '../../src/runtime/free-port.js';
import { mergeTraceFiles } from '../../src/runtime/trace-merge.js';
import { LmdbKV } from '../../src/storage/backends/lmdb-kv.js';
import {
  eventually,
  type LoggedFact,
  leadersByTerm,
  NodeProcess,
  peersFlag,
  scratch,
} from './node-process.js';

const cleanups: (() => void)[] = [];
after(async () => {
  await NodeProcess.killAll();
  for (const c of cleanups) c();
});

async function startCluster(spec: string, ids: readonly string[], extra: string[] = []) {
  const tmp = scratch('cadre-parity-');
  cleanups.push(tmp.remove);
  const ports = await freePorts(ids.length);
  const portOf = Object.fromEntries(ids.map((id, i) => [id, ports[i] as number]));
  const launch = (id: string) =>
    new NodeProcess(
      id,
      [
        spec,
        '--id',
        id,
        '--peers',
        peersFlag(portOf),
        '--data-dir',
        join(tmp.dir, id),
        '--trace',
        join(tmp.dir, `${id}.trace.jsonl`),
        ...extra,
      ],
      { CADRE_SECRET: 'parity-secret' },
    );
  const nodes = new Map(ids.map((id) => [id, launch(id)]));
  await Promise.all([...nodes.values()].map((n) => n.started()));
  return { nodes, portOf, dir: tmp.dir, launch };
}

function distinctFacts(facts: readonly LoggedFact[]): string[] {
  return [...new Set(facts.map((f) => factKey({ name: f.name, args: f.args as never })))].sort();
}

describe('real processes reach the simulator’s outcomes', () => {
  it('retry-deliv: every node logs the broadcast, as in the simulator; garbage on a node port is refused and the protocol completes; the merged trace matches sends to deliveries', async () => {
    const sim = runSimulation(retryDeliv, { seed: 1 });
    const expected = distinctFacts(sim.facts.map((f) => ({ ...f, time: 0 })));
    const { nodes, portOf, dir } = await startCluster(
      'examples/retry-deliv.ts',
      ['a', 'b', 'c'],
      ['--tick-ms', '20', '--input-delay-ms', '300'],
    );
    // Bad input on b's node port while the protocol runs.
    const garbage = connect({ host: '127.0.0.1', port: portOf.b as number });
    garbage.on('error', () => {});
    garbage.write(Buffer.from([0, 0, 0, 5, 0xc1, 0xc1, 0xc1, 0xc1, 0xc1]));
    const b = nodes.get('b') as NodeProcess;
    const refused = await b.waitFor('refusal of the garbage', (l) => l.reason === 'garbage');
    assert.match(String(refused.msg), /connection closed: undecodable frame/);
    const all = () => [...nodes.values()].flatMap((n) => n.facts());
    await eventually('the simulator’s facts', () => distinctFacts(all()).length >= expected.length);
    assert.deepEqual(distinctFacts(all()), expected);
    const codes = await Promise.all([...nodes.values()].map((n) => n.stop('SIGTERM')));
    assert.deepEqual(codes, [0, 0, 0], 'graceful stop');
    const merged = mergeTraceFiles(['a', 'b', 'c'].map((id) => join(dir, `${id}.trace.jsonl`)));
    const lines = merged.lines.map((l) => JSON.parse(l) as Record<string, unknown>);
    assert.equal(lines[0]?.format, 'cadre-trace');
    const events = lines.filter((l) => l.type === 'event');
    const messages = lines.filter((l) => l.type === 'message');
    assert.deepEqual(
      events.map((e) => e.id),
      events.map((_, i) => i),
      'dense event ids',
    );
    assert.deepEqual(
      messages.map((m) => m.id),
      messages.map((_, i) => i),
      'dense message ids',
    );
    const delivered = messages.filter((m) => m.status === 'delivered' && m.from !== '$env');
    assert.ok(delivered.length >= 2);
    for (const m of delivered) {
      assert.ok(
        (m.deliverEvent as number) > (m.sendEvent as number),
        `message ${m.id} delivered after it was sent`,
      );
      const deliver = events[m.deliverEvent as number] as Record<string, unknown>;
      assert.equal(deliver.trigger, m.id);
      assert.equal(deliver.node, m.to);
    }
    const emitted = events
      .flatMap((e) => e.emits as [string, unknown[]][])
      .map(([n, a]) => factKey({ name: n, args: a as never }));
    assert.deepEqual([...new Set(emitted)].sort(), expected, 'the trace holds the same facts');
  });

  it('leader-election: one leader per term and a stable leader, as in the simulator; kill -9 of the leader, a new election, restart with durable state intact', async () => {
    const sim = runSimulation(leaderElection, { seed: 1 });
    assert.equal(sim.status, 'pass');
    assert.equal(
      sim.facts.filter((f) => f.name === 'leader').length,
      1,
      'failure-free: one election',
    );
    const ids = ['n1', 'n2', 'n3'];
    const { nodes, dir, launch } = await startCluster('examples/leader-election.ts', ids);
    const leaders = () => [...nodes.values(), ...killed].flatMap((n) => n.facts('leader'));
    const killed: NodeProcess[] = [];
    await eventually('a leader', () => leaders().length > 0);
    // Stable: the leader's heartbeats hold off new elections (as in the failure-free simulation).
    await new Promise((r) => setTimeout(r, 1000));
    leadersByTerm(leaders());
    const first = leaders().at(-1) as LoggedFact;
    const [leaderId, term] = first.args as [string, number];
    // kill -9 the leader mid-run.
    const victim = nodes.get(leaderId) as NodeProcess;
    killed.push(victim);
    assert.equal(await victim.stop('SIGKILL'), null);
    nodes.delete(leaderId);
    await eventually('a new leader in a later term', () =>
      leaders().some((f) => (f.args[1] as number) > term && f.args[0] !== leaderId),
    );
    // Restart it on the same data directory: init rebuilds term and vote from LMDB.
    const restarted = launch(leaderId);
    nodes.set(leaderId, restarted);
    await restarted.started();
    await new Promise((r) => setTimeout(r, 2500));
    leadersByTerm(leaders());
    const codes = await Promise.all([...nodes.values()].map((n) => n.stop('SIGTERM')));
    assert.deepEqual(codes, [0, 0, 0]);
    const newest = Math.max(...leaders().map((f) => f.args[1] as number));
    const kv = LmdbKV.open(join(dir, leaderId));
    try {
      const storedTerm = Number(fromUtf8(kv.get(utf8('raft/term')) as Uint8Array));
      assert.ok(
        storedTerm >= newest,
        `the restarted node's durable term ${storedTerm} caught up with term ${newest}`,
      );
      assert.notEqual(kv.get(utf8('raft/voted-for')), undefined, 'its vote record survived');
    } finally {
      kv.close();
    }
    const merged = mergeTraceFiles(ids.map((id) => join(dir, `${id}.trace.jsonl`)));
    const events = merged.lines
      .map((l) => JSON.parse(l) as Record<string, unknown>)
      .filter((l) => l.type === 'event');
    const crash = events.findIndex((e) => e.kind === 'crash' && e.node === leaderId);
    const restart = events.findIndex((e) => e.kind === 'restart' && e.node === leaderId);
    assert.ok(crash >= 0 && restart > crash, 'the merged trace shows the kill and the restart');
  });
});
