import type { NodeId } from '../../core/ids.js';
import { fromUtf8, utf8 } from '../../storage/bytes.js';
import { Subspace } from '../../storage/layers/subspace.js';
import type { BatchOp, OrderedKVReader } from '../../storage/ordered-kv.js';
import type { HardState, LogEntry, SnapshotMeta } from './types.js';

/**
 * Where a Raft node keeps its durable state in its `OrderedKV` (tuple-encoded keys):
 * - `('raft', 'hs')`: the hard state (term, vote, commit), JSON;
 * - `('raft', 'log', index)`: one log entry per key, JSON, in index order;
 * - `('raft', 'snap', 'meta')` and `('raft', 'snap', 'data', chunk)`: the latest snapshot;
 * - `('raft', 'voters')`: voters as of the last applied membership change;
 * - `('raft', 'sess', session)`: the client session table (replicated state, see sessions.ts);
 * - `('sm', …)`: the state machine's own subspace (handed to it as a PrefixKV).
 */
export const RAFT_SPACE = new Subspace(['raft']);
export const SM_PREFIX = new Subspace(['sm']).prefix;
const HARD_STATE_KEY = RAFT_SPACE.pack(['hs']);
const VOTERS_KEY = RAFT_SPACE.pack(['voters']);
const LOG = RAFT_SPACE.sub('log');
const SNAP_META_KEY = RAFT_SPACE.pack(['snap', 'meta']);
const SNAP_DATA = RAFT_SPACE.sub('snap', 'data');
export const SESSIONS = RAFT_SPACE.sub('sess');
/** Snapshot bytes are stored in chunks below the storage value limit. */
const SNAPSHOT_CHUNK_BYTES = 256 * 1024;

/** Thrown when stored Raft state cannot be decoded: names the key and what was wrong. */
export class RaftStorageError extends Error {
  override readonly name = 'RaftStorageError';
}

export function logKey(index: number): Uint8Array {
  return LOG.pack([index]);
}

export function readHardState(kv: OrderedKVReader): HardState {
  const raw = kv.get(HARD_STATE_KEY);
  if (raw === undefined) return { term: 0, vote: null, commit: 0 };
  const hs = decode(raw, 'raft hard state') as HardState;
  if (typeof hs.term !== 'number' || typeof hs.commit !== 'number') {
    throw new RaftStorageError(`raft hard state: malformed record ${fromUtf8(raw)}`);
  }
  return hs;
}

export function putHardState(hs: HardState): BatchOp {
  return { type: 'put', key: HARD_STATE_KEY, value: utf8(JSON.stringify(hs)) };
}

export function readVoters(kv: OrderedKVReader): NodeId[] | undefined {
  const raw = kv.get(VOTERS_KEY);
  return raw === undefined ? undefined : (decode(raw, 'raft voters') as NodeId[]);
}

export function putVoters(voters: readonly NodeId[]): BatchOp {
  return { type: 'put', key: VOTERS_KEY, value: utf8(JSON.stringify(voters)) };
}

/** Every stored log entry, in index order. */
export function readLog(kv: OrderedKVReader): LogEntry[] {
  return kv.range(LOG.range()).map((e) => decode(e.value, 'raft log entry') as LogEntry);
}

/** Writes `entries`, first removing every stored entry at or after the first one (truncation). */
export function putEntries(entries: readonly LogEntry[]): BatchOp[] {
  const first = entries[0];
  if (first === undefined) return [];
  const ops: BatchOp[] = [
    { type: 'deleteRange', start: logKey(first.index), end: LOG.range().end },
  ];
  for (const e of entries)
    ops.push({ type: 'put', key: logKey(e.index), value: utf8(JSON.stringify(e)) });
  return ops;
}

/** Removes every stored entry (a snapshot from the leader replaced the whole log). */
export function deleteAllEntries(): BatchOp {
  return { type: 'deleteRange', ...LOG.range() };
}

/** Removes stored entries up to and including `index` (compaction). */
export function deleteEntriesThrough(index: number): BatchOp {
  return { type: 'deleteRange', start: LOG.range().start, end: logKey(index + 1) };
}

export function readSnapshotMeta(kv: OrderedKVReader): SnapshotMeta | undefined {
  const raw = kv.get(SNAP_META_KEY);
  return raw === undefined ? undefined : (decode(raw, 'raft snapshot meta') as SnapshotMeta);
}

export function readSnapshotData(kv: OrderedKVReader): Uint8Array {
  const chunks = kv.range(SNAP_DATA.range()).map((e) => e.value);
  const out = new Uint8Array(chunks.reduce((n, c) => n + c.length, 0));
  let at = 0;
  for (const c of chunks) {
    out.set(c, at);
    at += c.length;
  }
  return out;
}

export function putSnapshot(meta: SnapshotMeta, data: Uint8Array): BatchOp[] {
  const ops: BatchOp[] = [
    { type: 'put', key: SNAP_META_KEY, value: utf8(JSON.stringify(meta)) },
    { type: 'deleteRange', ...SNAP_DATA.range() },
  ];
  for (let i = 0, chunk = 0; i < data.length || chunk === 0; i += SNAPSHOT_CHUNK_BYTES, chunk++) {
    ops.push({
      type: 'put',
      key: SNAP_DATA.pack([chunk]),
      value: data.slice(i, i + SNAPSHOT_CHUNK_BYTES),
    });
  }
  return ops;
}

function decode(raw: Uint8Array, what: string): unknown {
  try {
    return JSON.parse(fromUtf8(raw));
  } catch (e) {
    throw new RaftStorageError(`${what}: cannot decode stored record: ${(e as Error).message}`);
  }
}
