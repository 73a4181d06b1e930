import { connect, createServer, type Server, type Socket } from 'node:net'

/**
 * A TCP proxy for one directed link (127.0.0.1 only) that a test can cut and
 * heal: `cut()` destroys every connection through it and refuses new ones
 * (accepted, then destroyed at once, as a dead route looks to a dialler);
 * `heal()` lets new connections through again.
 */
export interface LinkProxy {
  readonly name: string
  readonly port: number
  readonly isCut: boolean
  /** Connections made through the proxy so far. */
  readonly connections: number
  cut(): void
  heal(): void
  close(): Promise<void>
}

export async function startProxy(name: string, targetPort: number): Promise<LinkProxy> {
  const live = new Set<Socket>()
  let isCut = false
  let connections = 0
  const server: Server = createServer({ noDelay: true }, (inbound) => {
    if (isCut) {
      inbound.destroy()
      return
    }
    connections++
    const outbound = connect({ port: targetPort, host: '127.0.0.1', noDelay: true })
    live.add(inbound)
    live.add(outbound)
    const drop = () => {
      live.delete(inbound)
      live.delete(outbound)
      inbound.destroy()
      outbound.destroy()
    }
    inbound.on('error', drop)
    outbound.on('error', drop)
    inbound.on('close', drop)
    outbound.on('close', drop)
    inbound.pipe(outbound)
    outbound.pipe(inbound)
  })
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject)
    server.listen(0, '127.0.0.1', () => resolve())
  })
  const port = (server.address() as { port: number }).port
  return {
    name,
    port,
    get isCut() {
      return isCut
    },
    get connections() {
      return connections
    },
    cut() {
      isCut = true
      for (const socket of [...live]) socket.destroy()
      live.clear()
    },
    heal() {
      isCut = false
    },
    close() {
      isCut = true
      for (const socket of [...live]) socket.destroy()
      live.clear()
      return new Promise<void>((resolve) => server.close(() => resolve()))
    },
  }
}
