/** What `useSyncExternalStore` needs: subscribe (returning the unsubscribe) and a snapshot that stays the same object while nothing changed. */
export interface ExternalStore<S> {
  subscribe(onChange: () => void): () => void
  getSnapshot(): S
}

/**
 * A store whose source is started by the first subscriber and stopped by the last: a component
 * that never mounts (a render React threw away) never leaves a listener behind. `start` gets the
 * function to call on change and returns how to stop.
 */
export function createLazyStore<S>(getSnapshot: () => S, start: (changed: () => void) => () => void): ExternalStore<S> {
  const listeners = new Set<() => void>()
  let stop: (() => void) | undefined
  const changed = () => {
    for (const listener of [...listeners]) listener()
  }
  return {
    getSnapshot,
    subscribe(onChange) {
      listeners.add(onChange)
      if (listeners.size === 1) stop = start(changed)
      return () => {
        listeners.delete(onChange)
        if (listeners.size === 0) {
          stop?.()
          stop = undefined
        }
      }
    },
  }
}

/**
 * Ask `check` every `ms` while anyone listens: for state the database has no event for (a login
 * made directly on `db.user()`). `check` returns true when something changed.
 */
export function pollWhileSubscribed(check: () => boolean, ms: number): (changed: () => void) => () => void {
  return (changed) => {
    const timer = setInterval(() => {
      if (check()) changed()
    }, ms)
    return () => clearInterval(timer)
  }
}
