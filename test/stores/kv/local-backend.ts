/**
 * A one-node, in-process KvBackend for testing the RESP layer: commands apply to a KvStateMachine
 * over MemoryKV at once. `unavailable` makes every request fail as a cluster without quorum would.
 */
import { MemoryKV } from '../../../src/storage/memory-kv.js';
import type { KvCommand, KvQuery, KvResult } from '../../../src/stores/kv/commands.js';
import {
  type KvAdminRequest,
  type KvBackend,
  type KvNodeStatus,
  type KvSession,
  type KvUnavailableCode,
  KvUnavailableError,
} from '../../../src/stores/kv/net/kv-backend.js';
import { KvStateMachine } from '../../../src/stores/kv/state-machine.js';

export class LocalBackend implements KvBackend {
  readonly sm = new KvStateMachine(new MemoryKV());
  index = 0;
  timeMs = 0;
  unavailable: { code: KvUnavailableCode; leader?: string } | undefined;
  sessions = 0;
  bound: [string, number] | undefined;

  openSession(): KvSession {
    this.sessions++;
    let open = true;
    const guard = () => {
      if (!open) throw new KvUnavailableError('closed', 'session closed');
      const u = this.unavailable;
      if (u !== undefined)
        throw new KvUnavailableError(u.code, `request failed: ${u.code}`, u.leader);
    };
    return {
      propose: async (command: KvCommand): Promise<KvResult> => {
        guard();
        return this.sm.apply(++this.index, command, this.timeMs);
      },
      read: async (query: KvQuery): Promise<KvResult> => {
        guard();
        return this.sm.query(query);
      },
      bind: (name: string, nextSeq: number) => {
        this.bound = [name, nextSeq];
      },
      close: () => {
        open = false;
        this.sessions--;
      },
    };
  }

  admins: KvAdminRequest[] = [];

  async admin(request: KvAdminRequest): Promise<void> {
    this.guardAdmin();
    this.admins.push(request);
  }

  guardAdmin(): void {
    const u = this.unavailable;
    if (u !== undefined)
      throw new KvUnavailableError(u.code, `request failed: ${u.code}`, u.leader);
  }

  status(): KvNodeStatus {
    return {
      id: 'n1',
      role: 'leader',
      term: 1,
      leader: 'n1',
      commitIndex: this.index,
      appliedIndex: this.sm.appliedIndex(),
      members: ['n1'],
    };
  }
}
