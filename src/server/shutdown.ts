/** Options of `installShutdown`: what to close, how long to wait, which signals. */
export interface ShutdownOptions {
  /** Drain and close everything: stop accepting, finish in-flight writes, flush storage, close peers. */
  close(): Promise<void>
  /** Past this, give up waiting and exit with code 1. */
  timeoutMs: number
  /** Signals that start a shutdown. Default SIGTERM and SIGINT. */
  signals?: NodeJS.Signals[]
  /** Where shutdown reports its progress. Default: nowhere. */
  log?: (level: 'info' | 'error', message: string, fields?: Record<string, unknown>) => void
  /** How to end the process (tests replace it). Default: set process.exitCode and let the loop drain, with a hard exit as backstop. */
  exit?: (code: number) => void
}

/** The installed signal handling (`installShutdown`): its state, a manual start, and removal. */
export interface Shutdown {
  /** True once a signal arrived (readiness reports not ready from then on). */
  readonly draining: boolean
  /** Resolves with the exit code once shutdown finished (or timed out). */
  readonly done: Promise<number>
  /** Start shutting down as if `signal` arrived. */
  begin(signal: string): void
  /** Remove the signal handlers (when the server closed some other way). */
  dispose(): void
}

/**
 * Graceful shutdown on SIGTERM/SIGINT, within a bound: the first signal
 * drains (exit 0 when done, 1 past `timeoutMs` or on an error); a second
 * signal exits at once with 1, for operators who mean it.
 */
export function installShutdown(options: ShutdownOptions): Shutdown {
  const signals = options.signals ?? ['SIGTERM', 'SIGINT']
  const log = options.log ?? (() => {})
  const exit =
    options.exit ??
    ((code: number) => {
      process.exitCode = code
      // Anything still holding the event loop open (a stray timer, a client socket) must not keep us alive.
      setTimeout(() => process.exit(code), 1000).unref()
    })
  let draining = false
  let settle: (code: number) => void = () => {}
  const done = new Promise<number>((resolve) => (settle = resolve))

  let finished = false
  const finish = (code: number) => {
    if (finished) return
    finished = true
    dispose()
    settle(code)
    exit(code)
  }

  const begin = (signal: string) => {
    if (draining) {
      log('error', 'second signal: exiting now', { signal })
      finish(1)
      return
    }
    draining = true
    log('info', 'shutting down: draining', { signal, timeoutMs: options.timeoutMs })
    const started = Date.now()
    const timer = setTimeout(() => {
      log('error', 'shutdown timed out: exiting with in-flight work abandoned', { timeoutMs: options.timeoutMs })
      finish(1)
    }, options.timeoutMs)
    timer.unref()
    options.close().then(
      () => {
        clearTimeout(timer)
        log('info', 'shutdown complete', { ms: Date.now() - started })
        finish(0)
      },
      (error: unknown) => {
        clearTimeout(timer)
        log('error', 'shutdown failed', { error: error instanceof Error ? error.message : String(error) })
        finish(1)
      },
    )
  }

  const handlers = new Map<NodeJS.Signals, () => void>()
  for (const signal of signals) {
    const handler = () => begin(signal)
    handlers.set(signal, handler)
    process.on(signal, handler)
  }
  const dispose = () => {
    for (const [signal, handler] of handlers) process.off(signal, handler)
    handlers.clear()
  }

  return {
    get draining() {
      return draining
    },
    done,
    begin,
    dispose,
  }
}
