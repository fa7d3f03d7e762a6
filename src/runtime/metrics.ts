import { Counter, Gauge, Histogram, Registry } from 'prom-client';

/** Why a message was dropped instead of sent (label `reason` of `cadre_messages_dropped_total`). */
export type DropReason =
  /** The peer's send queue was full: the oldest queued message made room for the new one. */
  | 'queue-full'
  /** The message encodes to more than the frame limit. */
  | 'too-large'
  /** The message could not be encoded (a value msgpack cannot represent). */
  | 'unencodable'
  /** Sent to a local endpoint that is no longer attached. */
  | 'detached-endpoint'
  /** Still queued when the node stopped. */
  | 'shutdown';

/**
 * The node's Prometheus metrics (prom-client). Every series carries the `node` label (a default
 * label of the registry the host creates). Per-peer series use children cached per label value,
 * so counting a message costs a field increment, not a label lookup.
 */
export class RuntimeMetrics {
  readonly messagesSent: Counter<'peer'>;
  readonly messagesReceived: Counter<'peer'>;
  readonly messagesDropped: Counter<'peer' | 'reason'>;
  readonly queueDepth: Gauge<'peer'>;
  readonly reconnects: Counter<'peer'>;
  readonly connectionsRejected: Counter<'reason'>;
  readonly handlerSeconds: Histogram<'kind'>;
  readonly commitSeconds: Histogram;
  readonly handlerErrors: Counter;
  readonly inboxDepth: Gauge;

  constructor(readonly registry: Registry) {
    const registers = [registry];
    this.messagesSent = new Counter({
      name: 'cadre_messages_sent_total',
      help: 'Messages written to a peer connection (or handed to a local endpoint).',
      labelNames: ['peer'],
      registers,
    });
    this.messagesReceived = new Counter({
      name: 'cadre_messages_received_total',
      help: 'Messages received from a peer (or a local endpoint).',
      labelNames: ['peer'],
      registers,
    });
    this.messagesDropped = new Counter({
      name: 'cadre_messages_dropped_total',
      help: 'Messages dropped before leaving the node, by destination and reason.',
      labelNames: ['peer', 'reason'],
      registers,
    });
    this.queueDepth = new Gauge({
      name: 'cadre_send_queue_depth',
      help: 'Messages waiting in the send queue of a peer.',
      labelNames: ['peer'],
      registers,
    });
    this.reconnects = new Counter({
      name: 'cadre_reconnects_total',
      help: 'Connection attempts to a peer after the first.',
      labelNames: ['peer'],
      registers,
    });
    this.connectionsRejected = new Counter({
      name: 'cadre_connections_rejected_total',
      help: 'Inbound connections closed for bad input or a failed handshake, by reason.',
      labelNames: ['reason'],
      registers,
    });
    this.handlerSeconds = new Histogram({
      name: 'cadre_handler_seconds',
      help: 'Time spent in process handlers, by kind (init, deliver, timer).',
      labelNames: ['kind'],
      buckets: [1e-5, 5e-5, 1e-4, 5e-4, 1e-3, 5e-3, 0.01, 0.05, 0.1],
      registers,
    });
    this.commitSeconds = new Histogram({
      name: 'cadre_commit_seconds',
      help: 'Time of one durable commit (one LMDB transaction with fsync) of staged writes.',
      buckets: [1e-4, 5e-4, 1e-3, 2e-3, 5e-3, 0.01, 0.02, 0.05, 0.1, 0.5],
      registers,
    });
    this.handlerErrors = new Counter({
      name: 'cadre_handler_errors_total',
      help: 'Handlers that threw (the process incarnation was restarted from storage).',
      registers,
    });
    this.inboxDepth = new Gauge({
      name: 'cadre_inbox_depth',
      help: 'Deliveries and timer firings waiting for their handler.',
      registers,
    });
  }

  /** A fresh registry labelled with the node id, and the metrics in it. */
  static forNode(node: string): RuntimeMetrics {
    const registry = new Registry();
    registry.setDefaultLabels({ node });
    return new RuntimeMetrics(registry);
  }
}
