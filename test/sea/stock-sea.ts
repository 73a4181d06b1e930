import { createRequire } from 'node:module'

/** Stock Gun's SEA, from the `gun` package (the interop reference). */
export interface StockSeaModule {
  pair(): Promise<{ pub: string; priv: string; epub: string; epriv: string }>
  sign(data: unknown, pair: unknown, cb?: null, opt?: unknown): Promise<unknown>
  verify(data: unknown, pair: unknown): Promise<unknown>
  encrypt(data: unknown, key: unknown): Promise<unknown>
  decrypt(data: unknown, key: unknown): Promise<unknown>
  secret(key: unknown, pair: unknown): Promise<string>
  work(data: unknown, salt: unknown, cb?: null, opt?: unknown): Promise<string>
  certify(who: unknown, policy: unknown, authority: unknown, cb?: null, opt?: unknown): Promise<unknown>
}

const require = createRequire(import.meta.url)

/** Load stock SEA with its console chatter (welcome line, certify's warning, failed verifies) silenced. */
export function loadStockSea(): StockSeaModule {
  const log = console.log
  console.log = () => {}
  try {
    require('gun')
    return require('gun/sea') as StockSeaModule
  } finally {
    console.log = log
  }
}

/** Run a stock SEA call with console.log silenced (it logs every failure). */
export async function quietly<T>(run: () => Promise<T>): Promise<T> {
  const log = console.log
  console.log = () => {}
  try {
    return await run()
  } finally {
    console.log = log
  }
}
