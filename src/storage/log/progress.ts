import cliProgress from 'cli-progress'

export interface Progress {
  update(done: number, total: number): void
  stop(): void
}

/**
 * A progress bar for the storage tools, drawn on stderr so stdout stays
 * clean for data (`trellis export > graph.json`). cli-progress draws nothing
 * when stderr is not a terminal, so scripts and CI logs stay quiet.
 */
export function progressBar(label: string, unit: 'bytes' | 'souls' | 'files'): Progress {
  const bar = new cliProgress.SingleBar(
    {
      stream: process.stderr,
      format: `${label} [{bar}] {percentage}% | {value}/{total} ${unit} | {eta_formatted} left`,
      hideCursor: true,
      clearOnComplete: false,
      etaBuffer: 50,
    },
    cliProgress.Presets.shades_classic,
  )
  let started = false
  return {
    update(done, total) {
      if (!started) {
        bar.start(total, done)
        started = true
      } else {
        bar.setTotal(total)
        bar.update(done)
      }
    },
    stop() {
      if (started) bar.stop()
    },
  }
}
