/**
 * Transport benchmark: messages per second one way and round-trip latency (p50, p99) between two
 * OS processes on loopback, frames of 100 B and 10 KB, over src/runtime/transport.ts (framing,
 * batching, msgpack). Also, side by side in the same run: msgpack against JSON for the same
 * payloads, and the cost of one durable commit (LMDB transaction with fsync) — what persist before
 * send costs per commit group.
 *
 *     node --import tsx bench/transport.ts [--messages 400000] [--round-trips 5000]
 *
 * The machine is shared: run it a few times and compare the ratios within one run.
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';
import { Packr } from 'msgpackr';
import pino from 'pino';
import { freePorts } from '../src/runtime/free-port.js';
import { RuntimeMetrics } from '../src/runtime/metrics.js';
import { Transport } from '../src/runtime/transport.js';
import { LmdbKV } from '../src/storage/backends/lmdb-kv.js';

type BenchMsg =
  | { t: 'm'; data: string }
  | { t: 'done'; count: number }
  | { t: 'ping'; i: number; data: string }
  | { t: 'pong'; i: number; data: string };

const SECRET = 'bench-secret';
const self = fileURLToPath(import.meta.url);

function arg(name: string, fallback: number): number {
  const i = process.argv.indexOf(name);
  return i < 0 ? fallback : Number(process.argv[i + 1]);
}

/** Padding so the whole frame (4-byte header + msgpack payload) is `frameBytes` long. */
function padFor(frameBytes: number, kind: 'm' | 'ping'): string {
  const packr = new Packr({ useRecords: false });
  const overhead =
    kind === 'm'
      ? packr.pack([3, { t: 'm', data: '' }]).length
      : packr.pack([3, { t: 'ping', i: 1_000_000, data: '' }]).length;
  // +4 for the length prefix; strings over 31 bytes take 2-3 extra header bytes.
  const extra = frameBytes - 4 - overhead;
  return 'x'.repeat(Math.max(0, extra - (extra > 255 ? 2 : extra > 31 ? 1 : 0)));
}

async function startTransport(
  id: string,
  ports: Record<string, number>,
  onMessage: (from: string, msg: BenchMsg) => void,
): Promise<Transport> {
  const peers = Object.fromEntries(
    Object.entries(ports).map(([k, port]) => [k, { host: '127.0.0.1', port }]),
  );
  return Transport.start({
    id,
    listen: peers[id] as { host: string; port: number },
    peers,
    secret: SECRET,
    logger: pino({ level: 'warn' }),
    metrics: RuntimeMetrics.forNode(id),
    queueMessagesMax: 1 << 20,
    queueBytesMax: 1 << 30,
    onMessage: (from, m) => onMessage(from, m.payload as BenchMsg),
  });
}

/** The receiving process: counts messages, answers `done` and `ping`. */
async function receiver(ports: Record<string, number>): Promise<void> {
  let count = 0;
  let expect = Number.POSITIVE_INFINITY;
  const transport: Transport = await startTransport('recv', ports, (from, msg) => {
    if (msg.t === 'm') {
      count++;
      if (count === expect) {
        transport.send(from, { t: 'done', count });
        count = 0;
      }
    } else if (msg.t === 'ping') transport.send(from, { t: 'pong', i: msg.i, data: msg.data });
    else if (msg.t === 'done') expect = msg.count; // the sender announces the count first
  });
  process.stdout.write('ready\n');
  process.on('SIGTERM', () => void transport.stop(0).then(() => process.exit(0)));
}

async function until(check: () => boolean): Promise<void> {
  while (!check()) await new Promise((r) => setImmediate(r));
}

async function sender(
  ports: Record<string, number>,
  messages: number,
  roundTrips: number,
): Promise<void> {
  let done = false;
  // Each round trip waits on a promise the pong resolves (no polling: a spinning sender would
  // steal the CPU the receiver needs on a small machine).
  const pongs = new Map<number, (at: number) => void>();
  const transport = await startTransport('send', ports, (_from, msg) => {
    if (msg.t === 'done') done = true;
    else if (msg.t === 'pong') pongs.get(msg.i)?.(performance.now());
  });
  await until(() => transport.connected('recv'));
  const rows: string[] = [];
  for (const frameBytes of [100, 10_240]) {
    const data = padFor(frameBytes, 'm');
    const n = frameBytes > 1000 ? Math.max(1, Math.floor(messages / 10)) : messages;
    // Warm-up, then the measured run.
    for (const [count, measured] of [
      [Math.min(20_000, n), false],
      [n, true],
    ] as const) {
      transport.send('recv', { t: 'done', count });
      done = false;
      const t0 = performance.now();
      let sent = 0;
      while (sent < count) {
        // Respect backpressure: keep at most ~50k messages queued.
        while (sent < count && transport.queued('recv') < 50_000) {
          transport.send('recv', { t: 'm', data });
          sent++;
        }
        await new Promise((r) => setImmediate(r));
      }
      await until(() => done);
      const seconds = (performance.now() - t0) / 1000;
      if (measured) {
        const rate = count / seconds;
        rows.push(
          `| one way, ${frameBytes === 100 ? '100 B' : '10 KB'} frames | ${count.toLocaleString('en')} msgs | ${Math.round(rate).toLocaleString('en')} msgs/s | ${((rate * frameBytes * 8) / 1e9).toFixed(2)} Gbit/s |`,
        );
      }
    }
  }
  for (const frameBytes of [100, 10_240]) {
    const data = padFor(frameBytes, 'ping');
    const samples: number[] = [];
    for (let i = 0; i < roundTrips + 200; i++) {
      const t0 = performance.now();
      transport.send('recv', { t: 'ping', i, data });
      const at = await new Promise<number>((resolve) => pongs.set(i, resolve));
      pongs.delete(i);
      if (i >= 200) samples.push(at - t0);
    }
    samples.sort((a, b) => a - b);
    const q = (p: number) =>
      (samples[Math.min(samples.length - 1, Math.floor(p * samples.length))] as number).toFixed(3);
    rows.push(
      `| round trip, ${frameBytes === 100 ? '100 B' : '10 KB'} frames, one at a time | ${samples.length} | p50 ${q(0.5)} ms | p99 ${q(0.99)} ms |`,
    );
  }
  await transport.stop(0);
  console.log('| transport (two processes, loopback) | n | result | |');
  console.log('|---|---|---|---|');
  for (const r of rows) console.log(r);
}

/** msgpack vs JSON: encode + decode of the same bench payloads, in this process. */
function codecs(): void {
  const packr = new Packr({ useRecords: false });
  console.log('\n| codec (encode + decode, same process, best of 5) | payload | ops/s | bytes |');
  console.log('|---|---|---|---|');
  for (const frameBytes of [100, 10_240]) {
    const value = [3, { t: 'm', data: padFor(frameBytes, 'm') }];
    const raft = [
      3,
      {
        type: 'append',
        term: 7,
        leader: 'n1',
        prevIndex: 41,
        prevTerm: 7,
        entries: [{ term: 7, index: 42, op: { put: 'user/17', value: 'x'.repeat(40) } }],
        commit: 41,
      },
    ];
    for (const [name, v] of [
      [`${frameBytes === 100 ? '100 B' : '10 KB'} string payload`, value],
      ...(frameBytes === 100 ? [['Raft-like append (nested object)', raft] as const] : []),
    ] as const) {
      const codecs = [
        ['msgpackr', (x: unknown) => packr.pack(x), (b: Buffer) => packr.unpack(b)],
        [
          'JSON',
          (x: unknown) => Buffer.from(JSON.stringify(x)),
          (b: Buffer) => JSON.parse(b.toString('utf8')),
        ],
      ] as const;
      // Best of 5 alternating rounds: other jobs on the machine make single rounds noisy.
      const best = new Map<string, { rate: number; bytes: number }>();
      for (let round = 0; round < 5; round++) {
        for (const [codec, enc, dec] of codecs) {
          const iterations = frameBytes > 1000 ? 20_000 : 100_000;
          let bytes = 0;
          const t0 = performance.now();
          for (let i = 0; i < iterations; i++) {
            const b = enc(v);
            bytes = b.length;
            dec(b);
          }
          const rate = iterations / ((performance.now() - t0) / 1000);
          if (rate > (best.get(codec)?.rate ?? 0)) best.set(codec, { rate, bytes });
        }
      }
      for (const [codec, { rate, bytes }] of best) {
        console.log(`| ${codec} | ${name} | ${Math.round(rate).toLocaleString('en')} | ${bytes} |`);
      }
    }
  }
}

/** One durable commit: an LMDB transaction with fsync, of 1 put and of a 64-put group. */
function durableCommit(): void {
  const dir = mkdtempSync(join(tmpdir(), 'cadre-bench-commit-'));
  const kv = LmdbKV.open(dir);
  try {
    console.log('\n| durable commit (LmdbKV.batch, fsync) | commits | mean | p50 | p99 |');
    console.log('|---|---|---|---|---|');
    for (const group of [1, 64]) {
      const samples: number[] = [];
      for (let i = 0; i < 300; i++) {
        const ops = Array.from({ length: group }, (_, j) => ({
          type: 'put' as const,
          key: Buffer.from(`k/${i}/${j}`),
          value: Buffer.alloc(100, 1),
        }));
        const t0 = performance.now();
        kv.batch(ops);
        samples.push(performance.now() - t0);
      }
      samples.sort((a, b) => a - b);
      const mean = samples.reduce((s, x) => s + x, 0) / samples.length;
      const q = (p: number) => (samples[Math.floor(p * samples.length)] as number).toFixed(3);
      console.log(
        `| ${group} put${group > 1 ? 's' : ''} of 100 B | ${samples.length} | ${mean.toFixed(3)} ms | ${q(0.5)} ms | ${q(0.99)} ms |`,
      );
    }
  } finally {
    kv.close();
    rmSync(dir, { recursive: true, force: true });
  }
}

/** Persist before send through the node host: handlers that each write one key and reply, with
 * group commit (64 handlers per fsync, the default) and without (1 per fsync). */
async function hostCommits(): Promise<void> {
  const { NodeHost } = await import('../src/runtime/node-host.js');
  const { relayProcess } = await import('../test/runtime/fixtures/relay-process.js');
  console.log(
    '\n| node host: handlers with one durable write each, reply after commit | handlers | handlers/s | commits |',
  );
  console.log('|---|---|---|---|');
  for (const [group, count] of [
    [64, 20_000],
    [1, 300],
  ] as const) {
    const dir = mkdtempSync(join(tmpdir(), 'cadre-bench-host-'));
    const [port] = await freePorts(1);
    const host = await NodeHost.start({
      id: 'h',
      listen: { host: '127.0.0.1', port: port as number },
      peers: {},
      process: relayProcess,
      dataDir: dir,
      logger: pino({ level: 'silent' }),
      commitGroupMax: group,
    });
    let replies = 0;
    host.attach('client:bench', () => {
      replies++;
    });
    const t0 = performance.now();
    for (let i = 0; i < count; i++)
      host.deliver('client:bench', { type: 'inc', key: `k${i % 100}` });
    await until(() => replies === count);
    const seconds = (performance.now() - t0) / 1000;
    const commits = (
      (await host.registry.getSingleMetric('cadre_commit_seconds')?.get())?.values ?? []
    ).find(
      (v) => (v as { metricName?: string }).metricName === 'cadre_commit_seconds_count',
    )?.value;
    await host.stop();
    rmSync(dir, { recursive: true, force: true });
    console.log(
      `| commit group of ${group} | ${count.toLocaleString('en')} | ${Math.round(count / seconds).toLocaleString('en')} | ${commits} |`,
    );
  }
}

async function main(): Promise<void> {
  if (process.argv[2] === 'receiver') {
    await receiver(JSON.parse(process.argv[3] as string) as Record<string, number>);
    return;
  }
  const messages = arg('--messages', 400_000);
  const roundTrips = arg('--round-trips', 5000);
  console.log(
    `load average before: ${loadavg()
      .map((x) => x.toFixed(2))
      .join(' ')} (2 cores, shared machine)\n`,
  );
  const [a, b] = await freePorts(2);
  const ports = { send: a as number, recv: b as number };
  const child = spawn(
    process.execPath,
    ['--import', 'tsx', self, 'receiver', JSON.stringify(ports)],
    {
      stdio: ['ignore', 'pipe', 'inherit'],
    },
  );
  try {
    await new Promise<void>((resolve) => child.stdout?.once('data', () => resolve()));
    await sender(ports, messages, roundTrips);
  } finally {
    child.kill('SIGTERM');
  }
  codecs();
  durableCommit();
  await hostCommits();
  console.log(
    `\nload average after: ${loadavg()
      .map((x) => x.toFixed(2))
      .join(' ')}`,
  );
}

await main();
