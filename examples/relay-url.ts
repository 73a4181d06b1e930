/**
 * Where the examples find their relay: `?relay=ws://host:port/gun` when given (tests, or a relay
 * elsewhere), else the relay that serves the page (`trellis serve` mounts the examples at
 * `/examples/<app>/` and its WebSocket at `/gun`).
 */
export function relayUrl(): string {
  return new URLSearchParams(location.search).get('relay') ?? `${location.origin}/gun`
}
