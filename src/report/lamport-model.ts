import { describeFault, type Fault } from '../core/fault.js';
import type { Lineage } from '../lineage/lineage.js';
import { type EventKind, eventKinds, type StoreName, type TraceMessage } from '../sim/trace.js';
import type { FaultCut } from './fault-cuts.js';
import type { TraceData } from './trace-data.js';

/** Event kinds, in the order of {@link LamportModel.events}`.kind` codes (the trace's own order). */
export const LAMPORT_KINDS: readonly EventKind[] = eventKinds;

/** Message status codes of {@link LamportModel.messages}`.status`. */
export const MESSAGE_DELIVERED = 0;
export const MESSAGE_LOST = 1;
export const MESSAGE_IN_FLIGHT = 2;

/** Longest payload text kept per message (characters): the page shows it on hover/click. */
export const PAYLOAD_TEXT_MAX = 300;

/**
 * A Lamport (space-time) diagram as compact columns, embedded in the report as JSON and drawn by
 * the client script (src/report/client/report.js), which renders only the rows in view.
 *
 * Layout: one column per node (servers, then clients); time flows down in rows. Rows come in
 * bands, one per distinct time value, so that time never flows up; within a band an event sits
 * one row below its node's previous event and below the event that sent its message, so a
 * delivery is always drawn below its send (arrows point down) and independent events share rows.
 * Cluster-wide events (partitions, heals) take a row of their own across every column.
 *
 * Strings (labels, payloads, keys, facts) are interned in `strings` and referenced by index.
 */
export interface LamportModel {
  readonly title: string;
  readonly timeModel: 'sync' | 'async';
  readonly columns: readonly string[];
  readonly rows: number;
  readonly strings: readonly string[];
  /** Per event (index = event id): column (−1 cluster-wide), row, time, kind code, label string. */
  readonly events: {
    readonly col: readonly number[];
    readonly row: readonly number[];
    readonly time: readonly number[];
    readonly kind: readonly number[];
    readonly label: readonly number[];
  };
  /** Per message (index = message id). `sendEvent` −1: an input from the environment; `toRow` is
   * the delivery row, or for a lost/in-flight message the row it would have arrived at. */
  readonly messages: {
    readonly fromCol: readonly number[];
    readonly toCol: readonly number[];
    readonly sendEvent: readonly number[];
    readonly deliverEvent: readonly number[];
    readonly fromRow: readonly number[];
    readonly toRow: readonly number[];
    readonly status: readonly number[];
    /** Loss reason string index, −1 when not lost. */
    readonly reason: readonly number[];
    readonly payload: readonly number[];
    readonly label: readonly number[];
  };
  /** Lineage premises as event ids, CSR: event i depends on `ids[offsets[i]..offsets[i+1])`
   * (the sender of its message, the event that armed its timer, the writers of what it read). */
  readonly parents: { readonly offsets: readonly number[]; readonly ids: readonly number[] };
  /** Event details, CSR per event: reads and writes as (store 0 s/1 m, key string, event)
   * triples, emitted facts and notes as string indexes. */
  readonly details: {
    readonly readOffsets: readonly number[];
    readonly reads: readonly number[];
    readonly writeOffsets: readonly number[];
    readonly writes: readonly number[];
    readonly emitOffsets: readonly number[];
    readonly emits: readonly number[];
    readonly noteOffsets: readonly number[];
    readonly notes: readonly number[];
  };
  /** Row and time where each time band starts (the time axis). */
  readonly bands: readonly (readonly [number, number])[];
  /** Spans in which a node was down: column, from row, to row (exclusive; `rows` = end of run),
   * and the crash mode string index. */
  readonly down: readonly (readonly [number, number, number, number])[];
  /** The run's faults and what each cut in this run (highlighted). */
  readonly faults: readonly FaultCut[];
  /** Facts to flag (string indexes of formatted facts): e.g. the outcomes that vanished. */
  readonly flaggedFacts: readonly number[];
  /** Broken guarantees located at an event: event id and message string index. The page marks
   * the event and opens the diagram there. */
  readonly violations: readonly (readonly [number, number])[];
}

/** Options of {@link buildLamportModel}. */
export interface LamportOptions {
  readonly title: string;
  /** Faults to highlight, with what they cut in this run. Default: none. */
  readonly faults?: readonly FaultCut[];
  /** Formatted facts to flag, e.g. `log("c","hello")`. Default: none. */
  readonly flaggedFacts?: readonly string[];
  /** Violations to mark at their events. Default: none. */
  readonly violations?: readonly { readonly eventId: number; readonly message: string }[];
}

/** Builds the diagram model of one run; `lineage` must be over the same run. */
export function buildLamportModel(
  data: TraceData,
  lineage: Lineage,
  options: LamportOptions,
): LamportModel {
  const strings = new Interner();
  const columns = [...data.header.nodes, ...data.header.clients];
  const colOf = new Map(columns.map((n, i) => [n, i]));
  const n = data.events.length;
  const col = new Array<number>(n);
  const row = new Array<number>(n);
  const time = new Array<number>(n);
  const kind = new Array<number>(n);
  const label = new Array<number>(n);
  const lastRow = new Array<number>(columns.length).fill(-1);
  const bands: [number, number][] = [];
  let bandStart = 0;
  let bandTime = Number.NEGATIVE_INFINITY;
  let maxRow = -1;
  for (const e of data.events) {
    if (e.time !== bandTime) {
      bandStart = maxRow + 1;
      bandTime = e.time;
      bands.push([bandStart, e.time]);
    }
    let r = bandStart;
    const c = e.node === null ? -1 : (colOf.get(e.node) ?? -1);
    if (c < 0) {
      // Cluster-wide: a row of its own below everything so far, and a barrier for what follows.
      r = Math.max(r, maxRow + 1);
      lastRow.fill(r);
    } else {
      r = Math.max(r, (lastRow[c] as number) + 1);
      if (e.kind === 'deliver' && typeof e.trigger === 'number') {
        const m = data.messages[e.trigger];
        // A send placed later in the file (clock skew in a merged real-machine trace) gives no
        // constraint yet: the arrow then points up, as the clocks said.
        if (m !== undefined && m.sendEvent >= 0 && m.sendEvent < e.id)
          r = Math.max(r, (row[m.sendEvent] as number) + 1);
      }
      lastRow[c] = r;
    }
    if (r > maxRow) maxRow = r;
    col[e.id] = c;
    row[e.id] = r;
    time[e.id] = e.time;
    kind[e.id] = LAMPORT_KINDS.indexOf(e.kind);
    label[e.id] = strings.id(eventLabel(e.kind, e.trigger, data.messages));
  }
  const rows = maxRow + 2;
  const bandRowOf = new Map(bands.map(([r, t]) => [t, r]));

  const msgs = data.messages;
  const m = {
    fromCol: [] as number[],
    toCol: [] as number[],
    sendEvent: [] as number[],
    deliverEvent: [] as number[],
    fromRow: [] as number[],
    toRow: [] as number[],
    status: [] as number[],
    reason: [] as number[],
    payload: [] as number[],
    label: [] as number[],
  };
  for (const msg of msgs) {
    const deliver = msg.deliverEvent ?? -1;
    const toRow = deliver >= 0 ? (row[deliver] as number) : undeliveredRow(msg);
    const fromRow = msg.sendEvent >= 0 ? (row[msg.sendEvent] as number) : Math.max(0, toRow - 1);
    m.fromCol.push(msg.from === '$env' ? -1 : (colOf.get(msg.from) ?? -1));
    m.toCol.push(colOf.get(msg.to) ?? -1);
    m.sendEvent.push(msg.sendEvent);
    m.deliverEvent.push(deliver);
    m.fromRow.push(fromRow);
    m.toRow.push(toRow);
    m.status.push(
      msg.status === 'delivered'
        ? MESSAGE_DELIVERED
        : msg.status === 'lost'
          ? MESSAGE_LOST
          : MESSAGE_IN_FLIGHT,
    );
    m.reason.push(msg.lostReason === null ? -1 : strings.id(msg.lostReason));
    m.payload.push(strings.id(payloadText(msg.payload)));
    m.label.push(strings.id(payloadLabel(msg.payload)));
  }

  function undeliveredRow(msg: TraceMessage): number {
    const sendRow = msg.sendEvent >= 0 ? (row[msg.sendEvent] as number) : 0;
    // Synchronous model: it would have arrived on the next tick. Otherwise: one row down.
    const next = data.header.model === 'sync' ? bandRowOf.get(msg.sentAt + 1) : undefined;
    return Math.min(rows - 1, Math.max(sendRow + 1, next ?? sendRow + 1));
  }

  const parents = { offsets: [0] as number[], ids: [] as number[] };
  const details = {
    readOffsets: [0] as number[],
    reads: [] as number[],
    writeOffsets: [0] as number[],
    writes: [] as number[],
    emitOffsets: [0] as number[],
    emits: [] as number[],
    noteOffsets: [0] as number[],
    notes: [] as number[],
  };
  /** Reads or writes as flat (store 0 s/1 m, key string, event) triples. */
  const accessTriples = (list: readonly (readonly [StoreName, string, number])[]): number[] =>
    list.flatMap(([store, key, event]) => [store === 's' ? 0 : 1, strings.id(key), event]);
  for (const e of data.events) {
    const seen = new Set<number>();
    for (const p of lineage.premises(e.id)) {
      const ids =
        p.kind === 'message'
          ? [msgs[p.message]?.sendEvent ?? -1]
          : p.kind === 'timer'
            ? [p.setter]
            : p.kind === 'previous'
              ? [p.event]
              : p.writers;
      for (const id of ids) if (id >= 0) seen.add(id);
    }
    appendRun(parents.ids, parents.offsets, [...seen]);
    appendRun(details.reads, details.readOffsets, accessTriples(e.reads));
    appendRun(details.writes, details.writeOffsets, accessTriples(e.writes));
    const emits = e.emits.map(([name, args]) => strings.id(formatFactText(name, args)));
    appendRun(details.emits, details.emitOffsets, emits);
    appendRun(
      details.notes,
      details.noteOffsets,
      e.notes.map((note) => strings.id(note)),
    );
  }

  const down: [number, number, number, number][] = [];
  const open = new Map<number, { row: number; mode: number }>();
  for (const e of data.events) {
    const c = col[e.id] as number;
    if (c < 0) continue;
    if (e.kind === 'crash' && !open.has(c))
      open.set(c, { row: row[e.id] as number, mode: strings.id(String(e.trigger ?? 'crash')) });
    if (e.kind === 'restart') {
      const o = open.get(c);
      if (o !== undefined) down.push([c, o.row, row[e.id] as number, o.mode]);
      open.delete(c);
    }
  }
  for (const [c, o] of open) down.push([c, o.row, rows, o.mode]);

  return {
    title: options.title,
    timeModel: data.header.model,
    columns,
    rows,
    strings: strings.list,
    events: { col, row, time, kind, label },
    messages: m,
    parents,
    details,
    bands,
    down,
    faults: options.faults ?? [],
    flaggedFacts: (options.flaggedFacts ?? []).map((f) => strings.id(f)),
    violations: (options.violations ?? [])
      .filter((v) => v.eventId >= 0 && v.eventId < n)
      .map((v) => [v.eventId, strings.id(v.message)] as const),
  };
}

/** `log("c","hello")`: a fact as the report shows it (Molly's tuple style). */
export function formatFactText(name: string, args: readonly unknown[]): string {
  return `${name}(${args.map((a) => JSON.stringify(a)).join(',')})`;
}

/** A short label for a payload: its `type` and a few scalar fields, e.g. `vote hello Y`. */
export function payloadLabel(payload: unknown): string {
  let text: string;
  if (typeof payload === 'object' && payload !== null && !Array.isArray(payload)) {
    const o = payload as Record<string, unknown>;
    const parts = typeof o.type === 'string' ? [o.type] : [];
    for (const [k, v] of Object.entries(o)) {
      if (k === 'type') continue;
      if (typeof v === 'string' || typeof v === 'number' || typeof v === 'boolean')
        parts.push(String(v));
      if (parts.length >= 4) break;
    }
    text = parts.length > 0 ? parts.join(' ') : payloadText(payload);
  } else text = payloadText(payload);
  return text.length > 28 ? `${text.slice(0, 27)}…` : text;
}

/** The payload as JSON, cut at {@link PAYLOAD_TEXT_MAX} characters. */
export function payloadText(payload: unknown): string {
  const text = JSON.stringify(payload) ?? 'undefined';
  return text.length > PAYLOAD_TEXT_MAX ? `${text.slice(0, PAYLOAD_TEXT_MAX - 1)}…` : text;
}

function eventLabel(
  kind: EventKind,
  trigger: number | string | null,
  messages: readonly TraceMessage[],
): string {
  switch (kind) {
    case 'deliver':
      return typeof trigger === 'number' ? payloadLabel(messages[trigger]?.payload) : 'deliver';
    case 'timer':
      return `timer ${String(trigger ?? '')}`;
    case 'crash':
      return `CRASH${trigger === null ? '' : ` (${String(trigger)})`}`;
    case 'restart':
      return 'RESTART';
    case 'init':
      return 'init';
    default:
      return `${kind} ${faultText(trigger)}`.trim();
  }
}

/** A fault or heal event's trigger (the fault as JSON) as `describeFault` writes it. */
function faultText(trigger: number | string | null): string {
  if (typeof trigger !== 'string') return String(trigger ?? '');
  try {
    const f = JSON.parse(trigger) as Fault;
    return typeof f === 'object' && f !== null && typeof f.kind === 'string'
      ? describeFault(f)
      : trigger;
  } catch {
    return trigger;
  }
}

/** Appends one event's run to a CSR column: its `values`, then the end offset. */
function appendRun(values: number[], offsets: number[], run: readonly number[]): void {
  for (const v of run) values.push(v);
  offsets.push(values.length);
}

/** Interns strings: equal strings get one index. */
class Interner {
  readonly list: string[] = [];
  readonly #ids = new Map<string, number>();
  id(text: string): number {
    let i = this.#ids.get(text);
    if (i === undefined) {
      i = this.list.length;
      this.list.push(text);
      this.#ids.set(text, i);
    }
    return i;
  }
}
