// The Raft process adapter under the simulator: exactly-once proposals through client sessions,
// proposal forwarding, linearisable reads, restart recovery, snapshots sent to a lagging node,
// and bad input answered with clear errors.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { RegisterMachine } from '../../../examples/raft-register.js';
import {
  type Context,
  defineSpec,
  fromUtf8,
  type NodeId,
  type Process,
  runSimulation,
  type Spec,
  utf8,
} from '../../../src/index.js';
import type { ClientReply } from '../../../src/stores/raft/client-messages.js';
import { raftInvariants } from '../../../src/stores/raft/invariants.js';
import { type RaftWireMessage, raftProcess } from '../../../src/stores/raft/process.js';
import { readSnapshotData, readSnapshotMeta } from '../../../src/stores/raft/raft-storage.js';

type Wire = RaftWireMessage<unknown, unknown, unknown>;

/** A scripted client: at each step's time it sends the step's message to the step's node and
 * records every reply in tracked memory (`replies`). */
function scripted(steps: readonly { at: number; to: NodeId; msg: Wire }[]): Process<Wire> {
  return {
    init(ctx) {
      ctx.memory.set('replies', []);
      steps.forEach((s, i) => {
        ctx.setTimer(`step-${i}`, s.at);
      });
    },
    timer(ctx, name) {
      const step = steps[Number(name.slice(5))];
      if (step !== undefined) ctx.send(step.to, step.msg);
    },
    receive(ctx: Context<Wire>, from, msg) {
      ctx.memory.set('replies', [...(ctx.memory.get<unknown[]>('replies') ?? []), { from, msg }]);
    },
  };
}

function spec(
  steps: readonly { at: number; to: NodeId; msg: Wire }[],
  extra: Partial<Spec<Wire>> = {},
  lazySnapshots = false,
): Spec<Wire> {
  return defineSpec<Wire>({
    name: 'raft-process',
    nodes: ['n1', 'n2', 'n3'],
    process: raftProcess({
      stateMachine: (kv) => new RegisterMachine(kv),
      snapshotEntries: 4,
      lazySnapshots,
    }) as Spec<Wire>['process'],
    clients: { ids: ['c1'], process: () => scripted(steps) },
    time: { model: 'async', horizonMs: 3_000 },
    guarantees: { invariants: raftInvariants },
    ...extra,
  });
}

function replies(world: {
  memory(n: NodeId): { get<T>(k: string): T | undefined };
}): ClientReply<unknown>[] {
  return (world.memory('c1').get<{ msg: ClientReply<unknown> }[]>('replies') ?? []).map(
    (r) => r.msg,
  );
}

const propose = (seq: number, command: unknown, session = 'c1'): Wire => ({
  type: 'propose',
  session,
  seq,
  command,
});

describe('raftProcess', () => {
  it('applies a retried (session, seq) once and answers the retry with the first result', () => {
    // cas null→1 succeeds once; applied twice it would answer false the second time.
    const steps = ['n1', 'n2', 'n3', 'n1', 'n2', 'n3'].map((to, i) => ({
      at: 1_000 + i * 5,
      to,
      msg: propose(1, { op: 'cas', from: null, to: 1 }),
    }));
    const r = runSimulation(spec(steps), { seed: 7 });
    assert.equal(r.status, 'pass', r.violations[0]?.message ?? r.error);
    const answers = replies(r.world).filter((m) => m.seq === 1);
    assert.equal(answers.length, 6, 'every try is answered (followers forward to the leader)');
    // Each try became a log entry of its own; had a retry been applied again, its cas would have
    // found 1, not null, and answered false.
    for (const a of answers) assert.deepEqual(a.ok && a.result, true, JSON.stringify(a));
    const entries = r.facts.filter((f) => f.name === 'applied' && f.node === 'n1').length;
    assert.ok(entries >= 3, `the retries reached the log (${entries} entries applied on n1)`);
  });

  it('serves linearisable reads through ReadIndex and answers reads sent to followers', () => {
    const steps = [
      { at: 1_000, to: 'n2', msg: propose(1, { op: 'write', value: 42 }) },
      { at: 1_200, to: 'n3', msg: { type: 'read', session: 'c1', seq: 2, query: 'read' } as Wire },
      { at: 1_300, to: 'n1', msg: { type: 'read', session: 'c1', seq: 3, query: 'read' } as Wire },
    ];
    const r = runSimulation(spec(steps), { seed: 3 });
    assert.equal(r.status, 'pass', r.violations[0]?.message ?? r.error);
    const byseq = new Map(replies(r.world).map((m) => [m.seq, m]));
    assert.deepEqual(byseq.get(1), { type: 'reply', session: 'c1', seq: 1, ok: true, result: 42 });
    assert.deepEqual(byseq.get(2), { type: 'reply', session: 'c1', seq: 2, ok: true, result: 42 });
    assert.deepEqual(byseq.get(3), { type: 'reply', session: 'c1', seq: 3, ok: true, result: 42 });
  });

  it('answers malformed requests with a clear error and ignores malformed peer messages', () => {
    const steps = [
      { at: 1_000, to: 'n1', msg: { type: 'propose', session: '', seq: 1, command: {} } as Wire },
      {
        at: 1_010,
        to: 'n1',
        msg: { type: 'propose', session: 'c1', seq: -3, command: {} } as Wire,
      },
      { at: 1_020, to: 'n2', msg: { type: 'app', term: 'x' } as unknown as Wire },
      { at: 1_030, to: 'n2', msg: null as unknown as Wire },
      { at: 1_040, to: 'n1', msg: propose(1, { op: 'explode' }) },
    ];
    const r = runSimulation(spec(steps), { seed: 2 });
    assert.equal(r.status, 'pass', r.violations[0]?.message ?? r.error);
    const errors = replies(r.world).map((m) => (m.ok ? 'ok' : m.error));
    assert.ok(
      errors.includes('bad request: session must be a non-empty string'),
      errors.join(' | '),
    );
    assert.ok(
      errors.includes('bad request: seq must be a whole number >= 1, got -3'),
      errors.join(' | '),
    );
    assert.ok(
      errors.some((e) => e.startsWith('command failed: unknown register command')),
      errors.join(' | '),
    );
  });

  for (const lazy of [false, true])
    it(`recovers after every node crash-restarts, and sends a snapshot to a node that lagged${lazy ? ' (lazy snapshots: no copy until one is sent)' : ''}`, () => {
      const steps = Array.from({ length: 12 }, (_, i) => ({
        at: 600 + i * 40,
        to: 'n1',
        msg: propose(i + 1, { op: 'write', value: i }),
      }));
      const plan = {
        faults: [
          // n3 misses the writes; the log is compacted meanwhile (every 4 entries).
          {
            kind: 'crash' as const,
            node: 'n3',
            at: 500,
            mode: 'restart' as const,
            restartAt: 1_800,
          },
          {
            kind: 'crash' as const,
            node: 'n1',
            at: 2_000,
            mode: 'restart' as const,
            restartAt: 2_100,
          },
          {
            kind: 'crash' as const,
            node: 'n2',
            at: 2_200,
            mode: 'restart' as const,
            restartAt: 2_300,
          },
        ],
      };
      const r = runSimulation(spec(steps, {}, lazy), { seed: 5, plan });
      assert.equal(r.status, 'pass', r.violations[0]?.message ?? r.error);
      const oks = replies(r.world).filter((m) => m.ok);
      assert.equal(new Set(oks.map((m) => m.seq)).size, 12, 'every write answered');
      for (const n of ['n1', 'n2', 'n3']) {
        const value = r.world.storage(n).get(new Uint8Array([...pack('sm'), ...utf8('value')]));
        assert.equal(
          value === undefined ? undefined : fromUtf8(value),
          '11',
          `${n} holds the last write`,
        );
      }
      assert.ok((readSnapshotMeta(r.world.storage('n3'))?.index ?? 0) > 0, 'n3 got a snapshot');
      // A lazy snapshot stores no copy on the nodes that took one; n3's, received, has one.
      const copy = (n: NodeId) => readSnapshotData(r.world.storage(n)).length;
      if (lazy) assert.equal(copy('n1'), 0, 'n1 compacted without copying its state');
      else assert.ok(copy('n1') > 0, 'n1 copied its state into the snapshot');
      assert.ok(copy('n3') > 0, 'the snapshot n3 installed carries the state');
    });

  it('survives full disks: a failed write drops the Ready and rebuilds the node from storage', () => {
    // Each write is sent during the full-disk windows and retried (same session and seq) after.
    const steps = Array.from({ length: 16 }, (_, i) => ({
      at: 600 + (i % 8) * 50 + (i >= 8 ? 1_500 : 0),
      to: 'n1',
      msg: propose((i % 8) + 1, { op: 'write', value: i % 8 }),
    }));
    const plan = {
      faults: ['n1', 'n2', 'n3'].map((node, i) => ({
        kind: 'disk' as const,
        node,
        fault: 'full' as const,
        at: 600 + i * 150,
        until: 800 + i * 150,
      })),
    };
    const r = runSimulation(spec(steps), { seed: 4, plan, trace: true });
    assert.equal(r.status, 'pass', r.violations[0]?.message ?? r.error);
    assert.equal(
      new Set(
        replies(r.world)
          .filter((m) => m.ok)
          .map((m) => m.seq),
      ).size,
      8,
      'every write answered',
    );
    const trace = r.trace;
    assert.ok(trace !== undefined);
    let rebuilt = 0;
    for (let i = 0; i < trace.eventCount; i++) {
      if ((trace.event(i).notes ?? []).some((n) => n.includes('rebuilding from storage')))
        rebuilt++;
    }
    assert.ok(rebuilt > 0, 'the recovery path ran');
  });
});

/** The state machine's key prefix: the tuple-packed subspace ('sm'). */
function pack(name: string): Uint8Array {
  return new Uint8Array([0x02, ...utf8(name), 0x00]);
}

describe('raftProcess snapshot install over a stale log', () => {
  it('drops the stored entries a snapshot from a newer term supersedes', () => {
    // n1 leads, is cut off, and appends 20 proposals it can never commit. The majority elects a
    // new leader, commits 12 writes and compacts. At the heal n1 gets a snapshot whose index is
    // below its stale entries: they must leave storage with the old log (the log-matching
    // invariant checks that stored terms never go back).
    const stale = Array.from({ length: 20 }, (_, i) => ({
      at: 260 + i * 2,
      to: 'n1',
      msg: propose(i + 1, { op: 'write', value: 100 + i }, 'old'),
    }));
    const fresh = Array.from({ length: 12 }, (_, i) => ({
      at: 900 + i * 25,
      to: 'n2',
      msg: propose(i + 1, { op: 'write', value: i }),
    }));
    const plan = {
      faults: [
        { kind: 'partition' as const, groups: [['n1'], ['n2', 'n3']], at: 250, until: 1_500 },
      ],
    };
    const s = spec([...stale, ...fresh], {
      inputs: [{ at: 1, to: 'n1', msg: { type: 'campaign' } }],
    });
    const r = runSimulation(s, { seed: 1, plan });
    assert.equal(r.status, 'pass', r.violations[0]?.message ?? r.error);
    assert.ok(
      r.facts.some((f) => f.name === 'leader' && f.args[0] === 'n1' && f.args[1] === 1),
      'n1 led term 1',
    );
    assert.ok((readSnapshotMeta(r.world.storage('n1'))?.index ?? 0) > 0, 'n1 installed a snapshot');
    const value = r.world.storage('n1').get(new Uint8Array([...pack('sm'), ...utf8('value')]));
    assert.equal(
      value === undefined ? undefined : fromUtf8(value),
      '11',
      'n1 converged on the majority',
    );
  });
});
