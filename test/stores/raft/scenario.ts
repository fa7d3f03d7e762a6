/**
 * A small interpreter for Raft interaction scripts, in the style of etcd-raft's testdata
 * (datadriven): each block is a command, a `----` line and the output expected, ended by a blank
 * line. `#` lines are comments. The interpreter drives pure RaftNodes (src/stores/raft/raft-node.ts)
 * by hand: nothing happens unless a command says so, so a script pins down one interleaving.
 * State-machine safety is checked on every apply: a node applying a different entry at an index
 * where another node applied one prints a `VIOLATION` line.
 *
 * Commands:
 *   nodes 1 2 3 [voters=1,2] [prevote=false] [checkquorum=false] [max-entries=N]
 *         [bug=commit-by-counting|double-vote]
 *   campaign N · propose N DATA · read-index N ID · transfer-leader N TO · conf-change N add|remove M
 *   tick-election N · tick-heartbeat N   (ticks, then handles N's Ready)
 *   process-ready N...                   (handles Ready: persist, queue messages, apply)
 *   deliver-msgs N [COUNT]               (delivers queued messages to N, oldest first)
 *   drop-msgs N                          (drops every message queued to N)
 *   stabilize                            (handles Ready and delivers until nothing is left)
 *   crash N · restart N                  (volatile state lost; restart from N's disk)
 *   partition 1 2 | 3 · heal             (messages across groups are dropped at delivery)
 *   compact N INDEX                      (snapshot at INDEX ≤ applied, log compacted)
 *   status [N...] · log N
 */
import type { NodeId } from '../../../src/core/ids.js';
import { RaftNode, type RaftTestingKnobs } from '../../../src/stores/raft/raft-node.js';
import type { HardState, LogEntry, RaftMessage, Snapshot } from '../../../src/stores/raft/types.js';

interface Disk {
  hs: HardState;
  entries: LogEntry[];
  snapshot: Snapshot | undefined;
  /** The state machine: entries applied, in order (index/term data). */
  applied: string[];
  appliedIndex: number;
  voters: readonly NodeId[] | undefined;
}

interface Queued {
  readonly from: NodeId;
  readonly to: NodeId;
  readonly msg: RaftMessage;
}

export class ScenarioError extends Error {
  override readonly name = 'ScenarioError';
}

export class RaftScenario {
  readonly #nodes = new Map<NodeId, RaftNode | null>();
  readonly #disks = new Map<NodeId, Disk>();
  #queue: Queued[] = [];
  #groups: NodeId[][] | undefined;
  #options: Record<string, string> = {};
  #ids: NodeId[] = [];
  #voters: NodeId[] = [];
  /** State-machine safety, checked as entries are applied: index → first entry applied there. */
  readonly #appliedAt = new Map<number, { text: string; node: NodeId }>();

  /** Runs one command line; returns its output lines. */
  run(line: string): string[] {
    const [cmd, ...args] = line.trim().split(/\s+/);
    const out: string[] = [];
    switch (cmd) {
      case 'nodes': {
        this.#ids = args.filter((a) => !a.includes('='));
        this.#options = Object.fromEntries(
          args.filter((a) => a.includes('=')).map((a) => a.split('=') as [string, string]),
        );
        this.#voters =
          this.#options.voters === undefined ? this.#ids : this.#options.voters.split(',');
        for (const id of this.#ids) {
          this.#disks.set(id, {
            hs: { term: 0, vote: null, commit: 0 },
            entries: [],
            snapshot: undefined,
            applied: [],
            appliedIndex: 0,
            voters: undefined,
          });
          this.#nodes.set(id, this.#make(id));
        }
        out.push(`${this.#ids.length} nodes`);
        break;
      }
      case 'campaign':
        this.#node(args[0]).campaign();
        this.#processReady(args[0] as NodeId, out);
        break;
      case 'propose': {
        const r = this.#node(args[0]).propose(args.slice(1).join(' '));
        if (typeof r === 'string') out.push(`refused: ${r}`);
        this.#processReady(args[0] as NodeId, out);
        break;
      }
      case 'read-index': {
        const r = this.#node(args[0]).readIndex(args[1] ?? 'r');
        if (r !== undefined) out.push(`refused: ${r}`);
        this.#processReady(args[0] as NodeId, out);
        break;
      }
      case 'transfer-leader': {
        const r = this.#node(args[0]).transferLeadership(args[1] as NodeId);
        if (r !== undefined) out.push(`refused: ${r}`);
        this.#processReady(args[0] as NodeId, out);
        break;
      }
      case 'conf-change': {
        const r = this.#node(args[0]).proposeConfChange({
          op: args[1] as 'add' | 'remove',
          node: args[2] as NodeId,
        });
        if (typeof r === 'string') out.push(`refused: ${r}`);
        this.#processReady(args[0] as NodeId, out);
        break;
      }
      case 'tick-election':
      case 'tick-heartbeat': {
        const n = this.#node(args[0]);
        const ticks = cmd === 'tick-election' ? 2 * this.#electionTicks() : this.#heartbeatTicks();
        for (let i = 0; i < ticks; i++) n.tick();
        this.#processReady(args[0] as NodeId, out);
        break;
      }
      case 'process-ready':
        for (const id of args) this.#processReady(id, out);
        break;
      case 'deliver-msgs': {
        const to = args[0] as NodeId;
        let count = args[1] === undefined ? Number.POSITIVE_INFINITY : Number(args[1]);
        const mine = this.#queue.filter((q) => q.to === to);
        this.#queue = this.#queue.filter((q) => q.to !== to);
        for (const q of mine) {
          if (count-- <= 0) {
            this.#queue.push(q);
            continue;
          }
          this.#deliver(q, out);
        }
        this.#processReady(to, out);
        break;
      }
      case 'drop-msgs': {
        const to = args[0] as NodeId;
        for (const q of this.#queue.filter((m) => m.to === to)) out.push(`dropped ${describe(q)}`);
        this.#queue = this.#queue.filter((q) => q.to !== to);
        break;
      }
      case 'stabilize':
        this.#stabilize(out);
        break;
      case 'crash': {
        const id = args[0] as NodeId;
        this.#node(id);
        this.#nodes.set(id, null);
        out.push(`${id} crashed`);
        break;
      }
      case 'restart': {
        const id = args[0] as NodeId;
        this.#nodes.set(id, this.#make(id));
        const s = this.#node(id).status();
        out.push(
          `${id} restarted: term=${s.term} vote=${s.vote ?? '-'} commit=${s.commit} last=${s.lastIndex}`,
        );
        break;
      }
      case 'partition': {
        const text = args.join(' ');
        this.#groups = text.split('|').map((g) =>
          g
            .trim()
            .split(/\s+/)
            .filter((x) => x !== ''),
        );
        out.push(`partitioned ${this.#groups.map((g) => g.join(' ')).join(' | ')}`);
        break;
      }
      case 'heal':
        this.#groups = undefined;
        out.push('healed');
        break;
      case 'compact': {
        const id = args[0] as NodeId;
        const index = Number(args[1]);
        const n = this.#node(id);
        const disk = this.#disks.get(id) as Disk;
        const term = n.log.term(index) as number;
        const data = new TextEncoder().encode(JSON.stringify(disk.applied));
        const snap: Snapshot = { meta: { index, term, voters: n.status().voters }, data };
        n.compact(snap);
        disk.snapshot = snap;
        disk.entries = disk.entries.filter((e) => e.index > index);
        out.push(`${id} compacted through ${index}/${term}`);
        break;
      }
      case 'status':
        for (const id of args.length > 0 ? args : this.#ids) out.push(this.#status(id));
        break;
      case 'log': {
        const id = args[0] as NodeId;
        const disk = this.#disks.get(id);
        if (disk === undefined) throw new ScenarioError(`log: unknown node ${id}`);
        const snap = disk.snapshot?.meta;
        out.push(
          `${id} log: ${snap === undefined ? '' : `[snapshot ${snap.index}/${snap.term}] `}${disk.entries.map(entryText).join(', ') || '(empty)'}`,
        );
        out.push(`${id} applied: ${disk.applied.join(', ') || '(none)'}`);
        break;
      }
      default:
        throw new ScenarioError(
          `unknown command ${JSON.stringify(cmd)} in line ${JSON.stringify(line)}`,
        );
    }
    return out.length === 0 ? ['ok'] : out;
  }

  #make(id: NodeId): RaftNode {
    const disk = this.#disks.get(id) as Disk;
    const bug = this.#options.bug;
    const knobs: RaftTestingKnobs = {
      ...(bug === 'commit-by-counting' ? { commitPriorTermByCounting: true } : {}),
      ...(bug === 'double-vote' ? { grantVoteIgnoringVotedFor: true } : {}),
    };
    return new RaftNode(
      {
        id,
        voters: this.#voters,
        electionTicks: this.#electionTicks(),
        heartbeatTicks: this.#heartbeatTicks(),
        random: () => 0,
        preVote: this.#options.prevote !== 'false',
        checkQuorum: this.#options.checkquorum !== 'false',
        ...(this.#options['max-entries'] === undefined
          ? {}
          : { entriesPerMessageMax: Number(this.#options['max-entries']) }),
        knobs,
      },
      {
        hardState: disk.hs,
        ...(disk.snapshot === undefined ? {} : { snapshot: disk.snapshot }),
        entries: disk.entries,
        ...(disk.voters === undefined ? {} : { voters: disk.voters }),
        applied: disk.appliedIndex,
      },
    );
  }

  #electionTicks(): number {
    return Number(this.#options.election ?? 10);
  }

  #heartbeatTicks(): number {
    return Number(this.#options.heartbeat ?? 1);
  }

  #node(id: string | undefined): RaftNode {
    const n = this.#nodes.get(id as NodeId);
    if (n === undefined) throw new ScenarioError(`unknown node ${JSON.stringify(id)}`);
    if (n === null) throw new ScenarioError(`node ${id} is crashed`);
    return n;
  }

  #processReady(id: NodeId, out: string[]): boolean {
    const n = this.#nodes.get(id);
    if (n === undefined || n === null) return false;
    let any = false;
    while (n.hasReady()) {
      any = true;
      const rd = n.ready();
      const disk = this.#disks.get(id) as Disk;
      const first = rd.entries[0];
      if (first !== undefined)
        disk.entries = [...disk.entries.filter((e) => e.index < first.index), ...rd.entries];
      if (rd.hardState !== undefined) disk.hs = rd.hardState;
      if (rd.snapshot !== undefined) {
        disk.snapshot = rd.snapshot;
        disk.entries = disk.entries.filter((e) => e.index > rd.snapshot!.meta.index);
        disk.applied = JSON.parse(new TextDecoder().decode(rd.snapshot.data)) as string[];
        disk.appliedIndex = rd.snapshot.meta.index;
        disk.voters = rd.snapshot.meta.voters;
        out.push(`${id} installed snapshot ${rd.snapshot.meta.index}/${rd.snapshot.meta.term}`);
      }
      for (const m of rd.messages) this.#queue.push({ from: id, to: m.to, msg: m.msg });
      for (const e of rd.committed) {
        if (e.type === 'conf') disk.voters = n.applyConfChange(e.change);
        disk.applied.push(entryText(e));
        disk.appliedIndex = e.index;
        out.push(`${id} applied ${entryText(e)}`);
        const first = this.#appliedAt.get(e.index);
        if (first === undefined) this.#appliedAt.set(e.index, { text: entryText(e), node: id });
        else if (first.text !== entryText(e)) {
          out.push(
            `VIOLATION state-machine safety: ${first.node} applied ${first.text}, ${id} applied ${entryText(e)}`,
          );
        }
      }
      for (const r of rd.readStates) out.push(`${id} read-state ${r.id} index=${r.index}`);
      n.advance(rd);
    }
    return any;
  }

  #deliver(q: Queued, out: string[]): void {
    const n = this.#nodes.get(q.to);
    const cut =
      this.#groups !== undefined &&
      this.#groups.find((g) => g.includes(q.from)) !== this.#groups.find((g) => g.includes(q.to));
    if (n === null || n === undefined || cut) {
      out.push(`dropped ${describe(q)}`);
      return;
    }
    out.push(describe(q));
    n.step(q.from, q.msg);
  }

  #stabilize(out: string[]): void {
    for (let round = 0; round < 1000; round++) {
      let any = false;
      for (const id of this.#ids) any = this.#processReady(id, out) || any;
      if (this.#queue.length === 0 && !any) return;
      const batch = this.#queue;
      this.#queue = [];
      for (const q of batch) this.#deliver(q, out);
    }
    throw new ScenarioError('stabilize: no quiescence after 1000 rounds');
  }

  #status(id: NodeId): string {
    const n = this.#nodes.get(id);
    if (n === undefined) throw new ScenarioError(`status: unknown node ${id}`);
    if (n === null) return `${id}: crashed`;
    const s = n.status();
    return `${id}: ${s.role} term=${s.term} vote=${s.vote ?? '-'} leader=${s.leader ?? '-'} commit=${s.commit} applied=${s.applied} last=${s.lastIndex}/${s.lastTerm} voters=${s.voters.join(',')}`;
  }
}

function entryText(e: LogEntry): string {
  const body =
    e.type === 'noop'
      ? 'noop'
      : e.type === 'conf'
        ? `conf:${e.change.op} ${e.change.node}`
        : String(e.data);
  return `${e.index}/${e.term} ${body}`;
}

function describe(q: Queued): string {
  const m = q.msg;
  const head = `${q.from}->${q.to}`;
  switch (m.type) {
    case 'app':
      return `${head} app term=${m.term} prev=${m.prevIndex}/${m.prevTerm} commit=${m.commit} entries=[${m.entries.map(entryText).join(', ')}]`;
    case 'app-resp':
      return m.reject
        ? `${head} app-resp term=${m.term} reject index=${m.index} hint=${m.hint}`
        : `${head} app-resp term=${m.term} index=${m.index}`;
    case 'vote':
      return `${head} ${m.pre ? 'prevote' : 'vote'} term=${m.term} last=${m.lastIndex}/${m.lastTerm}${m.transfer ? ' transfer' : ''}`;
    case 'vote-resp':
      return `${head} ${m.pre ? 'prevote' : 'vote'}-resp term=${m.term} ${m.reject ? 'rejected' : 'granted'}`;
    case 'heartbeat':
      return `${head} heartbeat term=${m.term} commit=${m.commit}${m.ctx === '' ? '' : ` ctx=${m.ctx}`}`;
    case 'heartbeat-resp':
      return `${head} heartbeat-resp term=${m.term}${m.ctx === '' ? '' : ` ctx=${m.ctx}`}`;
    case 'snap':
      return `${head} snap term=${m.term} index=${m.snapshot.meta.index}/${m.snapshot.meta.term}`;
    case 'timeout-now':
      return `${head} timeout-now term=${m.term}`;
  }
}

/** One block of a script. */
interface Block {
  readonly comments: readonly string[];
  readonly command: string;
  readonly expected: readonly string[];
  readonly line: number;
}

/** Parses a script into blocks; throws ScenarioError naming the line of a malformed block. */
export function parseScript(text: string): Block[] {
  const lines = text.split('\n');
  const blocks: Block[] = [];
  let i = 0;
  while (i < lines.length) {
    const comments: string[] = [];
    while (
      i < lines.length &&
      ((lines[i] as string).startsWith('#') || (lines[i] as string).trim() === '')
    ) {
      if ((lines[i] as string).startsWith('#')) comments.push(lines[i] as string);
      i++;
    }
    if (i >= lines.length) break;
    const command = lines[i] as string;
    const line = i + 1;
    i++;
    if (lines[i] !== '----')
      throw new ScenarioError(
        `line ${i + 1}: expected ---- after the command ${JSON.stringify(command)}`,
      );
    i++;
    const expected: string[] = [];
    while (i < lines.length && (lines[i] as string).trim() !== '')
      expected.push(lines[i++] as string);
    blocks.push({ comments, command, expected, line });
  }
  return blocks;
}

/** Runs a script; returns the script with each block's actual output (for comparison/rewrite). */
export function runScript(text: string): { actual: string; mismatches: string[] } {
  const scenario = new RaftScenario();
  const parts: string[] = [];
  const mismatches: string[] = [];
  for (const b of parseScript(text)) {
    const got = scenario.run(b.command);
    if (got.join('\n') !== b.expected.join('\n')) {
      mismatches.push(
        `line ${b.line}: ${b.command}\nexpected:\n${b.expected.join('\n')}\nactual:\n${got.join('\n')}`,
      );
    }
    parts.push([...b.comments, b.command, '----', ...got].join('\n'));
  }
  return { actual: `${parts.join('\n\n')}\n`, mismatches };
}
