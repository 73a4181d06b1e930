// Entry of a measurement process: loads one scenario function and runs it
// against one implementation, then reports the result to the parent.
import { loadImpl } from './impls.js'

process.once('message', async (msg) => {
  if (msg?.type !== 'run') return
  const { module, fn, impl, params } = msg.task
  try {
    const scenario = await import(new URL(`../scenarios/${module}`, import.meta.url).href)
    const target = await loadImpl(impl)
    if (!target.available) throw new Error(`${impl} not available: ${target.reason}`)
    const result = await scenario[fn](target, params)
    process.send({ type: 'result', result }, () => process.exit(0))
  } catch (err) {
    const text = err instanceof Error ? (err.stack ?? err.message) : String(err)
    process.send({ type: 'error', error: text.split('\n').slice(0, 4).join(' / ') }, () => process.exit(1))
  }
})
