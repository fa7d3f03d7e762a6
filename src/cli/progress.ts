import cliProgress from 'cli-progress';

/** Progress of a campaign on stderr. */
export interface Progress {
  update(done: number, failing: number): void;
  stop(): void;
}

/**
 * A bar (cli-progress) when stderr is a terminal; otherwise a plain line at every 10% so that logs
 * (CI, pipes) show progress without control characters. Nothing for fewer than 10 seeds.
 */
export function campaignProgress(total: number): Progress {
  if (total < 10) return { update: () => {}, stop: () => {} };
  if (process.stderr.isTTY === true) {
    const bar = new cliProgress.SingleBar(
      {
        stream: process.stderr,
        format:
          'seeds {bar} {value}/{total} ({percentage}%) | {failing} failing | ETA {eta_formatted}',
        hideCursor: true,
        clearOnComplete: true,
      },
      cliProgress.Presets.shades_classic,
    );
    bar.start(total, 0, { failing: 0 });
    return {
      update: (done, failing) => bar.update(done, { failing }),
      stop: () => bar.stop(),
    };
  }
  const step = Math.ceil(total / 10);
  return {
    update: (done, failing) => {
      if (done % step === 0 || done === total) {
        const percent = Math.floor((done * 100) / total);
        process.stderr.write(
          `progress: ${done}/${total} seeds (${percent}%), ${failing} failing\n`,
        );
      }
    },
    stop: () => {},
  };
}
