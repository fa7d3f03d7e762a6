import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import pino from 'pino';
import { freePorts } from '../../src/runtime/free-port.js';
import { serveMetrics } from '../../src/runtime/metrics-server.js';
import { NodeHost } from '../../src/runtime/node-host.js';
import { type RelayMsg, relayProcess } from './fixtures/relay-process.js';
import { eventually } from './node-process.js';

const silent = pino({ level: 'silent' });
const dirs: string[] = [];
function tempDir(): string {
  const dir = mkdtempSync(join(tmpdir(), 'cadre-host-'));
  dirs.push(dir);
  return dir;
}
after(() => {
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

async function cluster(
  ids: string[],
  dataDirs = ids.map(() => tempDir()),
  extra: { inboxMax?: number } = {},
) {
  const ports = await freePorts(ids.length);
  const peers = Object.fromEntries(
    ids.map((id, i) => [id, { host: '127.0.0.1', port: ports[i] as number }]),
  );
  const hosts = await Promise.all(
    ids.map((id, i) =>
      NodeHost.start<RelayMsg>({
        id,
        listen: peers[id] as { host: string; port: number },
        peers,
        nodes: ids,
        process: relayProcess,
        dataDir: dataDirs[i] as string,
        logger: silent,
        reconnectBaseMs: 10,
        ...extra,
      }),
    ),
  );
  return { hosts, dataDirs };
}

/** Sends `msg` from a fresh endpoint and resolves with the first reply. */
function ask(host: NodeHost<RelayMsg>, msg: RelayMsg, endpoint = 'client:1'): Promise<RelayMsg> {
  return new Promise((resolve) => {
    const detach = host.attach(endpoint, (reply) => {
      detach();
      resolve(reply);
    });
    host.deliver(endpoint, msg);
  });
}

describe('NodeHost', () => {
  it('runs handlers, replies to endpoints and replicates to peers over TCP', async () => {
    const { hosts } = await cluster(['n1', 'n2', 'n3']);
    try {
      const [n1, n2, n3] = hosts as [NodeHost<RelayMsg>, NodeHost<RelayMsg>, NodeHost<RelayMsg>];
      assert.deepEqual(await ask(n1, { type: 'inc', key: 'k' }), {
        type: 'ok',
        key: 'k',
        value: 1,
      });
      assert.deepEqual(await ask(n1, { type: 'inc', key: 'k' }), {
        type: 'ok',
        key: 'k',
        value: 2,
      });
      await eventually('replicas', () => n2.factsEmitted >= 2 && n3.factsEmitted >= 2, 5000);
      const replica = await ask(n3, { type: 'get', key: 'k' });
      assert.equal((replica as { value: number }).value, 2);
    } finally {
      await Promise.all(hosts.map((h) => h.stop()));
    }
  });

  it('recovers durable state on restart: init runs again over the store', async () => {
    const first = await cluster(['a']);
    const a = first.hosts[0] as NodeHost<RelayMsg>;
    await ask(a, { type: 'inc', key: 'k' });
    await ask(a, { type: 'inc', key: 'k' });
    await a.stop();
    const second = await cluster(['a'], first.dataDirs);
    const again = second.hosts[0] as NodeHost<RelayMsg>;
    try {
      const value = (await ask(again, { type: 'get', key: 'k' })) as {
        value: number;
        incarnationStarts: number;
      };
      assert.equal(value.value, 2);
      assert.equal(value.incarnationStarts, 2, 'init ran once per start and read its own count');
    } finally {
      await again.stop();
    }
  });

  it('a handler that throws loses its writes and sends, and the process restarts from storage', async () => {
    const { hosts } = await cluster(['a']);
    const a = hosts[0] as NodeHost<RelayMsg>;
    try {
      await ask(a, { type: 'inc', key: 'k' });
      const replies: RelayMsg[] = [];
      const detach = a.attach('client:bad', (m) => replies.push(m));
      a.deliver('client:bad', { type: 'throw-after-write', key: 'k' });
      const value = (await ask(a, { type: 'get', key: 'k' })) as {
        value: number;
        incarnationStarts: number;
      };
      detach();
      assert.deepEqual(replies, [], 'the failed handler sent nothing');
      assert.equal(value.value, 1, 'its write was discarded');
      assert.equal(value.incarnationStarts, 2, 'a new incarnation ran init');
      assert.equal(
        (await a.registry.getSingleMetric('cadre_handler_errors_total')?.get())?.values[0]?.value,
        1,
      );
    } finally {
      await a.stop();
    }
  });

  it('send to an unknown node throws in the handler (as in the simulator); to a detached endpoint it is dropped and counted', async () => {
    const { hosts } = await cluster(['a']);
    const a = hosts[0] as NodeHost<RelayMsg>;
    try {
      a.deliver('client:x', { type: 'send-to', to: 'zz' });
      a.deliver('client:x', { type: 'send-to', to: 'client:gone' });
      await ask(a, { type: 'get', key: 'k' });
      const errors = await a.registry.getSingleMetric('cadre_handler_errors_total')?.get();
      assert.equal(errors?.values[0]?.value, 1, 'only the unknown node threw');
      const dropped = await a.registry.getSingleMetric('cadre_messages_dropped_total')?.get();
      const detached = dropped?.values.filter((v) => v.labels.reason === 'detached-endpoint');
      // client:x itself is never attached: both its replies and the one to client:gone drop.
      assert.ok((detached?.[0]?.value ?? 0) >= 1);
      assert.throws(() => a.attach('n7', () => {}), /looks like a node id/);
      assert.throws(() => a.deliver('a', { type: 'get', key: 'k' }), /is a node id/);
    } finally {
      await a.stop();
    }
  });

  it('re-arming a timer replaces it', async () => {
    const { hosts } = await cluster(['a']);
    const a = hosts[0] as NodeHost<RelayMsg>;
    try {
      const fired: RelayMsg[] = [];
      const detach = a.attach('client:t', (m) => fired.push(m));
      a.deliver('client:t', { type: 'timer', name: 't', afterMs: 30 });
      a.deliver('client:t', { type: 'timer', name: 't', afterMs: 60 });
      await eventually('timer', () => fired.length > 0, 5000);
      await new Promise((r) => setTimeout(r, 80));
      detach();
      assert.deepEqual(fired, [{ type: 'fired', name: 't' }]);
    } finally {
      await a.stop();
    }
  });

  it('a node whose inbox is full stops reading its peers, and nothing is lost (TCP pushes back)', async () => {
    const { hosts } = await cluster(['n1', 'n2'], undefined, { inboxMax: 20 });
    const [n1, n2] = hosts as [NodeHost<RelayMsg>, NodeHost<RelayMsg>];
    try {
      const count = 3000;
      for (let i = 0; i < count; i++)
        n1.deliver('client:flood', { type: 'inc', key: `k${i % 10}` });
      await eventually('every replica', () => n2.factsEmitted === count, 30_000);
      const dropped = await n1.registry.getSingleMetric('cadre_messages_dropped_total')?.get();
      const toPeer = (dropped?.values ?? []).filter((v) => v.labels.peer === 'n2');
      assert.deepEqual(toPeer, [], 'no message to the peer was dropped');
    } finally {
      await Promise.all(hosts.map((h) => h.stop()));
    }
  });

  it('an init that throws is retried after a pause; deliveries wait for the new incarnation', async () => {
    let inits = 0;
    const [port] = await freePorts(1);
    const host = await NodeHost.start<RelayMsg>({
      id: 'a',
      listen: { host: '127.0.0.1', port: port as number },
      peers: {},
      process: () => {
        const p = relayProcess();
        const init = p.init.bind(p);
        p.init = (ctx) => {
          if (++inits === 1) throw new Error('first init fails');
          init(ctx);
        };
        return p;
      },
      dataDir: tempDir(),
      logger: silent,
    });
    try {
      const value = (await ask(host, { type: 'get', key: 'k' })) as { incarnationStarts: number };
      assert.equal(inits, 2);
      assert.equal(value.incarnationStarts, 1, 'the failed init wrote nothing');
    } finally {
      await host.stop();
    }
  });

  it('a factory that throws at start fails the start and releases the port', async () => {
    const [port] = await freePorts(1);
    const options = {
      id: 'a',
      listen: { host: '127.0.0.1', port: port as number },
      peers: {},
      dataDir: tempDir(),
      logger: silent,
    };
    await assert.rejects(
      NodeHost.start<RelayMsg>({
        ...options,
        process: () => {
          throw new Error('no process today');
        },
      }),
      /no process today/,
    );
    const again = await NodeHost.start<RelayMsg>({ ...options, process: relayProcess });
    await again.stop();
  });

  it('serves Prometheus metrics labelled with the node id', async () => {
    const { hosts } = await cluster(['n1', 'n2']);
    const [n1] = hosts as [NodeHost<RelayMsg>];
    const { server, address } = await serveMetrics(n1.registry, { host: '127.0.0.1', port: 0 });
    try {
      await ask(n1, { type: 'inc', key: 'k' });
      const res = await fetch(`http://127.0.0.1:${address.port}/metrics`);
      assert.equal(res.status, 200);
      const text = await res.text();
      assert.match(text, /cadre_messages_received_total\{peer="endpoint",node="n1"\} 1/);
      assert.match(text, /cadre_commit_seconds_count\{node="n1"\} \d+/);
      assert.match(text, /cadre_handler_seconds_count\{node="n1",kind="deliver"\} 1/);
      assert.equal((await fetch(`http://127.0.0.1:${address.port}/other`)).status, 404);
    } finally {
      server.close();
      await Promise.all(hosts.map((h) => h.stop()));
    }
  });
});
