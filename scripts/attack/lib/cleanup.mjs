// Everything the attack run starts (relay processes, the observer process,
// temp directories) is registered here, so it is stopped and removed however
// the run ends: normally, on an error, on a timeout or on Ctrl-C.
import { rmSync } from 'node:fs'

const children = new Set()
const dirs = new Set()

export function trackChild(child) {
  children.add(child)
  child.once('exit', () => children.delete(child))
  return child
}

export function trackDir(dir) {
  dirs.add(dir)
  return dir
}

export function removeDir(dir) {
  try {
    rmSync(dir, { recursive: true, force: true })
  } catch {
    // reason: best effort; the exit hook tries again
  }
  dirs.delete(dir)
}

/** Synchronous, so it also works from the process 'exit' hook. */
export function cleanupAll() {
  for (const child of children) {
    try {
      child.kill('SIGKILL')
    } catch {
      // reason: already gone
    }
  }
  children.clear()
  for (const dir of [...dirs]) removeDir(dir)
}

let installed = false
export function installExitHooks() {
  if (installed) return
  installed = true
  process.on('exit', cleanupAll)
  for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP']) {
    process.on(signal, () => {
      process.stderr.write(`\nattack: ${signal}, stopping everything\n`)
      cleanupAll()
      process.exit(130)
    })
  }
  process.on('uncaughtException', (error) => {
    process.stderr.write(`attack: uncaught ${error?.stack ?? error}\n`)
    cleanupAll()
    process.exit(1)
  })
}

// An attack abandoned at its deadline may still have promises in flight that fail once its
// sockets are closed; that is expected and must not end the run.
process.on('unhandledRejection', (error) => {
  process.stderr.write(`attack: (late failure, ignored) ${error instanceof Error ? error.message : String(error)}\n`)
})
