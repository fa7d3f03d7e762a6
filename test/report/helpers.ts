/**
 * Report test data from real runs: the retry-deliv counterexample (an omission plus a
 * send-omission crash of the broadcaster, paper §3.1.2), played by the LDFI game in process and
 * read back through the documented trace format, as `cadre report` reads saved files.
 */
import retryDeliv from '../../examples/retry-deliv.js';
import { describeFault } from '../../src/core/fault.js';
import { verify } from '../../src/ldfi/verify.js';
import type { ReportInput } from '../../src/report/report-input.js';
import { parseTraceJsonl, type TraceData } from '../../src/report/trace-data.js';
import type { Trace } from '../../src/sim/trace.js';

/** A trace through its JSON lines (what `cadre simulate`/`verify` write) and back. */
export function viaJsonl(trace: Trace | undefined): TraceData {
  if (trace === undefined) throw new Error('the run was not traced');
  return parseTraceJsonl([...trace.toJsonLines()].join('\n'), 'test');
}

/** The retry-deliv game at the paper's 4/2/1 and its report input. */
export function retryDelivCase() {
  const result = verify(retryDeliv, { eot: 4, eff: 2, crashes: 1 });
  const ce = result.counterexamples[0];
  if (ce === undefined) throw new Error('retry-deliv at 4/2/1 should have a counterexample');
  const good = viaJsonl(result.failureFree.trace);
  const failing = viaJsonl(ce.result.trace);
  const input: ReportInput = {
    kind: 'verify',
    spec: result.spec,
    specFile: 'examples/retry-deliv.ts',
    verdict: result.verdict,
    params: result.params,
    runsExecuted: result.runs,
    combinations: result.combinations,
    runLog: result.runLog.map((r) => ({ ...r, faults: r.faults.map(describeFault) })),
    goodOutcomes: Object.fromEntries(result.goodOutcomes),
    runs: [
      {
        id: 'counterexample-1',
        title: 'Counterexample 1',
        role: 'counterexample',
        status: 'counterexample',
        trace: failing,
        violations: [{ guarantee: ce.guarantee, message: ce.result.violations[0]?.message ?? '' }],
        vanished: ce.vanished,
        reproduce: 'npx cadre replay examples/retry-deliv.ts --seed 1 --plan ce.plan.json --eot 4',
      },
      {
        id: 'failure-free',
        title: 'Failure-free run',
        role: 'good',
        status: 'good',
        trace: good,
        violations: [],
        vanished: [],
      },
    ],
    goodRun: 'failure-free',
  };
  return { result, ce, good, failing, input };
}
