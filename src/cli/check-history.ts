import { readFileSync, writeFileSync } from 'node:fs';
import { explainLinearizability } from '../check/explain.js';
import { type HistoryFormat, HistoryParseError, parseHistory } from '../check/history-read.js';
import { renderLinearizabilityHtml } from '../check/html-view.js';
import { checkHistory } from '../check/linearizable.js';
import { type AnyModel, ModelInputError } from '../check/model.js';
import { MODELS, modelByName } from '../check/models/index.js';
import { kvModel } from '../check/models/kv.js';
import { HistoryError } from '../check/operations.js';
import type { OpValue } from '../core/history.js';
import { EXIT_ERROR, EXIT_PASS, EXIT_VIOLATED, UsageError } from './errors.js';
import { say } from './output.js';

/** Options of `cadre check-history`. */
export interface CheckHistoryOptions {
  /** A built-in model name (see `MODELS`). */
  readonly model: string;
  /** Default: detected from the file's first line. */
  readonly format?: HistoryFormat;
  /** Wall-clock budget in seconds; when spent the verdict is unknown. Default 60. */
  readonly budgetS?: number;
  /** kv model only: JSON of what a read of a missing key returns. Default `null`. */
  readonly kvAbsent?: string;
  /** Where to write the HTML view (per-client tracks, the linearisation, the breaking operation).
   * Default: none. */
  readonly html?: string;
}

/** Default wall-clock budget of `cadre check-history`, in seconds. */
export const CHECK_HISTORY_BUDGET_S = 60;

/**
 * `cadre check-history FILE --model NAME`: reads a history (Jepsen log lines, Jepsen EDN op maps,
 * JSON lines, or a JSON array / run summary) and checks it for linearizability, optionally writing
 * an HTML view. Exit code 0
 * linearizable, 1 not, 2 unknown (budget spent) or bad input.
 */
export function checkHistoryCommand(file: string, options: CheckHistoryOptions): number {
  const model = pickModel(options);
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (e) {
    throw new UsageError(`cannot read history ${file}: ${(e as Error).message}`);
  }
  const budgetMs = (options.budgetS ?? CHECK_HISTORY_BUDGET_S) * 1000;
  const started = performance.now();
  try {
    const history = parseHistory(text, {
      source: file,
      ...(options.format === undefined ? {} : { format: options.format }),
    });
    const result = checkHistory(model, history, {
      shouldStop: () => performance.now() - started > budgetMs,
    });
    const ms = performance.now() - started;
    say(`cadre check-history: ${file}, model ${model.name}, ${history.length} events`);
    say(explainLinearizability(model, result));
    say(`checked in ${(ms / 1000).toFixed(2)} s`);
    if (options.html !== undefined) {
      try {
        writeFileSync(options.html, renderLinearizabilityHtml(model, result, file));
      } catch (e) {
        throw new UsageError(`cannot write ${options.html}: ${(e as Error).message}`);
      }
      say(`view: ${options.html}`);
    }
    if (result.verdict === 'linearizable') return EXIT_PASS;
    if (result.verdict === 'not-linearizable') return EXIT_VIOLATED;
    say(`unknown: the ${budgetMs / 1000} s budget ran out (raise it with --budget-s)`);
    return EXIT_ERROR;
  } catch (e) {
    if (
      e instanceof HistoryParseError ||
      e instanceof HistoryError ||
      e instanceof ModelInputError
    ) {
      throw new UsageError(e instanceof HistoryParseError ? e.message : `${file}: ${e.message}`);
    }
    throw e;
  }
}

function pickModel(options: CheckHistoryOptions): AnyModel {
  if (options.kvAbsent !== undefined) {
    if (options.model !== 'kv') throw new UsageError('--kv-absent applies to --model kv only');
    let absent: OpValue;
    try {
      absent = JSON.parse(options.kvAbsent) as OpValue;
    } catch {
      throw new UsageError(
        `--kv-absent: expected JSON (e.g. '""' or null), got ${options.kvAbsent}`,
      );
    }
    return kvModel({ absent });
  }
  const model = modelByName(options.model);
  if (model === undefined) {
    throw new UsageError(
      `unknown model ${JSON.stringify(options.model)}: expected one of ${Object.keys(MODELS).join(', ')}`,
    );
  }
  return model;
}
