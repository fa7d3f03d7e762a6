/**
 * Goal: a report is one self-contained page (inline style, script and data; nothing fetched) with
 * the verdict, the parameters, the runs table, a section per run (diagram data, lineage graph,
 * outcome table, facts, reproduce command) and the DOT/JSON exports it links to. Method: the
 * retry-deliv counterexample rendered in process, with Graphviz (WebAssembly) as the layout.
 */
import assert from 'node:assert/strict';
import { before, describe, test } from 'node:test';
import { graphvizLayout } from '../../src/report/graphviz.js';
import { type RenderedReport, renderReport } from '../../src/report/html.js';
import type { LamportModel } from '../../src/report/lamport-model.js';
import { retryDelivCase } from './helpers.js';

const { input } = retryDelivCase();
let report: RenderedReport;

before(async () => {
  report = renderReport(input, { layout: await graphvizLayout(), exportStem: 'report' });
});

describe('renderReport', () => {
  test('self-contained: no external script, style, image or link', () => {
    const { html } = report;
    assert.doesNotMatch(html, /<script[^>]+src=/i);
    assert.doesNotMatch(html, /<link[^>]+href=/i);
    assert.doesNotMatch(html, /(src|href)="(https?:)?\/\//i);
    assert.doesNotMatch(html, /@import/);
    assert.match(html, /<style>[\s\S]+\.lamport-scroll/);
    assert.match(html, /<script>[\s\S]+class LamportView/);
  });

  test('verdict, bounds, runs executed and combinations, faults and the reproduce command', () => {
    const { html } = report;
    assert.match(html, /<span class="verdict bad" id="verdict">COUNTEREXAMPLE<\/span>/);
    assert.match(html, /EOT 4, EFF 2, crashes ≤ 1/);
    assert.match(html, /2 of 40,704 fault combinations/);
    assert.match(html, /<span class="fault-chip">O\(a,b,1\)<\/span>/);
    assert.match(
      html,
      /npx cadre replay examples\/retry-deliv\.ts --seed 1 --plan ce\.plan\.json --eot 4/,
    );
    assert.equal((html.match(/<tr class="run-row /g) ?? []).length, 2, 'one row per run executed');
  });

  test('a section per run: embedded diagram data, the lineage SVG, outcomes and facts', () => {
    const { html } = report;
    for (const id of ['counterexample-1', 'failure-free']) {
      assert.match(html, new RegExp(`<section class="run [a-z]+" id="run-${id}"`));
      const json = new RegExp(
        `<script type="application/json" id="model-${id}">([^<]*)</script>`,
      ).exec(html)?.[1];
      assert.ok(json !== undefined, `diagram data of ${id}`);
      const model = JSON.parse(json) as LamportModel;
      assert.deepEqual(model.columns, ['a', 'b', 'c']);
    }
    assert.equal(
      (html.match(/<svg width="\d+pt"/g) ?? []).length,
      2,
      'two lineage graphs laid out',
    );
    assert.match(
      html,
      /<code class="vanished">log\(&#34;b&#34;, &#34;hello&#34;\)<\/code> held in the failure-free run but not here/,
    );
    assert.match(html, /VANISHED: pre holds, post does not/);
    assert.match(
      html,
      /<tr class="vanished-row"><td><code>log\(&#34;b&#34;,&#34;hello&#34;\)<\/code><\/td><td colspan="3">missing/,
    );
  });

  test('exports: DOT and JSON of both views per run, linked from the page', () => {
    const names = report.files.map((f) => f.name).sort();
    assert.deepEqual(names, [
      'report.exports/counterexample-1.lamport.dot',
      'report.exports/counterexample-1.lamport.json',
      'report.exports/counterexample-1.lineage.dot',
      'report.exports/counterexample-1.lineage.json',
      'report.exports/failure-free.lamport.dot',
      'report.exports/failure-free.lamport.json',
      'report.exports/failure-free.lineage.dot',
      'report.exports/failure-free.lineage.json',
    ]);
    for (const n of names) assert.ok(report.html.includes(`href="${n}" download`), n);
    const lineage = JSON.parse(
      report.files.find((f) => f.name === 'report.exports/counterexample-1.lineage.json')
        ?.content ?? '',
    ) as { cuts: { fault: string }[] };
    assert.deepEqual(lineage.cuts.map((c) => c.fault).sort(), ['C(a,2,send-omission)', 'O(a,b,1)']);
  });

  test('text from the run is escaped (a payload cannot close the data script)', () => {
    const evil = structuredClone(input);
    const run = evil.runs[0];
    assert.ok(run !== undefined);
    (run.trace.messages[0] as { payload: unknown }).payload = '</script><script>alert(1)</script>';
    const { html } = renderReport(evil, { layout: () => '<svg></svg>' });
    assert.ok(!html.includes('</script><script>alert(1)'));
  });
});
