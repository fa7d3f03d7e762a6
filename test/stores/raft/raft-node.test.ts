// The pure Raft core: configuration errors, batching and flow control, the uncommitted-entries
// cap, and a property test over random schedules (delivery order, loss, duplication, ticks,
// proposals, crash-restarts from durable state): election safety and state-machine safety hold.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { RaftNode } from '../../../src/stores/raft/raft-node.js';
import type { HardState, LogEntry, Outgoing, RaftMessage } from '../../../src/stores/raft/types.js';

const base = { voters: ['a', 'b', 'c'], electionTicks: 5, heartbeatTicks: 1, random: () => 0 };

/** Elects `a` among a, b, c by hand; returns the nodes with every queued message delivered. */
function elected(
  config: Partial<ConstructorParameters<typeof RaftNode>[0]> = {},
): Map<string, RaftNode> {
  const nodes = new Map(
    ['a', 'b', 'c'].map((id) => [id, new RaftNode({ ...base, ...config, id })]),
  );
  (nodes.get('a') as RaftNode).campaign();
  settle(nodes);
  assert.equal(nodes.get('a')?.status().role, 'leader');
  return nodes;
}

/** Delivers everything until quiet; returns the messages delivered. */
function settle(
  nodes: Map<string, RaftNode>,
  drop: (m: Outgoing) => boolean = () => false,
): Outgoing[] {
  const seen: Outgoing[] = [];
  for (let round = 0; round < 100; round++) {
    const out: { from: string; m: Outgoing }[] = [];
    for (const [id, n] of nodes) {
      while (n.hasReady()) {
        const rd = n.ready();
        for (const m of rd.messages) out.push({ from: id, m });
        n.advance(rd);
      }
    }
    if (out.length === 0) return seen;
    for (const { from, m } of out) {
      if (drop(m)) continue;
      seen.push(m);
      nodes.get(m.to)?.step(from, m.msg);
    }
  }
  throw new Error('no quiescence');
}

describe('RaftNode', () => {
  it('rejects a bad configuration, naming the field', () => {
    assert.throws(
      () => new RaftNode({ ...base, id: 'a', electionTicks: 1 }),
      /raft a: electionTicks must be a whole number >= 2, got 1/,
    );
    assert.throws(
      () => new RaftNode({ ...base, id: 'a', heartbeatTicks: 5 }),
      /heartbeatTicks must be a whole number in \[1, electionTicks\), got 5/,
    );
  });

  it('batches the proposals of one step into one append per follower, at most entriesPerMessageMax each', () => {
    const nodes = elected({ entriesPerMessageMax: 3 });
    const a = nodes.get('a') as RaftNode;
    for (let i = 0; i < 7; i++) a.propose(`v${i}`);
    const rd = a.ready();
    const apps = rd.messages
      .filter((m) => m.msg.type === 'app' && m.to === 'b')
      .map((m) => (m.msg as Extract<RaftMessage, { type: 'app' }>).entries.length);
    // Pipelined in replicate state: 3 + 3 + 1 entries in three appends, all sent at once.
    assert.deepEqual(apps, [3, 3, 1]);
    a.advance(rd);
  });

  it('stops at inflightMax unacknowledged appends per follower', () => {
    const nodes = elected({ entriesPerMessageMax: 1, inflightMax: 2 });
    const a = nodes.get('a') as RaftNode;
    for (let i = 0; i < 5; i++) a.propose(`v${i}`);
    const rd = a.ready();
    assert.equal(rd.messages.filter((m) => m.msg.type === 'app' && m.to === 'c').length, 2);
    a.advance(rd);
    assert.equal(a.progress('c')?.isPaused(), true);
  });

  it('refuses proposals past uncommittedEntriesMax (no quorum to commit them)', () => {
    const nodes = elected({ uncommittedEntriesMax: 3 });
    const a = nodes.get('a') as RaftNode;
    nodes.delete('b');
    nodes.delete('c');
    const results = Array.from({ length: 5 }, (_, i) => a.propose(i));
    assert.deepEqual(
      results.map((r) => (typeof r === 'string' ? r : 'ok')),
      ['ok', 'ok', 'ok', 'no-quorum', 'no-quorum'],
    );
  });

  it('keeps election safety and state-machine safety under random schedules (property)', () => {
    type Action =
      | { kind: 'tick'; node: number }
      | { kind: 'deliver'; pick: number; dup: boolean }
      | { kind: 'drop'; pick: number }
      | { kind: 'propose'; node: number }
      | { kind: 'restart'; node: number };
    const action: fc.Arbitrary<Action> = fc.oneof(
      { weight: 6, arbitrary: fc.record({ kind: fc.constant('tick' as const), node: fc.nat(2) }) },
      {
        weight: 8,
        arbitrary: fc.record({
          kind: fc.constant('deliver' as const),
          pick: fc.nat(),
          dup: fc.boolean(),
        }),
      },
      { weight: 1, arbitrary: fc.record({ kind: fc.constant('drop' as const), pick: fc.nat() }) },
      {
        weight: 2,
        arbitrary: fc.record({ kind: fc.constant('propose' as const), node: fc.nat(2) }),
      },
      {
        weight: 1,
        arbitrary: fc.record({ kind: fc.constant('restart' as const), node: fc.nat(2) }),
      },
    );
    let appliedTotal = 0;
    let leadersTotal = 0;
    fc.assert(
      fc.property(
        fc.array(action, { minLength: 200, maxLength: 600 }),
        fc.integer(),
        (actions, seed) => {
          const ids = ['a', 'b', 'c'];
          let r = seed >>> 0;
          const random = () => {
            r = (r * 1103515245 + 12345) >>> 0;
            return (r >>> 8) / 2 ** 24;
          };
          const disks = new Map(
            ids.map((id) => [
              id,
              { hs: { term: 0, vote: null, commit: 0 } as HardState, log: [] as LogEntry[] },
            ]),
          );
          const make = (id: string) => {
            const d = disks.get(id) as { hs: HardState; log: LogEntry[] };
            return new RaftNode(
              { ...base, id, random },
              { hardState: d.hs, entries: d.log, applied: 0 },
            );
          };
          const nodes = new Map(ids.map((id) => [id, make(id)]));
          const applied = new Map<string, string[]>(ids.map((id) => [id, []]));
          const leaders = new Map<number, string>();
          let queue: { from: string; m: Outgoing }[] = [];
          let seq = 0;
          const drain = (id: string) => {
            const n = nodes.get(id) as RaftNode;
            const d = disks.get(id) as { hs: HardState; log: LogEntry[] };
            while (n.hasReady()) {
              const rd = n.ready();
              const first = rd.entries[0];
              if (first !== undefined)
                d.log = [...d.log.filter((e) => e.index < first.index), ...rd.entries];
              if (rd.hardState !== undefined) d.hs = rd.hardState;
              for (const m of rd.messages) queue.push({ from: id, m });
              const list = applied.get(id) as string[];
              for (const e of rd.committed) {
                // After a restart the node re-applies from index 1: compare, then record.
                const at = e.index - 1;
                const text = `${e.index}/${e.term}`;
                if (at < list.length)
                  assert.equal(list[at], text, `${id} re-applied a different entry at ${e.index}`);
                else list.push(text);
              }
              n.advance(rd);
            }
            const s = n.status();
            if (s.role === 'leader') {
              const other = leaders.get(s.term);
              assert.ok(
                other === undefined || other === id,
                `two leaders in term ${s.term}: ${other} and ${id}`,
              );
              leaders.set(s.term, id);
            }
          };
          for (const act of actions) {
            if (act.kind === 'tick') {
              const id = ids[act.node] as string;
              nodes.get(id)?.tick();
              drain(id);
            } else if (act.kind === 'propose') {
              const id = ids[act.node] as string;
              nodes.get(id)?.propose(`p${seq++}`);
              drain(id);
            } else if (act.kind === 'restart') {
              const id = ids[act.node] as string;
              nodes.set(id, make(id));
              queue = queue.filter((q) => q.m.to !== id); // in-flight messages to it are lost
            } else if (queue.length > 0) {
              const i = act.pick % queue.length;
              const q = queue[i] as { from: string; m: Outgoing };
              if (act.kind === 'drop' || !(act.kind === 'deliver' && act.dup)) queue.splice(i, 1);
              if (act.kind === 'deliver') {
                nodes.get(q.m.to)?.step(q.from, q.m.msg);
                drain(q.m.to);
              }
            }
          }
          appliedTotal += Math.max(...[...applied.values()].map((l) => l.length));
          leadersTotal += leaders.size;
          // State-machine safety: every pair of applied sequences agrees on their common prefix.
          const lists = [...applied.values()];
          for (const x of lists)
            for (const y of lists)
              for (let i = 0; i < Math.min(x.length, y.length); i++) assert.equal(x[i], y[i]);
        },
      ),
      { numRuns: 150, seed: 42 },
    );
    // The schedules do elect leaders and commit entries (the property is not vacuous).
    assert.ok(leadersTotal > 150, `leaders: ${leadersTotal}, applied ${appliedTotal}`);
    assert.ok(appliedTotal > 150, `entries applied: ${appliedTotal}`);
  });
});
