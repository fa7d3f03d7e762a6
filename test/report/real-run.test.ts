/**
 * Goal: a real run renders like a simulated one. Method: a trace of retry-deliv on three real
 * processes (`cadre cluster up retry-deliv --duration-ms 1500`, merged by src/runtime/trace-merge:
 * wall-clock ms, `"source":"runtime"`), saved as a fixture, read and rendered through the same
 * path as `cadre report FILE`.
 */
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { test } from 'node:test';
import { Lineage } from '../../src/lineage/lineage.js';
import { graphvizLayout } from '../../src/report/graphviz.js';
import { renderReport } from '../../src/report/html.js';
import { buildLamportModel } from '../../src/report/lamport-model.js';
import { loadReportInput } from '../../src/report/load.js';
import { traceFromData } from '../../src/report/trace-rebuild.js';

const file = join(import.meta.dirname, 'fixtures/real-retry-deliv.trace.jsonl');

test('a merged real-machine trace: read, laid out, explained and rendered', async () => {
  const input = loadReportInput(file);
  const run = input.runs[0];
  assert.ok(run !== undefined);
  assert.equal(run.trace.source, 'runtime');
  assert.equal(run.title, 'retry-deliv, real run');
  assert.equal(run.status, 'trace only', 'no result file: the verdict is not guessed');
  const lineage = new Lineage(traceFromData(run.trace));
  // a re-sends every 100 ms until the run stops: b logged hello once per re-send.
  const derivations = lineage.emissions('log', ['b', 'hello']);
  assert.ok(derivations.length >= 10, `${derivations.length} derivations`);
  const model = buildLamportModel(run.trace, lineage, { title: 'real' });
  run.trace.messages.forEach((m, i) => {
    if (m.status === 'delivered' && m.sendEvent >= 0)
      assert.ok(
        (model.messages.toRow[i] as number) > (model.messages.fromRow[i] as number),
        `message ${i} points down`,
      );
  });
  assert.deepEqual(
    model.bands.map(([, t]) => t),
    [...model.bands.map(([, t]) => t)].sort((a, b) => a - b),
    'wall-clock time flows down',
  );
  const { html } = renderReport(input, { layout: await graphvizLayout() });
  assert.match(html, /<title>real run: retry-deliv — trace only<\/title>/);
  assert.match(html, /<svg width="\d+pt"/, 'the lineage graph of its facts');
});
