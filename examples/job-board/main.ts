/**
 * The job board on a real local cluster (walkthrough: docs/guide/example-app.md). It starts a
 * three-node Cadre KV cluster (`cadre kv serve` processes on loopback, data in a temp directory),
 * starts three workers (./worker.ts, separate processes), and while they run it
 *
 * 1. freezes the scheduler's process (SIGSTOP) for twice its lock TTL: another worker takes the
 *    lock with a higher fencing token and reassigns the frozen worker's jobs; when the frozen one
 *    wakes, whatever it appends with its old token is rejected by the fence;
 * 2. kills the KV cluster's leader (kill -9) and restarts it: the store elects a new leader and
 *    the workers' clients carry on.
 *
 * Then it reads both topics back, checks the board, prints a summary and exits 0 when every job
 * was run under a standing assignment (and 1 otherwise).
 *
 *   npx tsx examples/job-board/main.ts [--jobs 40] [--ttl-ms 1500]
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { parseArgs } from 'node:util';
import { freePorts } from '../../src/runtime/free-port.js';
import { KvClient } from '../../src/stores/kv/net/client.js';
import { RemoteEventLog } from '../../src/stores/primitives/net/remote-event-log.js';
import { sleep } from '../../src/stores/primitives/net/requester.js';
import {
  applyEntry,
  type DoneRecord,
  emptyBoard,
  jobNames,
  parseBoardEntry,
  readToEnd,
} from './board.js';

const { values } = parseArgs({
  options: {
    jobs: { type: 'string', default: '40' },
    'ttl-ms': { type: 'string', default: '1500' },
    'timeout-ms': { type: 'string', default: '90000' },
  },
});
const jobCount = Number(values.jobs);
const ttlMs = Number(values['ttl-ms']);
const timeoutMs = Number(values['timeout-ms']);
for (const [name, n] of [
  ['jobs', jobCount],
  ['ttl-ms', ttlMs],
  ['timeout-ms', timeoutMs],
] as const) {
  if (!Number.isSafeInteger(n) || n < 1) {
    process.stderr.write(`main: --${name} must be a whole number >= 1\n`);
    process.exit(2);
  }
}

const ROOT = join(import.meta.dirname, '..', '..');
const CADRE = join(ROOT, 'bin', 'cadre.js');
const WORKER = join(import.meta.dirname, 'worker.ts');
const dataRoot = mkdtempSync(join(tmpdir(), 'cadre-job-board-'));
const children = new Set<ChildProcess>();
const started = Date.now();
const stamp = () => `${String(Date.now() - started).padStart(6)} ms`;
const say = (line: string) => process.stdout.write(`${stamp()}  ${line}\n`);

function cleanUp(): void {
  for (const child of children) child.kill('SIGKILL');
  rmSync(dataRoot, { recursive: true, force: true });
}
process.on('exit', cleanUp);
process.on('SIGINT', () => process.exit(130));

// --- the KV cluster --------------------------------------------------------------------------
interface KvNode {
  readonly id: string;
  readonly args: string[];
  readonly respPort: number;
  child?: ChildProcess;
}
const ports = await freePorts(6);
const peers = ['n1', 'n2', 'n3'].map((id, i) => `${id}=127.0.0.1:${ports[i]}`).join(',');
const nodes: KvNode[] = ['n1', 'n2', 'n3'].map((id, i) => ({
  id,
  respPort: ports[3 + i] as number,
  args: [CADRE, 'kv', 'serve', '--id', id, '--peers', peers, '--data', join(dataRoot, id)].concat([
    '--port',
    String(ports[3 + i]),
  ]),
}));

function startNode(node: KvNode): Promise<void> {
  const child = spawn(process.execPath, node.args, { stdio: ['ignore', 'pipe', 'inherit'] });
  node.child = child;
  children.add(child);
  child.once('exit', () => children.delete(child));
  return new Promise((resolve, reject) => {
    const lines = createInterface({ input: child.stdout as NodeJS.ReadableStream });
    lines.on('line', (line) => {
      if (line.includes('"event":"ready"')) resolve();
    });
    child.once('exit', (code, signal) =>
      reject(new Error(`${node.id} exited (${code ?? signal})`)),
    );
  });
}
await Promise.all(nodes.map(startNode));
const endpoints = nodes.map((n) => ({ host: '127.0.0.1', port: n.respPort }));
say(`KV cluster up: ${nodes.map((n) => `${n.id} on :${n.respPort}`).join(', ')}`);

async function kvLeader(): Promise<KvNode | undefined> {
  for (const node of nodes) {
    const probe = new KvClient({
      endpoints: [{ host: '127.0.0.1', port: node.respPort }],
      deadlineMs: 2000,
    });
    try {
      const id = await probe.leader(); // this node's view (CLUSTER LEADER)
      const leader = nodes.find((n) => n.id === id);
      if (leader !== undefined) return leader;
    } catch {
      // that node is down: ask the next
    } finally {
      probe.close();
    }
  }
  return undefined;
}

// --- the workers -----------------------------------------------------------------------------
interface Worker {
  readonly id: string;
  readonly child: ChildProcess;
}
const counts = { executed: 0, assigned: 0, reassigned: 0, rejectedStale: 0, schedulers: 0 };
let scheduler: { worker: string; token: number } | undefined;
const kvList = endpoints.map((e) => `${e.host}:${e.port}`).join(',');
const workers: Worker[] = ['w1', 'w2', 'w3'].map((id) => {
  const child = spawn(
    process.execPath,
    ['--import', 'tsx', WORKER, '--id', id, '--kv', kvList, '--jobs', String(jobCount)].concat([
      '--ttl-ms',
      String(ttlMs),
    ]),
    { stdio: ['ignore', 'pipe', 'inherit'], cwd: ROOT },
  );
  children.add(child);
  createInterface({ input: child.stdout as NodeJS.ReadableStream }).on('line', (line) => {
    let e: Record<string, unknown>;
    try {
      e = JSON.parse(line) as Record<string, unknown>;
    } catch {
      say(`[${id}] ${line}`);
      return;
    }
    switch (e.event) {
      case 'executed':
        counts.executed++;
        return; // too many to print
      case 'assigned':
        counts.assigned++;
        return;
      case 'reassigned':
        counts.reassigned++;
        break;
      case 'rejected-stale':
        counts.rejectedStale++;
        break;
      case 'scheduler':
        counts.schedulers++;
        scheduler = { worker: id, token: e.token as number };
        break;
    }
    const { event, worker, ...rest } = e;
    say(`[${String(worker)}] ${String(event)} ${JSON.stringify(rest)}`);
  });
  return { id, child };
});

// --- the faults ------------------------------------------------------------------------------
const until = async (what: string, condition: () => boolean) => {
  while (!condition()) {
    if (Date.now() - started > timeoutMs) throw new Error(`timed out waiting for ${what}`);
    await sleep(20);
  }
};
await until('a scheduler', () => scheduler !== undefined);
await until('a third of the jobs assigned', () => counts.assigned >= Math.ceil(jobCount / 3));
const frozen = scheduler as { worker: string; token: number };
const frozenChild = workers.find((w) => w.id === frozen.worker)?.child as ChildProcess;
say(`SIGSTOP ${frozen.worker} (the scheduler, token ${frozen.token}) for ${2 * ttlMs} ms`);
frozenChild.kill('SIGSTOP');
await sleep(2 * ttlMs);
say(`SIGCONT ${frozen.worker}`);
frozenChild.kill('SIGCONT');

await until('two thirds of the jobs run', () => counts.executed >= Math.ceil((2 * jobCount) / 3));
// Between elections every node names the leader; ask again for a while if none does yet.
let leader: KvNode | undefined;
for (let tries = 0; leader === undefined && tries < 50; tries++) {
  leader = await kvLeader();
  if (leader === undefined) await sleep(100);
}
if (leader === undefined) throw new Error('no KV node named a leader within 5 s');
say(`kill -9 KV leader ${leader.id}`);
leader.child?.kill('SIGKILL');
await sleep(1000);
await startNode(leader);
say(`restarted ${leader.id}`);

// --- the check -------------------------------------------------------------------------------
const reader = new RemoteEventLog(new KvClient({ endpoints }));
const readAll = async (topic: string) => (await readToEnd(reader, topic, 1)).entries;
const jobs = jobNames(jobCount);
let done: DoneRecord[] = [];
await until('every job done', () => counts.executed >= jobCount);
for (;;) {
  done = (await readAll('done')).map((e) => JSON.parse(e.payload) as DoneRecord);
  if (jobs.every((job) => done.some((d) => d.job === job))) break;
  if (Date.now() - started > timeoutMs) throw new Error('timed out waiting for every job');
  await sleep(200);
}
// Fold the log as the workers do, keeping every assignment the fence admitted.
const board = emptyBoard();
const admitted = new Set<string>();
for (const e of await readAll('assignments')) {
  const entry = parseBoardEntry(e.payload, e.position);
  if (applyEntry(board, entry) && entry.type === 'assign')
    admitted.add(`${entry.job} ${entry.worker} ${entry.token}`);
}

const problems: string[] = [];
const runs = new Map<string, number>();
for (const d of done) {
  runs.set(d.job, (runs.get(d.job) ?? 0) + 1);
  // A run must answer an assignment the fence admitted: none from a stale scheduler.
  if (!admitted.has(`${d.job} ${d.worker} ${d.token}`))
    problems.push(
      `${d.worker} ran ${d.job} under token ${d.token}, an assignment the fence rejected`,
    );
}
for (const job of jobs) {
  const standing = board.assignments.get(job);
  if (standing === undefined) problems.push(`${job} has no standing assignment`);
  else if (
    !done.some((d) => d.job === job && d.token === standing.token && d.worker === standing.worker)
  )
    problems.push(`${job} was not run under its standing assignment ${JSON.stringify(standing)}`);
}
const twice = [...runs.values()].filter((n) => n > 1).length;
say(
  `summary: ${jobCount} jobs, ${done.length} runs (${twice} jobs run more than once), ` +
    `${counts.schedulers} scheduler terms (last token ${board.highest}), ${counts.reassigned} reassigned, ` +
    `${board.rejected.length} stale entries rejected by the fence`,
);
if (problems.length > 0) {
  for (const p of problems) say(`PROBLEM ${p}`);
  process.exit(1);
}
say('ok: every job ran under its standing assignment, and no run answered a stale scheduler');
process.exit(0);
