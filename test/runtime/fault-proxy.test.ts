import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import pino from 'pino';
import { FaultProxy } from '../../src/runtime/fault-proxy.js';
import { freePorts } from '../../src/runtime/free-port.js';
import { NodeHost } from '../../src/runtime/node-host.js';
import { type RelayMsg, relayProcess } from './fixtures/relay-process.js';
import { eventually } from './node-process.js';

const dirs: string[] = [];
after(() => {
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

describe('FaultProxy on a node link', () => {
  it('drops data messages but not the link, adds delay, resets connections (the link reconnects)', async () => {
    const [p1, p2] = await freePorts(2);
    const proxy = await FaultProxy.start(
      { host: '127.0.0.1', port: p2 as number },
      { cadreFrames: true },
    );
    const start = (
      id: string,
      peers: Record<string, { host: string; port: number }>,
      listen: number,
    ) => {
      const dir = mkdtempSync(join(tmpdir(), 'cadre-proxy-'));
      dirs.push(dir);
      return NodeHost.start<RelayMsg>({
        id,
        listen: { host: '127.0.0.1', port: listen },
        peers,
        nodes: ['n1', 'n2'],
        process: relayProcess,
        dataDir: dir,
        logger: pino({ level: 'silent' }),
        reconnectBaseMs: 10,
        heartbeatMs: 100,
        livenessTimeoutMs: 1000,
      });
    };
    // n1 reaches n2 through the proxy; n2 reaches n1 directly.
    const n1 = await start('n1', { n2: proxy.address }, p1 as number);
    const n2 = await start('n2', { n1: { host: '127.0.0.1', port: p1 as number } }, p2 as number);
    const inc = () => n1.deliver('client:1', { type: 'inc', key: 'k' });
    try {
      await eventually('link up', () => n1.connected('n2'), 5000);
      proxy.setMessageDropRate(1);
      inc();
      await new Promise((r) => setTimeout(r, 1300));
      assert.equal(n2.factsEmitted, 0, 'the message was dropped');
      assert.ok(
        n1.connected('n2'),
        'heartbeats still pass: the link stayed up past its liveness timeout',
      );
      assert.ok(proxy.stats.messagesDropped >= 1);
      proxy.setMessageDropRate(0);
      proxy.setDelay(150);
      const t0 = Date.now();
      inc();
      await eventually('delayed delivery', () => n2.factsEmitted === 1, 5000);
      assert.ok(Date.now() - t0 >= 140, `delivered after ${Date.now() - t0} ms`);
      proxy.setDelay(0);
      proxy.reset();
      await eventually('reconnected', () => !n1.connected('n2'), 2000).catch(() => {});
      await eventually('link back', () => n1.connected('n2'), 5000);
      inc();
      await eventually('delivery after reconnect', () => n2.factsEmitted === 2, 5000);
      const reconnects = await n1.registry.getSingleMetric('cadre_reconnects_total')?.get();
      assert.ok((reconnects?.values[0]?.value ?? 0) >= 1);
    } finally {
      await Promise.all([n1.stop(), n2.stop()]);
      await proxy.stop();
    }
  });

  it('refuses message drops on a proxy that does not know the framing', async () => {
    const proxy = await FaultProxy.start({ host: '127.0.0.1', port: 1 });
    try {
      assert.throws(() => proxy.setMessageDropRate(0.5), /cadreFrames: true/);
    } finally {
      await proxy.stop();
    }
  });
});
