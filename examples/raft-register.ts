/**
 * raft-register: the tiny deterministic state machine examples/raft.ts replicates (also the Raft
 * test fixture): one register with write, compare-and-set and read.
 */
import { fromUtf8, type OrderedKV, utf8 } from '../src/index.js';
import type { StateMachine } from '../src/stores/raft/state-machine.js';

/** A register command: write a value, or compare-and-set. */
export type RegisterCommand =
  | { readonly op: 'write'; readonly value: number }
  | { readonly op: 'cas'; readonly from: number | null; readonly to: number };
/** The only query: read the value. */
export type RegisterQuery = 'read';
/** Write → the value written; cas → whether it took effect; read → the value. */
export type RegisterResult = number | boolean | null;

const VALUE = utf8('value');
const APPLIED = utf8('applied');

/**
 * The test fixture state machine: one register over the node's storage, its value and applied
 * index written in one batch per entry (the contract of state-machine.ts).
 */
export class RegisterMachine
  implements StateMachine<RegisterCommand, RegisterQuery, RegisterResult>
{
  constructor(readonly kv: OrderedKV) {}

  appliedIndex(): number {
    const raw = this.kv.get(APPLIED);
    return raw === undefined ? 0 : Number(fromUtf8(raw));
  }

  apply(index: number, command: RegisterCommand): RegisterResult {
    const current = this.#value();
    let next = current;
    let result: RegisterResult;
    if (command.op === 'write') {
      next = command.value;
      result = command.value;
    } else if (command.op === 'cas') {
      result = current === command.from;
      if (result) next = command.to;
    } else throw new Error(`unknown register command ${JSON.stringify(command)}`);
    this.kv.batch([
      { type: 'put', key: VALUE, value: utf8(JSON.stringify(next)) },
      { type: 'put', key: APPLIED, value: utf8(String(index)) },
    ]);
    return result;
  }

  query(query: RegisterQuery): RegisterResult {
    if (query !== 'read') throw new Error(`unknown register query ${JSON.stringify(query)}`);
    return this.#value();
  }

  snapshot(): Uint8Array {
    return utf8(JSON.stringify([this.appliedIndex(), this.#value()]));
  }

  restore(index: number, data: Uint8Array): void {
    const [, value] = JSON.parse(fromUtf8(data)) as [number, number | null];
    this.kv.batch([
      { type: 'put', key: VALUE, value: utf8(JSON.stringify(value)) },
      { type: 'put', key: APPLIED, value: utf8(String(index)) },
    ]);
  }

  #value(): number | null {
    const raw = this.kv.get(VALUE);
    return raw === undefined ? null : (JSON.parse(fromUtf8(raw)) as number | null);
  }
}
