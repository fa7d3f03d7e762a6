/**
 * Always-on assertions. A violated invariant is a bug: it throws an {@link InvariantError} naming
 * the invariant, and library code never catches it (DESIGN.md, "assertions stay on").
 */

/** Thrown when an internal invariant does not hold. `invariant` names the broken rule. */
export class InvariantError extends Error {
  override readonly name = 'InvariantError';
  constructor(
    readonly invariant: string,
    detail?: string,
  ) {
    super(
      detail === undefined
        ? `invariant violated: ${invariant}`
        : `invariant violated: ${invariant}: ${detail}`,
    );
  }
}

/** Throws an {@link InvariantError} named `invariant` unless `condition` holds. */
export function assert(condition: unknown, invariant: string, detail?: string): asserts condition {
  if (!condition) throw new InvariantError(invariant, detail);
}

/**
 * Documents that `condition` is sometimes true and sometimes false (TigerBeetle's `maybe`): the
 * dual of assert. It checks nothing at run time beyond evaluating the expression.
 */
export function maybe(_condition: boolean): void {}
