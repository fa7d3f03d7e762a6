/**
 * `cadre kv serve` as real processes: redis-cli, ioredis and redis-benchmark work unchanged,
 * followers forward, bad input leaves the connection and the node unharmed, and a cluster without
 * quorum answers writes with a clear TIMEOUT error — then, once healed, has lost nothing it
 * acknowledged.
 */
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { connect } from 'node:net';
import { after, before, describe, it } from 'node:test';
import { promisify } from 'node:util';
import { Redis } from 'ioredis';
import { KvClient } from '../../../src/stores/kv/net/client.js';
import { KvCluster } from './cluster.js';

const run = promisify(execFile);
let cluster: KvCluster;

before(async () => {
  cluster = await KvCluster.start({
    size: 3,
    proxies: false,
    extraArgs: ['--timeout-ms', '1500', '--secret', 'kv-test-secret'],
  });
  await cluster.waitForLeader();
});

after(async () => {
  await cluster?.close();
});

function redis(port: number): Redis {
  return new Redis({ port, host: '127.0.0.1', maxRetriesPerRequest: 0, lazyConnect: true });
}

async function follower(): Promise<number> {
  const leader = await cluster.waitForLeader();
  return (cluster.nodes.find((n) => n.id !== leader) as { respPort: number }).respPort;
}

describe('cadre kv serve', { timeout: 120_000 }, () => {
  it('redis-cli works unchanged, through a follower too', async () => {
    const port = String(await follower());
    const cli = (...args: string[]) =>
      run('redis-cli', ['-p', port, ...args]).then((r) => r.stdout.trim());
    assert.equal(await cli('SET', 'greeting', 'hello'), 'OK');
    assert.equal(await cli('GET', 'greeting'), 'hello');
    assert.equal(await cli('CAS', 'greeting', 'hello', 'bonjour'), '1');
    assert.equal(await cli('INCR', 'visits'), '1');
    assert.match(await cli('INFO', 'raft'), /role:follower/);
    assert.match(await cli('CLUSTER', 'INFO'), /raft_leader:n\d/);
  });

  it('ioredis and the TS client see each other’s writes on every node', async () => {
    const kv = new KvClient({ endpoints: cluster.endpoints });
    await kv.set('shared', 'from-ts');
    for (const n of cluster.nodes) {
      const r = redis(n.respPort);
      await r.connect();
      assert.equal(await r.get('shared'), 'from-ts', `read through ${n.id}`);
      r.disconnect();
    }
    assert.equal(await kv.incr('counter', 3), 3n);
    kv.close();
  });

  it('a write retried with the same SESSION name and seq applies once, on any node', async () => {
    const [a, b] = [
      redis(cluster.nodes[0]?.respPort as number),
      redis(cluster.nodes[1]?.respPort as number),
    ];
    await Promise.all([a.connect(), b.connect()]);
    for (const conn of [a, b, a]) {
      assert.equal(await conn.call('SESSION', 'retry-test', '1'), 'OK');
      assert.equal(await conn.incr('once'), 1, 'the retry returns the first result');
    }
    assert.equal(await b.call('SESSION', 'retry-test', '2'), 'OK');
    assert.equal(await b.incr('once'), 2, 'the next seq applies');
    assert.equal(await a.get('once'), '2');
    a.disconnect();
    b.disconnect();
  });

  it('redis-benchmark runs against it', async () => {
    const port = String(cluster.nodes[0]?.respPort);
    const { stdout } = await run('redis-benchmark', [
      '-p',
      port,
      '-t',
      'set,get',
      '-n',
      '300',
      '-c',
      '8',
      '-q',
    ]);
    assert.match(stdout, /SET: [\d.]+ requests per second/);
    assert.match(stdout, /GET: [\d.]+ requests per second/);
  });

  it('bad input: a clear error, and the connection and node carry on', async () => {
    const r = redis(cluster.nodes[0]?.respPort as number);
    await r.connect();
    await assert.rejects(r.call('NOSUCHCOMMAND'), /unknown command/i);
    await assert.rejects(
      r.set('big', Buffer.alloc(600_000)),
      /value is 600000 bytes; the limit is 524288/,
    );
    await assert.rejects(r.call('CASREV', 'k', 'not-a-number', 'v'), /not an integer/);
    // Malformed RESP on a raw socket gets a protocol error; the node keeps serving.
    const reply = await new Promise<string>((resolve) => {
      const s = connect(cluster.nodes[0]?.respPort as number, '127.0.0.1');
      let out = '';
      s.on('data', (d) => {
        out += d.toString();
      });
      s.on('close', () => resolve(out));
      s.on('error', () => resolve(out));
      s.write('*1\r\n$banana\r\n');
      setTimeout(() => {
        s.destroy();
        resolve(out);
      }, 2_000);
    });
    assert.match(reply, /^-ERR Protocol error/);
    assert.equal(await r.set('after-bad-input', 'ok'), 'OK');
    r.disconnect();
  });

  it('without quorum a write fails with TIMEOUT; after healing nothing acknowledged is lost', async () => {
    const kv = new KvClient({ endpoints: cluster.endpoints });
    const acked: string[] = [];
    for (let i = 0; i < 20; i++) {
      await kv.set(`q${i}`, String(i));
      acked.push(`q${i}`);
    }
    kv.close();
    const leader = await cluster.waitForLeader();
    const survivor = cluster.nodes.find((n) => n.id !== leader) as { id: string; respPort: number };
    const others = cluster.nodes.filter((n) => n.id !== survivor.id).map((n) => n.id);
    for (const id of others) cluster.kill9(id);
    const r = redis(survivor.respPort);
    await r.connect();
    const started = Date.now();
    await assert.rejects(r.set('lonely', 'x'), /TIMEOUT write timed out after 1500 ms/);
    assert.ok(Date.now() - started < 5_000);
    assert.equal(await r.ping(), 'PONG', 'the connection is still usable');
    r.disconnect();
    for (const id of others) await cluster.restart(id);
    await cluster.waitForLeader();
    const check = new KvClient({ endpoints: cluster.endpoints });
    const present = await check.range('q', 'r');
    check.close();
    for (const key of acked)
      assert.ok(
        present.some(([k]) => k === key),
        `${key} lost`,
      );
  });
});
