import { readFileSync } from 'node:fs'
import { createServer } from 'node:net'

/**
 * A free port on 127.0.0.1 below the kernel's ephemeral range. A relay is
 * killed and started again on its port; a port from the ephemeral range
 * (what `listen(0)` and outgoing connections get) may meanwhile be handed to
 * a proxy, a client socket or another test, and the restart then fails with
 * EADDRINUSE. Ports below the range are never handed out by the kernel.
 */
export async function stablePort(): Promise<number> {
  const low = ephemeralLow()
  const from = Math.max(1024, low - 16_000)
  for (let attempt = 0; attempt < 50; attempt++) {
    const port = from + Math.floor(Math.random() * (low - from))
    if (await canListen(port)) return port
  }
  throw new Error(`no free port found in ${from}..${low - 1}`)
}

function ephemeralLow(): number {
  try {
    const [low] = readFileSync('/proc/sys/net/ipv4/ip_local_port_range', 'utf8').trim().split(/\s+/).map(Number)
    if (Number.isInteger(low) && low > 2048) return low
  } catch {
    // reason: not Linux; fall through to the IANA dynamic range's start.
  }
  return 49152
}

function canListen(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const server = createServer()
    server.once('error', () => resolve(false))
    server.listen(port, '127.0.0.1', () => server.close(() => resolve(true)))
  })
}
