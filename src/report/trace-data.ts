import type { FaultPlan } from '../core/fault.js';
import type { Tuple } from '../core/value.js';
import {
  type EventKind,
  eventKinds,
  type LossReason,
  type StoreName,
  TRACE_FORMAT_VERSION,
  type TraceEvent,
  type TraceHeader,
  type TraceMessage,
} from '../sim/trace.js';

/**
 * A saved trace (JSON lines, format version 1: docs/design/trace-format.md) read back into plain
 * objects. Reports rely only on the documented format, so that traces written by the real runtime
 * render exactly like simulated ones.
 */
export interface TraceData {
  readonly header: TraceHeader;
  readonly events: readonly TraceDataEvent[];
  readonly messages: readonly TraceMessage[];
  /** The end line (event and message counts plus whatever the writer added). */
  readonly end: Readonly<Record<string, unknown>>;
  /** Who wrote it, from the header's `source` field: `runtime` for a merged real-machine trace
   * (src/runtime/trace-merge.ts); `simulator` when absent. */
  readonly source: string;
}

/** An event line: the simulator's event as the file holds it (facts as `[name, args]`). */
export type TraceDataEvent = Omit<TraceEvent, 'emits'> & {
  /** `[name, args]` per emitted fact. */
  readonly emits: readonly (readonly [string, Tuple])[];
};

/** Saved run data that cannot be read: names the file (and line) and what was wrong. */
export class ReportDataError extends Error {
  override readonly name = 'ReportDataError';
}

const EVENT_KINDS = new Set<string>(eventKinds);
const STATUSES = new Set(['delivered', 'lost', 'in-flight']);

/**
 * Parses a trace from its JSON lines. `source` names the file in errors. Checks what the report
 * relies on: the header comes first and has the right format and version, event and message ids
 * are dense from 0, every reference (a send, a delivery, a trigger) points at an existing line.
 */
export function parseTraceJsonl(text: string, source: string): TraceData {
  const lines = text.split('\n');
  let header: TraceHeader | undefined;
  const events: TraceDataEvent[] = [];
  const messages: TraceMessage[] = [];
  let end: Record<string, unknown> | undefined;
  let writtenBy = 'simulator';
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i] as string;
    if (line.trim() === '') continue;
    const where = `${source}:${i + 1}`;
    let value: unknown;
    try {
      value = JSON.parse(line);
    } catch (e) {
      throw new ReportDataError(`${where}: not JSON (${(e as Error).message})`);
    }
    if (typeof value !== 'object' || value === null || Array.isArray(value))
      throw new ReportDataError(`${where}: expected a JSON object per line`);
    const obj = value as Record<string, unknown>;
    if (header === undefined) {
      header = readHeader(obj, where);
      if (typeof obj.source === 'string') writtenBy = obj.source;
      continue;
    }
    if (end !== undefined) throw new ReportDataError(`${where}: a line after the end line`);
    switch (obj.type) {
      case 'event':
        events.push(readEvent(obj, where, events.length));
        break;
      case 'message':
        messages.push(readMessage(obj, where, messages.length));
        break;
      case 'end':
        end = obj;
        break;
      default:
        throw new ReportDataError(
          `${where}: unknown line type ${JSON.stringify(obj.type)} (expected event, message or end)`,
        );
    }
  }
  if (header === undefined) throw new ReportDataError(`${source}: empty file, no trace header`);
  for (const e of events) {
    if (e.kind === 'deliver' && (typeof e.trigger !== 'number' || e.trigger >= messages.length))
      throw new ReportDataError(
        `${source}: event ${e.id} delivers message ${String(e.trigger)}, which is not in the trace`,
      );
    for (const m of e.sends)
      if (m >= messages.length)
        throw new ReportDataError(`${source}: event ${e.id} sends message ${m}, not in the trace`);
  }
  for (const m of messages) {
    if (m.sendEvent >= events.length || (m.deliverEvent ?? -1) >= events.length)
      throw new ReportDataError(`${source}: message ${m.id} refers to an event not in the trace`);
  }
  return { header, events, messages, end: end ?? {}, source: writtenBy };
}

function readHeader(obj: Record<string, unknown>, where: string): TraceHeader {
  if (obj.type !== 'header' || obj.format !== 'cadre-trace')
    throw new ReportDataError(
      `${where}: not a Cadre trace (the first line must be {"type":"header","format":"cadre-trace",…})`,
    );
  if (obj.version !== TRACE_FORMAT_VERSION)
    throw new ReportDataError(
      `${where}: trace format version ${String(obj.version)}; this Cadre reads version ${TRACE_FORMAT_VERSION}`,
    );
  const nodes = stringList(obj.nodes, 'nodes', where);
  const clients = obj.clients === undefined ? [] : stringList(obj.clients, 'clients', where);
  const plan = obj.plan as FaultPlan | undefined;
  if (plan !== undefined && !Array.isArray(plan.faults))
    throw new ReportDataError(`${where}: header.plan.faults must be an array`);
  return {
    spec: typeof obj.spec === 'string' ? obj.spec : '(unnamed)',
    seed: typeof obj.seed === 'number' ? obj.seed : 0,
    model: obj.model === 'async' ? 'async' : 'sync',
    nodes,
    clients,
    plan: plan ?? { faults: [] },
  };
}

function readEvent(o: Record<string, unknown>, where: string, expectedId: number): TraceDataEvent {
  if (o.id !== expectedId)
    throw new ReportDataError(`${where}: event id ${String(o.id)}, expected ${expectedId}`);
  if (typeof o.kind !== 'string' || !EVENT_KINDS.has(o.kind))
    throw new ReportDataError(`${where}: event kind ${JSON.stringify(o.kind)} is not known`);
  const num = (v: unknown, field: string) => {
    if (typeof v !== 'number')
      throw new ReportDataError(`${where}: event ${field} must be a number`);
    return v;
  };
  const node = o.node === null ? null : String(o.node);
  const trigger = o.trigger === null || o.trigger === undefined ? null : o.trigger;
  if (trigger !== null && typeof trigger !== 'number' && typeof trigger !== 'string')
    throw new ReportDataError(`${where}: event trigger must be a number, a string or null`);
  return {
    id: expectedId,
    node,
    time: num(o.time, 'time'),
    kind: o.kind as EventKind,
    trigger,
    cause: typeof o.cause === 'number' ? o.cause : null,
    sends: numberList(o.sends, 'sends', where),
    reads: accessList(o.reads, 'reads', where),
    writes: accessList(o.writes, 'writes', where),
    emits: emitList(o.emits, where),
    notes: o.notes === undefined ? [] : stringList(o.notes, 'notes', where),
  };
}

function readMessage(o: Record<string, unknown>, where: string, expectedId: number): TraceMessage {
  if (o.id !== expectedId)
    throw new ReportDataError(`${where}: message id ${String(o.id)}, expected ${expectedId}`);
  if (typeof o.status !== 'string' || !STATUSES.has(o.status))
    throw new ReportDataError(`${where}: message status ${JSON.stringify(o.status)} is not known`);
  if (typeof o.sendEvent !== 'number' || typeof o.sentAt !== 'number')
    throw new ReportDataError(`${where}: message sendEvent and sentAt must be numbers`);
  return {
    id: expectedId,
    from: String(o.from),
    to: String(o.to),
    sendEvent: o.sendEvent,
    sentAt: o.sentAt,
    status: o.status as TraceMessage['status'],
    deliverEvent: typeof o.deliverEvent === 'number' ? o.deliverEvent : null,
    deliveredAt: typeof o.deliveredAt === 'number' ? o.deliveredAt : null,
    lostReason: typeof o.lostReason === 'string' ? (o.lostReason as LossReason) : null,
    payload: o.payload,
  };
}

function stringList(v: unknown, field: string, where: string): string[] {
  if (!Array.isArray(v) || !v.every((x) => typeof x === 'string'))
    throw new ReportDataError(`${where}: ${field} must be an array of strings`);
  return v as string[];
}

function numberList(v: unknown, field: string, where: string): number[] {
  if (!Array.isArray(v) || !v.every((x) => typeof x === 'number'))
    throw new ReportDataError(`${where}: ${field} must be an array of numbers`);
  return v as number[];
}

function accessList(v: unknown, field: string, where: string): [StoreName, string, number][] {
  const ok =
    Array.isArray(v) &&
    v.every(
      (x) =>
        Array.isArray(x) &&
        (x[0] === 's' || x[0] === 'm') &&
        typeof x[1] === 'string' &&
        typeof x[2] === 'number',
    );
  if (!ok) throw new ReportDataError(`${where}: ${field} must be [store, key, event] triples`);
  return v as [StoreName, string, number][];
}

function emitList(v: unknown, where: string): [string, Tuple][] {
  const ok =
    Array.isArray(v) &&
    v.every((x) => Array.isArray(x) && typeof x[0] === 'string' && Array.isArray(x[1]));
  if (!ok) throw new ReportDataError(`${where}: emits must be [name, args] pairs`);
  return v as [string, Tuple][];
}
