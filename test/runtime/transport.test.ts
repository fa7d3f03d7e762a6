import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { connect, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import pino from 'pino';
import { encodeFrame, FrameDecoder } from '../../src/runtime/frame-codec.js';
import { freePorts } from '../../src/runtime/free-port.js';
import { handshakeMac, newNonce } from '../../src/runtime/handshake.js';
import { NodeHost } from '../../src/runtime/node-host.js';
import type { TlsSettings } from '../../src/runtime/transport.js';
import { HELLO, pack, packMessage, unpackFrame, WELCOME } from '../../src/runtime/wire.js';
import { type RelayMsg, relayProcess } from './fixtures/relay-process.js';

const dirs: string[] = [];
const tempDir = () => {
  const d = mkdtempSync(join(tmpdir(), 'cadre-transport-'));
  dirs.push(d);
  return d;
};
after(() => {
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

const SECRET = 'test-secret';

/** Two relay nodes; n1's log lines are collected. */
async function pair(extra: { tls?: TlsSettings; frameBytesMax?: number } = {}) {
  const ports = await freePorts(3);
  // n3 is a known peer that never runs: the raw test client speaks as n3 (speaking as n2 would
  // make the real n2's reconnect replace the test's connection).
  const peers = {
    n1: { host: '127.0.0.1', port: ports[0] as number },
    n2: { host: '127.0.0.1', port: ports[1] as number },
    n3: { host: '127.0.0.1', port: ports[2] as number },
  };
  const logs: Record<string, unknown>[] = [];
  const logger = pino({ level: 'info' }, { write: (line: string) => logs.push(JSON.parse(line)) });
  const start = (id: 'n1' | 'n2' | 'n3', log: pino.Logger) =>
    NodeHost.start<RelayMsg>({
      id,
      listen: peers[id],
      peers,
      process: relayProcess,
      dataDir: tempDir(),
      logger: log,
      secret: SECRET,
      reconnectBaseMs: 10,
      ...extra,
    });
  const [n1, n2] = await Promise.all([start('n1', logger), start('n2', pino({ level: 'silent' }))]);
  return { n1, n2, logs, peers };
}

/** n1 increments a counter; resolves once n2 holds the replica (n1 keeps serving its peer). */
async function replicates(n1: NodeHost<RelayMsg>, n2: NodeHost<RelayMsg>): Promise<void> {
  const before = n2.factsEmitted;
  await new Promise<void>((resolve) => {
    const detach = n1.attach('client:check', () => {
      detach();
      resolve();
    });
    n1.deliver('client:check', { type: 'inc', key: 'k' });
  });
  const deadline = Date.now() + 5000;
  while (n2.factsEmitted === before) {
    if (Date.now() > deadline) throw new Error('n2 never got the replica');
    await new Promise((r) => setTimeout(r, 10));
  }
}

/** A raw TCP client of a node port. */
class RawClient {
  readonly socket: Socket;
  readonly frames: unknown[][] = [];
  readonly closed: Promise<void>;
  readonly #decoder = new FrameDecoder();
  constructor(port: number) {
    this.socket = connect({ host: '127.0.0.1', port });
    this.socket.on('error', () => {});
    this.socket.on('data', (c: Buffer) => {
      for (const f of this.#decoder.push(c)) this.frames.push(unpackFrame(f));
    });
    this.closed = new Promise((r) => this.socket.on('close', () => r()));
  }
  async frame(n: number): Promise<unknown[]> {
    const deadline = Date.now() + 3000;
    while (this.frames.length <= n) {
      if (Date.now() > deadline) throw new Error(`no frame ${n}`);
      await new Promise((r) => setTimeout(r, 5));
    }
    return this.frames[n] as unknown[];
  }
}

function rejection(
  logs: Record<string, unknown>[],
  reason: string,
): Record<string, unknown> | undefined {
  return logs.find(
    (l) =>
      l.reason === reason && typeof l.msg === 'string' && l.msg.startsWith('connection closed'),
  );
}

async function untilLogged(logs: Record<string, unknown>[], reason: string) {
  const deadline = Date.now() + 3000;
  while (rejection(logs, reason) === undefined) {
    if (Date.now() > deadline)
      throw new Error(`no log line with reason ${reason}: ${JSON.stringify(logs.slice(-5))}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

describe('node port under bad input', () => {
  it('closes connections that send garbage, oversized frames or a wrong handshake, logs why, and keeps serving its peers', async () => {
    const { n1, n2, logs, peers } = await pair({ frameBytesMax: 4096 });
    try {
      await replicates(n1, n2);
      // 1. Garbage bytes (an HTTP request): its first four bytes announce a huge frame.
      const http = new RawClient(peers.n1.port);
      http.socket.write('GET / HTTP/1.1\r\nHost: x\r\n\r\n');
      await http.closed;
      await untilLogged(logs, 'oversized-frame');
      // 2. A well-framed payload that is not msgpack.
      const junk = new RawClient(peers.n1.port);
      junk.socket.write(encodeFrame(Buffer.from([0xc1, 0xc1, 0xc1])));
      await junk.closed;
      await untilLogged(logs, 'garbage');
      // 3. A handshake with the wrong secret.
      const wrong = new RawClient(peers.n1.port);
      const challenge = await wrong.frame(0);
      const nonce = newNonce();
      wrong.socket.write(
        encodeFrame(
          pack([
            HELLO,
            'n2',
            'n1',
            nonce,
            handshakeMac('guess', 'dialer', 'n2', 'n1', nonce, challenge[2] as Buffer),
          ]),
        ),
      );
      await wrong.closed;
      await untilLogged(logs, 'bad-secret');
      // 4. A handshake from a node that is not a peer.
      const stranger = new RawClient(peers.n1.port);
      await stranger.frame(0);
      stranger.socket.write(encodeFrame(pack([HELLO, 'n9', 'n1', newNonce(), null])));
      await stranger.closed;
      await untilLogged(logs, 'unknown-peer');
      // 5. A correct handshake, then a frame over the 4096-byte limit.
      const big = new RawClient(peers.n1.port);
      const ch = await big.frame(0);
      const dn = newNonce();
      big.socket.write(
        encodeFrame(
          pack([
            HELLO,
            'n3',
            'n1',
            dn,
            handshakeMac(SECRET, 'dialer', 'n3', 'n1', dn, ch[2] as Buffer),
          ]),
        ),
      );
      assert.equal((await big.frame(1))[0], WELCOME);
      big.socket.write(encodeFrame(packMessage({ type: 'replica', key: 'z', value: 1 })));
      big.socket.write(encodeFrame(Buffer.alloc(5000, 1)));
      await big.closed;
      const deadline = Date.now() + 3000;
      while (
        !logs.some((l) => /frame of 5000 bytes exceeds the limit of 4096/.test(String(l.detail)))
      ) {
        if (Date.now() > deadline)
          throw new Error(
            `the oversized frame was not logged: ${JSON.stringify(logs.filter((l) => l.reason !== undefined))}`,
          );
        await new Promise((r) => setTimeout(r, 10));
      }
      // 6. No handshake at all: closed after the handshake timeout (default 5 s) — not waited for here.
      // The node still serves its real peer.
      await replicates(n1, n2);
      const rejected = await n1.registry.getSingleMetric('cadre_connections_rejected_total')?.get();
      const byReason = Object.fromEntries(
        (rejected?.values ?? []).map((v) => [v.labels.reason, v.value]),
      );
      assert.deepEqual(byReason, {
        'oversized-frame': 2,
        garbage: 1,
        'bad-secret': 1,
        'unknown-peer': 1,
      });
    } finally {
      await Promise.all([n1.stop(), n2.stop()]);
    }
  });
});

describe('TLS', () => {
  let tls: TlsSettings | undefined;
  before(() => {
    const dir = tempDir();
    try {
      execFileSync(
        'openssl',
        [
          'req',
          '-x509',
          '-newkey',
          'rsa:2048',
          '-nodes',
          '-days',
          '1',
          '-subj',
          '/CN=cadre-test',
          '-addext',
          'subjectAltName=IP:127.0.0.1',
          '-keyout',
          join(dir, 'key.pem'),
          '-out',
          join(dir, 'cert.pem'),
        ],
        { stdio: 'ignore' },
      );
      const cert = readFileSync(join(dir, 'cert.pem'));
      tls = { cert, key: readFileSync(join(dir, 'key.pem')), ca: cert };
    } catch {
      tls = undefined;
    }
  });

  it('carries the node links over mutual TLS (self-signed certificate from openssl) and refuses plain TCP', async (t) => {
    if (tls === undefined) {
      t.skip('openssl is not available: TLS not tested');
      return;
    }
    const { n1, n2, logs, peers } = await pair({ tls });
    try {
      await replicates(n1, n2);
      const plain = new RawClient(peers.n1.port);
      plain.socket.write(encodeFrame(pack([HELLO, 'n2', 'n1', newNonce(), null])));
      await plain.closed;
      await untilLogged(logs, 'tls');
      await replicates(n1, n2);
    } finally {
      await Promise.all([n1.stop(), n2.stop()]);
    }
  });
});
