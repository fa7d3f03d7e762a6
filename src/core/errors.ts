import type { NodeId } from './ids.js';

/** Where in a run something went wrong. Every simulator error names all of these it knows. */
export interface RunLocation {
  readonly spec: string;
  readonly seed: number;
  readonly node?: NodeId;
  readonly eventId?: number;
  readonly eventKind?: string;
  readonly time?: number;
}

/** A run could not go on: a handler threw, a process misused its context, or a bound was hit. */
export class SimulationError extends Error {
  override readonly name = 'SimulationError';
  constructor(
    readonly problem: string,
    readonly where: RunLocation,
    options?: { cause?: unknown },
  ) {
    super(`${problem} [${describeLocation(where)}]`, options);
  }
}

/** `spec x, seed 7, node a, event 12 (deliver), time 3`. */
export function describeLocation(where: RunLocation): string {
  const parts = [`spec ${where.spec}`, `seed ${where.seed}`];
  if (where.node !== undefined) parts.push(`node ${where.node}`);
  if (where.eventId !== undefined)
    parts.push(`event ${where.eventId}${where.eventKind ? ` (${where.eventKind})` : ''}`);
  if (where.time !== undefined) parts.push(`time ${where.time}`);
  return parts.join(', ');
}

/** Misuse of the context inside a handler (unknown node, bad timer…). The simulator wraps it in a
 * {@link SimulationError} that adds the node, event, time and seed. */
export class ContextUsageError extends Error {
  override readonly name = 'ContextUsageError';
}
