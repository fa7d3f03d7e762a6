/**
 * Plain counters a RESP server keeps, for the stores to export (INFO, Prometheus, logs). They only
 * grow, except the gauges `connectionsOpen` and `pendingReplies`.
 */

/** Calls and error replies of one command. */
export interface CommandCounters {
  calls: number;
  errors: number;
}

export class RespMetrics {
  /** Connections accepted over the server's life. */
  connectionsAccepted = 0;
  /** Connections refused because `maxClients` were open. */
  connectionsRejected = 0;
  /** Connections open now (gauge). */
  connectionsOpen = 0;
  /** Commands dispatched (known or not), including built-ins. */
  commandsProcessed = 0;
  /** Error replies sent (unknown command, arity, handler errors, protocol errors). */
  errorReplies = 0;
  /** Calls of commands not in the table. */
  unknownCommands = 0;
  /** Connections closed because their byte stream was malformed. */
  protocolErrors = 0;
  /** Connections whose reading was paused for backpressure (socket buffer full or queue limit). */
  readPauses = 0;
  /** Per command name (lower case): calls and error replies. */
  readonly perCommand = new Map<string, CommandCounters>();

  /** The counters of `name`, created on first use. */
  command(name: string): CommandCounters {
    let counters = this.perCommand.get(name);
    if (counters === undefined) {
      counters = { calls: 0, errors: 0 };
      this.perCommand.set(name, counters);
    }
    return counters;
  }

  /** A plain-object copy, e.g. for JSON. */
  snapshot(): {
    connectionsAccepted: number;
    connectionsRejected: number;
    connectionsOpen: number;
    commandsProcessed: number;
    errorReplies: number;
    unknownCommands: number;
    protocolErrors: number;
    readPauses: number;
    perCommand: Record<string, CommandCounters>;
  } {
    const perCommand: Record<string, CommandCounters> = {};
    for (const [name, c] of [...this.perCommand].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))) {
      perCommand[name] = { ...c };
    }
    return {
      connectionsAccepted: this.connectionsAccepted,
      connectionsRejected: this.connectionsRejected,
      connectionsOpen: this.connectionsOpen,
      commandsProcessed: this.commandsProcessed,
      errorReplies: this.errorReplies,
      unknownCommands: this.unknownCommands,
      protocolErrors: this.protocolErrors,
      readPauses: this.readPauses,
      perCommand,
    };
  }
}
