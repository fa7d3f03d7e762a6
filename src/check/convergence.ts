import type { FinalCheck, WorldView } from '../core/guarantee.js';
import type { NodeId } from '../core/ids.js';
import { valueKey } from './value-key.js';

/** A replica's state as named entries (key → value). */
export type ReplicaState = ReadonlyMap<string, unknown>;

/** One difference between two replicas. */
export interface ReplicaDiff {
  readonly key: string;
  /** The reference replica (the first live one) and its value (`undefined`: missing). */
  readonly reference: NodeId;
  readonly expected: unknown;
  readonly node: NodeId;
  readonly actual: unknown;
}

/** Every entry where a replica differs from `reference`'s state. Pure. */
export function diffReplicas(states: ReadonlyMap<NodeId, ReplicaState>): ReplicaDiff[] {
  const nodes = [...states.keys()];
  const reference = nodes[0];
  if (reference === undefined) return [];
  const ref = states.get(reference) as ReplicaState;
  const diffs: ReplicaDiff[] = [];
  for (const node of nodes.slice(1)) {
    const s = states.get(node) as ReplicaState;
    const keys = [...new Set([...ref.keys(), ...s.keys()])].sort();
    for (const key of keys) {
      const expected = ref.get(key);
      const actual = s.get(key);
      if (canonical(expected) !== canonical(actual)) {
        diffs.push({ key, reference, expected, node, actual });
      }
    }
  }
  return diffs;
}

function canonical(v: unknown): string {
  return valueKey(v as never);
}

/** Options of {@link convergence}. */
export interface ConvergenceOptions {
  /** Check name. Default `convergence`. */
  readonly name?: string;
  /** The replicas. Default: the spec's server nodes. Only those up at the end are compared. */
  readonly nodes?: readonly NodeId[];
  /** A replica's state. Default: its tracked memory under `prefix`. */
  readonly state?: (world: WorldView, node: NodeId) => ReplicaState;
  /** With the default `state`: only memory keys starting with this. Default: all keys. */
  readonly prefix?: string;
  /** Most differences listed in the message. Default 10. */
  readonly diffsMax?: number;
}

/**
 * A final check: after quiescence every live replica holds the same state. The message lists the
 * differing entries against the first live replica.
 */
export function convergence(options: ConvergenceOptions = {}): FinalCheck {
  const read =
    options.state ??
    ((world: WorldView, node: NodeId): ReplicaState => {
      const mem = world.memory(node);
      return new Map(mem.keys(options.prefix).map((k) => [k, mem.get(k)]));
    });
  return {
    name: options.name ?? 'convergence',
    check(world: WorldView): string | undefined {
      const live = (options.nodes ?? world.nodes).filter((n) => world.up(n));
      const states = new Map(live.map((n) => [n, read(world, n)]));
      const diffs = diffReplicas(states);
      if (diffs.length === 0) return undefined;
      const shown = diffs.slice(0, options.diffsMax ?? 10).map((d) => {
        const show = (v: unknown) => (v === undefined ? 'missing' : JSON.stringify(v));
        return `${d.key}: ${d.reference}=${show(d.expected)} ${d.node}=${show(d.actual)}`;
      });
      const more = diffs.length > shown.length ? `; and ${diffs.length - shown.length} more` : '';
      return `live replicas differ in ${diffs.length} entries: ${shown.join('; ')}${more}`;
    },
  };
}
