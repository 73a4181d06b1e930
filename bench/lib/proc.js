// Runs one measurement in a fresh Node process, so no run inherits another's
// JIT state, heap or open sockets. The child reports over IPC; its stdout and
// stderr go to our stderr, so `--json` output on stdout stays clean.
import { fork } from 'node:child_process'
import { fileURLToPath } from 'node:url'

const CHILD = fileURLToPath(new URL('./child.js', import.meta.url))
// Stock Gun greets on stdout when it loads; that line is noise, not a result.
const NOISE = /^(Hello wonderful person!|0 length key!)/

/**
 * @param {{ module: string, fn: string, impl: string, params: object, nodeArgs?: string[], timeoutMs: number }} task
 * @returns {Promise<{ ok: true, result: any } | { ok: false, error: string }>}
 */
export function runInChild(task, { verbose = false } = {}) {
  return new Promise((resolve) => {
    const child = fork(CHILD, [], {
      execArgv: task.nodeArgs ?? [],
      stdio: ['ignore', 'pipe', 'pipe', 'ipc'],
    })
    let settled = false
    let stderrTail = ''
    const finish = (outcome) => {
      if (settled) return
      settled = true
      clearTimeout(timer)
      // The child may still be tearing down sockets; it has nothing left to tell us.
      if (child.exitCode === null) child.kill('SIGKILL')
      resolve(outcome)
    }
    const forward = (stream, keepTail) => {
      stream.setEncoding('utf8')
      stream.on('data', (chunk) => {
        if (keepTail) stderrTail = (stderrTail + chunk).slice(-2000)
        if (!verbose) return
        for (const line of chunk.split('\n')) if (line && !NOISE.test(line)) process.stderr.write(`    | ${line}\n`)
      })
    }
    forward(child.stdout, false)
    forward(child.stderr, true)
    const timer = setTimeout(() => finish({ ok: false, error: `timed out after ${Math.round(task.timeoutMs / 1000)} s` }), task.timeoutMs)
    child.on('message', (msg) => {
      if (msg?.type === 'result') finish({ ok: true, result: msg.result })
      else if (msg?.type === 'error') finish({ ok: false, error: msg.error })
    })
    child.on('exit', (code, signal) => {
      // Give a just-sent IPC message a tick to arrive before calling this a crash.
      setTimeout(
        () =>
          finish({
            ok: false,
            error: `child exited (${signal ?? code}) without a result${stderrTail ? `: ${stderrTail.trim().split('\n').slice(-3).join(' / ')}` : ''}`,
          }),
        50,
      )
    })
    child.send({ type: 'run', task })
  })
}
