import type { NodeId } from './ids.js';

/**
 * Fault plans: explicit lists of faults with times. LDFI generates them, swarm mode draws them from
 * the seed, shrinking removes faults from them, and `cadre replay --plan FILE` reads them as JSON.
 *
 * Times are virtual: ticks in the synchronous model, ms in the asynchronous one. A fault with an
 * optional `until` that is absent lasts until the faults are healed (the end of the safety phase).
 */

/** How a crashed node behaves.
 * - `send-omission`: Molly's model — it keeps receiving and computing but nothing it sends leaves.
 * - `stop`: crash-stop — it does nothing ever again.
 * - `restart`: crash-restart — volatile state and unsynced writes are lost; at `restartAt` (or at
 *   the heal) a fresh process runs `init` over the surviving storage. */
export type CrashMode = 'send-omission' | 'stop' | 'restart';

/** Disk faults on the simulated storage. */
export type DiskFaultKind =
  /** Writes are not synced at handler end while active: a crash loses them even though the
   * handler's messages left (breaks persist-before-send on purpose). */
  | 'unsynced'
  /** Writes throw `DiskFullError` while active. */
  | 'full';

export type Fault =
  /** Synchronous model: every message from `from` to `to` sent at tick `at` is lost (Molly's
   * `O(from,to,at)`). */
  | { readonly kind: 'omission'; readonly from: NodeId; readonly to: NodeId; readonly at: number }
  /** The `index`-th message (0-based) sent on the channel `from`→`to` is lost: a drop by message
   * identity, used by LDFI in the asynchronous model. */
  | { readonly kind: 'drop'; readonly from: NodeId; readonly to: NodeId; readonly index: number }
  /** Node `node` crashes at `at`. */
  | {
      readonly kind: 'crash';
      readonly node: NodeId;
      readonly at: number;
      /** Default: `send-omission` in the synchronous model, `restart` in the asynchronous one. */
      readonly mode?: CrashMode;
      /** For `restart`: when the node comes back. Default: at the heal. */
      readonly restartAt?: number;
    }
  /** Symmetric partition: links between nodes of different groups are cut both ways. Nodes in no
   * group (e.g. workload clients) keep all their links. */
  | {
      readonly kind: 'partition';
      readonly groups: readonly (readonly NodeId[])[];
      readonly at: number;
      readonly until?: number;
    }
  /** One-way partition: messages from any of `from` to any of `to` are lost; the reverse flows. */
  | {
      readonly kind: 'one-way-partition';
      readonly from: readonly NodeId[];
      readonly to: readonly NodeId[];
      readonly at: number;
      readonly until?: number;
    }
  /** Clogging (FoundationDB): messages sent on `from`→`to` while clogged arrive no earlier than
   * `until`. */
  | {
      readonly kind: 'clog';
      readonly from: NodeId;
      readonly to: NodeId;
      readonly at: number;
      readonly until: number;
    }
  /** Random loss: while active each message (on `from`→`to`, or on every link when absent) is lost
   * with `probability`. */
  | {
      readonly kind: 'loss';
      readonly probability: number;
      readonly at: number;
      readonly until?: number;
      readonly from?: NodeId;
      readonly to?: NodeId;
    }
  /** Random duplication: while active each message is delivered twice with `probability`. */
  | {
      readonly kind: 'duplicate';
      readonly probability: number;
      readonly at: number;
      readonly until?: number;
    }
  /** From `at`, `node`'s clock reads `offsetMs` ahead (negative: behind) and runs `driftPpm` parts
   * per million fast (negative: slow). Its timers stretch accordingly. */
  | {
      readonly kind: 'clock';
      readonly node: NodeId;
      readonly at: number;
      readonly offsetMs: number;
      readonly driftPpm?: number;
    }
  /** A disk fault on `node`'s simulated storage. */
  | {
      readonly kind: 'disk';
      readonly node: NodeId;
      readonly fault: DiskFaultKind;
      readonly at: number;
      readonly until?: number;
    }
  /** At `at`, one durable record of `node`'s storage is corrupted on disk (the `index`-th key in
   * order, modulo the number of keys); reading it fails its checksum. */
  | {
      readonly kind: 'corrupt';
      readonly node: NodeId;
      readonly at: number;
      readonly index: number;
    };

export type FaultKind = Fault['kind'];

/** A run's faults. Serialised as JSON for `--plan FILE`. */
export interface FaultPlan {
  readonly faults: readonly Fault[];
}

/** The empty plan (a failure-free run). */
export const NO_FAULTS: FaultPlan = { faults: [] };

/** Thrown for a malformed fault plan; the message names the fault and the field. */
export class FaultPlanError extends Error {
  override readonly name = 'FaultPlanError';
}

const kinds: ReadonlySet<string> = new Set([
  'omission',
  'drop',
  'crash',
  'partition',
  'one-way-partition',
  'clog',
  'loss',
  'duplicate',
  'clock',
  'disk',
  'corrupt',
]);

/**
 * Validates a plan against the spec's nodes and time model; throws {@link FaultPlanError} naming
 * the first problem (`faults[3].at: …`). Accepts unknown JSON (e.g. a parsed `--plan` file).
 */
/** Kinds that act on latency or clocks, which the synchronous model does not have. */
const asyncOnly: ReadonlySet<string> = new Set(['duplicate', 'clog', 'clock']);

export function validateFaultPlan(
  plan: unknown,
  nodes: readonly NodeId[],
  model: 'sync' | 'async',
): FaultPlan {
  if (plan === null || typeof plan !== 'object' || !Array.isArray((plan as FaultPlan).faults)) {
    throw new FaultPlanError('fault plan must be an object {"faults": [...]}');
  }
  const known = new Set(nodes);
  (plan as FaultPlan).faults.forEach((f, i) => {
    validateFault(f, `faults[${i}]`, known, model);
  });
  return plan as FaultPlan;
}

function validateFault(f: unknown, where: string, known: ReadonlySet<NodeId>, model: string): void {
  if (f === null || typeof f !== 'object') throw new FaultPlanError(`${where}: not an object`);
  const o = f as Record<string, unknown>;
  if (typeof o.kind !== 'string' || !kinds.has(o.kind)) {
    throw new FaultPlanError(
      `${where}.kind: unknown fault kind ${JSON.stringify(o.kind)}; expected one of ${[...kinds].join(', ')}`,
    );
  }
  if (model === 'sync' && asyncOnly.has(o.kind)) {
    throw new FaultPlanError(
      `${where}.kind: ${o.kind} needs the asynchronous model (the synchronous model has no latency or clocks)`,
    );
  }
  const node = (field: string, optional = false) => {
    const v = o[field];
    if (v === undefined && optional) return;
    if (typeof v !== 'string' || !known.has(v)) {
      throw new FaultPlanError(
        `${where}.${field}: unknown node ${JSON.stringify(v)}; nodes are ${[...known].join(', ')}`,
      );
    }
  };
  const nodeList = (field: string) => {
    const v = o[field];
    if (!Array.isArray(v))
      throw new FaultPlanError(`${where}.${field}: must be an array of node ids`);
    v.forEach((_, j) => {
      if (typeof v[j] !== 'string' || !known.has(v[j])) {
        throw new FaultPlanError(`${where}.${field}[${j}]: unknown node ${JSON.stringify(v[j])}`);
      }
    });
  };
  const time = (field: string, optional = false) => {
    const v = o[field];
    if (v === undefined && optional) return;
    if (typeof v !== 'number' || !Number.isFinite(v) || v < 0) {
      throw new FaultPlanError(
        `${where}.${field}: must be a finite time >= 0, got ${JSON.stringify(v)}`,
      );
    }
    if (model === 'sync' && !Number.isInteger(v)) {
      throw new FaultPlanError(
        `${where}.${field}: the synchronous model needs a whole tick, got ${v}`,
      );
    }
  };
  const probability = () => {
    const p = o.probability;
    if (typeof p !== 'number' || !(p >= 0 && p <= 1)) {
      throw new FaultPlanError(`${where}.probability: must be in [0, 1], got ${JSON.stringify(p)}`);
    }
  };
  const window = () => {
    time('at');
    time('until', true);
    if (typeof o.until === 'number' && o.until < (o.at as number)) {
      throw new FaultPlanError(`${where}.until: ${o.until} is before at ${o.at}`);
    }
  };
  switch (o.kind) {
    case 'omission':
      node('from');
      node('to');
      time('at');
      if (o.from === o.to)
        throw new FaultPlanError(`${where}: a node's messages to itself cannot be lost`);
      if ((o.at as number) < 1) throw new FaultPlanError(`${where}.at: ticks start at 1`);
      return;
    case 'drop':
      node('from');
      node('to');
      if (!Number.isInteger(o.index) || (o.index as number) < 0) {
        throw new FaultPlanError(
          `${where}.index: must be a whole number >= 0, got ${JSON.stringify(o.index)}`,
        );
      }
      return;
    case 'crash': {
      node('node');
      time('at');
      time('restartAt', true);
      const mode = o.mode;
      if (mode !== undefined && mode !== 'send-omission' && mode !== 'stop' && mode !== 'restart') {
        throw new FaultPlanError(
          `${where}.mode: must be send-omission, stop or restart, got ${JSON.stringify(mode)}`,
        );
      }
      if (
        o.restartAt !== undefined &&
        mode !== 'restart' &&
        !(mode === undefined && model === 'async')
      ) {
        throw new FaultPlanError(`${where}.restartAt: only a crash with mode "restart" restarts`);
      }
      if (typeof o.restartAt === 'number' && o.restartAt <= (o.at as number)) {
        throw new FaultPlanError(
          `${where}.restartAt: ${o.restartAt} is not after the crash at ${o.at}`,
        );
      }
      return;
    }
    case 'partition': {
      if (!Array.isArray(o.groups) || o.groups.length === 0) {
        throw new FaultPlanError(`${where}.groups: must be a non-empty array of node-id arrays`);
      }
      const seen = new Set<string>();
      (o.groups as unknown[]).forEach((g, j) => {
        if (!Array.isArray(g)) throw new FaultPlanError(`${where}.groups[${j}]: must be an array`);
        g.forEach((n, k) => {
          if (typeof n !== 'string' || !known.has(n)) {
            throw new FaultPlanError(
              `${where}.groups[${j}][${k}]: unknown node ${JSON.stringify(n)}`,
            );
          }
          if (seen.has(n)) throw new FaultPlanError(`${where}.groups: node ${n} is in two groups`);
          seen.add(n);
        });
      });
      window();
      return;
    }
    case 'one-way-partition':
      nodeList('from');
      nodeList('to');
      window();
      return;
    case 'clog':
      node('from');
      node('to');
      time('at');
      time('until');
      if ((o.until as number) < (o.at as number))
        throw new FaultPlanError(`${where}.until: before at`);
      return;
    case 'loss':
      probability();
      node('from', true);
      node('to', true);
      window();
      return;
    case 'duplicate':
      probability();
      window();
      return;
    case 'clock':
      node('node');
      time('at');
      if (typeof o.offsetMs !== 'number' || !Number.isFinite(o.offsetMs)) {
        throw new FaultPlanError(`${where}.offsetMs: must be a finite number`);
      }
      if (
        o.driftPpm !== undefined &&
        (typeof o.driftPpm !== 'number' || !(Math.abs(o.driftPpm) < 1e6))
      ) {
        throw new FaultPlanError(`${where}.driftPpm: must be a number in (-1e6, 1e6)`);
      }
      return;
    case 'disk':
      node('node');
      if (o.fault !== 'unsynced' && o.fault !== 'full') {
        throw new FaultPlanError(
          `${where}.fault: must be "unsynced" or "full", got ${JSON.stringify(o.fault)}`,
        );
      }
      window();
      return;
    case 'corrupt':
      node('node');
      time('at');
      if (!Number.isInteger(o.index) || (o.index as number) < 0) {
        throw new FaultPlanError(`${where}.index: must be a whole number >= 0`);
      }
      return;
  }
}

/** One-line description of a fault, for summaries: `crash(b@3)`, `O(a,b,1)`. */
export function describeFault(f: Fault): string {
  switch (f.kind) {
    case 'omission':
      return `O(${f.from},${f.to},${f.at})`;
    case 'drop':
      return `drop(${f.from}->${f.to}#${f.index})`;
    case 'crash':
      return f.restartAt !== undefined
        ? `C(${f.node},${f.at},restart@${f.restartAt})`
        : `C(${f.node},${f.at}${f.mode ? `,${f.mode}` : ''})`;
    case 'partition':
      return `partition(${f.groups.map((g) => g.join('+')).join('|')}@${f.at}..${f.until ?? 'heal'})`;
    case 'one-way-partition':
      return `cut(${f.from.join('+')}->${f.to.join('+')}@${f.at}..${f.until ?? 'heal'})`;
    case 'clog':
      return `clog(${f.from}->${f.to}@${f.at}..${f.until})`;
    case 'loss':
      return `loss(${f.probability}${f.from ? `,${f.from}->${f.to ?? '*'}` : ''}@${f.at}..${f.until ?? 'heal'})`;
    case 'duplicate':
      return `dup(${f.probability}@${f.at}..${f.until ?? 'heal'})`;
    case 'clock':
      return `clock(${f.node},${f.offsetMs}ms,${f.driftPpm ?? 0}ppm@${f.at})`;
    case 'disk':
      return `disk(${f.node},${f.fault}@${f.at}..${f.until ?? 'heal'})`;
    case 'corrupt':
      return `corrupt(${f.node}#${f.index}@${f.at})`;
  }
}
