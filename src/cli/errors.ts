/**
 * Exit codes of the `cadre` command and the error type for user mistakes.
 *
 * 0: every run passed. 1: a guarantee was violated. 2: bad input, bad usage, or a run that could
 * not go on (a handler threw, a bound was hit): the verdict is unknown, as in Jepsen's exit codes.
 */
export const EXIT_PASS = 0;
export const EXIT_VIOLATED = 1;
export const EXIT_ERROR = 2;

/** A mistake in the command line or its input files. Printed as one line, without a stack trace. */
export class UsageError extends Error {
  override readonly name = 'UsageError';
}
