// Crash consistency of the LMDB backend: a child process writes batches and acknowledges each one
// after `batch` returns; we SIGKILL it mid-run (several times, at different points), reopen the
// store and check that every acknowledged batch is there, whole, and that no batch is half there.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { LmdbKV } from '../../src/storage/backends/lmdb-kv.js';
import { batchKey, batchValue, KEYS_PER_BATCH, LAST_KEY } from './fixtures/crash-layout.js';

const writer = join(import.meta.dirname, 'fixtures', 'crash-writer.ts');

/** Runs the writer from batch `first` until it has acknowledged `acks` batches, then SIGKILLs it.
 * Returns the acknowledged ids. */
function runAndKill(dir: string, first: number, acks: number): Promise<number[]> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', 'tsx', writer, dir, String(first)], {
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const acked: number[] = [];
    let buffered = '';
    let stderr = '';
    child.stderr.on('data', (d: Buffer) => {
      stderr += d.toString();
    });
    child.stdout.on('data', (d: Buffer) => {
      buffered += d.toString();
      const lines = buffered.split('\n');
      buffered = lines.pop() ?? '';
      for (const line of lines) acked.push(Number(line.replace('ack ', '')));
      if (acked.length >= acks && child.exitCode === null) child.kill('SIGKILL');
    });
    child.on('exit', (code, signal) => {
      if (signal === 'SIGKILL') resolve(acked);
      else reject(new Error(`writer exited with ${code}, not killed: ${stderr}`));
    });
  });
}

test('LmdbKV: after SIGKILL mid-write, every acknowledged batch is whole and no batch is partial', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'cadre-crash-'));
  try {
    let next = 0;
    const acknowledged: number[] = [];
    // Kill points vary so the kill lands at different places in the write loop.
    for (const acks of [40, 150, 7]) {
      const acked = await runAndKill(dir, next, acks);
      assert.ok(acked.length >= acks, `writer acknowledged ${acked.length} batches`);
      acknowledged.push(...acked);
      const kv = LmdbKV.open(dir);
      try {
        const last = Number(Buffer.from(kv.get(LAST_KEY) ?? []).toString());
        const maxAcked = Math.max(...acked);
        assert.ok(last >= maxAcked, `last committed ${last} >= last acknowledged ${maxAcked}`);
        for (const i of acknowledged) {
          for (let j = 0; j < KEYS_PER_BATCH; j++) {
            const v = kv.get(batchKey(i, j));
            assert.ok(
              v !== undefined && Buffer.compare(v, batchValue(i, j)) === 0,
              `batch ${i} key ${j}`,
            );
          }
        }
        // Every batch on disk (acknowledged or committed just before the kill) is whole.
        const perBatch = new Map<string, number>();
        for (const { key } of kv.range({ start: Buffer.from('b/'), end: Buffer.from('b0') })) {
          const id = Buffer.from(key).toString().split('/')[1] as string;
          perBatch.set(id, (perBatch.get(id) ?? 0) + 1);
        }
        for (const [id, n] of perBatch)
          assert.equal(n, KEYS_PER_BATCH, `batch ${id} has ${n} keys`);
        assert.equal(perBatch.size, last + 1, 'batches 0..last are all there');
        next = last + 1;
      } finally {
        kv.close();
      }
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
