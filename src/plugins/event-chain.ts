/**
 * Gun's event emitter (`Gun.on`, a plugin context's `ctx.on`), as stock plugins use it:
 * `on(tag, handler)` appends a handler to the tag's chain and returns it (its `off()`
 * unregisters it); `on(tag, value)` runs the chain's first handler with the value. A handler
 * runs with `this` = its place in the chain and passes the value on with `this.to.next(value)`;
 * one that does not call it ends the value's trip there (a filter drops it). After the last
 * handler, the tag's end runs (Trellis's own step: `in` reaches validation this way).
 */

/** A place in a chain: `next(value)` runs it with the value. */
export interface ChainStep {
  /** Run this step with the value (a handler, or Trellis's step after the last one). */
  next(value: unknown): void
}

/** A handler as plugins write it: `this` is its place in the chain. */
export type ChainHandler = (this: ChainListener, value: unknown) => void

/** A registered handler: `to` is what follows it, `off()` takes it out of the chain. */
export interface ChainListener extends ChainStep {
  /** The next step: call `this.to.next(value)` to pass the value on. */
  readonly to: ChainStep
  /** Take this handler out; a value already on its way through it still passes on. */
  off(): void
  /** The third argument of `on(tag, handler, as)`, as stock passes it along. */
  readonly as: unknown
}

/** `on` as stock calls it: register a handler (a function), or run the chain with a value (anything else). */
export interface EventChains {
  (tag: string, handler: ChainHandler, as?: unknown): ChainListener
  (tag: string, value?: unknown): void
}

/** The emitter, and what Trellis needs to know of it. */
export interface Events {
  readonly on: EventChains
  /** True when `tag` has at least one handler. */
  has(tag: string): boolean
  /** Trellis's step after the last handler of `tag`. */
  setEnd(tag: string, end: (value: unknown) => void): void
}

/** One tag's chain: a head whose `to` is the first handler, handlers linked both ways, then the end. */
class Chain {
  head: { to: ChainStep }
  last: Link | undefined = undefined
  end: ChainStep
  constructor(
    private readonly changed: ((tag: string) => void) | undefined,
    readonly tag: string,
  ) {
    this.end = { next: () => {} }
    this.head = { to: this.end }
  }
  notify(): void {
    this.changed?.(this.tag)
  }
}

class Link implements ChainListener {
  to: ChainStep
  back: Link | undefined = undefined
  private fn: ChainHandler | undefined

  constructor(
    fn: ChainHandler,
    private readonly chain: Chain,
    readonly as: unknown,
  ) {
    this.fn = fn
    this.to = chain.end
  }

  next(value: unknown): void {
    const fn = this.fn
    // Taken out while a value was on its way: it passes through.
    if (fn === undefined) return this.to.next(value)
    fn.call(this, value)
  }

  off(): void {
    if (this.fn === undefined) return
    this.fn = undefined
    const chain = this.chain
    const before = this.back
    if (before === undefined) chain.head.to = this.to
    else before.to = this.to
    if (this.to instanceof Link) this.to.back = before
    if (chain.last === this) chain.last = before
    chain.notify()
  }
}

/** A new emitter; `changed(tag)` hears every handler added or taken out. */
export function createEvents(changed?: (tag: string) => void): Events {
  const chains = new Map<string, Chain>()
  const chainOf = (tag: string) => {
    let chain = chains.get(tag)
    if (chain === undefined) chains.set(tag, (chain = new Chain(changed, tag)))
    return chain
  }
  function on(tag: string, handler: ChainHandler, as?: unknown): ChainListener
  function on(tag: string, value?: unknown): void
  function on(tag: string, arg?: unknown, as?: unknown): ChainListener | undefined {
    if (typeof tag !== 'string') throw new TypeError(`on(tag, handler): the tag must be a string, not ${typeof tag}`)
    if (typeof arg === 'function') {
      const chain = chainOf(tag)
      const link = new Link(arg as ChainHandler, chain, as)
      const last = chain.last
      if (last === undefined) chain.head.to = link
      else last.to = link
      link.back = last
      chain.last = link
      chain.notify()
      return link
    }
    const chain = chains.get(tag)
    if (chain !== undefined) chain.head.to.next(arg)
    return undefined
  }
  return {
    on,
    has: (tag) => {
      const chain = chains.get(tag)
      return chain !== undefined && chain.last !== undefined
    },
    setEnd(tag, end) {
      const chain = chainOf(tag)
      chain.end.next = end
    },
  }
}
