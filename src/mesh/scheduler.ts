/** Run `fn` after the current macrotask (setImmediate in Node, a 0 ms timer elsewhere). */
export const nextTurn: (fn: () => void) => void =
  typeof globalThis.setImmediate === 'function'
    ? (fn) => {
        globalThis.setImmediate(fn)
      }
    : (fn) => {
        setTimeout(fn, 0)
      }
