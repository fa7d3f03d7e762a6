/**
 * Cadre: build distributed state and prove it holds up. The public API.
 */
export {
  type ConvergenceOptions,
  convergence,
  diffReplicas,
  type ReplicaDiff,
  type ReplicaState,
} from './check/convergence.js';
export {
  acknowledgedWrites,
  type DurabilityOptions,
  durability,
} from './check/durability.js';
export { type Edn, EdnError, readEdn } from './check/edn.js';
export { describeOperation, explainLinearizability } from './check/explain.js';
export {
  type GeneratedWorkload,
  type GenerateOptions,
  generateHistory,
} from './check/generate-history.js';
export { HistoryLog } from './check/history-log.js';
export {
  detectFormat,
  type HistoryFormat,
  HistoryParseError,
  type ParseOptions,
  parseHistory,
} from './check/history-read.js';
export {
  type CheckOptions,
  checkHistory,
  checkOperations,
  type LinearizabilityResult,
  type PartitionResult,
  type Verdict,
} from './check/linearizable.js';
export {
  LINEARIZABLE_STEPS_DEFAULT,
  type LinearizableCheckOptions,
  linearizable,
} from './check/linearizable-check.js';
export { type AnyModel, type Model, ModelInputError, type ModelOp } from './check/model.js';
export { MODELS, modelByName } from './check/models/index.js';
export { type KvModelOptions, kvModel } from './check/models/kv.js';
export { queueModel } from './check/models/queue.js';
export { casRegisterModel, registerModel } from './check/models/register.js';
export { type SetState, setModel } from './check/models/set.js';
export { HistoryError, historyToOperations, type Operation } from './check/operations.js';
export {
  type CounterReadError,
  checkCounterWorkload,
  checkSetWorkload,
  counterWorkload,
  type SetWorkloadResult,
  setWorkload,
} from './check/workloads.js';
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
  withEndOfTime,
} from './core/spec.js';
export type { TrackedStore } from './core/tracked-store.js';
export { type Tuple, tupleKey, type Value } from './core/value.js';
export { graphvizLayout } from './report/graphviz.js';
export { type RenderedReport, type ReportOptions, renderReport } from './report/html.js';
export { loadReportInput } from './report/load.js';
export type { OutcomeTuples, ReportInput, ReportRun } from './report/report-input.js';
export { parseTraceJsonl, ReportDataError, type TraceData } from './report/trace-data.js';
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
export { keyAfter, rangeAfter, scanPages } from './storage/cursor.js';
export {
  type IndexDefinition,
  IndexedKV,
  type IndexProblem,
  UniqueIndexError,
} from './storage/layers/indexed-kv.js';
export { PrefixKV } from './storage/layers/prefix-kv.js';
export { Subspace, strinc } from './storage/layers/subspace.js';
export { TtlKV, type TtlKVOptions } from './storage/layers/ttl-kv.js';
export {
  Double,
  Float32,
  pack,
  type Tuple as KeyTuple,
  TupleDecodeError,
  TupleEncodeError,
  type TupleItem,
  tupleRange,
  UUID,
  unpack,
} from './storage/layers/tuple.js';
export { WatchKV, type WatchListener, WatchListenerError } from './storage/layers/watch-kv.js';
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
export {
  ConflictError,
  isRetryable,
  Transaction,
  TransactionalKV,
  TransactionClosedError,
  TransactionTooLargeError,
} from './storage/transactions.js';
export type {
  ClientError as RaftClientError,
  ClientReply as RaftClientReply,
  ClientRequest as RaftClientRequest,
} from './stores/raft/client-messages.js';
export {
  electionSafety,
  leaderCompleteness,
  leaderElected,
  logMatching,
  raftInvariants,
  stateMachineSafety,
  voteUniqueness,
} from './stores/raft/invariants.js';
export {
  type RaftProcessOptions,
  type RaftWireMessage,
  raftProcess,
} from './stores/raft/process.js';
export {
  type RaftConfig,
  RaftNode,
  type RaftStatus,
  type RaftTestingKnobs,
} from './stores/raft/raft-node.js';
export type { StateMachine, StateMachineFactory } from './stores/raft/state-machine.js';
