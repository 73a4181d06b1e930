// Small HTTP helpers for attacks: timed GETs and the Prometheus text format.
import { get as httpGet } from 'node:http'
import { performance } from 'node:perf_hooks'

/** GET `url`, reading (and discarding) the body: status, bytes, ms, and the text when `keepBody`. */
export function timedGet(url, { keepBody = false, timeoutMs = 60_000 } = {}) {
  return new Promise((resolve) => {
    const start = performance.now()
    const chunks = []
    let bytes = 0
    const request = httpGet(url, { timeout: timeoutMs, agent: false }, (response) => {
      response.on('data', (chunk) => {
        bytes += chunk.length
        if (keepBody) chunks.push(chunk)
      })
      response.once('end', () =>
        resolve({ status: response.statusCode, bytes, ms: performance.now() - start, body: keepBody ? Buffer.concat(chunks).toString() : undefined }),
      )
      response.once('error', (error) => resolve({ status: 0, bytes, ms: performance.now() - start, error: error.message }))
    })
    request.once('timeout', () => request.destroy(new Error('timeout')))
    request.once('error', (error) => resolve({ status: 0, bytes, ms: performance.now() - start, error: error.message }))
  })
}

/** `/metrics` as a map from `name{labels}` (labels as printed) to value; empty when unavailable. */
export async function readMetrics(httpUrl) {
  const response = await timedGet(`${httpUrl}/metrics`, { keepBody: true, timeoutMs: 20_000 })
  const values = new Map()
  if (response.status !== 200) return values
  for (const line of response.body.split('\n')) {
    if (line === '' || line.startsWith('#')) continue
    const space = line.lastIndexOf(' ')
    values.set(line.slice(0, space), Number(line.slice(space + 1)))
  }
  return values
}

/** The first metric whose name and labels contain every given fragment. */
export function metricValue(metrics, ...fragments) {
  for (const [name, value] of metrics) if (fragments.every((f) => name.includes(f))) return value
  return undefined
}
