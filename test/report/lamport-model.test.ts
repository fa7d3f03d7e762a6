/**
 * Goal: the Lamport layout tells the truth about a run: time never flows up, a message is drawn
 * from its send down to its delivery, a node's events keep their order, lost messages and crashes
 * carry their reasons and faults, and the lineage edges are the lineage module's premises.
 * Method: the retry-deliv counterexample checked by hand, and a property over random runs of the
 * echo example with swarm faults (crash-restarts, partitions, loss) in the asynchronous model.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import fc from 'fast-check';
import echo from '../../examples/echo.js';
import { Lineage } from '../../src/lineage/lineage.js';
import { faultCuts } from '../../src/report/fault-cuts.js';
import { lamportToDot } from '../../src/report/lamport-dot.js';
import {
  buildLamportModel,
  LAMPORT_KINDS,
  type LamportModel,
  MESSAGE_DELIVERED,
  MESSAGE_LOST,
  payloadLabel,
} from '../../src/report/lamport-model.js';
import { parseTraceJsonl, type TraceData } from '../../src/report/trace-data.js';
import { traceFromData } from '../../src/report/trace-rebuild.js';
import { runSimulation } from '../../src/sim/simulator.js';
import { retryDelivCase, viaJsonl } from './helpers.js';

function modelOf(data: TraceData, withFaults = true): LamportModel {
  return buildLamportModel(data, new Lineage(traceFromData(data)), {
    title: 't',
    faults: withFaults ? faultCuts(data.header.plan.faults, data) : [],
  });
}

/** The layout laws every model must satisfy. */
function checkLaws(data: TraceData, model: LamportModel): void {
  const { row, col, time } = model.events;
  const lastRowOfCol = new Map<number, number>();
  for (let e = 0; e < data.events.length; e++) {
    const r = row[e] as number;
    assert.ok(r >= 0 && r < model.rows, `event ${e} row ${r} inside the diagram`);
    const c = col[e] as number;
    if (c >= 0) {
      assert.ok(r > (lastRowOfCol.get(c) ?? -1), `event ${e}: a node's events go down in order`);
      lastRowOfCol.set(c, r);
    }
    for (let f = 0; f < e; f++)
      if ((time[f] as number) < (time[e] as number))
        assert.ok(
          (row[f] as number) < r,
          `event ${f} (t=${time[f]}) above event ${e} (t=${time[e]})`,
        );
  }
  const m = model.messages;
  data.messages.forEach((msg, i) => {
    if (msg.status === 'delivered') {
      assert.equal(m.status[i], MESSAGE_DELIVERED);
      assert.equal(m.toRow[i], row[msg.deliverEvent as number]);
      if (msg.sendEvent >= 0)
        assert.ok((m.toRow[i] as number) > (m.fromRow[i] as number), `message ${i} points down`);
    }
    if (msg.status === 'lost') {
      assert.equal(m.status[i], MESSAGE_LOST);
      assert.equal(model.strings[m.reason[i] as number], msg.lostReason);
      assert.ok((m.toRow[i] as number) > (m.fromRow[i] as number));
    }
  });
}

describe('buildLamportModel', () => {
  test('retry-deliv counterexample: columns, lost messages, the crash and what the faults did', () => {
    const { failing } = retryDelivCase();
    const model = modelOf(failing);
    checkLaws(failing, model);
    assert.deepEqual(model.columns, ['a', 'b', 'c']);
    const lost = failing.messages.filter((m) => m.status === 'lost').map((m) => m.id);
    assert.equal(lost.length, 7);
    const omission = model.faults.find((f) => f.fault === 'O(a,b,1)');
    assert.deepEqual(omission?.messages, [1], 'O(a,b,1) loses message 1 (a→b at t=1)');
    const crash = model.faults.find((f) => f.fault === 'C(a,2,send-omission)');
    assert.deepEqual(crash?.messages, [3, 4, 5, 6, 7, 8], 'the crash loses every later send of a');
    const crashEvent = failing.events.find((e) => e.kind === 'crash');
    assert.ok(crashEvent !== undefined);
    assert.deepEqual(crash?.events, [crashEvent.id]);
    assert.equal(LAMPORT_KINDS[model.events.kind[crashEvent.id] as number], 'crash');
    assert.deepEqual(model.down, [
      [0, model.events.row[crashEvent.id], model.rows, model.strings.indexOf('send-omission')],
    ]);
    // Bands: t=1..4, in order.
    assert.deepEqual(
      model.bands.map(([, t]) => t),
      [1, 2, 3, 4],
    );
  });

  test('parents are the lineage premises: c logs hello because of a’s bcast delivery', () => {
    const { failing } = retryDelivCase();
    const model = modelOf(failing);
    const cLog = failing.events.find((e) => e.node === 'c' && e.kind === 'deliver');
    assert.ok(cLog !== undefined);
    const { offsets, ids } = model.parents;
    const parents = ids.slice(offsets[cLog.id], offsets[cLog.id + 1]);
    const sender = failing.messages[cLog.trigger as number]?.sendEvent;
    assert.deepEqual(parents, [sender]);
    // A resend timer depends on the event that armed it and on the write of bcast/hello it read.
    const timer = failing.events.find((e) => e.kind === 'timer');
    assert.ok(timer !== undefined);
    const tp = ids.slice(offsets[timer.id], offsets[timer.id + 1]);
    assert.deepEqual(tp, [timer.cause]);
  });

  test('payload labels: type and a few scalar fields, cut to 28 characters', () => {
    assert.equal(payloadLabel({ type: 'vote', xact: 'hello', vote: 'Y' }), 'vote hello Y');
    assert.equal(payloadLabel('x'.repeat(40)).length, 28);
    assert.equal(payloadLabel(7), '7');
  });

  test('property: the layout laws hold on random async runs with swarm faults', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 100_000 }), (seed) => {
        const run = runSimulation(echo, { seed, trace: true });
        const data = viaJsonl(run.trace);
        checkLaws(data, modelOf(data));
      }),
      { numRuns: 12 },
    );
  });

  test('DOT export: a cluster per node, lost messages dashed red with the reason', () => {
    const { failing } = retryDelivCase();
    const dot = lamportToDot(modelOf(failing));
    for (const n of ['a', 'b', 'c']) assert.ok(dot.includes(`subgraph "cluster_${n}"`), n);
    assert.equal((dot.match(/xlabel="lost: omission"/g) ?? []).length, 1);
    assert.equal((dot.match(/xlabel="lost: sender-crashed"/g) ?? []).length, 6);
    assert.match(dot, /e\d+ \[label="#\d+ t=2 CRASH \(send-omission\)", color=red/);
    assert.ok(dot.trim().endsWith('}'));
  });
});

describe('marks from the run data', () => {
  const header =
    '{"type":"header","format":"cadre-trace","version":1,"spec":"s","seed":1,"model":"async","nodes":["a","b"],"clients":[],"plan":{"faults":[]}}';
  const ev = (
    id: number,
    node: string | null,
    time: number,
    kind: string,
    trigger: string | null,
  ) =>
    JSON.stringify({
      type: 'event',
      id,
      node,
      time,
      kind,
      trigger,
      cause: null,
      sends: [],
      reads: [],
      writes: [],
      emits: [],
      notes: [],
    });
  const part = JSON.stringify({ kind: 'partition', groups: [['a'], ['b']], at: 5, until: 9 });
  const data = parseTraceJsonl(
    [
      header,
      ev(0, 'a', 0, 'init', null),
      ev(1, null, 5, 'fault', part),
      ev(2, 'b', 7, 'crash', 'stop'),
      ev(3, null, 9, 'heal', part),
    ].join('\n'),
    'hand',
  );
  const model = buildLamportModel(data, new Lineage(traceFromData(data)), {
    title: 'marks',
    violations: [
      { eventId: 2, message: 'inv violated: b stopped' },
      { eventId: 99, message: 'out of range' },
    ],
  });
  test('cluster-wide faults are labelled as describeFault writes them and get rows of their own', () => {
    const label = (e: number) => model.strings[model.events.label[e] as number];
    assert.equal(label(1), 'fault partition(a|b@5..9)');
    assert.equal(label(3), 'heal partition(a|b@5..9)');
    assert.deepEqual(model.events.col, [0, -1, 1, -1]);
    assert.deepEqual(model.events.row, [0, 1, 2, 3]);
  });
  test('a crash-stop keeps its node down to the end; violations are marked at their event', () => {
    assert.deepEqual(model.down, [[1, 2, model.rows, model.strings.indexOf('stop')]]);
    assert.deepEqual(model.violations, [[2, model.strings.indexOf('inv violated: b stopped')]]);
  });
});

test('a delivery placed before its send (skewed clocks in a merged trace) still lays out', () => {
  const header =
    '{"type":"header","format":"cadre-trace","version":1,"spec":"s","seed":0,"model":"async","nodes":["a","b"],"clients":[],"plan":{"faults":[]}}';
  const base = { type: 'event', cause: null, reads: [], writes: [], emits: [], notes: [] };
  const lines = [
    header,
    JSON.stringify({ ...base, id: 0, node: 'b', time: 4, kind: 'deliver', trigger: 0, sends: [] }),
    JSON.stringify({ ...base, id: 1, node: 'a', time: 5, kind: 'init', trigger: null, sends: [0] }),
    JSON.stringify({
      type: 'message',
      id: 0,
      from: 'a',
      to: 'b',
      sendEvent: 1,
      sentAt: 5,
      status: 'delivered',
      deliverEvent: 0,
      deliveredAt: 4,
      lostReason: null,
      payload: { type: 'hi' },
    }),
  ];
  const data = parseTraceJsonl(lines.join('\n'), 'skewed');
  const lineage = new Lineage(traceFromData(data));
  assert.deepEqual(lineage.premises(0), [{ kind: 'message', message: 0 }]);
  const model = buildLamportModel(data, lineage, { title: 'skew' });
  assert.ok(model.events.row.every((r) => Number.isInteger(r)));
  assert.deepEqual([model.messages.fromRow[0], model.messages.toRow[0]], [1, 0], 'drawn upwards');
  assert.deepEqual(model.parents.ids, [1], 'the delivery still depends on the send');
});
