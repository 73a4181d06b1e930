import { Chain } from '../core/chain/chain.js'
import type { ChainPath } from '../core/chain/path.js'
import { TrellisError } from '../core/errors.js'

/**
 * The runtime chain behind a typed one (`TypedChain<T>` is a typed view of the same object), checked,
 * so that a hook handed something else fails with a message instead of deep inside a listener.
 */
export function runtimeChain(chain: unknown, hook: string): Chain {
  if (chain instanceof Chain) return chain
  throw new TrellisError('INVALID_DATA', `${hook}() needs a chain from trellis, such as db.get('todos'); got ${describe(chain)}`)
}

function describe(value: unknown): string {
  if (value === null || typeof value !== 'object') return String(value)
  return value.constructor?.name ?? 'an object'
}

/**
 * A stable identity for the place a chain names: apps build a new chain object on every render
 * (`db.get('todos')`), so hooks key their subscription on the path instead of the object.
 */
export function pathKey(chain: ChainPath): string {
  const parts: string[] = []
  for (let at: ChainPath | undefined = chain; at !== undefined; at = at.parent) {
    const step = at.step
    if (step.kind === 'soul') parts.push(`#${step.soul}`)
    else if (step.kind === 'key') parts.push(`.${step.key}`)
    else if (step.kind === 'lex') parts.push(`?${step.text}%${step.budget ?? ''}`)
    else if (step.kind === 'map') parts.push(step.snapshot === true ? '*once' : '*')
  }
  // JSON keeps the parts apart whatever characters the keys hold.
  return JSON.stringify(parts.reverse())
}

/**
 * The same place as `chain`, as a chain object of its own: `off()` on it stops only the listeners
 * a hook started, never the app's own listeners on the chain it passed in.
 */
export function ownChain(chain: Chain): Chain {
  return new Chain(chain.root, chain.parent, chain.step)
}
