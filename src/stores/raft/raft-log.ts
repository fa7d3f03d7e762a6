import { assert } from '../../core/assert.js';
import type { LogEntry, Snapshot, SnapshotMeta } from './types.js';

/**
 * The log as the core sees it: a snapshot (everything up to `snapshot.index`, compacted) followed
 * by entries `snapshot.index + 1 .. lastIndex()`. `stableTo` is the last index already handed to
 * the host for persistence; entries after it are unstable (etcd's `unstable`).
 */
export class RaftLog {
  #snapshot: SnapshotMeta;
  /** entries[i] has index snapshot.index + 1 + i. */
  #entries: LogEntry[];
  /** Last index handed to the host in a Ready (persisted once it is advanced). */
  stableTo: number;
  committed: number;
  /** Last index handed to the host for applying. */
  applied: number;
  /** A snapshot received from the leader that the host has not installed yet. */
  pendingSnapshot: Snapshot | undefined;

  constructor(
    snapshot: SnapshotMeta,
    entries: readonly LogEntry[],
    committed: number,
    applied: number,
  ) {
    this.#snapshot = snapshot;
    this.#entries = [...entries];
    entries.forEach((e, i) => {
      assert(
        e.index === snapshot.index + 1 + i,
        'raft log: entries are contiguous after the snapshot',
        `${e.index}`,
      );
    });
    this.stableTo = this.lastIndex();
    this.committed = Math.max(committed, snapshot.index);
    this.applied = Math.max(applied, snapshot.index);
    assert(
      this.applied <= this.committed || this.applied <= this.lastIndex(),
      'raft log: applied within the log',
    );
    this.pendingSnapshot = undefined;
  }

  get snapshotMeta(): SnapshotMeta {
    return this.#snapshot;
  }

  firstIndex(): number {
    return this.#snapshot.index + 1;
  }

  lastIndex(): number {
    return this.#snapshot.index + this.#entries.length;
  }

  lastTerm(): number {
    return this.term(this.lastIndex()) ?? this.#snapshot.term;
  }

  /** Term of entry `index`; undefined when compacted away (before the snapshot) or beyond the end. */
  term(index: number): number | undefined {
    if (index === this.#snapshot.index) return this.#snapshot.term;
    if (index < this.#snapshot.index || index > this.lastIndex()) return undefined;
    return (this.#entries[index - this.#snapshot.index - 1] as LogEntry).term;
  }

  entry(index: number): LogEntry | undefined {
    if (index <= this.#snapshot.index) return undefined;
    return this.#entries[index - this.#snapshot.index - 1];
  }

  matchTerm(index: number, term: number): boolean {
    return this.term(index) === term;
  }

  /** Candidate's log at least as up to date as ours (Raft §5.4.1). */
  isUpToDate(lastIndex: number, lastTerm: number): boolean {
    const ours = this.lastTerm();
    return lastTerm > ours || (lastTerm === ours && lastIndex >= this.lastIndex());
  }

  /** Entries `from..` up to `countMax` entries and about `bytesMax` bytes (at least one). */
  slice(
    from: number,
    countMax: number,
    bytesMax: number,
    sizeOf: (e: LogEntry) => number,
  ): LogEntry[] {
    const out: LogEntry[] = [];
    let bytes = 0;
    for (let i = from; i <= this.lastIndex() && out.length < countMax; i++) {
      const e = this.entry(i) as LogEntry;
      bytes += sizeOf(e);
      if (out.length > 0 && bytes > bytesMax) break;
      out.push(e);
    }
    return out;
  }

  /** Appends at the leader. */
  append(entry: LogEntry): void {
    assert(
      entry.index === this.lastIndex() + 1,
      'raft log: append continues the log',
      `${entry.index}`,
    );
    this.#entries.push(entry);
  }

  /**
   * Follower side: entries after a matching (prevIndex, prevTerm). Skips entries already present,
   * truncates at the first conflict (never below `committed`) and appends the rest. Returns the
   * last index now known to match the leader.
   */
  mergeFrom(prevIndex: number, entries: readonly LogEntry[]): number {
    for (const e of entries) {
      if (e.index <= this.#snapshot.index) continue;
      const have = this.term(e.index);
      if (have === e.term) continue;
      if (have !== undefined) {
        assert(
          e.index > this.committed,
          'raft log: a committed entry is never overwritten',
          `index ${e.index} committed ${this.committed}`,
        );
        this.#entries.length = e.index - this.#snapshot.index - 1;
        this.stableTo = Math.min(this.stableTo, e.index - 1);
      }
      this.append(e);
    }
    return prevIndex + entries.length;
  }

  /** Entries the host has not persisted yet. */
  unstable(): LogEntry[] {
    const out: LogEntry[] = [];
    for (let i = this.stableTo + 1; i <= this.lastIndex(); i++) out.push(this.entry(i) as LogEntry);
    return out;
  }

  /** Committed entries not yet handed out for applying. */
  toApply(): LogEntry[] {
    const out: LogEntry[] = [];
    // Only persisted entries are applied: the host persists before it applies anyway, and this
    // keeps "applied implies durable" true even for a leader that commits before its own write.
    const upTo = Math.min(this.committed, this.lastIndex());
    for (let i = Math.max(this.applied, this.#snapshot.index) + 1; i <= upTo; i++)
      out.push(this.entry(i) as LogEntry);
    return out;
  }

  commitTo(index: number): boolean {
    if (index <= this.committed) return false;
    assert(
      index <= this.lastIndex(),
      'raft log: commit within the log',
      `commit ${index} last ${this.lastIndex()}`,
    );
    this.committed = index;
    return true;
  }

  /** Replaces the whole log with a snapshot received from the leader. */
  restore(snapshot: Snapshot): void {
    const meta = snapshot.meta;
    // Keep the suffix when our log already holds the snapshot's last entry (Raft Figure 13, 6).
    if (this.term(meta.index) === meta.term && meta.index <= this.lastIndex()) {
      this.#entries = this.#entries.slice(meta.index - this.#snapshot.index);
    } else {
      this.#entries = [];
    }
    this.#snapshot = meta;
    this.committed = Math.max(this.committed, meta.index);
    this.stableTo = Math.max(Math.min(this.stableTo, this.lastIndex()), meta.index);
    if (this.#entries.length === 0) this.stableTo = meta.index;
    this.pendingSnapshot = snapshot;
  }

  /** Drops entries up to `meta.index` (the host took a snapshot there). */
  compact(meta: SnapshotMeta): void {
    if (meta.index <= this.#snapshot.index) return;
    assert(
      meta.index <= this.applied,
      'raft log: compact only applied entries',
      `${meta.index} > ${this.applied}`,
    );
    this.#entries = this.#entries.slice(meta.index - this.#snapshot.index);
    this.#snapshot = meta;
  }
}
