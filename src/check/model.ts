import type { OpValue } from '../core/history.js';

/**
 * What a sequential specification sees of one operation: its name, its argument and its result.
 * `output` is `undefined` when the result is unknown (an `info` operation, or one still open at the
 * end of the history): the model must then accept the operation whenever it could have taken effect.
 */
export interface ModelOp {
  /** Operation name, e.g. `read`, `write`, `cas`, `put`. */
  readonly f: string;
  /** The argument, from the invocation. */
  readonly input: OpValue;
  /** The result, from the `ok` completion; `undefined` when unknown. */
  readonly output: OpValue | undefined;
}

/**
 * A sequential specification checked by {@link checkLinearizable} (Porcupine's `Model`).
 *
 * States must be treated as immutable: `step` returns a new state and never changes its argument,
 * because the search keeps old states to backtrack to.
 */
export interface Model<S = unknown> {
  /** Short name used in messages, e.g. `cas-register`. */
  readonly name: string;
  /** The initial state. */
  init(): S;
  /** The state after `op`, or `undefined` when `op` cannot happen in `state` (e.g. a read that
   * returned a value other than the current one). Must be pure. */
  step(state: S, op: ModelOp): S | undefined;
  /** A canonical text for `state`: equal states give equal keys and different states different
   * keys. It stands for Porcupine's `Equal` + `Hash`, and keys the search's memo. */
  key(state: S): string;
  /** P-compositionality: the partition an operation belongs to (e.g. its key in a key/value
   * store). Partitions are checked independently, each from `init()`. Default: one partition. */
  partition?(op: ModelOp): string;
  /** True when `op` can never change the state and is legal in every state (a read whose result
   * is unknown). Such operations are dropped before the search, which only makes it faster.
   * Default: nothing is dropped. */
  isNoop?(op: ModelOp): boolean;
  /** Human-readable text of an operation, for explanations. Default: `f(input) -> output`. */
  describeOp?(op: ModelOp): string;
  /** Human-readable text of a state, for explanations. Default: {@link Model.key}. */
  describeState?(state: S): string;
}

/** A {@link Model} of any state type, as registries and CLIs hold them. */
// biome-ignore lint/suspicious/noExplicitAny: a model's state type is private to the model.
export type AnyModel = Model<any>;

/** `f(input) -> output` (or `-> ?` when the result is unknown), as JSON. */
export function defaultDescribeOp(op: ModelOp): string {
  const out = op.output === undefined ? '?' : JSON.stringify(op.output);
  return `${op.f}(${JSON.stringify(op.input)}) -> ${out}`;
}

/** Describes `op` with the model's own describer when it has one. */
export function describeOp(model: AnyModel, op: ModelOp): string {
  return model.describeOp === undefined ? defaultDescribeOp(op) : model.describeOp(op);
}

/** Describes `state` with the model's own describer when it has one. */
export function describeState(model: AnyModel, state: unknown): string {
  return model.describeState === undefined ? model.key(state) : model.describeState(state);
}

/** An operation a model does not know (wrong name or argument shape). Names the model and op. */
export class ModelInputError extends Error {
  override readonly name = 'ModelInputError';
}

/** Throws {@link ModelInputError}: `model` cannot interpret `op`, for the reason `what`. */
export function badOp(model: string, op: ModelOp, what: string): never {
  throw new ModelInputError(`${model} model: ${defaultDescribeOp(op)}: ${what}`);
}
