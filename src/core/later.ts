/**
 * Run callbacks after the current task, in order, with one microtask for a
 * whole burst: Node's queueMicrotask costs an async resource per call, and
 * a burst of puts or reads would pay it once per callback.
 */
let tasks: ((arg: never) => void)[] = []
let args: unknown[] = []
let scheduled = false

function flush(): void {
  scheduled = false
  const run = tasks
  const given = args
  tasks = []
  args = []
  for (let i = 0; i < run.length; i++) {
    try {
      ;(run[i] as (arg: unknown) => void)(given[i])
    } catch (error) {
      // A throwing callback must not swallow the ones after it; its error still surfaces.
      queueMicrotask(() => {
        throw error
      })
    }
  }
}

/** Call `task(arg)` later; passing the argument spares a closure per call on the hot paths. */
export function later<T>(task: (arg: T) => void, arg: T): void
export function later(task: () => void): void
export function later(task: (arg: never) => void, arg?: unknown): void {
  tasks.push(task)
  args.push(arg)
  if (!scheduled) {
    scheduled = true
    queueMicrotask(flush)
  }
}
