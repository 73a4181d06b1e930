/**
 * The one way tests wait for something another process or the event loop
 * will make true: ask `check` again on each poll until it returns a value
 * other than `false`/`undefined`, and fail after `timeoutMs` naming what was
 * awaited. Tests never sleep a fixed time and then assert; they wait here.
 */
export async function waitUntil<T>(check: () => T | false | undefined | Promise<T | false | undefined>, what: string, timeoutMs = 10_000): Promise<T> {
  const start = Date.now()
  for (;;) {
    const value = await check()
    if (value !== false && value !== undefined) return value
    if (Date.now() - start > timeoutMs) throw new Error(`timed out after ${timeoutMs} ms waiting until ${what}`)
    await nextPoll()
  }
}

/** The pause between two polls: short, so a waiting test reacts within milliseconds of the event. */
function nextPoll(): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, 10))
}

/**
 * Wait until the wall clock reads a later millisecond than `after` (HAM states are milliseconds: a
 * write that must win needs a later one). Waits on the clock itself, not a fixed pause.
 */
export async function clockPasses(after = Date.now()): Promise<number> {
  return waitUntil(() => {
    const now = Date.now()
    return now > after ? now : false
  }, `the clock passes ${after}`)
}
