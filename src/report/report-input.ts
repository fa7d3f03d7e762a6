import type { Tuple } from '../core/value.js';
import type { TraceData } from './trace-data.js';

/** The pre and post tuples of one pre/post guarantee at the end of a run. */
export interface OutcomeTuples {
  readonly pre: readonly Tuple[];
  readonly post: readonly Tuple[];
}

/** One run drawn in a report. */
export interface ReportRun {
  /** Anchor and file-name stem, e.g. `counterexample-1`, `failure-free`, `seed-7`. */
  readonly id: string;
  /** Heading, e.g. `Counterexample 1`. */
  readonly title: string;
  /** `counterexample`: a failing run of `cadre verify`; `good`: a run whose outcomes held (the
   * failure-free run); `run`: a run of `cadre simulate`/`replay`. */
  readonly role: 'counterexample' | 'good' | 'run';
  /** Verdict of the run: `counterexample`, `good`, `pass`, `fail` or `error`. */
  readonly status: string;
  readonly trace: TraceData;
  /** Broken guarantees (empty when none or unknown). */
  readonly violations: readonly {
    readonly guarantee: string;
    readonly message: string;
    readonly eventId?: number;
  }[];
  /** Good `post` tuples that vanished in this run. */
  readonly vanished: readonly Tuple[];
  /** Per pre/post guarantee, the run's pre and post tuples, when the run data has them. */
  readonly outcomes?: Readonly<Record<string, OutcomeTuples>>;
  /** The command that reproduces the run. */
  readonly reproduce?: string;
  /** Index of the run in the LDFI game's run log (0: the failure-free run). */
  readonly gameIndex?: number;
}

/** Everything a report shows: from `verify.json` and its traces, or from one saved run. */
export interface ReportInput {
  /** `verify`: an LDFI game; `run`: one simulated run. */
  readonly kind: 'verify' | 'run';
  readonly spec: string;
  readonly specFile?: string;
  /** `counterexample`, `verified`, `incomplete` (verify) or `pass`, `fail`, `error` (run). */
  readonly verdict: string;
  readonly reason?: string;
  readonly params?: { readonly eot: number; readonly eff: number; readonly crashes: number };
  /** Runs the game executed. */
  readonly runsExecuted?: number;
  /** Size of the fault space (Molly's grossEstimate). */
  readonly combinations?: number;
  readonly seconds?: number;
  /** Every run of the game: index, faults (described), status, hypotheses added. */
  readonly runLog?: readonly {
    readonly index: number;
    readonly faults: readonly string[];
    readonly status: string;
    readonly added: number;
  }[];
  /** Per pre/post guarantee, the failure-free run's `post` tuples. */
  readonly goodOutcomes?: Readonly<Record<string, readonly Tuple[]>>;
  /** The runs drawn, counterexamples first. */
  readonly runs: readonly ReportRun[];
  /** Id of the good run whose lineage explains the counterexamples. */
  readonly goodRun?: string;
}
