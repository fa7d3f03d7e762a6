import { readFileSync } from 'node:fs';
import { ENVIRONMENT, type NodeId } from '../core/ids.js';
import { stableJson, TRACE_FORMAT_VERSION } from '../sim/trace.js';
import { NODE_TRACE_FORMAT, type NodeTraceEvent } from './node-trace.js';

/** Thrown for a node trace that cannot be merged; the message names the file and line. */
export class TraceMergeError extends Error {
  override readonly name = 'TraceMergeError';
}

interface NodeEvent extends NodeTraceEvent {
  seg: number;
}

interface NodeMessage {
  seg: number;
  seq: number;
  to: string;
  sendEvent: number;
  sentAt: number;
  payload: unknown;
}

interface Segment {
  readonly node: NodeId;
  readonly seg: number;
  readonly startedAt: number;
  readonly nodes: readonly NodeId[];
  readonly spec: string;
  readonly events: NodeEvent[];
  readonly messages: Map<number, NodeMessage>;
  readonly lost: Map<number, string>;
  stopped: boolean;
}

/** An event in merge order, before ids are assigned. */
interface Item {
  readonly node: NodeId;
  readonly seg: number;
  /** The node event, or undefined for a synthetic crash marker. */
  readonly event: NodeEvent | undefined;
  readonly time: number;
}

/** What the merge produced. */
export interface MergedTrace {
  readonly lines: string[];
  readonly events: number;
  readonly messages: number;
}

/** Reads node trace files (one per node; restarts append segments) and merges them. */
export function mergeTraceFiles(paths: readonly string[]): MergedTrace {
  const segments: Segment[] = [];
  for (const path of paths) segments.push(...parseNodeTrace(readFileSync(path, 'utf8'), path));
  return mergeSegments(segments);
}

/** Parses one node trace file into its segments. A torn last line (kill -9) is ignored. */
export function parseNodeTrace(text: string, where: string): Segment[] {
  const out: Segment[] = [];
  const lines = text.split('\n');
  let current: Segment | undefined;
  lines.forEach((line, i) => {
    if (line.trim() === '') return;
    let value: Record<string, unknown>;
    try {
      value = JSON.parse(line) as Record<string, unknown>;
    } catch {
      if (i >= lines.length - 2) return; // torn last line
      throw new TraceMergeError(`${where}:${i + 1}: not a JSON line`);
    }
    if (value.type === 'node-header') {
      if (value.format !== NODE_TRACE_FORMAT || value.version !== 1)
        throw new TraceMergeError(`${where}:${i + 1}: not a cadre node trace (version 1)`);
      current = {
        node: value.node as NodeId,
        seg: value.segment as number,
        startedAt: value.startedAt as number,
        nodes: value.nodes as NodeId[],
        spec: value.spec as string,
        events: [],
        messages: new Map(),
        lost: new Map(),
        stopped: false,
      };
      out.push(current);
      return;
    }
    if (current === undefined)
      throw new TraceMergeError(`${where}:${i + 1}: a line before the first node-header`);
    switch (value.type) {
      case 'event':
        current.events.push(value as unknown as NodeEvent);
        return;
      case 'message':
        current.messages.set(value.seq as number, value as unknown as NodeMessage);
        return;
      case 'lost':
        current.lost.set(value.seq as number, value.reason as string);
        return;
      case 'stop':
        current.stopped = true;
        return;
      default:
        throw new TraceMergeError(
          `${where}:${i + 1}: unknown line type ${JSON.stringify(value.type)}`,
        );
    }
  });
  return out;
}

/** Lost reasons of the runtime mapped to the trace format's. */
function lossReason(reason: string): string {
  return reason === 'detached-endpoint' ? 'receiver-down' : 'drop';
}

/**
 * Merges node segments into one trace in format v1 (docs/design/trace-format.md). Events are
 * ordered so every delivery comes after its send (a topological order of the happens-before
 * graph), ties broken by wall-clock time; times are ms since the earliest node start. A node's
 * segment that ended without a graceful stop and was followed by a restart gets a `crash` event;
 * the first event of a later segment is a `restart`.
 */
export function mergeSegments(segments: readonly Segment[]): MergedTrace {
  if (segments.length === 0) throw new TraceMergeError('no node traces to merge');
  const first = segments[0] as Segment;
  const nodes = [...first.nodes];
  for (const s of segments) {
    if (!nodes.includes(s.node)) nodes.push(s.node);
  }
  const t0 = Math.min(...segments.map((s) => s.startedAt));
  const key = (node: string, seg: number, n: number) => `${node}\u0000${seg}\u0000${n}`;
  // Per node: its segments in order, flattened into items.
  const queues = new Map<NodeId, Item[]>();
  for (const node of nodes) {
    const mine = segments.filter((s) => s.node === node).sort((a, b) => a.seg - b.seg);
    const items: Item[] = [];
    mine.forEach((s, i) => {
      for (const e of s.events) items.push({ node, seg: s.seg, event: e, time: e.time });
      if (!s.stopped && i < mine.length - 1) {
        const last = s.events[s.events.length - 1];
        items.push({ node, seg: s.seg, event: undefined, time: last?.time ?? s.startedAt });
      }
    });
    queues.set(node, items);
  }
  const messageOf = new Map<string, NodeMessage & { from: NodeId }>();
  for (const s of segments)
    for (const m of s.messages.values())
      messageOf.set(key(s.node, s.seg, m.seq), { ...m, from: s.node });
  const lostOf = new Map<string, string>();
  for (const s of segments) for (const [seq, r] of s.lost) lostOf.set(key(s.node, s.seg, seq), r);

  // Topological merge: a delivery waits for its send event.
  const order: Item[] = [];
  const globalEvent = new Map<string, number>();
  const cursors = new Map<NodeId, number>(nodes.map((n) => [n, 0]));
  const sendKey = (trigger: unknown): string | undefined => {
    const t = trigger as { from?: string; seg?: number; seq?: number } | null;
    if (t === null || typeof t !== 'object' || typeof t.seq !== 'number' || t.seq < 0)
      return undefined;
    const m = messageOf.get(key(t.from as string, t.seg as number, t.seq));
    return m === undefined ? undefined : key(t.from as string, t.seg as number, m.sendEvent);
  };
  for (;;) {
    let pick: Item | undefined;
    let fallback: Item | undefined;
    for (const node of nodes) {
      const item = (queues.get(node) as Item[])[cursors.get(node) as number];
      if (item === undefined) continue;
      if (fallback === undefined || item.time < fallback.time) fallback = item;
      const dep = item.event?.kind === 'deliver' ? sendKey(item.event.trigger) : undefined;
      if (dep !== undefined && !globalEvent.has(dep)) continue;
      if (pick === undefined || item.time < pick.time) pick = item;
    }
    const next = pick ?? fallback;
    if (next === undefined) break;
    cursors.set(next.node, (cursors.get(next.node) as number) + 1);
    if (next.event !== undefined)
      globalEvent.set(key(next.node, next.seg, next.event.id), order.length);
    order.push(next);
  }

  // Message ids: deliveries from outside first (as the simulator numbers inputs), then sends.
  const messageIds = new Map<string, number>();
  const messageLines: Record<string, unknown>[] = [];
  const clients = new Set<string>();
  const rel = (t: number) => t - t0;
  order.forEach((item, id) => {
    const e = item.event;
    if (e === undefined || e.kind !== 'deliver') return;
    const t = e.trigger as { from: string; seg?: number; seq?: number; payload?: unknown };
    if (sendKey(t) !== undefined) return;
    if (t.from !== ENVIRONMENT && !nodes.includes(t.from)) clients.add(t.from);
    const mid = messageLines.length;
    messageIds.set(`in\u0000${id}`, mid);
    messageLines.push({
      type: 'message',
      id: mid,
      from: t.from,
      to: item.node,
      sendEvent: -1,
      sentAt: rel(e.time),
      status: 'delivered',
      deliverEvent: id,
      deliveredAt: rel(e.time),
      lostReason: null,
      payload: t.payload ?? null,
    });
  });
  const deliveredBy = new Map<string, { id: number; time: number }>();
  order.forEach((item, id) => {
    const e = item.event;
    if (e?.kind !== 'deliver') return;
    const t = e.trigger as { from: string; seg?: number; seq?: number };
    if (sendKey(t) !== undefined)
      deliveredBy.set(key(t.from, t.seg as number, t.seq as number), { id, time: e.time });
  });
  order.forEach((item, id) => {
    const e = item.event;
    if (e === undefined) return;
    for (const seq of e.sends) {
      const k = key(item.node, item.seg, seq);
      const m = messageOf.get(k);
      if (m === undefined) continue;
      if (!nodes.includes(m.to)) clients.add(m.to);
      const mid = messageLines.length;
      messageIds.set(k, mid);
      const delivered = deliveredBy.get(k);
      const lost = lostOf.get(k);
      messageLines.push({
        type: 'message',
        id: mid,
        from: item.node,
        to: m.to,
        sendEvent: id,
        sentAt: rel(m.sentAt),
        status: delivered !== undefined ? 'delivered' : lost !== undefined ? 'lost' : 'in-flight',
        deliverEvent: delivered?.id ?? null,
        deliveredAt: delivered === undefined ? null : rel(delivered.time),
        lostReason: delivered === undefined && lost !== undefined ? lossReason(lost) : null,
        payload: m.payload,
      });
    }
  });

  const eventLines = order.map((item, id) => {
    const e = item.event;
    const g = (n: number) => (n < 0 ? -1 : (globalEvent.get(key(item.node, item.seg, n)) ?? -1));
    if (e === undefined) {
      return {
        type: 'event',
        id,
        node: item.node,
        time: rel(item.time),
        kind: 'crash',
        trigger: 'killed',
        cause: null,
        sends: [],
        reads: [],
        writes: [],
        emits: [],
        notes: ['the node stopped without a graceful shutdown (kill -9 or a crash)'],
      };
    }
    let trigger: unknown = e.trigger;
    if (e.kind === 'deliver') {
      const t = e.trigger as { from: string; seg?: number; seq?: number };
      const k =
        sendKey(t) === undefined ? `in\u0000${id}` : key(t.from, t.seg as number, t.seq as number);
      trigger = messageIds.get(k) ?? null;
    }
    return {
      type: 'event',
      id,
      node: item.node,
      time: rel(e.time),
      kind: e.kind === 'init' && item.seg > 0 ? 'restart' : e.kind,
      trigger,
      cause: e.cause === null ? null : g(e.cause),
      sends: e.sends
        .map((seq) => messageIds.get(key(item.node, item.seg, seq)))
        .filter((m): m is number => m !== undefined),
      reads: e.reads.map(([s, k, w]) => [s, k, g(w)]),
      writes: e.writes.map(([s, k, w]) => [s, k, g(w)]),
      emits: e.emits,
      notes: e.notes,
    };
  });
  // Messages in id order; inputs were numbered first.
  messageLines.sort((a, b) => (a.id as number) - (b.id as number));
  const lines = [
    stableJson({
      type: 'header',
      format: 'cadre-trace',
      version: TRACE_FORMAT_VERSION,
      spec: first.spec,
      seed: 0,
      model: 'async',
      nodes,
      clients: [...clients].sort(),
      plan: { faults: [] },
      source: 'runtime',
      startedAt: t0,
    }),
    ...eventLines.map((e) => stableJson(e)),
    ...messageLines.map((m) => stableJson(m)),
    stableJson({
      type: 'end',
      events: eventLines.length,
      messages: messageLines.length,
      source: 'runtime',
    }),
  ];
  return { lines, events: eventLines.length, messages: messageLines.length };
}
