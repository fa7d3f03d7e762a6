/**
 * A DOT → SVG layout function backed by Graphviz compiled to WebAssembly (@viz-js/viz): runs in
 * Node at report-generation time, needs no system binary. The module (a few MB of wasm) is loaded
 * on the first call, not on import, so importing Cadre stays cheap; make one layout and reuse it.
 */
export async function graphvizLayout(): Promise<(dot: string) => string> {
  const { instance } = await import('@viz-js/viz');
  const viz = await instance();
  return (dot: string) => viz.renderString(dot, { format: 'svg', engine: 'dot' });
}
