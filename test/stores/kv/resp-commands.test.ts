/**
 * The KV store's RESP commands, through a real RespServer on loopback, driven by ioredis and by
 * raw sockets (malformed input), over a one-node in-process backend.
 */
import assert from 'node:assert/strict';
import { connect } from 'node:net';
import { after, before, describe, it } from 'node:test';
import { Redis } from 'ioredis';
import { prefixEnd } from '../../../src/stores/kv/net/resp-commands.js';
import { type RespFront, startRespFront } from '../../../src/stores/kv/net/resp-front.js';
import { LocalBackend } from './local-backend.js';

let backend: LocalBackend;
let front: RespFront;
let redis: Redis;

before(async () => {
  backend = new LocalBackend();
  front = await startRespFront({ backend, port: 0, addressOf: (id) => `${id}.example:7000` });
  redis = new Redis({
    port: front.port,
    host: '127.0.0.1',
    lazyConnect: true,
    maxRetriesPerRequest: 0,
  });
  await redis.connect();
});

after(async () => {
  redis.disconnect();
  await front.close();
});

/** Sends raw bytes on a fresh connection and collects what comes back until it goes quiet. */
function raw(bytes: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = connect(front.port, '127.0.0.1');
    let out = '';
    let quiet: NodeJS.Timeout | undefined;
    const finish = () => {
      socket.destroy();
      resolve(out);
    };
    socket.on('data', (d) => {
      out += d.toString('latin1');
      clearTimeout(quiet);
      quiet = setTimeout(finish, 100);
    });
    socket.on('close', () => resolve(out));
    socket.on('error', reject);
    socket.write(bytes);
    quiet = setTimeout(finish, 500);
  });
}

describe('KV RESP commands', () => {
  it('GET, SET with NX/XX/GET, DEL, EXISTS, INCR family with Redis replies', async () => {
    assert.equal(await redis.get('missing'), null);
    assert.equal(await redis.set('a', '1'), 'OK');
    assert.equal(await redis.get('a'), '1');
    assert.equal(await redis.set('a', '2', 'NX'), null);
    assert.equal(await redis.set('b', '2', 'XX'), null);
    assert.equal(await redis.set('a', '3', 'XX', 'GET'), '1');
    assert.equal(await redis.setnx('c', 'x'), 1);
    assert.equal(await redis.exists('a', 'b', 'c', 'a'), 3);
    assert.equal(await redis.del('a', 'b', 'c'), 2);
    assert.equal(await redis.incr('n'), 1);
    assert.equal(await redis.incrby('n', 10), 11);
    assert.equal(await redis.decr('n'), 10);
    assert.equal(await redis.decrby('n', 20), -10);
    await redis.set('s', 'text');
    await assert.rejects(redis.incr('s'), /ERR value is not an integer or out of range/);
    assert.equal(await redis.dbsize(), 2);
  });

  it('binary keys and values round-trip byte for byte', async () => {
    const key = Buffer.from([0x00, 0xff, 0x80, 0x0a]);
    const value = Buffer.from([0xc3, 0x28, 0x00, 0xfe]);
    await redis.set(key, value);
    assert.deepEqual(await redis.getBuffer(key), value);
    await redis.set('ünïcode', 'värde');
    assert.equal(await redis.get('ünïcode'), 'värde');
  });

  it('CAS, CASREV and GETREV compare on value and on revision', async () => {
    await redis.set('k', 'v1');
    assert.equal(await redis.call('CAS', 'k', 'nope', 'v2'), 0);
    assert.equal(await redis.call('CAS', 'k', 'v1', 'v2'), 1);
    const [value, modRevision, , version] = (await redis.call('GETREV', 'k')) as [
      string,
      number,
      number,
      number,
    ];
    assert.deepEqual([value, version], ['v2', 2]);
    assert.equal(await redis.call('CASREV', 'k', String(modRevision - 1), 'v3'), 0);
    assert.equal(await redis.call('CASREV', 'k', String(modRevision), 'v3'), 1);
    assert.equal(await redis.call('CASREV', 'fresh', '0', 'v'), 1);
    assert.equal(await redis.call('GETREV', 'nothing'), null);
  });

  it('RANGE, SCAN and KEYS walk keys in byte order', async () => {
    for (const k of ['p:1', 'p:2', 'p:3', 'q:1']) await redis.set(k, `v${k}`);
    assert.deepEqual(await redis.call('RANGE', 'p:', 'p;'), [
      'p:1',
      'vp:1',
      'p:2',
      'vp:2',
      'p:3',
      'vp:3',
    ]);
    assert.deepEqual(await redis.call('RANGE', 'p:', '', 'LIMIT', '2'), [
      'p:1',
      'vp:1',
      'p:2',
      'vp:2',
    ]);
    const seen: string[] = [];
    let cursor = '0';
    do {
      const [next, keys] = (await redis.scan(cursor, 'MATCH', 'p:*', 'COUNT', '2')) as [
        string,
        string[],
      ];
      seen.push(...keys);
      cursor = next;
    } while (cursor !== '0');
    assert.deepEqual(seen, ['p:1', 'p:2', 'p:3']);
    assert.deepEqual((await redis.keys('p:[12]')).sort(), ['p:1', 'p:2']);
    await assert.rejects(redis.scan('zzz'), /invalid cursor/);
  });

  it('CHANGES is the resumable change feed; COMPACT makes old revisions fail clearly', async () => {
    await redis.set('w', '1');
    const [next, events] = (await redis.call('CHANGES', '1', 'RANGE', 'w', 'x')) as [
      number,
      unknown[][],
    ];
    assert.equal(events.length, 1);
    assert.deepEqual(events[0]?.slice(1, 4), ['put', 'w', '1']);
    await redis.set('w', '2');
    const [, more] = (await redis.call('CHANGES', String(next), 'RANGE', 'w', 'x')) as [
      number,
      unknown[][],
    ];
    assert.deepEqual(
      more.map((e) => e[3]),
      ['2'],
    );
    assert.ok(((await redis.call('COMPACT', String(next))) as number) > 0);
    await assert.rejects(
      redis.call('CHANGES', '1'),
      /^ReplyError: COMPACTED revision 1 has been compacted/,
    );
  });

  it('SET EX maps to a lease; LEASE commands grant, attach, inspect and revoke', async () => {
    backend.timeMs = 1_000;
    await redis.set('t', 'v', 'PX', 500);
    const [, , , , lease] = (await redis.call('GETREV', 't')) as number[];
    assert.ok((lease as number) > 0);
    const [id] = (await redis.call('LEASE', 'GRANT', '60000')) as number[];
    assert.equal(await redis.call('LEASE', 'ATTACH', String(id), 'l1', 'x'), 'OK');
    const info = (await redis.call('LEASE', 'INFO', String(id))) as unknown[];
    assert.deepEqual(info[3], ['l1']);
    backend.timeMs = 1_500; // the next entry's time passes t's expiry
    assert.equal(await redis.call('LEASE', 'REVOKE', String(id)), 1);
    assert.equal(await redis.exists('t', 'l1'), 0);
    await assert.rejects(
      redis.call('LEASE', 'REVOKE', String(id)),
      /NOLEASE lease \d+ does not exist/,
    );
    await assert.rejects(redis.set('t', 'v', 'EX', 0), /invalid expire time/);
  });

  it('CLUSTER and INFO report Raft status', async () => {
    assert.equal(await redis.call('CLUSTER', 'MYID'), 'n1');
    assert.match((await redis.call('CLUSTER', 'INFO')) as string, /raft_role:leader/);
    assert.match(await redis.info('raft'), /role:leader[\s\S]*members:n1/);
    assert.equal(await redis.call('CLUSTER', 'REMOVE', 'n2'), 'OK');
    assert.equal(await redis.call('CLUSTER', 'TRANSFER', 'n3'), 'OK');
    assert.deepEqual(backend.admins, [
      { op: 'remove', node: 'n2' },
      { op: 'transfer', node: 'n3' },
    ]);
    await assert.rejects(
      redis.call('CLUSTER', 'ADD'),
      /wrong number of arguments for 'cluster\|add'/,
    );
    await assert.rejects(redis.call('CLUSTER', 'NOPE'), /unknown subcommand 'NOPE'/);
  });

  it('bad input gets a clear error and the connection and node carry on', async () => {
    await assert.rejects(redis.call('FROB', 'x'), /unknown command/i);
    await assert.rejects(
      redis.set('big', 'x'.repeat(512 * 1024 + 1)),
      /value is 524289 bytes; the limit is 524288/,
    );
    await assert.rejects(redis.get(''), /empty keys are not allowed/);
    await assert.rejects(redis.call('GET'), /wrong number of arguments/);
    await assert.rejects(redis.call('RANGE', 'a', 'b', 'LIMIT'), /syntax error/);
    await assert.rejects(redis.call('SET', 'k', 'v', 'EX', 'ten'), /invalid expire time/);
    const reply = await raw('*2\r\n$3\r\nGET\r\n$-5\r\n');
    assert.match(reply, /^-ERR Protocol error/);
    assert.equal(await redis.ping(), 'PONG');
    assert.equal(await redis.set('still', 'fine'), 'OK');
  });

  it('an unavailable cluster answers NOTLEADER, NOQUORUM or TIMEOUT; nothing hangs', async () => {
    backend.unavailable = { code: 'not-leader', leader: 'n2' };
    await assert.rejects(redis.set('x', '1'), /NOTLEADER leader=n2 addr=n2\.example:7000/);
    backend.unavailable = { code: 'no-quorum' };
    await assert.rejects(redis.get('x'), /NOQUORUM .*no reachable majority/);
    backend.unavailable = { code: 'timeout' };
    await assert.rejects(redis.set('x', '1'), /TIMEOUT .*a write may still take effect/);
    backend.unavailable = undefined;
    assert.equal(await redis.set('x', '1'), 'OK');
  });

  it('SESSION names the next write; a bad name is refused', async () => {
    assert.equal(await redis.call('SESSION', 'app-1', '7'), 'OK');
    assert.deepEqual(backend.bound, ['client/app-1', 7]);
    await assert.rejects(redis.call('SESSION', 'app-1', '0'), /not an integer/);
    await assert.rejects(redis.call('SESSION', 'a b', '1'), /printable ASCII/);
  });

  it('a closed connection closes its session', async () => {
    const before = backend.sessions;
    const extra = new Redis({ port: front.port, host: '127.0.0.1', lazyConnect: true });
    await extra.connect();
    await extra.ping();
    assert.equal(backend.sessions, before + 1);
    extra.disconnect();
    for (let i = 0; i < 50 && backend.sessions !== before; i++)
      await new Promise((r) => setTimeout(r, 10));
    assert.equal(backend.sessions, before);
  });
});

describe('KV RESP helpers', () => {
  it('prefixEnd bounds a prefix', () => {
    assert.equal(prefixEnd('ab'), 'ac');
    assert.equal(prefixEnd('a\xff'), 'b');
    assert.equal(prefixEnd('\xff\xff'), '');
  });
});
