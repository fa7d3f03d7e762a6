/**
 * Back up and restore, as docs/guide/kv.md describes: stop one node gracefully, copy its data
 * directory, start it again; later, a fresh cluster whose every node starts from that copy serves
 * exactly the data acknowledged before the backup.
 */
import assert from 'node:assert/strict';
import { cpSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { KvClient } from '../../../src/stores/kv/net/client.js';
import { KvCluster } from './cluster.js';

const backup = join(mkdtempSync(join(tmpdir(), 'cadre-kv-backup-')), 'n1');
const clusters: KvCluster[] = [];

after(async () => {
  for (const c of clusters) await c.close();
  rmSync(join(backup, '..'), { recursive: true, force: true });
});

describe('KV backup and restore', { timeout: 120_000 }, () => {
  it('a copied data directory restores a whole cluster', async () => {
    const first = await KvCluster.start({ size: 3, proxies: false });
    clusters.push(first);
    await first.waitForLeader();
    const kv = new KvClient({ endpoints: first.endpoints });
    for (let i = 0; i < 30; i++) await kv.set(`before:${i}`, String(i));
    // Back up n1: stop it, copy, start it again; the other two keep serving.
    await first.stop('n1');
    cpSync(first.node('n1').dataDir, backup, { recursive: true });
    await first.restart('n1');
    await kv.set('after:backup', 'x');
    kv.close();
    await first.close();

    const restored = await KvCluster.start({
      size: 3,
      proxies: false,
      prepare: (dir) => cpSync(backup, dir, { recursive: true }),
    });
    clusters.push(restored);
    await restored.waitForLeader();
    const check = new KvClient({ endpoints: restored.endpoints });
    const before = await check.range('before:', 'before;');
    assert.equal(before.length, 30);
    assert.equal(await check.get('before:7'), '7');
    assert.equal(await check.get('after:backup'), null, 'written after the backup');
    await check.set('restored', 'yes');
    assert.equal(await check.get('restored'), 'yes');
    check.close();
  });
});
