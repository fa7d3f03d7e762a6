import { createHash } from 'node:crypto';
import type { FactRecord } from '../core/fact.js';
import type { FaultPlan } from '../core/fault.js';
import type { NodeId } from '../core/ids.js';
import { Column } from './growable.js';

/**
 * The trace of a run: every event (id, node, time, trigger, sends, reads, writes, emits) and every
 * message. Stored column-wise in typed arrays so a retained event costs tens of bytes; objects are
 * materialised only when asked for ({@link Trace.event}, {@link Trace.toJsonLines}).
 *
 * The JSON-lines format (version {@link TRACE_FORMAT_VERSION}) is documented in
 * docs/design/trace-format.md. Same spec + same seed ⇒ byte-identical lines: a tested contract.
 */
export const TRACE_FORMAT_VERSION = 1;

/** What caused an event. */
export type EventKind = 'init' | 'deliver' | 'timer' | 'crash' | 'restart' | 'fault' | 'heal';
/** Every event kind, in the order of their codes in the trace's columns. */
export const eventKinds: readonly EventKind[] = [
  'init',
  'deliver',
  'timer',
  'crash',
  'restart',
  'fault',
  'heal',
];

/** Why a message did not arrive. */
export type LossReason =
  | 'omission'
  | 'sender-crashed'
  | 'partition'
  | 'loss'
  | 'drop'
  | 'receiver-down'
  | 'after-end';
const lossReasons: readonly LossReason[] = [
  'omission',
  'sender-crashed',
  'partition',
  'loss',
  'drop',
  'receiver-down',
  'after-end',
];

/** Which tracked container a read or write touched: `s` storage, `m` memory. */
export type StoreName = 's' | 'm';

/** Header line of a trace. */
export interface TraceHeader {
  readonly spec: string;
  readonly seed: number;
  readonly model: 'sync' | 'async';
  readonly nodes: readonly NodeId[];
  readonly clients: readonly NodeId[];
  readonly plan: FaultPlan;
}

/** An event, materialised. */
export interface TraceEvent {
  readonly id: number;
  /** Node the event ran on; `null` for cluster-wide fault events. */
  readonly node: NodeId | null;
  readonly time: number;
  readonly kind: EventKind;
  /** For `deliver`: the message id; for `timer`: the timer name; for faults: a description. */
  readonly trigger: number | string | null;
  /** For `timer`: the event that armed the timer. */
  readonly cause: number | null;
  /** Ids of the messages this event sent. */
  readonly sends: readonly number[];
  /** `[store, key, writerEventId]` (writer −1: the key was absent or never written). */
  readonly reads: readonly (readonly [StoreName, string, number])[];
  /** `[store, key, sameAs]`: `sameAs` is the event that wrote the value this write replaced when
   * the two values are equal (an alternative derivation), else −1. */
  readonly writes: readonly (readonly [StoreName, string, number])[];
  readonly emits: readonly FactRecord[];
  readonly notes: readonly string[];
}

/** A message, materialised. */
export interface TraceMessage {
  readonly id: number;
  readonly from: NodeId;
  readonly to: NodeId;
  readonly sendEvent: number;
  readonly sentAt: number;
  /** `delivered`, `lost`, or `in-flight` when the run ended first. */
  readonly status: 'delivered' | 'lost' | 'in-flight';
  readonly deliverEvent: number | null;
  readonly deliveredAt: number | null;
  readonly lostReason: LossReason | null;
  /** The first event's delivery; a duplicated message is delivered more than once. */
  readonly payload: unknown;
}

const NONE = -1;

/** Records a run. The simulator calls the `begin*`/`add*`/`message*` methods as the run goes. */
export class Trace {
  readonly header: TraceHeader;
  readonly #nodeNames: readonly NodeId[];
  // Events.
  readonly #evNode = new Column(Int32Array);
  readonly #evTime = new Column(Float64Array);
  readonly #evKind = new Column(Uint8Array);
  readonly #evTrigger = new Column(Int32Array);
  readonly #evCause = new Column(Int32Array);
  readonly #evSends = new Column(Int32Array);
  readonly #evReads = new Column(Int32Array);
  readonly #evWrites = new Column(Int32Array);
  readonly #evEmits = new Column(Int32Array);
  // Reads and writes (keys are interned).
  readonly #readStore = new Column(Uint8Array);
  readonly #readKey = new Column(Int32Array);
  readonly #readWriter = new Column(Int32Array);
  readonly #writeStore = new Column(Uint8Array);
  readonly #writeKey = new Column(Int32Array);
  readonly #writeSameAs = new Column(Int32Array);
  // Messages.
  readonly #msgFrom = new Column(Int32Array);
  readonly #msgTo = new Column(Int32Array);
  readonly #msgSendEvent = new Column(Int32Array);
  readonly #msgDeliverEvent = new Column(Int32Array);
  readonly #msgDeliveredAt = new Column(Float64Array);
  readonly #msgStatus = new Column(Uint8Array); // 0 in flight, 1 delivered, 2+ lost (reason + 2)
  readonly #msgPayload: unknown[] = [];
  // Strings: interned keys, timer names and fault descriptions.
  readonly #strings: string[] = [];
  readonly #stringIds = new Map<string, number>();
  readonly #notes = new Map<number, string[]>();
  readonly #facts: readonly FactRecord[];

  /** `nodeNames` indexes node numbers (servers then clients); `facts` is the run's fact log. */
  constructor(header: TraceHeader, facts: readonly FactRecord[]) {
    this.header = header;
    this.#nodeNames = [...header.nodes, ...header.clients];
    this.#facts = facts;
  }

  get eventCount(): number {
    return this.#evNode.length;
  }

  get messageCount(): number {
    return this.#msgFrom.length;
  }

  /** Starts event `id` (ids are dense: it must equal the current count). */
  beginEvent(
    node: number,
    time: number,
    kind: EventKind,
    trigger: number | string | null,
    cause = NONE,
  ): void {
    this.#evNode.push(node);
    this.#evCause.push(cause);
    this.#evTime.push(time);
    this.#evKind.push(eventKinds.indexOf(kind));
    this.#evTrigger.push(typeof trigger === 'string' ? this.#intern(trigger) : (trigger ?? NONE));
    this.#evSends.push(this.#msgFrom.length);
    this.#evReads.push(this.#readStore.length);
    this.#evWrites.push(this.#writeStore.length);
    this.#evEmits.push(this.#facts.length);
  }

  addRead(store: StoreName, key: string, writer: number): void {
    this.#readStore.push(store === 's' ? 0 : 1);
    this.#readKey.push(this.#intern(key));
    this.#readWriter.push(writer);
  }

  addWrite(store: StoreName, key: string, sameAs: number): void {
    this.#writeStore.push(store === 's' ? 0 : 1);
    this.#writeKey.push(this.#intern(key));
    this.#writeSameAs.push(sameAs);
  }

  addNote(note: string): void {
    const id = this.#evNode.length - 1;
    const list = this.#notes.get(id);
    if (list === undefined) this.#notes.set(id, [note]);
    else list.push(note);
  }

  /** Records a message sent by the current event; returns its id. */
  addMessage(from: number, to: number, payload: unknown): number {
    const id = this.#msgFrom.length;
    this.#msgFrom.push(from);
    this.#msgTo.push(to);
    this.#msgSendEvent.push(this.#evNode.length - 1);
    this.#msgDeliverEvent.push(NONE);
    this.#msgDeliveredAt.push(Number.NaN);
    this.#msgStatus.push(0);
    this.#msgPayload.push(payload);
    return id;
  }

  /** Marks a message delivered by the current event (first delivery only). */
  messageDelivered(id: number, time: number): void {
    // A duplicated message counts as delivered once any copy arrives, even if another was lost.
    if (this.#msgStatus.get(id) === 1) return;
    this.#msgStatus.set(id, 1);
    this.#msgDeliverEvent.set(id, this.#evNode.length - 1);
    this.#msgDeliveredAt.set(id, time);
  }

  messageLost(id: number, reason: LossReason): void {
    if (this.#msgStatus.get(id) !== 0) return;
    this.#msgStatus.set(id, 2 + lossReasons.indexOf(reason));
  }

  /** The event with id `id`. */
  event(id: number): TraceEvent {
    const node = this.#evNode.get(id);
    const kind = eventKinds[this.#evKind.get(id)] as EventKind;
    const trig = this.#evTrigger.get(id);
    const end = (col: Column<Int32Array>, total: number) =>
      id + 1 < this.eventCount ? col.get(id + 1) : total;
    const sends: number[] = [];
    for (let m = this.#evSends.get(id); m < end(this.#evSends, this.messageCount); m++)
      sends.push(m);
    const reads: [StoreName, string, number][] = [];
    for (let r = this.#evReads.get(id); r < end(this.#evReads, this.#readStore.length); r++) {
      reads.push([
        this.#readStore.get(r) === 0 ? 's' : 'm',
        this.#strings[this.#readKey.get(r)] as string,
        this.#readWriter.get(r),
      ]);
    }
    const writes: [StoreName, string, number][] = [];
    for (let w = this.#evWrites.get(id); w < end(this.#evWrites, this.#writeStore.length); w++) {
      writes.push([
        this.#writeStore.get(w) === 0 ? 's' : 'm',
        this.#strings[this.#writeKey.get(w)] as string,
        this.#writeSameAs.get(w),
      ]);
    }
    const emits = this.#facts.slice(this.#evEmits.get(id), end(this.#evEmits, this.#facts.length));
    let trigger: number | string | null = null;
    if (kind === 'deliver') trigger = trig;
    else if (trig !== NONE) trigger = this.#strings[trig] as string;
    return {
      id,
      node: node === NONE ? null : (this.#nodeNames[node] as NodeId),
      time: this.#evTime.get(id),
      kind,
      trigger,
      cause: kind === 'timer' && this.#evCause.get(id) !== NONE ? this.#evCause.get(id) : null,
      sends,
      reads,
      writes,
      emits,
      notes: this.#notes.get(id) ?? [],
    };
  }

  /** The message with id `id`. */
  message(id: number): TraceMessage {
    const status = this.#msgStatus.get(id);
    const deliverEvent = this.#msgDeliverEvent.get(id);
    return {
      id,
      from: this.#nodeNames[this.#msgFrom.get(id)] ?? '$env',
      to: this.#nodeNames[this.#msgTo.get(id)] as NodeId,
      sendEvent: this.#msgSendEvent.get(id),
      sentAt:
        this.#msgSendEvent.get(id) === NONE ? 0 : this.#evTime.get(this.#msgSendEvent.get(id)),
      status: status === 0 ? 'in-flight' : status === 1 ? 'delivered' : 'lost',
      deliverEvent: deliverEvent === NONE ? null : deliverEvent,
      deliveredAt: status === 1 ? this.#msgDeliveredAt.get(id) : null,
      lostReason: status >= 2 ? (lossReasons[status - 2] as LossReason) : null,
      payload: this.#msgPayload[id],
    };
  }

  /** The trace as JSON lines: a header, one line per event, one per message, then an end line. */
  *toJsonLines(footer: Record<string, unknown> = {}): Generator<string> {
    yield stableJson({
      type: 'header',
      format: 'cadre-trace',
      version: TRACE_FORMAT_VERSION,
      ...this.header,
    });
    for (let i = 0; i < this.eventCount; i++) {
      const e = this.event(i);
      yield stableJson({
        type: 'event',
        ...e,
        emits: e.emits.map((f) => [f.name, f.args]),
      });
    }
    for (let i = 0; i < this.messageCount; i++)
      yield stableJson({ type: 'message', ...this.message(i) });
    yield stableJson({
      type: 'end',
      events: this.eventCount,
      messages: this.messageCount,
      ...footer,
    });
  }

  /** SHA-256 of the JSON lines (hex): equal hashes mean byte-identical traces. */
  hash(footer: Record<string, unknown> = {}): string {
    const h = createHash('sha256');
    for (const line of this.toJsonLines(footer)) h.update(line).update('\n');
    return h.digest('hex');
  }

  /** Approximate bytes held by the trace's columns (capacity) — for the memory benchmark. */
  get columnBytes(): number {
    const cols = [
      this.#evNode,
      this.#evTime,
      this.#evKind,
      this.#evTrigger,
      this.#evCause,
      this.#evSends,
      this.#evReads,
      this.#evWrites,
      this.#evEmits,
      this.#readStore,
      this.#readKey,
      this.#readWriter,
      this.#writeStore,
      this.#writeKey,
      this.#writeSameAs,
      this.#msgFrom,
      this.#msgTo,
      this.#msgSendEvent,
      this.#msgDeliverEvent,
      this.#msgDeliveredAt,
      this.#msgStatus,
    ];
    return cols.reduce((sum, c) => sum + c.bytes, 0) + this.#msgPayload.length * 8;
  }

  #intern(text: string): number {
    let id = this.#stringIds.get(text);
    if (id === undefined) {
      id = this.#strings.length;
      this.#strings.push(text);
      this.#stringIds.set(text, id);
    }
    return id;
  }
}

/**
 * JSON with a fixed rendering of values JSON lacks: bigint as `{"$bigint":"…"}`, bytes as
 * `{"$bytes":"hex"}`, Map as `{"$map":[[k,v],…]}`, Set as `{"$set":[…]}`, undefined as null in
 * arrays. Object keys keep insertion order (deterministic for deterministic programs).
 */
export function stableJson(value: unknown): string {
  return JSON.stringify(value, (_key, v: unknown) => {
    if (typeof v === 'bigint') return { $bigint: v.toString() };
    if (v instanceof Uint8Array) return { $bytes: Buffer.from(v).toString('hex') };
    if (v instanceof Map) return { $map: [...v.entries()] };
    if (v instanceof Set) return { $set: [...v.values()] };
    if (typeof v === 'number' && !Number.isFinite(v)) return { $number: String(v) };
    return v;
  });
}
