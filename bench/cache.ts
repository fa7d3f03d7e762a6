/**
 * Cache benchmark (issue 9), real processes on loopback, side by side with Debian's redis-server
 * in the same run:
 *
 * 1. Throughput: `redis-benchmark -t get,set -c 50` against one cache node (`cadre cache serve`,
 *    in memory: `--no-persist`, as Redis runs here with `--save '' --appendonly no`; and with
 *    persistence, where every SET waits for an LMDB group commit) and against redis-server.
 * 2. Convergence after a partition heals: two cache nodes whose links pass through
 *    src/runtime/fault-proxy.ts (one proxy per direction); the proxies partition them, 5,000
 *    distinct keys are written on each side (10,000 divergent keys), the proxies heal, and the
 *    time until both nodes hold all 10,000 keys is measured (key counts polled every 5 ms). Twice:
 *    through delta gossip (the delta buffer still holds the writes) and through digest
 *    anti-entropy alone (`deltaBufferMax` 1, so gossip has nothing left to resend);
 *    `--convergence-runs` times each (default 3), alternating; in memory and persisted (every
 *    merge written to LMDB before the acknowledgement leaves).
 * 3. Memory per key (`--keys N`, default 100,000; `--memory-only` runs just this part): a fresh
 *    redis-server and an in-process cache node get the same SET load over N keys with 16-byte
 *    values, and both are measured by the same two yardsticks — RSS growth, and live data (Redis'
 *    `used_memory` against our V8 heapUsed after full GCs). The cache node runs with the compact
 *    heap, as `cadre cache serve` does by default; `--no-compact-heap` to compare, `--gc-rounds`
 *    for the number of forced GCs, `--verbose` for V8's heap spaces.
 *
 *     node --expose-gc --import tsx bench/cache.ts [--requests 100000] [--keys 100000]
 *     node --expose-gc --import tsx bench/cache.ts --memory-only --keys 1000000
 *
 * The machine is shared and busy: compare the ratios within one run.
 */
import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { getHeapSpaceStatistics } from 'node:v8';
import { Redis } from 'ioredis';
import pino from 'pino';
import { FaultProxy } from '../src/runtime/fault-proxy.js';
import { freePorts } from '../src/runtime/free-port.js';
import { CacheServer } from '../src/stores/cache/server.js';
import { peersFlag } from '../test/runtime/node-process.js';
import { CacheNodeProcess } from '../test/stores/cache/cache-node.js';

const args = process.argv.slice(2);
const flag = (name: string, dflt: number) => {
  const i = args.indexOf(`--${name}`);
  return i < 0 ? dflt : Number(args[i + 1]);
};
const requests = flag('requests', 100_000);
/** Key space of the memory fill (`--keys`, default 100,000; repeatable via --memory-only). */
const memoryKeys = flag('keys', 100_000);
/** Full GCs (a second apart) before the cache's memory is read (`--gc-rounds`, default 2). */
const gcRounds = flag('gc-rounds', 2);
/** Runs of each convergence path (`--convergence-runs`, default 3). */
const convergenceRuns = flag('convergence-runs', 3);
const dir = mkdtempSync(join(tmpdir(), 'cadre-cache-bench-'));
const children: ChildProcess[] = [];

function startRedis(port: number): ChildProcess {
  const child = spawn(
    'redis-server',
    ['--port', String(port), '--save', '', '--appendonly', 'no', '--bind', '127.0.0.1'],
    {
      stdio: 'ignore',
    },
  );
  children.push(child);
  return child;
}

async function waitPing(port: number): Promise<void> {
  for (let i = 0; i < 200; i++) {
    if (
      spawnSync('redis-cli', ['-p', String(port), 'PING'], { encoding: 'utf8' }).stdout.includes(
        'PONG',
      )
    )
      return;
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error(`nothing answers PING on ${port}`);
}

/** requests per second of GET and SET from redis-benchmark's CSV output. */
function benchmark(port: number, extra: string[] = []): { set: number; get: number } {
  const out = spawnSync(
    'redis-benchmark',
    [
      '-p',
      String(port),
      '-t',
      'set,get',
      '-c',
      '50',
      '-n',
      String(requests),
      '-r',
      '100000',
      '--csv',
      ...extra,
    ],
    { encoding: 'utf8' },
  ).stdout;
  const rps = (name: string) => {
    const line = out.split('\n').find((l) => l.startsWith(`"${name}"`));
    if (line === undefined) throw new Error(`redis-benchmark printed no ${name} line:\n${out}`);
    return Number(JSON.parse(`[${line}]`)[1]);
  };
  return { set: rps('SET'), get: rps('GET') };
}

function info(port: number, field: string): number {
  const out = spawnSync('redis-cli', ['-p', String(port), 'INFO'], { encoding: 'utf8' }).stdout;
  const m = new RegExp(`^${field}:(\\d+)`, 'm').exec(out);
  if (m === null) throw new Error(`INFO on ${port} has no ${field}`);
  return Number(m[1]);
}

function redisKeys(port: number): number {
  const out = spawnSync('redis-cli', ['-p', String(port), 'DBSIZE'], { encoding: 'utf8' }).stdout;
  return Number(out.trim());
}

function rssOf(pid: number): number {
  const m = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  return Number(m?.[1] ?? 0) * 1024;
}

/** Memory per key, measured the same two ways for both servers after filling each with the same
 * `redis-benchmark` load (SETs of 16-byte values to random keys among `keys`):
 * - RSS growth (`/proc/PID/status` VmRSS) — what the OS gives the process, headroom included;
 * - live data — Redis' `used_memory` (its allocator's count of allocated bytes) against our V8
 *   `heapUsed` after a full GC (live objects only).
 * The cache node runs inside this process so the GC can be forced (run with --expose-gc); its
 * figures are read after the load, a settle time (the anti-entropy timer prunes the contexts of
 * keys written in its last period) and a full GC. `redisPort` must be a fresh redis-server. */
async function memoryPerKey(redisPort: number, redisPid: number, keys: number) {
  const gc = (globalThis as { gc?: () => void }).gc;
  if (gc === undefined) throw new Error('run with node --expose-gc (see the header)');
  const inProcess = await CacheServer.start({
    id: 'mem',
    peers: { mem: { host: '127.0.0.1', port: (await freePorts(1))[0] as number } },
    resp: { host: '127.0.0.1', port: 0 },
    dataDir: join(dir, 'mem'),
    cache: { persist: false },
    logger: pino({ level: 'silent' }),
    // As `cadre cache serve` does by default (--optimize-for-size); --no-compact-heap to compare.
    compactHeap: !args.includes('--no-compact-heap'),
  });
  const fill = [
    '-t',
    'set',
    '-n',
    String(Math.round(keys * 2.5)),
    '-r',
    String(keys),
    '-d',
    '16',
    '-q',
    '-c',
    '50',
    '-P',
    '16',
  ];
  const redisUsedBefore = info(redisPort, 'used_memory');
  const redisRssBefore = rssOf(redisPid);
  const redisKeysBefore = redisKeys(redisPort);
  spawnSync('redis-benchmark', ['-p', String(redisPort), ...fill], { stdio: 'ignore' });
  gc();
  await new Promise((r) => setTimeout(r, 1000));
  gc();
  const heapBefore = process.memoryUsage().heapUsed;
  const heapTotalBefore = process.memoryUsage().heapTotal;
  const rssBefore = process.memoryUsage.rss();
  await new Promise<void>((resolve) => {
    const child = spawn('redis-benchmark', ['-p', String(inProcess.respAddress.port), ...fill], {
      stdio: 'ignore',
    });
    child.on('exit', () => resolve());
  });
  // Settle: the anti-entropy timer prunes recent contexts; then full GCs (each compacts some of
  // the fragmented old-space pages the overwritten values left) a second apart.
  await new Promise((r) => setTimeout(r, 3000));
  for (let i = 0; i < gcRounds; i++) {
    gc();
    await new Promise((r) => setTimeout(r, 1000));
  }
  const cacheKeys = inProcess.node?.replica?.liveKeys ?? 0;
  if (args.includes('--verbose')) {
    for (const sp of getHeapSpaceStatistics()) {
      const mb = (n: number) => (n / 2 ** 20).toFixed(1);
      console.error(
        `${sp.space_name}: size ${mb(sp.space_size)} MB, used ${mb(sp.space_used_size)} MB, physical ${mb(sp.physical_space_size)} MB`,
      );
    }
  }
  const rKeys = redisKeys(redisPort) - redisKeysBefore;
  const result = {
    cacheKeys,
    cacheRssPerKey: (process.memoryUsage.rss() - rssBefore) / cacheKeys,
    cacheHeapPerKey: (process.memoryUsage().heapUsed - heapBefore) / cacheKeys,
    cacheHeapTotalPerKey: (process.memoryUsage().heapTotal - heapTotalBefore) / cacheKeys,
    cacheStatePerKey: (inProcess.node?.replica?.bytes ?? 0) / cacheKeys,
    redisKeys: rKeys,
    redisUsedPerKey: (info(redisPort, 'used_memory') - redisUsedBefore) / rKeys,
    redisRssPerKey: (rssOf(redisPid) - redisRssBefore) / rKeys,
  };
  await inProcess.stop();
  return result;
}

type Memory = Awaited<ReturnType<typeof memoryPerKey>>;

function printMemory(m: Memory): void {
  const x = (a: number, b: number) => `${(a / b).toFixed(2)}×`;
  console.log(
    `\n| memory per key, 16-byte values, ~${m.cacheKeys} keys | Redis | cadre cache | ratio |`,
  );
  console.log('|---|---|---|---|');
  console.log(
    `| RSS growth (VmRSS; ours after a full GC) | ${m.redisRssPerKey.toFixed(0)} | ${m.cacheRssPerKey.toFixed(0)} | ${x(m.cacheRssPerKey, m.redisRssPerKey)} |`,
  );
  console.log(
    `| live data (Redis used_memory; our V8 heapUsed after a full GC) | ${m.redisUsedPerKey.toFixed(0)} | ${m.cacheHeapPerKey.toFixed(0)} | ${x(m.cacheHeapPerKey, m.redisUsedPerKey)} |`,
  );
  console.log(
    `| (our V8 heapTotal growth: live data plus the heap's reserved pages) | | ${m.cacheHeapTotalPerKey.toFixed(0)} | |`,
  );
  console.log(`| (our approx_state_bytes estimate) | | ${m.cacheStatePerKey.toFixed(0)} | |`);
  console.log(`keys: Redis ${m.redisKeys}, cache ${m.cacheKeys}`);
}

async function throughputAndMemory() {
  const [redisPort, nodePort, nodePort2, nodePort3] = (await freePorts(4)) as [
    number,
    number,
    number,
    number,
  ];
  const redis = startRedis(redisPort);
  const memNode = new CacheNodeProcess('m1', peersFlag({ m1: nodePort }), join(dir, 'm1'), [
    '--no-persist',
  ]);
  const diskNode = new CacheNodeProcess('d1', peersFlag({ d1: nodePort2 }), join(dir, 'd1'));
  const plainNode = new CacheNodeProcess('p1', peersFlag({ p1: nodePort3 }), join(dir, 'p1'), [
    '--no-persist',
    '--no-compact-heap',
  ]);
  const [memPort, diskPort, plainPort] = await Promise.all([
    memNode.respPort,
    diskNode.respPort,
    plainNode.respPort,
  ]);
  await waitPing(redisPort);
  // Warm-up (JIT) on both, then measure alternately.
  benchmark(memPort, ['-n', '20000']);
  benchmark(plainPort, ['-n', '20000']);
  const redisRun = benchmark(redisPort);
  const cacheRun = benchmark(memPort);
  const plainRun = benchmark(plainPort);
  const diskRun = benchmark(diskPort);
  redis.kill('SIGTERM');
  // A fresh redis-server for the memory fill: the throughput run left keys of the same names.
  const [freshPort] = (await freePorts(1)) as [number];
  const fresh = startRedis(freshPort);
  await waitPing(freshPort);
  const memory = await memoryPerKey(freshPort, fresh.pid as number, memoryKeys);
  fresh.kill('SIGTERM');
  await Promise.all([memNode.stop(), diskNode.stop(), plainNode.stop()]);
  return { redisRun, cacheRun, plainRun, diskRun, memory };
}

/** Two nodes whose links go through fault proxies; returns ms from heal to 10,000 keys on both. */
async function convergence(
  label: string,
  deltaBufferMax: number,
  persist: boolean,
): Promise<{ label: string; ms: number }> {
  const [a, b] = (await freePorts(2)) as [number, number];
  const toB = await FaultProxy.start({ host: '127.0.0.1', port: b }, { cadreFrames: true });
  const toA = await FaultProxy.start({ host: '127.0.0.1', port: a }, { cadreFrames: true });
  const logger = pino({ level: 'silent' });
  const cache = {
    persist,
    gossipIntervalMs: 20,
    antiEntropyIntervalMs: 100,
    deltaBufferMax,
  };
  const n1 = await CacheServer.start({
    id: 'n1',
    peers: { n1: { host: '127.0.0.1', port: a }, n2: toB.address },
    resp: { host: '127.0.0.1', port: 0 },
    dataDir: join(dir, `${label}-n1`),
    cache,
    logger,
  });
  const n2 = await CacheServer.start({
    id: 'n2',
    peers: { n1: toA.address, n2: { host: '127.0.0.1', port: b } },
    resp: { host: '127.0.0.1', port: 0 },
    dataDir: join(dir, `${label}-n2`),
    cache,
    logger,
  });
  const c1 = new Redis({ port: n1.respAddress.port, host: '127.0.0.1' });
  const c2 = new Redis({ port: n2.respAddress.port, host: '127.0.0.1' });
  await c1.set('warm', '1');
  await new Promise((r) => setTimeout(r, 500));
  toA.partition();
  toB.partition();
  const write = async (c: Redis, prefix: string) => {
    const p = c.pipeline();
    for (let i = 0; i < 5000; i++) p.set(`${prefix}:${i}`, `value-${prefix}-${i}`);
    await p.exec();
  };
  await Promise.all([write(c1, 'a'), write(c2, 'b')]);
  const keysOf = (s: CacheServer) => s.node?.replica?.liveKeys ?? 0;
  if (keysOf(n1) !== 5001 || keysOf(n2) !== 5001) {
    throw new Error(`partition leaked: n1 ${keysOf(n1)} keys, n2 ${keysOf(n2)} keys`);
  }
  await new Promise((r) => setTimeout(r, 1000));
  const t0 = performance.now();
  toA.heal();
  toB.heal();
  while (keysOf(n1) < 10_001 || keysOf(n2) < 10_001) {
    await new Promise((r) => setTimeout(r, 5));
    if (performance.now() - t0 > 60_000) throw new Error(`${label}: not converged after 60 s`);
  }
  const ms = performance.now() - t0;
  if (args.includes('--verbose'))
    console.error(label, JSON.stringify(n1.node?.stats), JSON.stringify(n2.node?.stats));
  c1.disconnect();
  c2.disconnect();
  await Promise.all([n1.stop(), n2.stop()]);
  await Promise.all([toA.stop(), toB.stop()]);
  return { label, ms };
}

/** `--convergence-runs` runs of each path, alternating (the machine's load drifts). */
async function convergenceSeries(): Promise<[string, number[]][]> {
  const paths = [
    ['delta gossip (buffer holds the writes)', 10_000, false],
    ['digest anti-entropy only (delta buffer of 1)', 1, false],
    ['delta gossip, persisted (LMDB)', 10_000, true],
    ['digest anti-entropy only, persisted (LMDB)', 1, true],
  ] as const;
  const out = paths.map(([label]) => [label, [] as number[]] as [string, number[]]);
  for (let i = 0; i < convergenceRuns; i++) {
    for (const [j, [label, buffer, persist]] of paths.entries()) {
      const r = await convergence(`${label.split(' ')[0]}-${persist}-${i}`, buffer, persist);
      out[j]?.[1].push(r.ms);
    }
  }
  return out;
}

try {
  if (args.includes('--memory-only')) {
    // One fresh redis-server per run, so its baseline is an empty server like ours.
    const [port] = (await freePorts(1)) as [number];
    const redis = startRedis(port);
    await waitPing(port);
    console.log(`memory benchmark, load average ${loadavg()[0]?.toFixed(1)} on 2 cores`);
    printMemory(await memoryPerKey(port, redis.pid as number, memoryKeys));
    // process.exit skips the finally below: stop the server started here first.
    redis.kill('SIGTERM');
    process.exit(0);
  }
  if (args.includes('--convergence-only')) {
    console.log(`convergence, load average ${loadavg()[0]?.toFixed(1)} on 2 cores`);
    for (const [label, ms] of await convergenceSeries())
      console.log(label, ms.map((x) => x.toFixed(0)).join(' / '), 'ms');
    process.exit(0);
  }
  const load = loadavg()[0]?.toFixed(1);
  console.log(
    `cache benchmark — ${requests} requests per test, 50 clients; load average ${load} on 2 cores`,
  );
  const t = await throughputAndMemory();
  const pct = (x: number, y: number) => `${((100 * x) / y).toFixed(0)}%`;
  console.log('\n| target | SET req/s | GET req/s | SET vs Redis | GET vs Redis |');
  console.log('|---|---|---|---|---|');
  console.log(
    `| redis-server (no persistence) | ${t.redisRun.set.toFixed(0)} | ${t.redisRun.get.toFixed(0)} | 100% | 100% |`,
  );
  console.log(
    `| cadre cache, in memory (--no-persist) | ${t.cacheRun.set.toFixed(0)} | ${t.cacheRun.get.toFixed(0)} | ${pct(t.cacheRun.set, t.redisRun.set)} | ${pct(t.cacheRun.get, t.redisRun.get)} |`,
  );
  console.log(
    `| cadre cache, in memory, --no-compact-heap | ${t.plainRun.set.toFixed(0)} | ${t.plainRun.get.toFixed(0)} | ${pct(t.plainRun.set, t.redisRun.set)} | ${pct(t.plainRun.get, t.redisRun.get)} |`,
  );
  console.log(
    `| cadre cache, persisted (LMDB group commit) | ${t.diskRun.set.toFixed(0)} | ${t.diskRun.get.toFixed(0)} | ${pct(t.diskRun.set, t.redisRun.set)} | ${pct(t.diskRun.get, t.redisRun.get)} |`,
  );
  printMemory(t.memory);
  console.log(
    `\n| convergence after heal, 10,000 divergent keys (5,000 per side), ${convergenceRuns} runs each, alternating | ms per run | median |`,
  );
  console.log('|---|---|---|');
  const runs = await convergenceSeries();
  for (const [label, ms] of runs) {
    const sorted = [...ms].sort((a, b) => a - b);
    console.log(
      `| ${label} | ${ms.map((x) => x.toFixed(0)).join(' / ')} | ${(sorted[Math.floor(sorted.length / 2)] as number).toFixed(0)} |`,
    );
  }
  console.log(`load average after: ${loadavg()[0]?.toFixed(1)}`);
} finally {
  for (const c of children) c.kill('SIGKILL');
  await CacheNodeProcess.killAll();
  rmSync(dir, { recursive: true, force: true });
}
