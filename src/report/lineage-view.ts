import type { Fact } from '../core/fact.js';
import type { Tuple } from '../core/value.js';
import type { Lineage, LineageEdge, LineageGraph, LineageNode } from '../lineage/lineage.js';
import type { FaultCut } from './fault-cuts.js';
import { formatFactText } from './lamport-model.js';
import type { TraceData } from './trace-data.js';

/** Most nodes drawn in a lineage graph: Graphviz layout and the page stay fast; beyond it the
 * graph keeps the nodes nearest the outcome and says it was cut. */
export const LINEAGE_NODES_MAX = 250;

/** The lineage of some outcomes of a run, with the faults that cut it. Exported as JSON as is. */
export interface LineageView {
  readonly title: string;
  /** The outcomes (formatted facts) the graph explains. */
  readonly outcomes: readonly string[];
  /** Whether the outcomes vanished in the failing run (drawn red). */
  readonly vanished: boolean;
  readonly graph: LineageGraph;
  /** Per fault, the graph nodes (messages, events) it cuts. */
  readonly cuts: readonly { readonly fault: string; readonly nodes: readonly string[] }[];
  /** True when the graph had more than {@link LINEAGE_NODES_MAX} nodes and was cut down. */
  readonly truncated: boolean;
}

/**
 * The lineage graph of `outcomes` in the run `lineage` is over (src/lineage's backward closure,
 * merged over the outcomes), with each fault's cuts mapped onto its message and event nodes.
 */
export function outcomeLineage(
  lineage: Lineage,
  outcomes: readonly Fact[],
  cuts: readonly FaultCut[],
  options: { readonly title: string; readonly vanished: boolean },
): LineageView {
  const nodes = new Map<string, LineageNode>();
  const edges = new Map<string, LineageEdge>();
  const roots: string[] = [];
  for (const f of outcomes) {
    const g = lineage.graphOfFact(f.name, f.args);
    // Past the size cap, further outcomes are dropped whole: each drawn one stays complete.
    if (roots.length > 0 && nodes.size + g.nodes.length > LINEAGE_NODES_MAX) break;
    roots.push(...g.roots);
    for (const n of g.nodes) nodes.set(n.id, n);
    for (const e of g.edges) edges.set(`${e.from}>${e.to}`, e);
  }
  let graph: LineageGraph = { roots, nodes: [...nodes.values()], edges: [...edges.values()] };
  const truncated = graph.nodes.length > LINEAGE_NODES_MAX;
  if (truncated) graph = nearest(graph, LINEAGE_NODES_MAX);
  const present = new Set(graph.nodes.map((n) => n.id));
  const mapped = cuts.map((c) => ({
    fault: c.fault,
    nodes: [...c.messages.map((m) => `message:${m}`), ...c.events.map((e) => `event:${e}`)].filter(
      (id) => present.has(id),
    ),
  }));
  return {
    title: options.title,
    outcomes: roots.map((r) => graph.nodes.find((n) => n.id === r)?.label ?? r),
    vanished: options.vanished,
    graph,
    cuts: mapped,
    truncated,
  };
}

/** Keeps the `max` nodes nearest the roots (breadth first along premises). */
function nearest(graph: LineageGraph, max: number): LineageGraph {
  const out = new Map<string, string[]>();
  for (const e of graph.edges) {
    const list = out.get(e.from);
    if (list === undefined) out.set(e.from, [e.to]);
    else list.push(e.to);
  }
  const keep = new Set<string>(graph.roots);
  const queue = [...graph.roots];
  for (let i = 0; i < queue.length && keep.size < max; i++) {
    for (const next of out.get(queue[i] as string) ?? []) {
      if (keep.has(next) || keep.size >= max) continue;
      keep.add(next);
      queue.push(next);
    }
  }
  return {
    roots: graph.roots,
    nodes: graph.nodes.filter((n) => keep.has(n.id)),
    edges: graph.edges.filter((e) => keep.has(e.from) && keep.has(e.to)),
  };
}

/**
 * The facts behind vanished `post` tuples: facts held in the good run but not in the failing one
 * whose arguments contain every value of a vanished tuple; failing that, those sharing a value
 * with one (for `delivery`'s `["c","hello"]`, which vanishes because `log("b","hello")` did);
 * failing that, every missing fact.
 */
export function vanishedFacts(
  good: TraceData,
  failing: TraceData | undefined,
  vanished: readonly Tuple[],
): Fact[] {
  const held = new Set<string>();
  if (failing !== undefined)
    for (const e of failing.events)
      for (const [name, args] of e.emits) held.add(formatFactText(name, args));
  const missing = new Map<string, Fact>();
  for (const e of good.events)
    for (const [name, args] of e.emits) {
      const key = formatFactText(name, args);
      if (!held.has(key) && !missing.has(key)) missing.set(key, { name, args });
    }
  const all = [...missing.values()];
  // A post tuple can vanish through a fact about another node (delivery's post(c,P) needs
  // log(b,P)): prefer facts with every value of a tuple, then facts sharing one, then all.
  const every = all.filter((f) =>
    vanished.some((t) => t.length > 0 && t.every((v) => f.args.includes(v))),
  );
  if (every.length > 0) return every;
  const some = all.filter((f) => vanished.some((t) => t.some((v) => f.args.includes(v))));
  return some.length > 0 ? some : all;
}

/** DOT of a lineage view: premises point at what they support (the outcome on top), each fault an
 * octagon with a red "cuts" edge to the messages and events it removes. Node ids and classes are
 * kept in the SVG Graphviz renders (`class="cut"`, `class="fault"`), for the page and its tests. */
export function lineageViewDot(view: LineageView): string {
  const cutBy = new Map<string, string[]>();
  for (const c of view.cuts)
    for (const n of c.nodes) cutBy.set(n, [...(cutBy.get(n) ?? []), c.fault]);
  const roots = new Set(view.graph.roots);
  const lines = [
    `digraph ${JSON.stringify(view.title)} {`,
    '  rankdir=BT; bgcolor="transparent"; nodesep=0.25; ranksep=0.35;',
    '  node [fontname="Helvetica", fontsize=10, margin="0.08,0.04"];',
    '  edge [color="#57606a", arrowsize=0.6];',
  ];
  for (const n of view.graph.nodes) {
    const faults = cutBy.get(n.id);
    const attrs: string[] = [];
    let label = n.label;
    const classes: string[] = [n.kind];
    if (n.kind === 'fact') {
      attrs.push('shape=ellipse', 'style=filled', 'fillcolor="#ddf4ff"', 'color="#0969da"');
      if (roots.has(n.id) && view.vanished) {
        label += '\nVANISHED in the failing run';
        attrs.push('fillcolor="#ffebe9"', 'color="#cf222e"', 'penwidth=2', 'fontcolor="#82071e"');
        classes.push('vanished');
      }
    } else if (n.kind === 'message') {
      attrs.push('shape=box', 'style="dashed,rounded"');
    } else if (n.kind === 'value') {
      attrs.push('shape=note');
    } else attrs.push('shape=box', 'style=rounded');
    if (faults !== undefined) {
      label += `\n✕ cut by ${faults.join(', ')}`;
      attrs.push(
        'style="filled,bold,rounded"',
        'fillcolor="#ffebe9"',
        'color="#cf222e"',
        'fontcolor="#82071e"',
      );
      classes.push('cut');
    }
    attrs.push(`label=${JSON.stringify(label)}`, `class=${JSON.stringify(classes.join(' '))}`);
    lines.push(`  ${JSON.stringify(n.id)} [${attrs.join(', ')}];`);
  }
  for (const e of view.graph.edges) {
    const cut = cutBy.has(e.to);
    lines.push(
      `  ${JSON.stringify(e.to)} -> ${JSON.stringify(e.from)}${cut ? ' [color="#cf222e", style=dashed, penwidth=1.5]' : ''};`,
    );
  }
  for (const c of view.cuts) {
    if (c.nodes.length === 0) continue;
    const id = `fault:${c.fault}`;
    lines.push(
      `  ${JSON.stringify(id)} [shape=octagon, style=filled, fillcolor="#cf222e", fontcolor="white", color="#82071e", label=${JSON.stringify(`fault ${c.fault}`)}, class="fault"];`,
    );
    for (const n of c.nodes)
      lines.push(
        `  ${JSON.stringify(id)} -> ${JSON.stringify(n)} [color="#cf222e", penwidth=2, label="cuts", fontcolor="#cf222e", fontsize=9];`,
      );
  }
  lines.push('}');
  return lines.join('\n');
}
