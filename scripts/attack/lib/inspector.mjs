// The relay runs with `--inspect=127.0.0.1:0` (loopback, a free port, printed on
// its stderr) so the harness can, after an attack, force a full garbage
// collection and read `process.memoryUsage()`: RSS then tells memory the relay
// still holds from memory it merely has not collected yet (garbage V8 keeps
// until its heap grows enough to bother, which can be hundreds of MB after an
// attack of large frames). Nothing else is done over it.
import WebSocket from 'ws'

/** The DevTools URL printed by `node --inspect` (first one seen in `output`). */
export function inspectorUrl(output) {
  return /Debugger listening on (ws:\/\/127\.0\.0\.1:\d+\/[0-9a-f-]+)/.exec(output)?.[1]
}

/** Run DevTools protocol calls on a fresh connection; resolves with their results in order. */
function inspect(url, calls, timeoutMs = 30_000) {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(url, { perMessageDeflate: false })
    const results = []
    const timer = setTimeout(() => (ws.terminate(), reject(new Error('inspector: no answer in time'))), timeoutMs)
    const next = () => {
      if (results.length === calls.length) {
        clearTimeout(timer)
        ws.close()
        return resolve(results)
      }
      const [method, params] = calls[results.length]
      ws.send(JSON.stringify({ id: results.length + 1, method, params }))
    }
    ws.on('message', (data) => {
      const msg = JSON.parse(data.toString())
      if (msg.id !== results.length + 1) return
      if (msg.error !== undefined) {
        clearTimeout(timer)
        ws.terminate()
        return reject(new Error(`inspector: ${msg.error.message}`))
      }
      results.push(msg.result)
      next()
    })
    ws.once('open', next)
    ws.once('error', (error) => (clearTimeout(timer), reject(error)))
  })
}

/** Two full collections, then the process's own memory figures (bytes). */
export async function collectAndMeasure(url) {
  const results = await inspect(url, [
    ['HeapProfiler.collectGarbage', {}],
    ['HeapProfiler.collectGarbage', {}],
    ['Runtime.evaluate', { expression: 'JSON.stringify(process.memoryUsage())', returnByValue: true }],
  ])
  return JSON.parse(results[2].result.value)
}

/** The process's own memory figures (bytes), without collecting anything first. */
export async function measure(url) {
  const [result] = await inspect(url, [['Runtime.evaluate', { expression: 'JSON.stringify(process.memoryUsage())', returnByValue: true }]])
  return JSON.parse(result.result.value)
}
