/**
 * The KV store's real-process fault suite: clusters of 3 and 5 `cadre kv serve` processes on
 * loopback, node links through fault proxies. While concurrent clients run get / put / cas, a
 * nemesis kills the leader with kill -9 and restarts it, freezes nodes with SIGSTOP/SIGCONT,
 * isolates the leader and splits the cluster. The history is checked linearisable (which includes
 * the final reads after healing), and every acknowledged write-once marker must still be there.
 * Prints its counts: operations, faults, anomalies.
 */
import assert from 'node:assert/strict';
import { after, describe, it } from 'node:test';
import { KvCluster } from './cluster.js';
import { runWorkload, type WorkloadResult } from './workload.js';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const clusters: KvCluster[] = [];

after(async () => {
  for (const c of clusters) await c.close();
});

function report(name: string, cluster: KvCluster, r: WorkloadResult): void {
  const faults = Object.entries(cluster.faults)
    .map(([k, v]) => `${k} ${v}`)
    .join(', ');
  const anomalies = (r.verdict === 'linearizable' ? 0 : 1) + r.lostMarkers.length;
  console.log(
    `[kv faults ${name}] operations: ${r.counts.ok} ok, ${r.counts.fail} failed, ${r.counts.info} unknown; markers acknowledged: ${r.counts.markersAcked}; faults: ${faults}; anomalies: ${anomalies} (history ${r.verdict}${r.explanation === '' ? '' : `: ${r.explanation}`}, lost markers ${r.lostMarkers.length})`,
  );
}

/** Runs `body`; on failure prints each node's last stderr lines, for diagnosis in CI logs. */
async function diagnosed<T>(cluster: KvCluster, body: () => Promise<T>): Promise<T> {
  try {
    return await body();
  } catch (error) {
    for (const n of cluster.nodes) console.error(`[${n.id} stderr] ${n.stderr.slice(-1500)}`);
    throw error;
  }
}

function assertHolds(r: WorkloadResult): void {
  assert.equal(r.verdict, 'linearizable', r.explanation);
  assert.deepEqual(r.lostMarkers, [], 'acknowledged writes lost');
  assert.ok(r.counts.ok > 50, `only ${r.counts.ok} operations completed`);
}

describe('KV fault suite (real processes)', { timeout: 120_000 }, () => {
  it('3 nodes: kill -9 the leader, SIGSTOP, leader isolation, follower crash', async () => {
    const cluster = await KvCluster.start({ size: 3 });
    clusters.push(cluster);
    await cluster.waitForLeader();
    const r = await diagnosed(cluster, () =>
      runWorkload(cluster, {
        clients: 4,
        keys: ['a', 'b', 'c', 'd'],
        nemesis: async (c) => {
          await sleep(1_000);
          const l1 = await c.waitForLeader();
          c.kill9(l1);
          await sleep(1_500);
          await c.restart(l1);
          const l2 = await c.waitForLeader();
          c.pause(l2);
          await sleep(1_500);
          c.resume(l2);
          const l3 = await c.waitForLeader();
          c.partition([l3]);
          await sleep(2_000);
          c.heal();
          const l4 = await c.waitForLeader();
          const follower = c.nodes.find((n) => n.id !== l4)?.id as string;
          c.kill9(follower);
          await sleep(1_000);
          await c.restart(follower);
        },
      }),
    );
    report('3 nodes', cluster, r);
    assertHolds(r);
  });

  it('5 nodes: minority/majority split, two nodes killed at once, leader frozen', async () => {
    const cluster = await KvCluster.start({ size: 5 });
    clusters.push(cluster);
    await cluster.waitForLeader();
    const r = await diagnosed(cluster, () =>
      runWorkload(cluster, {
        clients: 5,
        keys: ['a', 'b', 'c'],
        nemesis: async (c) => {
          await sleep(1_000);
          const l1 = await c.waitForLeader();
          // The leader and one other on the minority side.
          const other = c.nodes.find((n) => n.id !== l1)?.id as string;
          c.partition([l1, other]);
          await sleep(2_500);
          c.heal();
          const l2 = await c.waitForLeader();
          const victims = c.nodes
            .filter((n) => n.id !== l2)
            .slice(0, 2)
            .map((n) => n.id);
          for (const v of victims) c.kill9(v);
          await sleep(1_500);
          await Promise.all(victims.map((v) => c.restart(v)));
          const l3 = await c.waitForLeader();
          c.pause(l3);
          await sleep(1_500);
          c.resume(l3);
        },
      }),
    );
    report('5 nodes', cluster, r);
    assertHolds(r);
  });
});
