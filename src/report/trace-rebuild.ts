import type { FactRecord } from '../core/fact.js';
import { Trace } from '../sim/trace.js';
import { ReportDataError, type TraceData } from './trace-data.js';

/**
 * Rebuilds the simulator's column-wise {@link Trace} from saved trace data, so that the lineage
 * queries of src/lineage (premises, alternative derivations, graphs of facts) run unchanged over
 * a trace read from disk. Replays the recorder calls in the order the simulator made them: inputs
 * first, then per event its reads, writes, sends, emits and notes. The rebuilt trace is
 * byte-identical to the saved one, except that a write's `sameAs` naming its own event (an equal
 * value written twice by one handler) becomes −1.
 */
export function traceFromData(data: TraceData, source = data.header.spec): Trace {
  const names = [...data.header.nodes, ...data.header.clients];
  const index = new Map(names.map((n, i) => [n, i]));
  const nodeIndex = (name: string, what: string): number => {
    const i = index.get(name);
    if (i === undefined)
      throw new ReportDataError(`${source}: ${what} names node ${name}, not in the header`);
    return i;
  };
  const facts: FactRecord[] = [];
  const trace = new Trace(data.header, facts);
  let nextMessage = 0;
  const add = (id: number, what: string) => {
    const m = data.messages[id];
    if (m === undefined || id !== nextMessage)
      throw new ReportDataError(
        `${source}: ${what} sends message ${id}, but messages must be numbered in send order (next is ${nextMessage})`,
      );
    trace.addMessage(
      m.from === '$env' ? -1 : nodeIndex(m.from, `message ${id}`),
      nodeIndex(m.to, `message ${id}`),
      m.payload,
    );
    nextMessage++;
  };
  for (const m of data.messages) {
    if (m.sendEvent >= 0) break;
    add(m.id, 'the environment');
  }
  for (const e of data.events) {
    const node = e.node === null ? -1 : nodeIndex(e.node, `event ${e.id}`);
    const trigger =
      e.kind === 'deliver' ? e.trigger : typeof e.trigger === 'string' ? e.trigger : null;
    trace.beginEvent(node, e.time, e.kind, trigger, e.cause ?? -1);
    if (e.kind === 'deliver' && typeof e.trigger === 'number') {
      const m = data.messages[e.trigger];
      // Only a message already sent (a skewed merged trace may deliver it earlier in the file:
      // the lineage still follows the trigger to the send).
      if (m !== undefined && m.deliverEvent === e.id && m.id < nextMessage)
        trace.messageDelivered(m.id, m.deliveredAt ?? e.time);
    }
    for (const [store, key, writer] of e.reads) trace.addRead(store, key, writer);
    // An equal value written twice by one handler names its own event as `sameAs`: that is the
    // same derivation, not an alternative, and following it would loop in the lineage walk
    // (Lineage.supportingWrites). Only earlier events can be alternatives.
    for (const [store, key, sameAs] of e.writes)
      trace.addWrite(store, key, sameAs < e.id ? sameAs : -1);
    for (const m of e.sends) add(m, `event ${e.id}`);
    for (const [name, args] of e.emits)
      facts.push({ name, args, node: e.node ?? '', time: e.time, eventId: e.id });
    for (const note of e.notes) trace.addNote(note);
  }
  if (nextMessage !== data.messages.length)
    throw new ReportDataError(
      `${source}: ${data.messages.length - nextMessage} message(s) are sent by no event`,
    );
  for (const m of data.messages)
    if (m.status === 'lost') trace.messageLost(m.id, m.lostReason ?? 'loss');
  return trace;
}
