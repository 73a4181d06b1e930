/**
 * Run callbacks after the current task, in order, with one microtask for a
 * whole burst: Node's queueMicrotask costs an async resource per call, and
 * a burst of puts or reads would pay it once per callback.
 */
let queue: (() => void)[] = []
let scheduled = false

function flush(): void {
  scheduled = false
  const run = queue
  queue = []
  for (const task of run) {
    try {
      task()
    } catch (error) {
      // A throwing callback must not swallow the ones after it; its error still surfaces.
      queueMicrotask(() => {
        throw error
      })
    }
  }
}

export function later(task: () => void): void {
  queue.push(task)
  if (!scheduled) {
    scheduled = true
    queueMicrotask(flush)
  }
}
