import type { GraphNode } from '../core/node.js'
import { toWireGraph } from '../core/wire.js'
import type { SlicedTask, WorkCost } from './fair.js'
import { graphHash, isArrayIndex, sortedJson, stringHash } from './hash.js'

/** Elements sorted, merged or written per step: each step stays well under a millisecond. */
const STEP = 2048

/**
 * `graphHash(toWireGraph([node]))` — Gun's `##` of a whole node — computed
 * a step at a time: collect the keys, sort them in Gun's order (array-index
 * keys by number, then the rest by code unit) with a bottom-up merge sort
 * that can stop after any step, then hash the sorted JSON text piece by
 * piece (the hash is a running `h * 31 + c`). For a 100 000-key node the
 * one-shot version holds the event loop for ~150 ms; this one yields every
 * step. A node whose key set includes `_` (which the wire form would lose)
 * is hashed in one go.
 */
export class NodeHashTask implements SlicedTask {
  private phase = 0
  private at = 0
  private runAt = 0
  private readonly count: number
  private indices: string[] = []
  private names: string[] = []
  private hash = 0
  private first = true
  /** Merge state: the list being sorted, its copy, the run width, and where the pass is. */
  private sorting:
    | { list: string[]; other: string[]; width: number; lo: number; i: number; j: number; k: number; less: (a: string, b: string) => boolean }
    | undefined
  /** Names up to here sort before `_`. */
  private split = 0
  private soulJson: string

  constructor(
    private readonly node: GraphNode,
    private readonly done: (hash: number) => void,
  ) {
    this.count = node.size
    this.soulJson = JSON.stringify(node.soul)
  }

  step(cost: WorkCost): boolean {
    switch (this.phase) {
      case 0:
        return this.collect(cost)
      case 1:
        return this.sort(this.indices, byNumber, 2)
      case 2:
        return this.sort(this.names, byCodeUnit, 3)
      case 3:
        this.begin()
        return false
      default:
        return this.write(cost)
    }
  }

  private finish(hash: number): true {
    this.done(hash)
    return true
  }

  private collect(cost: WorkCost): boolean {
    const node = this.node
    if (node.soul === '__proto__') return this.finish(graphHash(toWireGraph([node])))
    const to = Math.min(this.count, this.at + STEP)
    for (let i = this.at; i < to; i++) {
      const key = node.keys[i]
      if (key === '__proto__') continue
      if (key === '_') return this.finish(graphHash(toWireGraph([node])))
      if (isArrayIndex(key)) this.indices.push(key)
      else this.names.push(key)
    }
    cost.keys += to - this.at
    this.at = to
    if (to === this.count) this.phase = 1
    return false
  }

  /** One step of sorting `list`: a run of STEP sorted natively, or STEP elements of a merge pass. Moves to `next` when sorted. */
  private sort(list: string[], less: (a: string, b: string) => boolean, next: number): boolean {
    let s = this.sorting
    if (s === undefined) {
      if (this.runAt < list.length) {
        const to = Math.min(list.length, this.runAt + STEP)
        const run = list.slice(this.runAt, to).sort(less === byCodeUnit ? undefined : numeric)
        for (let i = 0; i < run.length; i++) list[this.runAt + i] = run[i]
        this.runAt = to
        return false
      }
      if (list.length <= STEP) return this.sorted(list, next)
      s = this.sorting = { list, other: new Array<string>(list.length), width: STEP, lo: 0, i: 0, j: 0, k: 0, less }
      this.startPair(s)
    }
    // Merge pairs of sorted runs of `width` from `list` into `other`.
    let budget = STEP
    while (budget > 0) {
      const n = s.list.length
      const mid = Math.min(s.lo + s.width, n)
      const hi = Math.min(s.lo + 2 * s.width, n)
      while (budget > 0 && s.k < hi) {
        if (s.i < mid && (s.j >= hi || !s.less(s.list[s.j], s.list[s.i]))) s.other[s.k++] = s.list[s.i++]
        else s.other[s.k++] = s.list[s.j++]
        budget--
      }
      if (s.k < hi) return false
      s.lo = hi
      if (s.lo >= n) {
        const swap = s.list
        s.list = s.other
        s.other = swap
        s.width *= 2
        s.lo = 0
        if (s.width >= n) {
          this.sorting = undefined
          return this.sorted(s.list, next)
        }
      }
      this.startPair(s)
    }
    return false
  }

  private startPair(s: NonNullable<NodeHashTask['sorting']>): void {
    s.i = s.lo
    s.j = Math.min(s.lo + s.width, s.list.length)
    s.k = s.lo
  }

  private sorted(list: string[], next: number): false {
    if (next === 2) this.indices = list
    else this.names = list
    this.phase = next
    this.runAt = 0
    return false
  }

  private begin(): void {
    // `_` sorts among the names: the ones before it are written first.
    let lo = 0
    let hi = this.names.length
    while (lo < hi) {
      const mid = (lo + hi) >>> 1
      if (this.names[mid] < '_') lo = mid + 1
      else hi = mid
    }
    this.split = lo
    this.hash = stringHash('{' + this.soulJson + ':{', 0)
    this.phase = 4
    this.at = 0
  }

  /**
   * Members in order: index keys, names before `_`, then `_` (its `#`, then its `>` with every
   * key's state in the same order), then the names after `_`. `at` walks this sequence.
   */
  private write(cost: WorkCost): boolean {
    const ni = this.indices.length
    const before = ni + this.split
    const all = ni + this.names.length
    const metaEnd = before + all
    const end = metaEnd + (this.names.length - this.split)
    const to = Math.min(end, this.at + STEP)
    let text = ''
    for (let p = this.at; p < to; p++) {
      if (p < before) text += this.member(p < ni ? this.indices[p] : this.names[p - ni])
      else if (p < metaEnd) {
        const q = p - before
        if (q === 0) {
          text += (this.first ? '' : ',') + '"_":{"#":' + this.soulJson + ',">":{'
          this.first = false
        }
        const key = q < ni ? this.indices[q] : this.names[q - ni]
        text += (q === 0 ? '' : ',') + JSON.stringify(key) + ':' + stateJson(this.node.states[this.node.indexOf(key)])
        if (q === all - 1) text += '}}'
      } else text += this.member(this.names[this.split + (p - metaEnd)])
    }
    if (all === 0 && this.at === 0) {
      // No keys: the meta alone.
      text += (this.first ? '' : ',') + '"_":{"#":' + this.soulJson + ',">":{}}'
      this.first = false
    }
    cost.chars += text.length
    this.hash = stringHash(text, this.hash)
    this.at = to
    if (to < end) return false
    return this.finish(stringHash('}}', this.hash))
  }

  private member(key: string): string {
    const value = this.node.values[this.node.indexOf(key)]
    const json = value !== null && typeof value === 'object' ? sortedJson({ '#': value['#'] }) : sortedJson(value)
    const text = (this.first ? '' : ',') + JSON.stringify(key) + ':' + json
    this.first = false
    return text
  }
}

function byCodeUnit(a: string, b: string): boolean {
  return a < b
}

function byNumber(a: string, b: string): boolean {
  return Number(a) < Number(b)
}

function numeric(a: string, b: string): number {
  return Number(a) - Number(b)
}

function stateJson(state: number): string {
  return Number.isFinite(state) ? String(state) : 'null'
}
