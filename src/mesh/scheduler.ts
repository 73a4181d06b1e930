/**
 * Run `fn` after the current macrotask: setImmediate in Node; in browsers a MessageChannel message,
 * since a 0 ms timer that keeps rescheduling itself is clamped to 4 ms after five turns (HTML's
 * timer nesting rule), which would make a big reply sliced into many steps crawl.
 */
export const nextTurn: (fn: () => void) => void =
  typeof globalThis.setImmediate === 'function'
    ? (fn) => {
        globalThis.setImmediate(fn)
      }
    : typeof MessageChannel === 'function'
      ? viaMessages()
      : (fn) => {
          setTimeout(fn, 0)
        }

function viaMessages(): (fn: () => void) => void {
  const channel = new MessageChannel()
  const queue: (() => void)[] = []
  // One message per call, answered in order: each runs as a task of its own.
  channel.port1.onmessage = () => queue.shift()?.()
  return (fn) => {
    queue.push(fn)
    channel.port2.postMessage(undefined)
  }
}
