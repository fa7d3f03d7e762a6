/**
 * The event log recipe's pure logic (src/stores/primitives/event-log.ts): step by step against
 * hand-made KV results, and as a property against the real KV state machine (in-process, no
 * replication): after any interleaving of appends to several topics and trims, a consumer
 * reading from position 1 with any limit sees exactly the appended entries of its topic at or
 * above the oldest kept position, in position order, after one `compacted` report when it started
 * below that position; positions increase across topics. The guarantee checks
 * (event-log-guarantees.ts) are exercised on histories that break them.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import fc from 'fast-check';
import type { HistoryEvent, OpValue } from '../../../src/core/history.js';
import { MemoryKV } from '../../../src/storage/memory-kv.js';
import type { KvResult } from '../../../src/stores/kv/commands.js';
import { type KvStateMachine, kvStateMachine } from '../../../src/stores/kv/state-machine.js';
import {
  appendPosition,
  appendRequest,
  compactedMessage,
  type EventLogRequest,
  entryKey,
  entryRange,
  type LogEntry,
  onReadResult,
  onTrimResult,
  parseEntryKey,
  type ReadOutcome,
  retentionKey,
  startRead,
  startTrim,
} from '../../../src/stores/primitives/event-log.js';
import {
  consumersSeeEveryEntry,
  positionsIncrease,
} from '../../../src/stores/primitives/event-log-guarantees.js';

function send(machine: KvStateMachine, request: EventLogRequest): KvResult {
  return request.kind === 'command'
    ? machine.apply(machine.appliedIndex() + 1, request.command, 0)
    : machine.query(request.query);
}

function append(machine: KvStateMachine, topic: string, producer: string, seq: number): number {
  return appendPosition(send(machine, appendRequest(topic, producer, seq, `${producer}:${seq}`)));
}

function read(machine: KvStateMachine, topic: string, position: number, limit: number) {
  let step = startRead(topic, position, limit);
  for (;;) {
    if ('outcome' in step) return step.outcome;
    step = onReadResult(step.state, send(machine, step.next));
  }
}

function trim(machine: KvStateMachine, topic: string, before: number): number {
  let step = startTrim(topic, before);
  for (;;) {
    if ('done' in step) return step.done.oldest;
    step = onTrimResult(step.state, send(machine, step.next));
  }
}

describe('event log recipe steps', () => {
  test('keys, ranges and the marker stay apart; bad names and positions are named', () => {
    assert.equal(entryKey('orders', 'p1', 26), 'log/orders/e/p1/000000000001a');
    assert.deepEqual(entryRange('orders'), { start: 'log/orders/e/', end: 'log/orders/e0' });
    assert.equal(retentionKey('orders'), 'log/orders/e');
    assert.ok(retentionKey('orders') < entryRange('orders').start);
    assert.deepEqual(parseEntryKey('orders', entryKey('orders', 'p1', 26)), {
      producer: 'p1',
      seq: 26,
    });
    assert.equal(parseEntryKey('orders', 'log/other/e/p1/1'), undefined);
    assert.throws(() => entryKey('a/b', 'p', 0), /topic must be a non-empty string without '\/'/);
    assert.throws(() => entryKey('a', '', 0), /producer must be a non-empty string/);
    assert.throws(
      () => startRead('a', 0),
      /readFrom a: position must be a whole number >= 1, got 0/,
    );
    assert.throws(() => startRead('a', 1, 0), /limit must be a whole number >= 1, got 0/);
    assert.throws(() => startTrim('a', 1.5), /trim a: beforePosition must be a whole number/);
  });

  test('an append is one idempotent put; a repeat answers the first position', () => {
    assert.deepEqual(appendRequest('a', 'p1', 0, 'x'), {
      kind: 'command',
      command: { op: 'put', key: entryKey('a', 'p1', 0), value: 'x', ifAbsent: true },
    });
    const machine = kvStateMachine()(new MemoryKV()) as KvStateMachine;
    const first = append(machine, 'a', 'p1', 0);
    append(machine, 'b', 'p1', 1);
    assert.equal(append(machine, 'a', 'p1', 0), first);
    assert.throws(
      () => appendPosition({ type: 'delete', revision: 3, deleted: 0 }),
      /does not answer an append/,
    );
  });

  test('a read below the marker is compacted, naming both positions; a corrupt marker throws', () => {
    let step = startRead('a', 3, 10);
    assert.ok('next' in step);
    step = onReadResult(step.state, {
      type: 'get',
      revision: 9,
      kv: { key: 'log/a/e', value: '5', createRevision: 8, modRevision: 8, version: 1, lease: 0 },
    });
    assert.ok('outcome' in step);
    assert.deepEqual(step.outcome, {
      kind: 'compacted',
      position: 3,
      oldest: 5,
      message: 'compacted: position 3 of topic a is older than the oldest kept position 5',
    });
    assert.equal(compactedMessage('a', 3, 5), (step.outcome as { message: string }).message);
    const start = startRead('a', 3, 10);
    assert.throws(
      () =>
        onReadResult(start.state, {
          type: 'get',
          revision: 9,
          kv: {
            key: 'log/a/e',
            value: 'x',
            createRevision: 8,
            modRevision: 8,
            version: 1,
            lease: 0,
          },
        }),
      /retention marker log\/a\/e holds "x", not a position/,
    );
    assert.throws(
      () => onReadResult(start.state, { type: 'count', revision: 1, count: 0 }),
      /does not answer phase marker/,
    );
  });

  test('when the KV compacted its history the read reports the KV oldest revision', () => {
    const machine = kvStateMachine()(new MemoryKV()) as KvStateMachine;
    const positions = [0, 1, 2, 3, 4].map((i) => append(machine, 'a', 'p', i));
    const compactAt = positions[2] as number;
    machine.apply(machine.appliedIndex() + 1, { op: 'compact', revision: compactAt }, 0);
    const outcome = read(machine, 'a', positions[1] as number, 10);
    assert.equal(outcome.kind, 'compacted');
    assert.equal((outcome as { oldest: number }).oldest, compactAt + 1);
    const rest = read(machine, 'a', compactAt + 1, 10) as Extract<ReadOutcome, { kind: 'entries' }>;
    assert.deepEqual(
      rest.entries.map((e) => e.seq),
      [3, 4],
    );
  });

  test('a trim never moves the marker beyond positions already given out, nor back', () => {
    const machine = kvStateMachine()(new MemoryKV()) as KvStateMachine;
    append(machine, 'a', 'p', 0);
    const second = append(machine, 'a', 'p', 1);
    // The store is at revision `second`: trimming "before 100" keeps every later append readable.
    assert.equal(trim(machine, 'a', 100), second + 1);
    const later = append(machine, 'a', 'p', 2);
    assert.ok(later > second + 1);
    assert.equal(trim(machine, 'a', 1), second + 1, 'the marker does not move back');
    const outcome = read(machine, 'a', second + 1, 10) as Extract<ReadOutcome, { kind: 'entries' }>;
    assert.deepEqual(
      outcome.entries.map((e) => e.seq),
      [2],
    );
    const range = machine.query({ op: 'range', ...entryRange('a') });
    assert.equal(range.type === 'range' ? range.kvs.length : -1, 1, 'trimmed entries deleted');
  });
});

describe('event log against the KV state machine (property)', () => {
  test('consumers see exactly the kept entries of their topic, in order, with compaction reported', () => {
    const op = fc.oneof(
      {
        weight: 5,
        arbitrary: fc.record({
          kind: fc.constant('append' as const),
          topic: fc.constantFrom('a', 'b', 'c'),
        }),
      },
      {
        weight: 1,
        arbitrary: fc.record({
          kind: fc.constant('trim' as const),
          topic: fc.constantFrom('a', 'b'),
          back: fc.nat(6),
        }),
      },
    );
    fc.assert(
      fc.property(fc.array(op, { maxLength: 40 }), fc.integer({ min: 1, max: 5 }), (ops, limit) => {
        const machine = kvStateMachine()(new MemoryKV()) as KvStateMachine;
        const appended: (LogEntry & { topic: string })[] = [];
        const oldest = new Map<string, number>();
        let seq = 0;
        let last = 0;
        for (const o of ops) {
          if (o.kind === 'append') {
            const s = seq++;
            const position = append(machine, o.topic, 'p', s);
            assert.ok(position > last, 'positions increase across topics');
            last = position;
            appended.push({ topic: o.topic, position, producer: 'p', seq: s, payload: `p:${s}` });
          } else {
            const before = Math.max(1, last - o.back);
            oldest.set(o.topic, trim(machine, o.topic, before));
          }
        }
        for (const topic of ['a', 'b', 'c']) {
          const kept = oldest.get(topic) ?? 1;
          const seen: LogEntry[] = [];
          let position = 1;
          let reports = 0;
          for (let guard = 0; guard < 100; guard++) {
            const outcome = read(machine, topic, position, limit);
            if (outcome.kind === 'compacted') {
              reports++;
              assert.equal(outcome.oldest, kept);
              position = outcome.oldest;
              continue;
            }
            seen.push(...outcome.entries);
            if (outcome.entries.length === 0) break;
            position = outcome.nextPosition;
          }
          assert.equal(reports, kept > 1 ? 1 : 0, `topic ${topic}: compaction reported once`);
          assert.deepEqual(
            seen,
            appended
              .filter((e) => e.topic === topic && e.position >= kept)
              .map(({ topic: _t, ...e }) => e),
          );
        }
      }),
      { numRuns: 150 },
    );
  });
});

describe('event log guarantees', () => {
  let index = 0;
  const events: HistoryEvent[] = [];
  function op(
    process: string,
    f: string,
    arg: OpValue,
    at: number,
    done: number,
    type: 'ok' | 'fail',
    value: OpValue,
  ) {
    const invoke: HistoryEvent = {
      index: index++,
      type: 'invoke',
      process,
      f,
      value: arg,
      time: at,
    };
    events.push(invoke, {
      index: index++,
      type,
      process,
      f,
      value,
      time: done,
      invokeIndex: invoke.index,
    });
  }
  function check(history: readonly HistoryEvent[]) {
    const world = { history } as unknown as Parameters<
      ReturnType<typeof positionsIncrease>['check']
    >[0];
    return [positionsIncrease().check(world), consumersSeeEveryEntry().check(world)];
  }
  const base = () => {
    events.length = 0;
    index = 0;
    op('p', 'append', { topic: 'a', id: 'p:0' }, 0, 1, 'ok', 1);
    op('p', 'append', { topic: 'b', id: 'p:1' }, 2, 3, 'ok', 2);
    op('p', 'append', { topic: 'a', id: 'p:2' }, 4, 5, 'ok', 3);
  };

  test('a correct history passes, with a reported compaction', () => {
    base();
    op('k', 'read', { topic: 'a', from: 1 }, 6, 7, 'fail', { compacted: 1, oldest: 2 });
    op('k', 'read', { topic: 'a', from: 2 }, 8, 9, 'ok', {
      from: 2,
      through: 3,
      entries: [[3, 'p:2']],
    });
    assert.deepEqual(check(events), [undefined, undefined]);
  });

  test('a missed entry, a rewind, a duplicate and a foreign entry are each named', () => {
    base();
    op('k', 'read', { topic: 'a', from: 1 }, 6, 7, 'ok', {
      from: 1,
      through: 3,
      entries: [[3, 'p:2']],
    });
    assert.match(String(check(events)[1]), /missed p:0, acknowledged at 1/);
    base();
    op('k', 'read', { topic: 'a', from: 1 }, 6, 7, 'ok', {
      from: 1,
      through: 3,
      entries: [
        [1, 'p:0'],
        [3, 'p:2'],
      ],
    });
    op('k', 'read', { topic: 'a', from: 3 }, 8, 9, 'ok', {
      from: 3,
      through: 3,
      entries: [[3, 'p:2']],
    });
    assert.match(String(check(events)[1]), /a rewind \(duplicates\)/);
    base();
    op('k', 'read', { topic: 'a', from: 1 }, 6, 7, 'ok', {
      from: 1,
      through: 3,
      entries: [
        [1, 'p:0'],
        [1, 'p:0'],
        [3, 'p:2'],
      ],
    });
    assert.match(String(check(events)[1]), /out of order or duplicated/);
    base();
    op('k', 'read', { topic: 'a', from: 1 }, 6, 7, 'ok', {
      from: 1,
      through: 3,
      entries: [
        [1, 'p:0'],
        [2, 'p:1'],
        [3, 'p:2'],
      ],
    });
    assert.match(String(check(events)[1]), /never appended to a/);
  });

  test('positions out of real-time order or shared are named', () => {
    events.length = 0;
    op('p', 'append', { topic: 'a', id: 'p:0' }, 0, 1, 'ok', 5);
    op('q', 'append', { topic: 'b', id: 'q:0' }, 2, 3, 'ok', 4);
    assert.match(
      String(check(events)[0]),
      /p:0 was acknowledged at position 5 .* q:0 .* at position 4/,
    );
    events.length = 0;
    op('p', 'append', { topic: 'a', id: 'p:0' }, 0, 3, 'ok', 5);
    op('q', 'append', { topic: 'b', id: 'q:0' }, 1, 2, 'ok', 5);
    assert.match(String(check(events)[0]), /position 5 was given to both p:0 and q:0/);
  });
});
