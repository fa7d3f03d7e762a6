import { assert } from '../core/assert.js';
import { type Tuple, tupleKey } from '../core/value.js';
import type { StoreName, Trace, TraceEvent, TraceMessage } from '../sim/trace.js';

/**
 * Data lineage of a traced run (DESIGN.md §4). Every handler invocation is an event; its premises
 * are what it depended on:
 * - the message that triggered it (which links to the event that sent it),
 * - the event that armed the timer that triggered it,
 * - every tracked value it read, linked to the write that produced the value — and to each earlier
 *   write of an *equal* value just before it (re-writing an equal value is an alternative
 *   derivation, not a no-op: redundancy is exactly what LDFI must see),
 * - with `precision: 'pcausal'`, also the node's previous event (for processes that keep state in
 *   plain fields the trace cannot see: Lamport's potential causality, Molly's `pcausal`).
 *
 * A fact's derivations are all its emissions (a re-emitted fact is another derivation).
 */
export type Premise =
  | { readonly kind: 'message'; readonly message: number }
  | { readonly kind: 'timer'; readonly setter: number }
  | {
      readonly kind: 'read';
      readonly store: StoreName;
      readonly key: string;
      /** The write events that support the value read, most recent first. Empty when the key was
       * absent (a negative read). */
      readonly writers: readonly number[];
    }
  | { readonly kind: 'previous'; readonly event: number };

/** How precisely events' dependencies are known. */
export type LineagePrecision = 'tracked' | 'pcausal';

/** A node of an exported lineage graph. */
export interface LineageNode {
  readonly id: string;
  readonly kind: 'fact' | 'event' | 'message' | 'value';
  readonly label: string;
  /** Event or message id in the trace, where the node stands for one. */
  readonly ref?: number;
}

/** An edge from a goal to what supports it (goal → derivation → premise). */
export interface LineageEdge {
  readonly from: string;
  readonly to: string;
}

/** A backward closure, exportable as JSON and DOT. */
export interface LineageGraph {
  readonly roots: readonly string[];
  readonly nodes: readonly LineageNode[];
  readonly edges: readonly LineageEdge[];
}

/** Lineage queries over one traced run. */
export class Lineage {
  readonly trace: Trace;
  readonly precision: LineagePrecision;
  readonly #events: TraceEvent[] = [];
  readonly #emissions = new Map<string, number[]>();
  /** `node|store|key|writer` → the writer of the value it replaced when equal (an alternative). */
  readonly #sameAs = new Map<string, number>();
  readonly #previous: Int32Array;

  constructor(trace: Trace, precision: LineagePrecision = 'tracked') {
    this.trace = trace;
    this.precision = precision;
    const lastOnNode = new Map<string, number>();
    this.#previous = new Int32Array(trace.eventCount).fill(-1);
    for (let i = 0; i < trace.eventCount; i++) {
      const e = trace.event(i);
      this.#events.push(e);
      if (e.node !== null) {
        this.#previous[i] = lastOnNode.get(e.node) ?? -1;
        lastOnNode.set(e.node, i);
      }
      for (const f of e.emits) {
        const key = `${f.name}${tupleKey(f.args)}`;
        const list = this.#emissions.get(key);
        if (list === undefined) this.#emissions.set(key, [i]);
        else list.push(i);
      }
      for (const [store, key, sameAs] of e.writes) {
        if (sameAs >= 0) this.#sameAs.set(`${e.node}|${store}|${key}|${i}`, sameAs);
      }
    }
  }

  /** The event with id `id`. */
  event(id: number): TraceEvent {
    const e = this.#events[id];
    assert(e !== undefined, 'lineage: event ids are dense', `no event ${id}`);
    return e;
  }

  /** The message with id `id`. */
  message(id: number): TraceMessage {
    return this.trace.message(id);
  }

  /** Events that emitted `name(args…)`: every derivation, in order. */
  emissions(name: string, args: Tuple): readonly number[] {
    return this.#emissions.get(`${name}${tupleKey(args)}`) ?? [];
  }

  /** What event `id` depended on. */
  premises(id: number): Premise[] {
    const e = this.event(id);
    const out: Premise[] = [];
    if (e.kind === 'deliver' && typeof e.trigger === 'number')
      out.push({ kind: 'message', message: e.trigger });
    if (e.kind === 'timer' && e.cause !== null) out.push({ kind: 'timer', setter: e.cause });
    for (const [store, key, writer] of e.reads) {
      // Reading back its own write: the value's derivation is this event itself, whose premises are
      // already listed (as a premise it would make the lineage a cycle).
      if (writer === id) continue;
      out.push({
        kind: 'read',
        store,
        key,
        writers: writer < 0 ? [] : this.supportingWrites(e.node ?? '', store, key, writer),
      });
    }
    if (this.precision === 'pcausal') {
      const prev = this.#previous[id] as number;
      if (prev >= 0) out.push({ kind: 'previous', event: prev });
    }
    return out;
  }

  /** The write `writer` of `key` and each earlier write of an equal value right before it. */
  supportingWrites(node: string, store: StoreName, key: string, writer: number): number[] {
    const out = [writer];
    let w = writer;
    for (;;) {
      const earlier = this.#sameAs.get(`${node}|${store}|${key}|${w}`);
      if (earlier === undefined) return out;
      out.push(earlier);
      w = earlier;
    }
  }

  /** The backward closure of the fact `name(args…)`. */
  graphOfFact(name: string, args: Tuple): LineageGraph {
    const builder = new GraphBuilder(this);
    const root = builder.fact(name, args);
    return builder.build([root]);
  }

  /** The backward closure of message `id`. */
  graphOfMessage(id: number): LineageGraph {
    const builder = new GraphBuilder(this);
    return builder.build([builder.messageNode(id)]);
  }

  /** The backward closure of the current value of `key` in `node`'s store `store`, as of the end
   * of the run (its last write and the equal writes before it). */
  graphOfKey(node: string, store: StoreName, key: string): LineageGraph {
    let last = -1;
    for (const e of this.#events) {
      if (e.node === node && e.writes.some(([s, k]) => s === store && k === key)) last = e.id;
    }
    const builder = new GraphBuilder(this);
    const writers = last < 0 ? [] : this.supportingWrites(node, store, key, last);
    return builder.build([builder.value(node, store, key, writers)]);
  }
}

/** Builds an exported graph by walking premises backwards, each node once. */
class GraphBuilder {
  readonly #nodes = new Map<string, LineageNode>();
  readonly #edges: LineageEdge[] = [];
  readonly #edgeKeys = new Set<string>();
  readonly #pending: number[] = [];

  constructor(readonly lineage: Lineage) {}

  fact(name: string, args: Tuple): string {
    const id = `fact:${name}${tupleKey(args)}`;
    this.#add({
      id,
      kind: 'fact',
      label: `${name}(${args.map((a) => JSON.stringify(a)).join(', ')})`,
    });
    for (const e of this.lineage.emissions(name, args)) this.#edge(id, this.eventNode(e));
    return id;
  }

  eventNode(eventId: number): string {
    const id = `event:${eventId}`;
    if (!this.#nodes.has(id)) {
      const e = this.lineage.event(eventId);
      const trigger = e.kind === 'timer' ? ` ${String(e.trigger)}` : '';
      this.#add({
        id,
        kind: 'event',
        label: `${e.node ?? '*'}@${e.time} ${e.kind}${trigger} #${eventId}`,
        ref: eventId,
      });
      this.#pending.push(eventId);
    }
    return id;
  }

  messageNode(messageId: number): string {
    const id = `message:${messageId}`;
    if (!this.#nodes.has(id)) {
      const m = this.lineage.message(messageId);
      this.#add({ id, kind: 'message', label: `${m.from}→${m.to} @${m.sentAt}`, ref: messageId });
      if (m.sendEvent >= 0) this.#edge(id, this.eventNode(m.sendEvent));
    }
    return id;
  }

  value(node: string, store: StoreName, key: string, writers: readonly number[]): string {
    const id = `value:${node}|${store}|${key}|${writers[0] ?? 'absent'}`;
    if (!this.#nodes.has(id)) {
      const where = store === 's' ? 'storage' : 'memory';
      this.#add({
        id,
        kind: 'value',
        label: `${node} ${where} ${key}${writers.length === 0 ? ' (absent)' : ''}`,
      });
      for (const w of writers) this.#edge(id, this.eventNode(w));
    }
    return id;
  }

  build(roots: string[]): LineageGraph {
    while (this.#pending.length > 0) {
      const eventId = this.#pending.pop() as number;
      const from = `event:${eventId}`;
      const node = this.lineage.event(eventId).node ?? '';
      for (const p of this.lineage.premises(eventId)) {
        if (p.kind === 'message') this.#edge(from, this.messageNode(p.message));
        else if (p.kind === 'timer') this.#edge(from, this.eventNode(p.setter));
        else if (p.kind === 'previous') this.#edge(from, this.eventNode(p.event));
        else this.#edge(from, this.value(node, p.store, p.key, p.writers));
      }
    }
    return { roots, nodes: [...this.#nodes.values()], edges: this.#edges };
  }

  #add(node: LineageNode): void {
    if (!this.#nodes.has(node.id)) this.#nodes.set(node.id, node);
  }

  #edge(from: string, to: string): void {
    const key = `${from}>${to}`;
    if (this.#edgeKeys.has(key)) return;
    this.#edgeKeys.add(key);
    this.#edges.push({ from, to });
  }
}

/** Graphviz DOT of a lineage graph: goals as ellipses, events as boxes, messages dashed. */
export function lineageToDot(graph: LineageGraph, title = 'lineage'): string {
  const shape: Record<LineageNode['kind'], string> = {
    fact: 'ellipse, style=filled, fillcolor="#e8f0fe"',
    event: 'box',
    message: 'box, style=dashed',
    value: 'ellipse',
  };
  const lines = [`digraph ${JSON.stringify(title)} {`, '  rankdir=BT;'];
  for (const n of graph.nodes)
    lines.push(
      `  ${JSON.stringify(n.id)} [label=${JSON.stringify(n.label)}, shape=${shape[n.kind]}];`,
    );
  for (const e of graph.edges)
    lines.push(`  ${JSON.stringify(e.to)} -> ${JSON.stringify(e.from)};`);
  lines.push('}');
  return lines.join('\n');
}
