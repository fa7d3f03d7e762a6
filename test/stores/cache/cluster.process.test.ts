// A real 3-node cache cluster on loopback (`cadre cache serve` OS processes): a write on one node
// is read back converged on the others; a node killed with SIGKILL comes back with its data and
// catches up on what it missed; redis-cli works against it; SET NX/XX and SCAN behave as in Redis
// (SCAN's cursor stays valid while keys are written); malformed RESP, oversized values and bad
// SCAN/SET arguments get RESP errors; a damaged data directory makes a node refuse to start with a
// clear message.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { Redis } from 'ioredis';
import { freePorts } from '../../../src/runtime/free-port.js';
import { LmdbKV } from '../../../src/storage/backends/lmdb-kv.js';
import { utf8 } from '../../../src/storage/bytes.js';
import { peersFlag } from '../../runtime/node-process.js';
import { CacheNodeProcess, until } from './cache-node.js';

const dir = mkdtempSync(join(tmpdir(), 'cadre-cache-'));
let peers = '';
const nodes = new Map<string, CacheNodeProcess>();
const clients = new Map<string, Redis>();

async function startNode(id: string, extra: string[] = []): Promise<Redis> {
  const node = new CacheNodeProcess(id, peers, join(dir, id), extra);
  nodes.set(id, node);
  const port = await node.respPort;
  clients.get(id)?.disconnect();
  const client = new Redis({
    port,
    host: '127.0.0.1',
    maxRetriesPerRequest: 0,
    retryStrategy: () => null,
    lazyConnect: true,
  });
  await client.connect();
  clients.set(id, client);
  return client;
}

const client = (id: string) => clients.get(id) as Redis;

describe('cache cluster (real processes)', () => {
  before(async () => {
    const [p1, p2, p3] = await freePorts(3);
    peers = peersFlag({ n1: p1 as number, n2: p2 as number, n3: p3 as number });
    await Promise.all(
      ['n1', 'n2', 'n3'].map((id) =>
        startNode(id, ['--gossip-ms', '20', '--anti-entropy-ms', '200']),
      ),
    );
  });

  after(async () => {
    for (const c of clients.values()) c.disconnect();
    await CacheNodeProcess.killAll();
    rmSync(dir, { recursive: true, force: true });
  });

  test('a write on one node is read, converged, on the others', async () => {
    assert.equal(await client('n1').set('greeting', 'hello'), 'OK');
    assert.equal(await client('n1').get('greeting'), 'hello', 'read-your-writes on n1');
    await client('n2').incrby('hits', 5);
    await client('n3').incrby('hits', 7);
    await client('n1').set('session', 'x', 'EX', 100);
    const took = await until('n2 and n3 to converge', async () => {
      const [a, b] = await Promise.all([
        client('n2').mget('greeting', 'hits', 'session'),
        client('n3').mget('greeting', 'hits', 'session'),
      ]);
      return (
        JSON.stringify(a) === JSON.stringify(['hello', '12', 'x']) &&
        JSON.stringify(b) === JSON.stringify(a)
      );
    });
    assert.ok(took < 10_000);
    const ttl = await client('n3').ttl('session');
    assert.ok(ttl > 90 && ttl <= 100, `ttl ${ttl}`);
    assert.equal(await client('n2').del('greeting', 'nothing'), 1);
    await until(
      'the delete to reach n1',
      async () => (await client('n1').get('greeting')) === null,
    );
  });

  test('kill -9 and restart: the node keeps its data and catches up', async () => {
    await client('n2').set('before-crash', 'kept');
    await nodes.get('n2')?.kill9();
    await client('n1').set('while-down', 'caught-up');
    await client('n3').incrby('hits', 100);
    const c2 = await startNode('n2', ['--gossip-ms', '20', '--anti-entropy-ms', '200']);
    assert.equal(await c2.get('before-crash'), 'kept', 'persisted before the crash');
    await until('n2 to catch up', async () => {
      const v = await c2.mget('while-down', 'hits');
      return v[0] === 'caught-up' && v[1] === '112';
    });
  });

  test('redis-cli works against a node', async () => {
    const port = await (nodes.get('n1') as CacheNodeProcess).respPort;
    const cli = (...args: string[]) =>
      spawnSync('redis-cli', ['-p', String(port), ...args], { encoding: 'utf8' }).stdout.trim();
    assert.equal(cli('SET', 'cli-key', 'cli value'), 'OK');
    assert.equal(cli('GET', 'cli-key'), 'cli value');
    assert.equal(cli('INCRBY', 'cli-n', '3'), '3');
    assert.equal(cli('EXPIRE', 'cli-key', '50'), '1');
    assert.equal(cli('TTL', 'cli-key'), '50');
    assert.deepEqual(cli('MGET', 'cli-key', 'nope').split('\n'), ['cli value']);
    assert.match(cli('INCRBY', 'cli-key', '1'), /ERR value is not an integer/);
    assert.match(cli('SET', 'a', 'b', 'EX', '-1'), /ERR invalid expire time/);
    assert.match(cli('PING'), /PONG/);
  });

  test('SET NX / XX with ioredis and redis-cli, decided on the node written to', async () => {
    const c = client('n1');
    assert.equal(await c.set('nx-key', 'first', 'NX'), 'OK');
    assert.equal(await c.set('nx-key', 'second', 'NX'), null, 'NX on a present key');
    assert.equal(await c.set('nx-missing', 'v', 'XX'), null, 'XX on an absent key');
    assert.equal(await c.set('nx-key', 'third', 'EX', 100, 'XX'), 'OK');
    assert.equal(await c.get('nx-key'), 'third');
    assert.equal(await c.get('nx-missing'), null);
    const ttl = await c.ttl('nx-key');
    assert.ok(ttl > 90 && ttl <= 100, `ttl ${ttl}`);
    // The condition holds on the other nodes once the write has reached them.
    await until('nx-key to reach n2', async () => (await client('n2').get('nx-key')) === 'third');
    assert.equal(await client('n2').set('nx-key', 'n2', 'NX'), null);
    const port = await (nodes.get('n1') as CacheNodeProcess).respPort;
    const cli = (...args: string[]) =>
      spawnSync('redis-cli', ['-p', String(port), ...args], { encoding: 'utf8' }).stdout.trim();
    assert.equal(cli('SET', 'cli-nx', 'a', 'NX'), 'OK');
    assert.equal(cli('SET', 'cli-nx', 'b', 'NX'), '');
    assert.equal(cli('SET', 'cli-nx', 'c', 'XX'), 'OK');
    assert.equal(cli('GET', 'cli-nx'), 'c');
    assert.match(
      cli('SET', 'cli-nx', 'd', 'NX', 'XX'),
      /ERR syntax error: SET takes NX .* or XX .*, not both/,
    );
    await assert.rejects(c.call('SET', 'nx-key', 'e', 'XX', 'NX'), /not both/);
    assert.equal(await c.get('nx-key'), 'third', 'a refused SET changes nothing');
  });

  test('SCAN with redis-cli --scan and ioredis scanStream, while keys are written', async () => {
    const c = client('n1');
    const p = c.pipeline();
    for (let i = 0; i < 300; i++) p.set(`scan:${i}`, 'v');
    await p.exec();
    const port = await (nodes.get('n1') as CacheNodeProcess).respPort;
    const listed = spawnSync('redis-cli', ['-p', String(port), '--scan', '--pattern', 'scan:*'], {
      encoding: 'utf8',
    }).stdout.trim();
    const fromCli = new Set(listed.split('\n'));
    for (let i = 0; i < 300; i++) assert.ok(fromCli.has(`scan:${i}`), `redis-cli found scan:${i}`);
    assert.equal([...fromCli].filter((k) => !k.startsWith('scan:')).length, 0, 'MATCH held');
    // ioredis' scanStream drives the cursor; between its batches the keys are rewritten and
    // read (both move them in the node's order) and new keys written: every key present for the
    // whole scan must come back at least once.
    const found = new Set<string>();
    const stream = c.scanStream({ match: 'scan:*', count: 20 });
    let batch = 0;
    for await (const keys of stream as AsyncIterable<string[]>) {
      for (const k of keys) found.add(k);
      stream.pause();
      const b = batch++;
      await c.set(`scan:${(b * 37) % 300}`, 'rewritten');
      await c.get(`scan:${(b * 53) % 300}`);
      await c.set(`scan:new:${b}`, 'v');
      stream.resume();
    }
    for (let i = 0; i < 300; i++) assert.ok(found.has(`scan:${i}`), `scanStream found scan:${i}`);
    assert.ok(batch > 300 / 20, `${batch} batches`);
    const cli = (...args: string[]) =>
      spawnSync('redis-cli', ['-p', String(port), ...args], { encoding: 'utf8' }).stdout.trim();
    assert.match(cli('SCAN', 'abc'), /ERR invalid cursor "abc"/);
    assert.match(
      cli('SCAN', '0', 'COUNT', '0'),
      /ERR syntax error: SCAN COUNT must be a whole number from 1 to 100000, got "0"/,
    );
    assert.match(cli('SCAN', '0', 'COUNT', 'x'), /SCAN COUNT must be a whole number/);
    assert.match(cli('SCAN', '0', 'LIMIT', '5'), /ERR syntax error: unknown SCAN option "LIMIT"/);
    assert.match(cli('SCAN', '0', 'MATCH'), /SCAN MATCH needs a value/);
    assert.match(cli('SCAN', '4242'), /ERR invalid cursor 4242: not a scan of this node/);
    assert.equal(
      cli('SCAN', '0', 'TYPE', 'hash', 'COUNT', '1000').split('\n').length,
      1,
      'no hashes here',
    );
  });

  test('malformed RESP and oversized values get RESP errors; the node carries on', async () => {
    const port = await (nodes.get('n1') as CacheNodeProcess).respPort;
    const reply = await new Promise<string>((resolve) => {
      const socket = connect(port, '127.0.0.1', () => socket.write('*1\r\n$abc\r\n'));
      let data = '';
      socket.on('data', (d) => {
        data += d.toString();
      });
      socket.on('close', () => resolve(data));
      socket.setTimeout(5000, () => socket.destroy());
    });
    assert.match(reply, /^-ERR Protocol error/);
    await assert.rejects(
      client('n1').set('big', 'x'.repeat(600 * 1024)),
      /value is 614400 characters, more than the limit of 524288/,
    );
    assert.equal(await client('n1').get('big'), null);
    assert.equal(await client('n1').get('cli-key'), 'cli value', 'still serving');
  });

  test('a damaged data directory: the node refuses to start and says why', async () => {
    await nodes.get('n3')?.stop();
    const kv = LmdbKV.open(join(dir, 'n3'));
    kv.put(utf8('k/poisoned'), utf8('{"this is": "not a key state"}'));
    kv.close();
    const refused = new CacheNodeProcess('n3', peers, join(dir, 'n3'));
    assert.equal(await refused.exited, 2);
    await refused.respPort.catch(() => {});
    const text = refused.output.join('\n');
    assert.match(
      text,
      /refusing to start: the record of key "poisoned" in the data directory is corrupt/,
    );
    // An unreadable store file is refused too.
    const broken = join(dir, 'broken');
    rmSync(broken, { recursive: true, force: true });
    LmdbKV.open(broken).close();
    writeFileSync(join(broken, 'data.mdb'), 'this is not an LMDB file');
    const refused2 = new CacheNodeProcess('n3', peers, broken);
    assert.equal(await refused2.exited, 2);
    await refused2.respPort.catch(() => {});
    assert.match(refused2.output.join('\n'), /refusing to start/);
  });
});
