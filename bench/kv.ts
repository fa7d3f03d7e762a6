/**
 * The KV store against etcd, side by side in one run: a 3-node Cadre cluster (`cadre kv serve`,
 * LMDB with fsync on every commit) and, when `etcd` is installed, a 3-member etcd cluster, both on
 * loopback. For 1, 16, 64 and 256 concurrent clients: put throughput and latency, then
 * linearisable get throughput and latency. Keys are 8 bytes drawn uniformly from a key space of
 * 100,000; values are 256 bytes. Both are driven from this process, each client one request at a
 * time: Cadre through its TypeScript client (RESP; every write carries its session and seq),
 * etcd through its v3 JSON gateway (`/v3/kv/put`, `/v3/kv/range`, linearisable by default) with
 * Node's fetch. Requests go to the leader on both (etcd's `--target-leader`). Before each
 * measurement both get `--warmup-ms` of the same load, not recorded (steady state).
 *
 * Usage: node --import tsx bench/kv.ts [--duration-ms 3000] [--clients 1,16,64,256] [--no-etcd]
 *   [--warmup-ms 1000] [--snapshot-entries N]
 */
import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { freePorts } from '../src/runtime/free-port.js';
import { KvClient } from '../src/stores/kv/net/client.js';
import { KvCluster } from '../test/stores/kv/cluster.js';

interface Args {
  durationMs: number;
  clients: number[];
  etcd: boolean;
  /** Unrecorded load before each measurement, in ms. */
  warmupMs: number;
  /** `--snapshot-entries` of the Cadre nodes, when given. */
  snapshotEntries: number | undefined;
}

function parseArgs(argv: string[]): Args {
  const args: Args = {
    durationMs: 3_000,
    clients: [1, 16, 64, 256],
    etcd: true,
    warmupMs: 1_000,
    snapshotEntries: undefined,
  };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (a === '--duration-ms') args.durationMs = Number(argv[++i]);
    else if (a === '--clients') args.clients = String(argv[++i]).split(',').map(Number);
    else if (a === '--no-etcd') args.etcd = false;
    else if (a === '--warmup-ms') args.warmupMs = Number(argv[++i]);
    else if (a === '--snapshot-entries') args.snapshotEntries = Number(argv[++i]);
    else throw new Error(`unknown argument ${a}`);
  }
  return args;
}

const KEY_SPACE = 100_000;
const VALUE = 'v'.repeat(256);
/** An 8-byte key: "k" and 7 digits. */
const key = (i: number) => `k${String(i).padStart(7, '0')}`;
const randomKey = () => key(Math.floor(Math.random() * KEY_SPACE));

/** One system under test: a put and a get, each awaited. */
interface Driver {
  readonly name: string;
  client(): { put(k: string): Promise<void>; get(k: string): Promise<void>; close(): void };
  close(): Promise<void>;
}

interface Row {
  system: string;
  op: 'put' | 'get';
  clients: number;
  ops: number;
  errors: number;
  opsPerSec: number;
  p50Ms: number;
  p99Ms: number;
}

function percentile(sorted: Float64Array, p: number): number {
  if (sorted.length === 0) return Number.NaN;
  return sorted[Math.min(sorted.length - 1, Math.floor(p * sorted.length))] as number;
}

async function measure(
  driver: Driver,
  op: 'put' | 'get',
  clients: number,
  durationMs: number,
  warmupMs: number,
): Promise<Row> {
  const conns = Array.from({ length: clients }, () => driver.client());
  const latencies: number[] = [];
  let errors = 0;
  // Warm-up: one request per client (connections, leader discovery), then `warmupMs` of the
  // same load, not recorded, so both systems are measured in their steady state.
  await Promise.all(conns.map((c) => c.put(randomKey()).catch(() => undefined)));
  const recordFrom = performance.now() + warmupMs;
  const start = recordFrom;
  const end = start + durationMs;
  await Promise.all(
    conns.map(async (c) => {
      while (performance.now() < end) {
        const t = performance.now();
        try {
          await (op === 'put' ? c.put(randomKey()) : c.get(randomKey()));
          if (t >= recordFrom) latencies.push(performance.now() - t);
        } catch {
          if (t >= recordFrom) errors++;
        }
      }
    }),
  );
  const elapsed = performance.now() - start;
  for (const c of conns) c.close();
  const sorted = Float64Array.from(latencies).sort();
  return {
    system: driver.name,
    op,
    clients,
    ops: latencies.length,
    errors,
    opsPerSec: (latencies.length / elapsed) * 1000,
    p50Ms: percentile(sorted, 0.5),
    p99Ms: percentile(sorted, 0.99),
  };
}

async function cadreDriver(snapshotEntries: number | undefined): Promise<Driver> {
  const cluster = await KvCluster.start({
    size: 3,
    proxies: false,
    ...(snapshotEntries === undefined
      ? {}
      : { extraArgs: ['--snapshot-entries', String(snapshotEntries)] }),
  });
  await cluster.waitForLeader();
  return {
    name: 'cadre kv',
    client() {
      const kv = new KvClient({
        endpoints: cluster.endpoints,
        attemptTimeoutMs: 10_000,
        deadlineMs: 20_000,
      });
      return {
        put: async (k) => {
          await kv.set(k, VALUE);
        },
        get: async (k) => {
          await kv.get(k);
        },
        close: () => kv.close(),
      };
    },
    close: () => cluster.close(),
  };
}

async function etcdDriver(): Promise<Driver> {
  const root = mkdtempSync(join(tmpdir(), 'cadre-bench-etcd-'));
  const ports = await freePorts(6);
  const names = ['e1', 'e2', 'e3'];
  const client = (i: number) => `http://127.0.0.1:${ports[i]}`;
  const peer = (i: number) => `http://127.0.0.1:${ports[3 + i]}`;
  const initial = names.map((n, i) => `${n}=${peer(i)}`).join(',');
  const children: ChildProcess[] = names.map((name, i) =>
    spawn(
      'etcd',
      [
        '--name',
        name,
        '--data-dir',
        join(root, name),
        '--listen-client-urls',
        client(i),
        '--advertise-client-urls',
        client(i),
        '--listen-peer-urls',
        peer(i),
        '--initial-advertise-peer-urls',
        peer(i),
        '--initial-cluster',
        initial,
        '--initial-cluster-state',
        'new',
        '--initial-cluster-token',
        'cadre-bench',
        '--log-level',
        'error',
      ],
      { stdio: 'ignore' },
    ),
  );
  const post = async (base: string, path: string, body: unknown) => {
    const res = await fetch(`${base}${path}`, { method: 'POST', body: JSON.stringify(body) });
    if (!res.ok) throw new Error(`${path}: HTTP ${res.status}`);
    return (await res.json()) as Record<string, unknown>;
  };
  // Wait for a leader, then target it.
  let leaderUrl: string | undefined;
  for (let attempt = 0; attempt < 300 && leaderUrl === undefined; attempt++) {
    for (let i = 0; i < 3 && leaderUrl === undefined; i++) {
      try {
        const s = await post(client(i), '/v3/maintenance/status', {});
        const header = s.header as { member_id?: string };
        if (s.leader !== undefined && s.leader !== '0' && header.member_id === s.leader)
          leaderUrl = client(i);
      } catch {
        // not up yet
      }
    }
    if (leaderUrl === undefined) await new Promise((r) => setTimeout(r, 100));
  }
  if (leaderUrl === undefined) throw new Error('etcd: no leader within 30 s');
  const base = leaderUrl;
  const b64 = (s: string) => Buffer.from(s).toString('base64');
  const value = b64(VALUE);
  return {
    name: 'etcd 3.4',
    client: () => ({
      put: async (k) => {
        await post(base, '/v3/kv/put', { key: b64(k), value });
      },
      get: async (k) => {
        await post(base, '/v3/kv/range', { key: b64(k) });
      },
      close: () => undefined,
    }),
    close: async () => {
      for (const c of children) c.kill('SIGKILL');
      rmSync(root, { recursive: true, force: true });
    },
  };
}

function etcdVersion(): string | undefined {
  try {
    return execFileSync('etcd', ['--version'], { encoding: 'utf8' }).split('\n')[0];
  } catch {
    return undefined;
  }
}

async function main(): Promise<void> {
  const args = parseArgs(process.argv.slice(2));
  const rows: Row[] = [];
  const systems: (() => Promise<Driver>)[] = [() => cadreDriver(args.snapshotEntries)];
  const version = etcdVersion();
  if (args.etcd && version !== undefined) systems.push(etcdDriver);
  else console.error(args.etcd ? 'etcd is not installed: Cadre only' : 'etcd skipped (--no-etcd)');
  // Both clusters run at once and each measurement alternates between them, so a change in the
  // machine's load hits both alike.
  const drivers: Driver[] = [];
  try {
    for (const make of systems) drivers.push(await make());
    for (const clients of args.clients) {
      for (const op of ['put', 'get'] as const) {
        for (const driver of drivers) {
          const row = await measure(driver, op, clients, args.durationMs, args.warmupMs);
          rows.push(row);
          console.error(
            `${row.system} ${op} c=${clients}: ${row.opsPerSec.toFixed(0)} ops/s p50 ${row.p50Ms.toFixed(2)} ms p99 ${row.p99Ms.toFixed(2)} ms (${row.errors} errors)`,
          );
        }
      }
    }
  } finally {
    for (const d of drivers) await d.close();
  }
  console.log(`| system | op | clients | ops/s | p50 ms | p99 ms | ops | errors |`);
  console.log('|---|---|---:|---:|---:|---:|---:|---:|');
  for (const r of rows) {
    console.log(
      `| ${r.system} | ${r.op} | ${r.clients} | ${r.opsPerSec.toFixed(0)} | ${r.p50Ms.toFixed(2)} | ${r.p99Ms.toFixed(2)} | ${r.ops} | ${r.errors} |`,
    );
  }
  if (version !== undefined) console.log(`\netcd: ${version}`);
}

await main();
