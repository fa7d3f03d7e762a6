/**
 * One worker of the job board (see docs/guide/example-app.md). Every worker
 *
 * - registers itself in **service discovery** (`job-board-workers`, under a lease it keeps alive),
 * - follows the `assignments` **event log** from the start, folds it through the fenced board
 *   (./board.ts), runs each job assigned to it and appends a record to the `done` topic,
 * - contends for the scheduler **lock**; the holder appends a takeover entry with its fencing
 *   token, reads the board, and assigns every unfinished job to a live worker (round robin over
 *   the discovery list, watched for joins and leaves), reassigning the jobs of workers that left.
 *
 * It prints one JSON line per event on stdout, for ./main.ts (or a person) to read.
 *
 *   node --import tsx examples/job-board/worker.ts --id w1 --kv 127.0.0.1:7001,127.0.0.1:7002 --jobs 40
 */
import { randomBytes } from 'node:crypto';
import { parseArgs } from 'node:util';
import { KvClient, type KvEndpoint } from '../../src/stores/kv/net/client.js';
import { RemoteDiscovery } from '../../src/stores/primitives/net/remote-discovery.js';
import { RemoteEventLog } from '../../src/stores/primitives/net/remote-event-log.js';
import { RemoteLock } from '../../src/stores/primitives/net/remote-lock.js';
import { sleep } from '../../src/stores/primitives/net/requester.js';
import {
  applyEntry,
  type BoardEntry,
  type DoneRecord,
  emptyBoard,
  jobNames,
  parseBoardEntry,
  readToEnd,
} from './board.js';

export const SERVICE = 'job-board-workers';
export const LOCK_PREFIX = 'job-board/scheduler';

const { values } = parseArgs({
  options: {
    id: { type: 'string' },
    kv: { type: 'string' },
    jobs: { type: 'string', default: '40' },
    'ttl-ms': { type: 'string', default: '1500' },
    'pace-ms': { type: 'string', default: '40' },
    'job-ms': { type: 'string', default: '30' },
  },
});
function fail(message: string): never {
  process.stderr.write(`worker: ${message}\n`);
  process.exit(2);
}
const id = values.id ?? fail('--id is required');
if (!/^[A-Za-z0-9_-]+$/.test(id)) fail(`--id must be letters, digits, _ or -, got ${id}`);
const endpoints: KvEndpoint[] = (values.kv ?? fail('--kv host:port,… is required'))
  .split(',')
  .map((address) => {
    const m = /^(.+):(\d+)$/.exec(address.trim());
    if (m === null) fail(`--kv: ${JSON.stringify(address)} is not host:port`);
    return { host: m[1] as string, port: Number(m[2]) };
  });
const whole = (name: string, text: string | undefined): number => {
  const n = Number(text);
  if (!Number.isSafeInteger(n) || n < 1) fail(`--${name} must be a whole number >= 1, got ${text}`);
  return n;
};
const jobs = jobNames(whole('jobs', values.jobs));
const ttlMs = whole('ttl-ms', values['ttl-ms']);
const paceMs = whole('pace-ms', values['pace-ms']);
const jobMs = whole('job-ms', values['job-ms']);

/** One KV client per concern: a client runs its operations one at a time, and a keep-alive must
 *  not wait behind a poll. */
const client = (purpose: string) =>
  new KvClient({ endpoints, session: `${id}-${purpose}-${randomBytes(4).toString('hex')}` });

function emit(event: string, fields: Record<string, unknown> = {}): void {
  process.stdout.write(`${JSON.stringify({ event, worker: id, ...fields })}\n`);
}

/** Runs `body` again after a failure (the cluster unavailable past the client's deadline). */
async function forever(what: string, body: () => Promise<void>): Promise<void> {
  for (;;) {
    try {
      await body();
      return;
    } catch (error) {
      emit('retry', { what, error: (error as Error).message });
      await sleep(200);
    }
  }
}

// --- discovery: be listed while alive --------------------------------------------------------
const discovery = new RemoteDiscovery(client('discovery'));
async function register(): Promise<void> {
  await forever('register', async () => {
    await discovery.register(SERVICE, id, `pid:${process.pid}`, {
      ttlMs,
      onExpired: () => {
        emit('registration-expired');
        void register();
      },
    });
    emit('registered');
  });
}
await register();

// --- worker: run the jobs assigned to me -----------------------------------------------------
async function work(): Promise<void> {
  const log = new RemoteEventLog(client('follow'));
  const done = new RemoteEventLog(client('done'));
  const board = emptyBoard();
  const executed = new Set<string>();
  let position = 1;
  await forever('follow', async () => {
    for await (const entry of log.follow('assignments', position, { pollMs: 25 })) {
      position = entry.position + 1;
      const e: BoardEntry = parseBoardEntry(entry.payload, entry.position);
      if (!applyEntry(board, e)) {
        emit('rejected-stale', { entry: e, highest: board.highest, position: entry.position });
        continue;
      }
      if (e.type !== 'assign' || e.worker !== id || executed.has(e.job)) continue;
      await sleep(jobMs); // the job's work
      executed.add(e.job);
      const record: DoneRecord = { job: e.job, worker: id, token: e.token };
      await done.append('done', JSON.stringify(record));
      emit('executed', { job: e.job, token: e.token });
    }
  });
}

// --- scheduler: assign every unfinished job to a live worker while holding the lock -----------
async function schedule(): Promise<void> {
  const log = new RemoteEventLog(client('schedule'));
  const lockClient = client('lock');
  for (;;) {
    const lock = new RemoteLock(lockClient, {
      prefix: LOCK_PREFIX,
      ttlMs,
      owner: id,
      onLost: (reason) => emit('lock-lost', { reason }),
    });
    let token = 0;
    await forever('acquire', async () => {
      token = await lock.acquire();
    });
    emit('scheduler', { token });
    await forever('schedule', () => scheduleWhileHeld(log, lock, token));
    await lock.release().catch(() => undefined);
  }
}

async function scheduleWhileHeld(log: RemoteEventLog, lock: RemoteLock, token: number) {
  // Fence off every earlier scheduler, then learn the board up to our takeover.
  const takeover: BoardEntry = { type: 'takeover', scheduler: id, token };
  await log.append('assignments', JSON.stringify(takeover));
  const board = emptyBoard();
  const completed = new Set<string>();
  let assignedFrom = 1;
  let doneFrom = 1;
  const catchUp = async () => {
    const assigned = await readToEnd(log, 'assignments', assignedFrom);
    for (const entry of assigned.entries)
      applyEntry(board, parseBoardEntry(entry.payload, entry.position));
    assignedFrom = assigned.nextPosition;
    const done = await readToEnd(log, 'done', doneFrom);
    for (const entry of done.entries) completed.add((JSON.parse(entry.payload) as DoneRecord).job);
    doneFrom = done.nextPosition;
  };
  // Reads are linearisable, so reading to the end covers our takeover entry and all before it.
  await catchUp();
  let next = 0;
  while (lock.phase === 'held') {
    const live = (await discovery.list(SERVICE)).instances.map((i) => i.id).sort();
    let assigned = 0;
    for (const job of jobs) {
      if (completed.has(job) || lock.phase !== 'held' || live.length === 0) continue;
      const standing = board.assignments.get(job);
      if (standing !== undefined && live.includes(standing.worker)) continue;
      const worker = live[next++ % live.length] as string;
      const entry: BoardEntry = { type: 'assign', job, worker, token };
      const position = await log.append('assignments', JSON.stringify(entry));
      emit(standing === undefined ? 'assigned' : 'reassigned', {
        job,
        to: worker,
        ...(standing === undefined ? {} : { from: standing.worker }),
        token,
        position,
      });
      assigned++;
      await sleep(paceMs);
    }
    await catchUp();
    if (assigned === 0) await sleep(100);
  }
}

await Promise.all([work(), schedule()]);
