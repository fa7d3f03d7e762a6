/**
 * A node's name, e.g. `"a"` or `"n1"`. Names are short identifiers: letters, digits, `_`, `-`,
 * `.`, starting with a letter or digit, at most 64 characters.
 */
export type NodeId = string;

const nodeIdPattern = /^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$/;

/** The sender name used for messages injected as spec inputs (they come from outside the cluster). */
export const ENVIRONMENT: NodeId = '$env';

/** Returns an error message when `id` is not a valid node id, otherwise undefined. */
export function nodeIdProblem(id: unknown): string | undefined {
  if (typeof id !== 'string') return `node id must be a string, got ${typeof id}`;
  if (!nodeIdPattern.test(id)) {
    return `node id ${JSON.stringify(id)} must match ${nodeIdPattern} (letters, digits, _ - .)`;
  }
  return undefined;
}
