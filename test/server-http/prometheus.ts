/** A strict-enough reader of the Prometheus text format (0.0.4): throws on any line it does not understand. */
export interface Sample {
  name: string
  labels: Record<string, string>
  value: number
}

const SAMPLE = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(\{(.*)\})?\s+(\S+)(\s+-?\d+)?$/
const LABEL = /([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"(,|$)/y

export function parsePrometheus(text: string): { samples: Sample[]; types: Map<string, string> } {
  const samples: Sample[] = []
  const types = new Map<string, string>()
  for (const line of text.split('\n')) {
    if (line === '') continue
    if (line.startsWith('# HELP ')) continue
    if (line.startsWith('# TYPE ')) {
      const [, , name, type] = line.split(' ')
      if (!['counter', 'gauge', 'histogram', 'summary', 'untyped'].includes(type)) throw new Error(`bad type line: ${line}`)
      types.set(name, type)
      continue
    }
    if (line.startsWith('#')) continue
    const m = SAMPLE.exec(line)
    if (m === null) throw new Error(`bad sample line: ${line}`)
    const labels: Record<string, string> = {}
    if (m[3] !== undefined && m[3] !== '') {
      LABEL.lastIndex = 0
      while (LABEL.lastIndex < m[3].length) {
        const l = LABEL.exec(m[3])
        if (l === null) throw new Error(`bad labels: ${line}`)
        labels[l[1]] = l[2]
      }
    }
    const value = m[4] === '+Inf' ? Infinity : m[4] === '-Inf' ? -Infinity : Number(m[4])
    // Prometheus parses floats like Go's ParseFloat: NaN in any case (prom-client writes `Nan` for an empty event-loop histogram).
    if (Number.isNaN(value) && m[4].toLowerCase() !== 'nan') throw new Error(`bad value: ${line}`)
    samples.push({ name: m[1], labels, value })
  }
  return { samples, types }
}

export function sampleValue(samples: Sample[], name: string, labels: Record<string, string> = {}): number {
  const hit = samples.find((s) => s.name === name && Object.entries(labels).every(([k, v]) => s.labels[k] === v))
  return hit?.value ?? NaN
}
