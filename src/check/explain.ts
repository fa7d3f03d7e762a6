import type { LinearizabilityResult, PartitionResult } from './linearizable.js';
import { type AnyModel, describeOp } from './model.js';
import type { Operation } from './operations.js';

/** How many operations of the longest partial linearisation an explanation lists (the last ones:
 * those closest to the failure). */
export const EXPLAIN_TAIL = 8;

/** `#12 c3 write(3) -> 3 [history #40..#45]`: an operation, for people. */
export function describeOperation(model: AnyModel, op: Operation): string {
  const text = describeOp(model, { f: op.f, input: op.input, output: op.output });
  const from = op.invokeIndex === undefined ? op.call : `#${op.invokeIndex}`;
  const to =
    op.completeIndex === undefined
      ? Number.isFinite(op.ret)
        ? op.ret
        : '?'
      : `#${op.completeIndex}`;
  const status = op.status === 'ok' ? '' : ` ${op.status}`;
  return `op ${op.id} ${op.process} ${text}${status} [${from}..${to}]`;
}

/**
 * A multi-line explanation of a verdict: per partition that is not linearizable, the longest
 * partial linearisation (its last {@link EXPLAIN_TAIL} operations), the state it led to and the
 * operation that could not be linearised after it.
 */
export function explainLinearizability(model: AnyModel, result: LinearizabilityResult): string {
  const lines: string[] = [];
  const total = result.ops.length;
  lines.push(
    `${result.verdict}: ${total} operations (${result.dropped} dropped as failed or no-op), ` +
      `${result.partitions.length} partition(s) searched, ${result.steps} steps`,
  );
  for (const p of result.partitions) {
    if (p.verdict === 'not-linearizable') lines.push(...explainPartition(model, result, p));
    if (p.verdict === 'unknown') {
      const which = {
        steps: 'step (stepsMax)',
        stop: 'stop (shouldStop)',
        memo: 'memory (memoMax)',
      };
      const budget = p.spent === undefined ? 'a' : `the ${which[p.spent]}`;
      lines.push(`partition ${label(p)}: unknown: ${budget} budget ran out after ${p.steps} steps`);
    }
  }
  return lines.join('\n');
}

function label(p: PartitionResult): string {
  return p.key === '' ? '(all)' : p.key;
}

function explainPartition(
  model: AnyModel,
  result: LinearizabilityResult,
  p: PartitionResult,
): string[] {
  const longest = p.longest ?? [];
  const lines = [
    `partition ${label(p)}: not linearizable (${p.ops.length} operations); ` +
      `longest partial linearisation: ${longest.length} operations`,
  ];
  const skipped = longest.length - EXPLAIN_TAIL;
  if (skipped > 0) lines.push(`  … ${skipped} earlier operations`);
  for (const id of longest.slice(Math.max(0, skipped))) {
    lines.push(`  ${describeOperation(model, result.ops[id] as Operation)}`);
  }
  lines.push(`  state then: ${p.stateAfterLongest ?? '?'}`);
  const blocked = p.blocked === undefined ? undefined : result.ops[p.blocked];
  if (blocked !== undefined) {
    lines.push(`  could not linearise: ${describeOperation(model, blocked)}`);
  }
  return lines;
}
