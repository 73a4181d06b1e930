import { createBatcher, type Batcher } from './batcher.js'
import type { Link } from './link.js'
import { TokenBucket } from './rate.js'

/** How a connection came to be, and what it is for. */
export interface PeerInfo {
  /** We dialled it (a relay URL from `peers`); false for sockets we accepted. */
  outgoing: boolean
  url?: string
  /**
   * A relay we exchange data with beyond subscriptions: gets are forwarded to it. Only dialled links
   * are relays by configuration; an accepted link becomes one by proof (docs/mesh.md, Peer roles).
   */
  relay?: boolean
}

export interface PeerLimits {
  packChars: number
  maxQueueChars: number
  getsPerSecond: number
  getBurst: number
  putsPerSecond: number
  putBurst: number
  maxSubscriptions: number
  /** Characters of souls remembered per peer as already asked; past it the set starts afresh. */
  maxAskedBytesPerPeer: number
}

/**
 * Souls a relay already asked one relay peer for (so a subscription is forwarded upstream once). A
 * Set's surface, bounded in bytes (the souls' characters; clients choose them, up to `maxSoulChars`
 * each): past `maxBytes` it starts afresh, as it does past its count bound — forgetting only costs
 * a repeated upstream GET.
 */
export class AskedSouls {
  private readonly souls = new Set<string>()
  private chars = 0

  constructor(private readonly maxBytes: number) {}

  add(soul: string): this {
    if (this.souls.has(soul)) return this
    if (this.chars + soul.length > this.maxBytes) this.clear()
    this.souls.add(soul)
    this.chars += soul.length
    return this
  }

  has(soul: string): boolean {
    return this.souls.has(soul)
  }

  clear(): void {
    this.souls.clear()
    this.chars = 0
  }

  get size(): number {
    return this.souls.size
  }

  get bytes(): number {
    return this.chars
  }
}

/**
 * One connected peer. A class because there is one per connection on the
 * hot path (stable shape); the mesh owns it, transports only see `Link`.
 */
export class Peer {
  readonly id: string
  readonly link: Link
  readonly outgoing: boolean
  url: string | undefined
  /** The role: a relay peer (GETs forwarded to it, every change pushed to it), or a client. */
  relay: boolean
  /** The other side's process id, from the `?` handshake. */
  pid: string | undefined = undefined
  /**
   * The relay that dialled this link keeps one link per pair of relays (`"oneLink":true` in its `?`
   * answer): it stands by when we close this link as a duplicate, instead of redialling in a loop.
   */
  keepsOneLink = false
  /** Souls this peer asked for: changes to them are pushed to it. */
  readonly subscriptions = new Set<string>()
  /** Keys held for it in the subscription table (it counts against the same per-peer bound as souls). */
  subscribedKeys = 0
  /** Characters of the souls and keys held for it in the subscription table. */
  subscribedBytes = 0
  /**
   * Accepted links only: the other side answered our greeting with `"relay":true`. A claim, not a
   * role: `relay` becomes true only once the claim is proven (docs/mesh.md, Peer roles).
   */
  claimsRelay = false
  /** The nonce of the `?` greeting on this link: ours on an accepted link, the other side's on a dialled one. */
  greetNonce: string | undefined = undefined
  /** Accepted links: the pid of a relay we dialled that vouched for this link (sent us its greeting nonce). */
  vouchedBy: string | undefined = undefined
  /** Accepted links: the greeting nonce we last vouched with on this link (sent once per nonce). */
  vouchSent: string | undefined = undefined
  /** Souls we already asked this peer for, so a relay forwards a subscription upstream once. */
  readonly asked: AskedSouls
  readonly gets: TokenBucket
  readonly puts: TokenBucket
  readonly batcher: Batcher
  closed = false
  /** Last time a frame arrived (dead-peer detection). */
  heardAt = Date.now()
  framesOut = 0
  framesIn = 0
  /** Signature checks its puts have waiting (put-handler.ts); past `maxPeerChecksWaiting` its frames wait (fair.ts). */
  checksWaiting = 0

  constructor(id: string, link: Link, info: PeerInfo, limits: PeerLimits, onOverflow: (peer: Peer) => void) {
    this.id = id
    this.link = link
    this.outgoing = info.outgoing
    this.url = info.url
    this.relay = info.relay ?? false
    this.asked = new AskedSouls(limits.maxAskedBytesPerPeer)
    this.gets = new TokenBucket(limits.getsPerSecond, limits.getBurst)
    this.puts = new TokenBucket(limits.putsPerSecond, limits.putBurst)
    const maxQueue = limits.maxQueueChars
    this.batcher = createBatcher((frame) => {
      if (this.closed) return
      if (link.bufferedAmount() + frame.length > maxQueue) {
        onOverflow(this)
        return
      }
      this.framesOut++
      link.send(frame)
    }, limits.packChars)
  }

  /** The name other peers know this one by in `><` hints. */
  get name(): string {
    return this.url ?? this.pid ?? this.id
  }

  send(text: string): void {
    if (!this.closed) this.batcher.push(text)
  }
}
