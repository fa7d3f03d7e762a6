import { LAMPORT_KINDS, type LamportModel, MESSAGE_LOST } from './lamport-model.js';

/**
 * Graphviz DOT of a Lamport diagram, for tools that want the graph rather than the page: one
 * cluster per node holding its events in order (invisible-weighted edges keep the column), events
 * of one row ranked together, message edges from send to delivery (lost ones dashed red to a
 * point node labelled with the reason, inputs from an `env` point). Not laid out here: a 100k
 * event run gives a large file that `dot` renders slowly; the HTML page is the way to view those.
 */
export function lamportToDot(model: LamportModel): string {
  const s = (i: number) => model.strings[i] ?? '';
  const lines = [
    `digraph ${JSON.stringify(model.title)} {`,
    '  rankdir=TB; newrank=true; node [shape=box, fontsize=10]; edge [arrowsize=0.6];',
  ];
  const { col, row, time, kind, label } = model.events;
  const byCol: number[][] = model.columns.map(() => []);
  const cluster: number[] = [];
  for (let e = 0; e < col.length; e++) {
    const c = col[e] as number;
    if (c >= 0) byCol[c]?.push(e);
    else cluster.push(e);
  }
  model.columns.forEach((name, c) => {
    lines.push(
      `  subgraph ${JSON.stringify(`cluster_${name}`)} {`,
      `    label=${JSON.stringify(name)};`,
    );
    const ids = byCol[c] ?? [];
    for (const e of ids) {
      const k = LAMPORT_KINDS[kind[e] as number] ?? '?';
      const crash = k === 'crash' ? ', color=red, fontcolor=red' : '';
      lines.push(
        `    e${e} [label=${JSON.stringify(`#${e} t=${time[e]} ${s(label[e] as number)}`)}${crash}];`,
      );
    }
    for (let i = 1; i < ids.length; i++)
      lines.push(`    e${ids[i - 1]} -> e${ids[i]} [weight=100, arrowhead=none, color="#8c959f"];`);
    lines.push('  }');
  });
  for (const e of cluster)
    lines.push(
      `  e${e} [shape=plaintext, fontcolor="#9a6700", label=${JSON.stringify(`#${e} t=${time[e]} ${s(label[e] as number)}`)}];`,
    );
  const byRow = new Map<number, number[]>();
  for (let e = 0; e < row.length; e++) {
    const r = row[e] as number;
    const list = byRow.get(r);
    if (list === undefined) byRow.set(r, [e]);
    else list.push(e);
  }
  for (const ids of byRow.values())
    if (ids.length > 1) lines.push(`  { rank=same; ${ids.map((e) => `e${e}`).join('; ')}; }`);
  const m = model.messages;
  for (let i = 0; i < m.status.length; i++) {
    const from = m.sendEvent[i] as number;
    const to = m.deliverEvent[i] as number;
    const text = JSON.stringify(s(m.label[i] as number));
    const source = from >= 0 ? `e${from}` : `env${i}`;
    if (from < 0) lines.push(`  env${i} [shape=point, label=""];`);
    if (to >= 0) {
      lines.push(`  ${source} -> e${to} [label=${text}, constraint=false];`);
    } else {
      const lost = m.status[i] === MESSAGE_LOST;
      const why = lost ? `lost: ${s(m.reason[i] as number)}` : 'in flight';
      lines.push(
        `  m${i} [shape=point, color="${lost ? 'red' : 'gray'}", xlabel=${JSON.stringify(why)}];`,
        `  ${source} -> m${i} [label=${text}, style=dashed, color="${lost ? 'red' : 'gray'}", constraint=false];`,
      );
    }
  }
  lines.push('}');
  return lines.join('\n');
}
