/**
 * The real runtime (`cadre/runtime`): the same processes on real machines. See
 * docs/guide/runtime.md.
 */
export {
  ConfigError,
  type NodeConfig,
  parseAddress,
  parsePeers,
  readConfigFile,
  resolveNodeConfig,
} from './config.js';
export { FaultProxy, type FaultProxyOptions } from './fault-proxy.js';
export { DEFAULT_FRAME_BYTES_MAX, encodeFrame, FrameDecoder, FrameError } from './frame-codec.js';
export { freePorts } from './free-port.js';
export { type DropReason, RuntimeMetrics } from './metrics.js';
export { serveMetrics } from './metrics-server.js';
export { ContextUsageError, NodeHost, type NodeHostOptions } from './node-host.js';
export { type MergedTrace, mergeTraceFiles, TraceMergeError } from './trace-merge.js';
export {
  type Address,
  type TlsSettings,
  Transport,
  type TransportOptions,
  type TransportTuning,
} from './transport.js';
