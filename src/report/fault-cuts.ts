import { describeFault, type Fault } from '../core/fault.js';
import type { TraceData } from './trace-data.js';

/** What one fault of a plan stops in a given run: the messages it loses and the events it
 * prevents (a crashed node's handlers). Drawn on Lamport diagrams and lineage graphs. */
export interface FaultCut {
  /** The fault as `describeFault` renders it, e.g. `O(a,b,1)` or `C(a,2,send-omission)`. */
  readonly fault: string;
  /** Message ids the fault loses (in the failing run) or would lose (in the good run). */
  readonly messages: readonly number[];
  /** Event ids the fault prevents (a crash-stop's later handlers) or the crash events it causes. */
  readonly events: readonly number[];
}

/**
 * Which messages and events of `run` each fault cuts. Applied to the good run, it shows which
 * derivations of an outcome a counterexample's faults remove; applied to the failing run, which
 * lost messages and crash marks the faults explain. Faults that act by chance (loss, duplication)
 * or that delay rather than remove (clog, clock, disk) cut nothing that can be named in advance.
 */
export function faultCuts(faults: readonly Fault[], run: TraceData): FaultCut[] {
  return faults.map((f) => ({ fault: describeFault(f), ...cutsOf(f, run) }));
}

function cutsOf(f: Fault, run: TraceData): { messages: number[]; events: number[] } {
  const messages: number[] = [];
  const events: number[] = [];
  const sent = run.messages.filter((m) => m.sendEvent >= 0);
  switch (f.kind) {
    case 'omission':
      for (const m of sent)
        if (m.from === f.from && m.to === f.to && m.sentAt === f.at) messages.push(m.id);
      break;
    case 'drop': {
      let index = 0;
      for (const m of sent) {
        if (m.from !== f.from || m.to !== f.to) continue;
        if (index === f.index) messages.push(m.id);
        index++;
      }
      break;
    }
    case 'crash': {
      const until = f.mode === 'restart' ? (f.restartAt ?? Number.POSITIVE_INFINITY) : Infinity;
      for (const m of sent)
        if (m.from === f.node && m.from !== m.to && m.sentAt >= f.at && m.sentAt < until)
          messages.push(m.id);
      for (const e of run.events) {
        if (e.node !== f.node) continue;
        // The crash mark itself, and (when the node stops computing) each handler it prevents.
        if (e.kind === 'crash' && e.time === f.at) events.push(e.id);
        else if (
          f.mode !== undefined &&
          f.mode !== 'send-omission' &&
          e.time >= f.at &&
          e.time < until &&
          e.kind !== 'restart'
        )
          events.push(e.id);
      }
      break;
    }
    case 'partition': {
      const group = new Map<string, number>();
      f.groups.forEach((g, i) => {
        for (const n of g) group.set(n, i);
      });
      const until = f.until ?? Number.POSITIVE_INFINITY;
      for (const m of sent) {
        const a = group.get(m.from);
        const b = group.get(m.to);
        if (a !== undefined && b !== undefined && a !== b && m.sentAt >= f.at && m.sentAt < until)
          messages.push(m.id);
      }
      break;
    }
    case 'one-way-partition': {
      const until = f.until ?? Number.POSITIVE_INFINITY;
      for (const m of sent)
        if (f.from.includes(m.from) && f.to.includes(m.to) && m.sentAt >= f.at && m.sentAt < until)
          messages.push(m.id);
      break;
    }
    default:
      break;
  }
  return { messages, events };
}
