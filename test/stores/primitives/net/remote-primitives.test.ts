/**
 * The primitives' network drivers (src/stores/primitives/net) through a real KvClient and the RESP
 * REQUEST command, over a one-node in-process backend whose lease clock the test sets. The
 * multi-process run on a real cluster is test/examples/job-board.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { Redis } from 'ioredis';
import { KvClient } from '../../../../src/stores/kv/net/client.js';
import { type RespFront, startRespFront } from '../../../../src/stores/kv/net/resp-front.js';
import type { DiscoveryDiff } from '../../../../src/stores/primitives/discovery.js';
import { RemoteDiscovery } from '../../../../src/stores/primitives/net/remote-discovery.js';
import {
  EventLogCompactedError,
  RemoteEventLog,
} from '../../../../src/stores/primitives/net/remote-event-log.js';
import { RemoteLock } from '../../../../src/stores/primitives/net/remote-lock.js';
import { RemoteRegistry } from '../../../../src/stores/primitives/net/remote-registry.js';
import { sleep } from '../../../../src/stores/primitives/net/requester.js';
import type { RegistryChange } from '../../../../src/stores/primitives/registry.js';
import { LocalBackend } from '../../kv/local-backend.js';

let backend: LocalBackend;
let front: RespFront;
const clients: KvClient[] = [];
const client = () => {
  const c = new KvClient({ endpoints: [{ host: '127.0.0.1', port: front.port }] });
  clients.push(c);
  return c;
};

before(async () => {
  backend = new LocalBackend();
  backend.timeMs = 1000;
  front = await startRespFront({ backend, port: 0 });
});

after(async () => {
  for (const c of clients) c.close();
  await front.close();
});

async function until(what: string, condition: () => boolean): Promise<void> {
  for (let i = 0; i < 200 && !condition(); i++) await sleep(10);
  assert.ok(condition(), `timed out waiting for ${what}`);
}

describe('REQUEST: one command or query as JSON', () => {
  it('answers with the result as JSON, store errors included', async () => {
    const kv = client();
    const put = await kv.request({
      kind: 'command',
      command: { op: 'put', key: 'r', value: 'é\u00ff' },
    });
    assert.equal(put.type, 'put');
    const got = await kv.request({ kind: 'query', query: { op: 'get', key: 'r' } });
    assert.ok(got.type === 'get' && got.kv?.value === 'é\u00ff');
    const noLease = await kv.request({
      kind: 'command',
      command: { op: 'leaseKeepAlive', id: 999 },
    });
    assert.ok(noLease.type === 'error' && noLease.code === 'no-lease');
  });

  it('names what is wrong with bad input and keeps serving', async () => {
    const redis = new Redis({ port: front.port, host: '127.0.0.1', maxRetriesPerRequest: 0 });
    try {
      await assert.rejects(redis.call('REQUEST', '{nope'), /REQUEST: the argument is not JSON/);
      await assert.rejects(redis.call('REQUEST', '[]'), /"kind" must be "command" or "query"/);
      await assert.rejects(
        redis.call('REQUEST', JSON.stringify({ kind: 'command', command: { op: 'put', key: '' } })),
        /REQUEST: command: put key must not be empty/,
      );
      await assert.rejects(
        redis.call('REQUEST', JSON.stringify({ kind: 'query', query: { op: 'drop' } })),
        /REQUEST: query: unknown query op "drop"/,
      );
      await assert.rejects(redis.call('REQUEST'), /wrong number of arguments/);
      assert.equal(await redis.ping(), 'PONG');
    } finally {
      redis.disconnect();
    }
  });
});

describe('RemoteLock', () => {
  it('hands the lock over in queue order with increasing fencing tokens', async () => {
    const a = new RemoteLock(client(), { prefix: 'locks/x', ttlMs: 60_000, owner: 'a', pollMs: 5 });
    const b = new RemoteLock(client(), { prefix: 'locks/x', ttlMs: 60_000, owner: 'b', pollMs: 5 });
    const tokenA = await a.acquire();
    let tokenB = 0;
    const waiting = b.acquire().then((t) => {
      tokenB = t;
    });
    await sleep(50);
    assert.equal(tokenB, 0, 'b must wait while a holds');
    assert.equal(b.phase, 'waiting');
    await a.release();
    await waiting;
    assert.ok(tokenB > tokenA, `tokens ${tokenA} then ${tokenB}`);
    assert.equal(b.token, tokenB);
    await b.release();
    assert.equal(b.phase, 'released');
  });

  it('reports a held lock lost when a keep-alive finds its lease expired', async () => {
    const lost: string[] = [];
    const lock = new RemoteLock(client(), {
      prefix: 'locks/y',
      ttlMs: 500,
      owner: 'c',
      keepAliveMs: 10,
      onLost: (reason) => lost.push(reason),
    });
    await lock.acquire();
    backend.timeMs += 10_000; // the holder was silent past its TTL
    await until('the loss', () => lost.length > 0);
    assert.deepEqual(lost, ['lease expired']);
    assert.equal(lock.token, 0);
    assert.equal(lock.phase, 'lost');
  });
});

describe('RemoteEventLog', () => {
  it('appends in global order, follows from a position, and reports trimmed positions', async () => {
    const log = new RemoteEventLog(client(), { producer: 'p1' });
    const positions = [await log.append('t', 'one'), await log.append('t', 'two')];
    assert.ok(
      positions[0] !== undefined && positions[1] !== undefined && positions[1] > positions[0],
    );
    const read = await log.read('t', 1);
    assert.ok(read.kind === 'entries');
    assert.deepEqual(
      read.entries.map((e) => [e.position, e.producer, e.seq, e.payload]),
      [
        [positions[0], 'p1', 1, 'one'],
        [positions[1], 'p1', 2, 'two'],
      ],
    );
    // follow: the two, then one appended while following.
    const controller = new AbortController();
    const seen: string[] = [];
    const following = (async () => {
      for await (const e of log.follow('t', 1, { pollMs: 5, signal: controller.signal })) {
        seen.push(e.payload);
        if (seen.length === 3) controller.abort();
      }
    })();
    await until('two entries', () => seen.length === 2);
    await new RemoteEventLog(client(), { producer: 'p2' }).append('t', 'three');
    await following;
    assert.deepEqual(seen, ['one', 'two', 'three']);
    // trim below the second: reading from 1 is compacted, with the oldest kept position.
    const oldest = await log.trim('t', positions[1]);
    assert.equal(oldest, positions[1]);
    const compacted = await log.read('t', 1);
    assert.ok(compacted.kind === 'compacted' && compacted.oldest === positions[1]);
    await assert.rejects(
      (async () => {
        for await (const _ of log.follow('t', 1)) assert.fail('nothing before the trim is kept');
      })(),
      (e: unknown) => e instanceof EventLogCompactedError && e.oldest === positions[1],
    );
  });

  it('refuses a producer numbering that cannot be right', () => {
    assert.throws(() => new RemoteEventLog(client(), { firstSeq: 0 }), /firstSeq must be/);
  });
});

describe('RemoteDiscovery', () => {
  it('lists registered instances and watches joins and leaves from a revision', async () => {
    const discovery = new RemoteDiscovery(client());
    const empty = await discovery.list('api');
    assert.deepEqual(empty.instances, []);
    const diffs: DiscoveryDiff[] = [];
    const watch = discovery.watch('api', empty.revision + 1, (d) => diffs.push(...d), {
      pollMs: 5,
    });
    const one = await discovery.register('api', 'i1', '10.0.0.1:80', { ttlMs: 60_000 });
    await discovery.register('api', 'i2', '10.0.0.2:80', { ttlMs: 60_000 });
    const listed = await discovery.list('api');
    assert.deepEqual(
      listed.instances.map((i) => [i.id, i.address]),
      [
        ['i1', '10.0.0.1:80'],
        ['i2', '10.0.0.2:80'],
      ],
    );
    await one.deregister();
    assert.equal(one.alive, false);
    await until('three diffs', () => diffs.length === 3);
    watch.stop();
    await watch.done;
    assert.deepEqual(
      diffs.map((d) => [d.type, d.id]),
      [
        ['join', 'i1'],
        ['join', 'i2'],
        ['leave', 'i1'],
      ],
    );
    assert.deepEqual(
      (await discovery.list('api')).instances.map((i) => i.id),
      ['i2'],
    );
  });

  it('tells the owner when its registration expired', async () => {
    let expired = false;
    const discovery = new RemoteDiscovery(client());
    const reg = await discovery.register('batch', 'b1', 'host:1', {
      ttlMs: 30,
      onExpired: () => {
        expired = true;
      },
    });
    backend.timeMs += 10_000;
    await until('the expiry', () => expired);
    assert.equal(reg.alive, false);
  });
});

describe('RemoteRegistry', () => {
  it('gives a name to one owner at a time, tells the next who holds it, and frees it', async () => {
    const a = new RemoteRegistry(client());
    const b = new RemoteRegistry(client());
    const start = (await a.list('svc-')).revision;
    const changes: RegistryChange[] = [];
    const watch = a.watch('svc-', start + 1, (c) => changes.push(...c), { pollMs: 5 });
    const held = await a.register('svc-leader', 'alice', { ttlMs: 60_000 });
    assert.equal(held.kind, 'registered');
    const taken = await b.register('svc-leader', 'bob', { ttlMs: 60_000 });
    assert.ok(taken.kind === 'taken' && held.kind === 'registered');
    assert.equal(taken.holder, 'alice');
    assert.equal(taken.holderEpoch, held.epoch);
    const found = await b.lookup('svc-leader');
    assert.deepEqual(found.entry, { name: 'svc-leader', owner: 'alice', epoch: held.epoch });
    await held.unregister();
    assert.equal(held.held, false);
    const again = await b.register('svc-leader', 'bob', { ttlMs: 60_000 });
    assert.ok(again.kind === 'registered' && again.epoch > held.epoch, 'epochs grow');
    assert.deepEqual(
      (await a.list('svc-')).entries.map((e) => e.owner),
      ['bob'],
    );
    await until('three changes', () => changes.length === 3);
    watch.stop();
    await watch.done;
    assert.deepEqual(
      changes.map((c) => (c.type === 'registered' ? `+${c.owner}` : '-')),
      ['+alice', '-', '+bob'],
    );
  });

  it('tells the owner when its name was lost to an expired lease', async () => {
    const lost: string[] = [];
    const registry = new RemoteRegistry(client());
    const held = await registry.register('batch-leader', 'carol', {
      ttlMs: 30,
      onLost: (reason) => lost.push(reason),
    });
    backend.timeMs += 10_000;
    await until('the loss', () => lost.length > 0);
    assert.deepEqual(lost, ['lease expired']);
    assert.ok(held.kind === 'registered' && !held.held);
    await assert.rejects(registry.register('', 'x'), /name must be a non-empty string/);
  });
});
