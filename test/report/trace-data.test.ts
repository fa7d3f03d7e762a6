/**
 * Goal: saved traces read back exactly (the report relies only on the documented format) and bad
 * files fail with the file, the line and what is wrong. Method: round trips of real runs through
 * the JSON lines and back into the simulator's recorder (equal SHA-256), and hand-broken files.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { type Context, defineSpec, fact, type Process } from '../../src/index.js';
import { Lineage } from '../../src/lineage/lineage.js';
import { parseTraceJsonl, ReportDataError } from '../../src/report/trace-data.js';
import { traceFromData } from '../../src/report/trace-rebuild.js';
import { runSimulation } from '../../src/sim/simulator.js';
import { retryDelivCase, viaJsonl } from './helpers.js';

const { result, ce, failing } = retryDelivCase();

describe('parseTraceJsonl', () => {
  test('reads every event and message of a real run', () => {
    const trace = ce.result.trace;
    assert.ok(trace !== undefined);
    assert.equal(failing.events.length, trace.eventCount);
    assert.equal(failing.messages.length, trace.messageCount);
    assert.equal(failing.header.spec, 'retry-deliv');
    assert.deepEqual(failing.messages[1], trace.message(1));
  });

  test('rebuilding the recorder from the saved lines gives a byte-identical trace', () => {
    for (const run of [result.failureFree, ce.result]) {
      const trace = run.trace;
      assert.ok(trace !== undefined);
      const lines = [...trace.toJsonLines()];
      const again = traceFromData(parseTraceJsonl(lines.join('\n'), 'x'));
      assert.equal(again.hash(), trace.hash());
    }
  });

  const header =
    '{"type":"header","format":"cadre-trace","version":1,"spec":"s","seed":1,"model":"sync","nodes":["a"],"clients":[],"plan":{"faults":[]}}';
  const bad: [string, string, RegExp][] = [
    ['empty', '', /f: empty file, no trace header/],
    ['not a trace', '{"type":"x"}', /f:1: not a Cadre trace/],
    ['future version', header.replace('"version":1', '"version":2'), /f:1: trace format version 2/],
    ['broken JSON', `${header}\n{"type":"event",`, /f:2: not JSON/],
    [
      'ids not dense',
      `${header}\n{"type":"event","id":3,"node":"a","time":1,"kind":"init","trigger":null,"cause":null,"sends":[],"reads":[],"writes":[],"emits":[],"notes":[]}`,
      /f:2: event id 3, expected 0/,
    ],
    [
      'unknown kind',
      `${header}\n{"type":"event","id":0,"node":"a","time":1,"kind":"explode","sends":[],"reads":[],"writes":[],"emits":[]}`,
      /f:2: event kind "explode" is not known/,
    ],
    [
      'dangling delivery',
      `${header}\n{"type":"event","id":0,"node":"a","time":1,"kind":"deliver","trigger":4,"cause":null,"sends":[],"reads":[],"writes":[],"emits":[],"notes":[]}`,
      /event 0 delivers message 4, which is not in the trace/,
    ],
  ];
  for (const [name, text, message] of bad) {
    test(`rejects a file with ${name}`, () => {
      assert.throws(
        () => parseTraceJsonl(text, 'f'),
        (e: unknown) => {
          assert.ok(e instanceof ReportDataError);
          assert.match(e.message, message);
          return true;
        },
      );
    });
  }
});

describe('traceFromData', () => {
  test('a handler that writes an equal value twice does not make the lineage walk loop', () => {
    // Found on leader-election-buggy seed 108: the second write names its own event as sameAs.
    class Twice implements Process<string> {
      init(ctx: Context<string>): void {
        ctx.memory.set('k', 1);
        ctx.memory.set('k', 1);
        ctx.setTimer('read', 1);
      }
      receive(): void {}
      timer(ctx: Context<string>): void {
        if (ctx.memory.get('k') === 1) ctx.emit(fact('saw', ctx.id));
      }
    }
    const spec = defineSpec<string>({
      name: 'twice',
      nodes: ['a'],
      process: () => new Twice(),
      time: { model: 'sync', eot: 3 },
    });
    const data = viaJsonl(runSimulation(spec, { seed: 1, trace: true }).trace);
    const lineage = new Lineage(traceFromData(data));
    const reader = data.events.find((e) => e.kind === 'timer');
    assert.ok(reader !== undefined);
    const read = lineage.premises(reader.id).find((p) => p.kind === 'read');
    assert.deepEqual(read, { kind: 'read', store: 'm', key: 'k', writers: [0] });
    assert.equal(lineage.graphOfFact('saw', ['a']).nodes.length > 0, true);
  });
});
