/**
 * Membership, as docs/guide/kv.md describes: replace a member's machine by removing it
 * (`CLUSTER REMOVE` on the leader), starting it again with an empty data directory, and adding it
 * back (`CLUSTER ADD`); it catches up from the leader (through a snapshot: the log is compacted)
 * and serves reads. A follower refuses admin
 * requests with NOTLEADER naming the leader.
 */
import assert from 'node:assert/strict';
import { rmSync } from 'node:fs';
import { after, before, describe, it } from 'node:test';
import { Redis } from 'ioredis';
import { KvClient } from '../../../src/stores/kv/net/client.js';
import { KvCluster } from './cluster.js';

let cluster: KvCluster;

before(async () => {
  // Compact every 10 entries: the wiped member can only catch up through a snapshot, which the
  // leader builds when it sends it (lazy snapshots, the KV node's default).
  cluster = await KvCluster.start({
    size: 3,
    proxies: false,
    extraArgs: ['--snapshot-entries', '10'],
  });
  await cluster.waitForLeader();
});

after(async () => {
  await cluster?.close();
});

async function call(port: number, ...args: string[]): Promise<unknown> {
  const r = new Redis({ port, host: '127.0.0.1', maxRetriesPerRequest: 0, lazyConnect: true });
  try {
    await r.connect();
    return await r.call(args[0] as string, ...args.slice(1));
  } finally {
    r.disconnect();
  }
}

async function eventually(
  what: string,
  check: () => Promise<boolean>,
  timeoutMs = 20_000,
): Promise<void> {
  const until = Date.now() + timeoutMs;
  while (Date.now() < until) {
    if (await check().catch(() => false)) return;
    await new Promise((r) => setTimeout(r, 200));
  }
  assert.fail(`${what}: not within ${timeoutMs} ms`);
}

describe('KV membership', { timeout: 120_000 }, () => {
  it('remove a member, wipe it, add it back: it catches up and serves', async () => {
    const leaderId = await cluster.waitForLeader();
    const leader = cluster.node(leaderId);
    const replaced = cluster.nodes.find((n) => n.id !== leaderId) as (typeof cluster.nodes)[number];
    const kv = new KvClient({ endpoints: cluster.endpoints });
    for (let i = 0; i < 20; i++) await kv.set(`m${i}`, String(i));

    await assert.rejects(
      call(replaced.respPort, 'CLUSTER', 'REMOVE', leaderId),
      /NOTLEADER leader=n\d/,
    );
    await assert.rejects(
      call(leader.respPort, 'CLUSTER', 'ADD', 'n9'),
      /not a node of this cluster's --peers/,
    );
    assert.equal(await call(leader.respPort, 'CLUSTER', 'REMOVE', replaced.id), 'OK');
    await eventually('the leader drops the member', async () => {
      const members = (await call(leader.respPort, 'CLUSTER', 'MEMBERS')) as string[];
      return members.length === 2 && !members.includes(replaced.id);
    });

    await cluster.stop(replaced.id);
    rmSync(replaced.dataDir, { recursive: true, force: true });
    await kv.set('while-two', 'yes'); // two voters: both must ack
    await cluster.restart(replaced.id);
    assert.equal(await call(leader.respPort, 'CLUSTER', 'ADD', replaced.id), 'OK');
    await eventually(
      'the new member catches up',
      async () => (await call(replaced.respPort, 'GET', 'while-two')) === 'yes',
    );
    assert.equal(await call(replaced.respPort, 'GET', 'm7'), '7');
    const members = (await call(leader.respPort, 'CLUSTER', 'MEMBERS')) as string[];
    assert.deepEqual([...members].sort(), cluster.nodes.map((n) => n.id).sort());
    await kv.set('after-add', 'ok');
    assert.equal(await kv.get('after-add'), 'ok');
    kv.close();
  });

  it('CLUSTER TRANSFER hands leadership to another member', async () => {
    const leaderId = await cluster.waitForLeader();
    const target = cluster.nodes.find((n) => n.id !== leaderId) as (typeof cluster.nodes)[number];
    assert.equal(
      await call(cluster.node(leaderId).respPort, 'CLUSTER', 'TRANSFER', target.id),
      'OK',
    );
    await eventually(
      'the target leads',
      async () =>
        (await call(target.respPort, 'CLUSTER', 'LEADER')) === target.id &&
        (await cluster.leader()) === target.id,
    );
  });
});
