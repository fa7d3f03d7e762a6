/**
 * Cadre: build distributed state and prove it holds up. The public API.
 */
export { assert, InvariantError, maybe } from './core/assert.js';
export { describeLocation, type RunLocation, SimulationError } from './core/errors.js';
export { type Fact, type FactRecord, fact, factKey, formatFact } from './core/fact.js';
export {
  type CrashMode,
  type DiskFaultKind,
  describeFault,
  type Fault,
  type FaultKind,
  type FaultPlan,
  FaultPlanError,
  NO_FAULTS,
  validateFaultPlan,
} from './core/fault.js';
export type {
  FinalCheck,
  Guarantees,
  Invariant,
  Liveness,
  PrePost,
  WorldView,
} from './core/guarantee.js';
export type { HistoryEvent, HistoryEventType, HistoryRecorder, OpValue } from './core/history.js';
export { ENVIRONMENT, type NodeId } from './core/ids.js';
export type { Context, Process, ProcessFactory } from './core/process.js';
export {
  type AsyncTimeModel,
  type Clients,
  DEFAULT_EVENTS_MAX,
  DEFAULT_LIVENESS_BOUND_MS,
  defineSpec,
  type FaultSettings,
  type Input,
  type LatencyDistribution,
  type Limits,
  type NetworkOptions,
  type Spec,
  SpecError,
  type SwarmOptions,
  type SyncTimeModel,
  type TimeModel,
} from './core/spec.js';
export type { TrackedStore } from './core/tracked-store.js';
export { type Tuple, tupleKey, type Value } from './core/value.js';
export {
  type CampaignFailure,
  type CampaignOptions,
  type CampaignResult,
  runCampaign,
  summarizeFailure,
} from './sim/campaign.js';
export { Prng } from './sim/prng.js';
export type { RunResult, RunStats, RunStatus, Violation } from './sim/result.js';
export {
  failureSignature,
  type ShrinkOptions,
  type ShrinkResult,
  shrinkPlan,
} from './sim/shrink.js';
export { CorruptRecordError, DiskFullError } from './sim/sim-disk.js';
export { type RunOptions, runSimulation } from './sim/simulator.js';
export { generateSwarmPlan } from './sim/swarm.js';
export {
  type EventKind,
  type LossReason,
  stableJson,
  TRACE_FORMAT_VERSION,
  Trace,
  type TraceEvent,
  type TraceHeader,
  type TraceMessage,
} from './sim/trace.js';
export { compareBytes, fromUtf8, utf8 } from './storage/bytes.js';
export { MemoryKV } from './storage/memory-kv.js';
export {
  type BatchOp,
  type Entry,
  KEY_BYTES_MAX,
  type OrderedKV,
  type OrderedKVReader,
  type RangeOptions,
  StorageInputError,
  VALUE_BYTES_MAX,
} from './storage/ordered-kv.js';
