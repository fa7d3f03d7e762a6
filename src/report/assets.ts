import { readFileSync } from 'node:fs';

/** The page's script and style, inlined into every report (no network, opens from disk). */
export interface ReportAssets {
  readonly script: string;
  readonly style: string;
}

let cached: ReportAssets | undefined;

/** Reads src/report/client/report.{js,css} once. Paths resolve from this module's URL, so they
 * work from the source tree, under tsx and from an installed package alike. */
export function reportAssets(): ReportAssets {
  cached ??= {
    script: readFileSync(new URL('./client/report.js', import.meta.url), 'utf8'),
    style: readFileSync(new URL('./client/report.css', import.meta.url), 'utf8'),
  };
  return cached;
}
