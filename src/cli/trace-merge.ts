import { existsSync, writeFileSync } from 'node:fs';
import { mergeTraceFiles, TraceMergeError } from '../runtime/trace-merge.js';
import { UsageError } from './errors.js';

/**
 * `cadre trace merge FILES… --out FILE`: merges node traces written by `cadre run --trace` (one
 * per node) into one trace in the simulator's format. Prints where it wrote and the counts.
 */
export function traceMergeCommand(files: readonly string[], out: string): number {
  for (const f of files) if (!existsSync(f)) throw new UsageError(`node trace not found: ${f}`);
  let merged: ReturnType<typeof mergeTraceFiles>;
  try {
    merged = mergeTraceFiles(files);
  } catch (error) {
    if (error instanceof TraceMergeError) throw new UsageError(error.message);
    throw error;
  }
  writeFileSync(out, `${merged.lines.join('\n')}\n`);
  process.stdout.write(
    `merged ${files.length} node traces into ${out}: ${merged.events} events, ${merged.messages} messages\n`,
  );
  return 0;
}
