import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { mergeSegments, parseNodeTrace } from '../../src/runtime/trace-merge.js';

const header = (node: string, segment: number, startedAt: number) =>
  JSON.stringify({
    type: 'node-header',
    format: 'cadre-node-trace',
    version: 1,
    node,
    nodes: ['a', 'b'],
    spec: 's',
    segment,
    startedAt,
  });
const event = (
  seg: number,
  id: number,
  time: number,
  kind: string,
  trigger: unknown,
  sends: number[] = [],
  extra = {},
) =>
  JSON.stringify({
    type: 'event',
    seg,
    id,
    time,
    kind,
    trigger,
    cause: null,
    sends,
    reads: [],
    writes: [],
    emits: [],
    notes: [],
    ...extra,
  });
const message = (seg: number, seq: number, to: string, sendEvent: number, sentAt: number) =>
  JSON.stringify({ type: 'message', seg, seq, to, sendEvent, sentAt, payload: { n: seq } });

describe('trace merge', () => {
  it('orders every delivery after its send even when the receiver’s clock runs behind, and marks kill and restart', () => {
    // a sends m0 at 1000 (its clock); b's clock is 500 ms behind, so b's delivery reads 600.
    const a = [
      header('a', 0, 990),
      event(0, 0, 995, 'init', null),
      event(0, 1, 1000, 'deliver', { from: '$env', payload: { go: 1 } }, [0], {
        emits: [['bcast', ['a', 'x']]],
      }),
      message(0, 0, 'b', 1, 1000),
      JSON.stringify({ type: 'stop', seg: 0, time: 1100 }),
    ].join('\n');
    const b = [
      header('b', 0, 480),
      event(0, 0, 500, 'init', null, [], { writes: [['s', 'k', -1]] }),
      event(0, 1, 600, 'deliver', { from: 'a', seg: 0, seq: 0 }, [], { reads: [['s', 'k', 0]] }),
      // killed: no stop line; then a restart segment, and a torn last line.
      header('b', 1, 700),
      event(1, 0, 710, 'init', null),
      '{"type":"eve',
    ].join('\n');
    const merged = mergeSegments([...parseNodeTrace(a, 'a'), ...parseNodeTrace(b, 'b')]);
    const lines = merged.lines.map((l) => JSON.parse(l) as Record<string, unknown>);
    const events = lines.filter((l) => l.type === 'event');
    const messages = lines.filter((l) => l.type === 'message');
    const send = events.findIndex((e) => e.node === 'a' && e.kind === 'deliver');
    const deliver = events.findIndex((e) => e.node === 'b' && e.kind === 'deliver');
    assert.ok(send < deliver, `send ${send} before delivery ${deliver}`);
    // Message 0 is the input from $env (inputs first), message 1 a→b.
    assert.deepEqual(
      messages.map((m) => [m.id, m.from, m.to, m.status, m.sendEvent, m.deliverEvent]),
      [
        [0, '$env', 'a', 'delivered', -1, send],
        [1, 'a', 'b', 'delivered', send, deliver],
      ],
    );
    assert.deepEqual((events[send] as { sends: number[] }).sends, [1]);
    assert.equal(events[deliver]?.trigger, 1);
    const bInit = events.findIndex((e) => e.node === 'b' && e.kind === 'init');
    assert.deepEqual(
      (events[deliver] as { reads: unknown[] }).reads,
      [['s', 'k', bInit]],
      'writer ids are global',
    );
    const kinds = events.filter((e) => e.node === 'b').map((e) => e.kind);
    assert.deepEqual(kinds, ['init', 'deliver', 'crash', 'restart']);
    assert.equal(lines.at(-1)?.type, 'end');
    assert.equal(events[0]?.time, 500 - 480, 'times count from the earliest start');
  });
});
