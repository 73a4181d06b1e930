/**
 * The in-memory index: soul → the locations of its entries on disk.
 *
 * A soul's node is the HAM merge of all its entries ("fragments"), so a soul
 * maps to a chain of fragment locations. Chains live in a pool of typed
 * arrays (segment id, offset, length, next slot, stamp), and the Map holds
 * only the head slot number — a small integer, no object per soul — which
 * keeps millions of souls affordable. A class: it is the hot data shape.
 */
export class SoulIndex {
  readonly heads = new Map<string, number>()
  seg = new Uint32Array(1024)
  off = new Uint32Array(1024)
  len = new Uint32Array(1024)
  next = new Int32Array(1024)
  /** Changes whenever a slot is (re)allocated, so a reader can tell a reused slot from the one it saw. */
  stamp = new Float64Array(1024)
  private used = 0
  private free = -1
  private stampCounter = 0
  /** Number of fragments referenced. */
  fragments = 0
  /** Bytes of all referenced fragments. */
  fragmentBytes = 0
  /** Bytes of fragments beyond the oldest one of each soul: the part compaction can reclaim. */
  extraBytes = 0

  get souls(): number {
    return this.heads.size
  }

  private alloc(seg: number, off: number, len: number, next: number): number {
    let slot = this.free
    if (slot !== -1) this.free = this.next[slot]
    else {
      if (this.used === this.seg.length) this.grow()
      slot = this.used++
    }
    this.seg[slot] = seg
    this.off[slot] = off
    this.len[slot] = len
    this.next[slot] = next
    this.stamp[slot] = ++this.stampCounter
    this.fragments++
    this.fragmentBytes += len
    return slot
  }

  private release(slot: number): void {
    this.fragments--
    this.fragmentBytes -= this.len[slot]
    this.next[slot] = this.free
    this.free = slot
  }

  private grow(): void {
    const size = this.seg.length * 2
    const grow32 = (a: Uint32Array) => {
      const b = new Uint32Array(size)
      b.set(a)
      return b
    }
    this.seg = grow32(this.seg)
    this.off = grow32(this.off)
    this.len = grow32(this.len)
    const next = new Int32Array(size)
    next.set(this.next)
    this.next = next
    const stamp = new Float64Array(size)
    stamp.set(this.stamp)
    this.stamp = stamp
  }

  /** Record a new fragment for soul; returns true when the soul is new. */
  add(soul: string, seg: number, off: number, len: number): boolean {
    const head = this.heads.get(soul)
    if (head === undefined) {
      this.heads.set(soul, this.alloc(seg, off, len, -1))
      return true
    }
    this.extraBytes += len
    this.heads.set(soul, this.alloc(seg, off, len, head))
    return false
  }

  /** Make room for `slots` more fragments at once (hint load), instead of doubling repeatedly. */
  reserve(slots: number): void {
    while (this.seg.length < this.used + slots) this.grow()
  }

  /**
   * Add a soul the index does not hold yet with its whole chain, oldest
   * first (hint load): one Map write per soul, the cheapest way in.
   */
  addChain(soul: string, segs: number[], offs: number[], lens: number[], count: number): void {
    let head = -1
    for (let i = 0; i < count; i++) {
      head = this.alloc(segs[i], offs[i], lens[i], head)
      if (i > 0) this.extraBytes += lens[i]
    }
    this.heads.set(soul, head)
  }

  head(soul: string): number | undefined {
    return this.heads.get(soul)
  }

  /** Slots of soul's chain, newest first. */
  chain(soul: string): number[] {
    const out: number[] = []
    for (let slot = this.heads.get(soul) ?? -1; slot !== -1; slot = this.next[slot]) out.push(slot)
    return out
  }

  /**
   * Replace every fragment of soul whose segment satisfies `dropped` by the
   * given new fragments (compaction's swap). Fragments in other segments,
   * e.g. ones written while compaction ran, are kept.
   */
  replace(soul: string, dropped: (seg: number) => boolean, added: ReadonlyArray<readonly [number, number, number]>): void {
    const kept: number[] = []
    for (let slot = this.heads.get(soul) ?? -1; slot !== -1; ) {
      const next = this.next[slot]
      if (dropped(this.seg[slot])) this.release(slot)
      else kept.push(slot)
      slot = next
    }
    // Rebuild oldest-first: the compacted fragments first, then survivors in their original order.
    let head = -1
    for (const [seg, off, len] of added) head = this.alloc(seg, off, len, head)
    for (let i = kept.length - 1; i >= 0; i--) {
      this.next[kept[i]] = head
      head = kept[i]
    }
    if (head === -1) this.heads.delete(soul)
    else this.heads.set(soul, head)
  }

  /** Recount extraBytes after a bulk change (compaction, hint load). */
  recount(): void {
    let oldest = 0
    for (const head of this.heads.values()) {
      let slot = head
      while (this.next[slot] !== -1) slot = this.next[slot]
      oldest += this.len[slot]
    }
    this.extraBytes = this.fragmentBytes - oldest
  }
}
