/**
 * The KV store on Raft under the simulator: examples/raft-kv.ts passes a swarm campaign (Raft's
 * invariants, a linearisable kv history, liveness after heal), and leases expire by the leader's
 * tick entries — deterministically, on every replica.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { raftKvSpec } from '../../../examples/raft-kv.js';
import {
  type Context,
  defineSpec,
  NO_FAULTS,
  type NodeId,
  type Process,
  runCampaign,
  runSimulation,
} from '../../../src/index.js';
import type { KvResult } from '../../../src/stores/kv/commands.js';
import { type KvWire, kvProcess } from '../../../src/stores/kv/process.js';
import type { ClientReply } from '../../../src/stores/raft/client-messages.js';

describe('raft-kv spec', () => {
  it('a fault-free run completes every operation and is linearisable', () => {
    const result = runSimulation(raftKvSpec(), { seed: 7, plan: NO_FAULTS });
    assert.equal(result.status, 'pass', JSON.stringify(result.violations));
    const completed = result.history.filter((e) => e.type === 'ok' || e.type === 'fail');
    assert.equal(completed.length, 18, 'three clients × six operations');
    assert.ok(
      result.history.some(
        (e) => e.type === 'ok' && e.f === 'get' && Array.isArray(e.value) && e.value[1] !== null,
      ),
    );
  });

  it('passes a swarm campaign: partitions, crash-restarts, loss, duplication, clock skew', () => {
    const campaign = runCampaign(raftKvSpec(), { from: 1, to: 40 });
    const first = campaign.failures[0];
    assert.equal(campaign.failures.length, 0, first && `seed ${first.seed}: ${first.summary}`);
    assert.equal(campaign.runs, 40);
  });
});

/** Puts `k` with a 100 ms TTL through node n1, then reads it at 50 ms and at 400 ms. */
class LeaseClient implements Process<KvWire> {
  init(ctx: Context<KvWire>): void {
    ctx.setTimer('put', 200);
  }
  timer(ctx: Context<KvWire>, name: string): void {
    const session = ctx.id;
    const to = ctx.nodes[0] as NodeId;
    if (name === 'put') {
      ctx.send(to, {
        type: 'propose',
        session,
        seq: 1,
        command: { op: 'put', key: 'k', value: 'v', ttlMs: 100 },
      });
      ctx.setTimer('early', 50);
      ctx.setTimer('late', 1_000);
    } else {
      const seq = name === 'early' ? 2 : 3;
      ctx.send(to, { type: 'read', session, seq, query: { op: 'get', key: 'k' } });
    }
  }
  receive(ctx: Context<KvWire>, _from: NodeId, msg: KvWire): void {
    if (msg.type !== 'reply') return;
    const reply = msg as ClientReply<KvResult>;
    if (!reply.ok || reply.result.type !== 'get') return;
    ctx.memory.set(reply.seq === 2 ? 'early' : 'late', reply.result.kv?.value ?? null);
  }
}

describe('leases under the simulator', () => {
  it('a key with a TTL disappears after it, by the leader tick entries', () => {
    const spec = defineSpec<KvWire>({
      name: 'kv-lease',
      nodes: ['n1', 'n2', 'n3'],
      process: kvProcess({ electionTicks: 10, heartbeatTicks: 2, tickMs: 10, leaseTickMs: 50 }),
      clients: { ids: ['c1'], process: () => new LeaseClient() },
      time: { model: 'async', horizonMs: 2_000, network: { latency: { kind: 'fixed', ms: 1 } } },
    });
    for (const seed of [1, 2, 3]) {
      const result = runSimulation(spec, { seed, plan: NO_FAULTS });
      const memory = result.world.memory('c1');
      // n1 may not lead: a follower forwards, so both reads are answered either way.
      assert.equal(memory.get('early'), 'v', `seed ${seed}: the key is there before its TTL`);
      assert.equal(memory.get('late'), null, `seed ${seed}: and gone after it`);
    }
  });
});
