import { readFileSync } from 'node:fs';
import { type FaultPlan, FaultPlanError, validateFaultPlan } from '../core/fault.js';
import type { Spec } from '../core/spec.js';
import { UsageError } from './errors.js';

/**
 * Reads a fault plan from a JSON file: either `{"faults": [...]}` (what `--shrink` writes) or a bare
 * array of faults. Validates it against the spec's nodes and time model; every problem is a
 * {@link UsageError} naming the file and the field (`plan.json: faults[1].at: …`).
 */
export function loadPlan(file: string, spec: Spec<unknown>): FaultPlan {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    throw new UsageError(
      code === 'ENOENT'
        ? `plan file not found: ${file}`
        : `cannot read plan file ${file}: ${(e as Error).message}`,
    );
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (e) {
    throw new UsageError(`plan file ${file} is not valid JSON: ${(e as Error).message}`);
  }
  const plan = Array.isArray(json) ? { faults: json } : json;
  const nodes = [...spec.nodes, ...(spec.clients?.ids ?? [])];
  try {
    return validateFaultPlan(plan, nodes, spec.time.model);
  } catch (e) {
    if (e instanceof FaultPlanError) throw new UsageError(`plan file ${file}: ${e.message}`);
    throw e;
  }
}
