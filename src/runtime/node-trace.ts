import { closeSync, existsSync, openSync, readFileSync, truncateSync, writeSync } from 'node:fs';
import type { Fact } from '../core/fact.js';
import type { NodeId } from '../core/ids.js';
import { stableJson } from '../sim/trace.js';

/**
 * The trace of one real node, as JSON lines appended to one file (the "node trace"). A node that
 * restarts appends a new *segment* (a new header line) to the same file; event and message numbers
 * restart at 0 in every segment. `cadre trace merge` (src/runtime/trace-merge.ts) joins the files
 * of all nodes into one trace in the simulator's format (docs/design/trace-format.md), matching each
 * delivery to its send by the message id `(sender, segment, seq)`, which travels in the frame.
 *
 * Lines of a segment:
 *
 *     {"type":"node-header","format":"cadre-node-trace","version":1,"node","nodes","spec","segment","startedAt"}
 *     {"type":"event","seg","id","time","kind","trigger","cause","sends","reads","writes","emits","notes"}
 *     {"type":"message","seg","seq","to","sendEvent","sentAt","payload"}
 *     {"type":"lost","seg","seq","reason"}
 *     {"type":"stop","seg","time"}                        (graceful stop only)
 *
 * `trigger` of a deliver event is `{"from","seg","seq"}` for a peer's message (seq −1 when the
 * sender does not trace) and `{"from","payload"}` for input from `$env` or a local endpoint. Reads and
 * writes name the writing event by its id in the same segment (−1: unknown or before a restart).
 * Lines are written with one synchronous write per commit group, so a `kill -9` loses at most the
 * group in progress (whose messages had not left yet either).
 */
export const NODE_TRACE_FORMAT = 'cadre-node-trace';

/** Who delivered a message: a peer (with the sender's trace ids) or an outside source. */
export type DeliverySource =
  | { readonly from: NodeId; readonly seg: number; readonly seq: number }
  | { readonly from: string; readonly payload: unknown };

/** One event as a trace line holds it (the line adds `type` and `seg`); the merger reads it back. */
export interface NodeTraceEvent {
  id: number;
  time: number;
  kind: string;
  trigger: unknown;
  cause: number | null;
  sends: number[];
  reads: [string, string, number][];
  writes: [string, string, number][];
  emits: [string, unknown[]][];
  notes: string[];
}

/** Writes one node's trace. Not used when tracing is off (the host then never calls it). */
/** Hooks through which the node host learns what a handler read and wrote in one store (storage
 * or memory), for the trace. Keys are latin1 key strings for storage, memory keys for memory. */
export interface AccessObserver {
  read(key: string): void;
  /** `same`: the new value equals the one it replaces (an alternative derivation). */
  write(key: string, same: boolean): void;
}

export class NodeTraceWriter {
  readonly segment: number;
  readonly #fd: number;
  #lines: string[] = [];
  #nextEvent = 0;
  #nextSeq = 0;
  #event: NodeTraceEvent | undefined;
  /** Last writer event of each key, per store (`s`, `m`): lineage of reads. */
  readonly #writers = { s: new Map<string, number>(), m: new Map<string, number>() };

  constructor(
    readonly path: string,
    readonly node: NodeId,
    nodes: readonly NodeId[],
    spec: string,
  ) {
    this.segment = existingSegments(path);
    this.#fd = openSync(path, 'a');
    this.#lines.push(
      stableJson({
        type: 'node-header',
        format: NODE_TRACE_FORMAT,
        version: 1,
        node,
        nodes,
        spec,
        segment: this.segment,
        startedAt: Date.now(),
      }),
    );
    this.flush();
  }

  /** Starts an event; returns its id. */
  begin(kind: string, trigger: unknown, cause: number | null = null): number {
    const id = this.#nextEvent++;
    this.#event = {
      id,
      time: Date.now(),
      kind,
      trigger,
      cause,
      sends: [],
      reads: [],
      writes: [],
      emits: [],
      notes: [],
    };
    return id;
  }

  /** Reports reads and writes of `store` ('s' storage, 'm' memory) to this trace. */
  observer(store: 's' | 'm'): AccessObserver {
    return { read: (k) => this.read(store, k), write: (k, same) => this.write(store, k, same) };
  }

  read(store: 's' | 'm', key: string): void {
    this.#event?.reads.push([store, key, this.#writers[store].get(key) ?? -1]);
  }

  write(store: 's' | 'm', key: string, same: boolean): void {
    const e = this.#event;
    if (e === undefined) return;
    const writers = this.#writers[store];
    e.writes.push([store, key, same ? (writers.get(key) ?? -1) : -1]);
    writers.set(key, e.id);
  }

  emit(f: Fact): void {
    this.#event?.emits.push([f.name, [...f.args]]);
  }

  note(text: string): void {
    this.#event?.notes.push(text);
  }

  /** Records a message sent by the current event; returns its sequence number. */
  send(to: string, payload: unknown): number {
    const seq = this.#nextSeq++;
    const e = this.#event;
    e?.sends.push(seq);
    this.#lines.push(
      stableJson({
        type: 'message',
        seg: this.segment,
        seq,
        to,
        sendEvent: e?.id ?? -1,
        sentAt: e?.time ?? Date.now(),
        payload,
      }),
    );
    return seq;
  }

  /** The current handler threw: its writes and sends were discarded, so the event keeps none. */
  discardEffects(note: string): void {
    const e = this.#event;
    if (e === undefined) return;
    e.writes = [];
    e.sends = [];
    e.notes.push(note);
  }

  /** Ends the current event (its line is written at the next flush). */
  end(): void {
    const e = this.#event;
    if (e === undefined) return;
    this.#event = undefined;
    this.#lines.push(stableJson({ type: 'event', seg: this.segment, ...e }));
  }

  /** A message of this segment was dropped before leaving. */
  lost(seq: number, reason: string): void {
    if (seq < 0) return;
    this.#lines.push(stableJson({ type: 'lost', seg: this.segment, seq, reason }));
  }

  /** Writes the buffered lines. */
  flush(): void {
    if (this.#lines.length === 0) return;
    const text = `${this.#lines.join('\n')}\n`;
    this.#lines = [];
    writeSync(this.#fd, text);
  }

  /** Marks a graceful stop and closes the file. */
  close(): void {
    this.#lines.push(stableJson({ type: 'stop', seg: this.segment, time: Date.now() }));
    this.flush();
    closeSync(this.#fd);
  }
}

/** Segments already in the file; cuts a torn last line left by a `kill -9` mid-write. */
function existingSegments(path: string): number {
  if (!existsSync(path)) return 0;
  const text = readFileSync(path, 'utf8');
  const lastNewline = text.lastIndexOf('\n');
  if (lastNewline + 1 < text.length)
    truncateSync(path, Buffer.byteLength(text.slice(0, lastNewline + 1)));
  let segments = 0;
  for (const line of text.split('\n')) if (line.startsWith('{"type":"node-header"')) segments++;
  return segments;
}
