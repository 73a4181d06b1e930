/**
 * The browser's "back online" signal for the dialler's `wake`: the `online`
 * event on the global scope (windows and workers). Without it a dialler that
 * failed while offline would wait out its backoff (up to 30 s) after the
 * network returned. Where there is no such event (Node), it never fires.
 */
export function onBrowserOnline(listener: () => void): () => void {
  const scope = globalThis as {
    addEventListener?: (type: string, listener: () => void) => void
    removeEventListener?: (type: string, listener: () => void) => void
  }
  if (typeof scope.addEventListener !== 'function') return () => {}
  scope.addEventListener('online', listener)
  return () => scope.removeEventListener?.('online', listener)
}
