// Where the script-tag build's bytes go: every minified byte of dist/browser/gun.js attributed, through
// gun.js.map, to the source it came from, summed per file and per folder.
//
//   npm run build:browser && node scripts/measure/bundle-bytes.mjs [--files N]
//
// A byte belongs to the mapping segment that starts at or before it on its line (bytes before a line's
// first segment, and lines without one, count as "(unmapped)": the IIFE wrapper, bundler helpers).
// Raw minified bytes, not gzip: gzip depends on neighbours, so a per-file gzip figure would be a guess.
import { readFileSync } from 'node:fs'
import { join } from 'node:path'

const ROOT = join(import.meta.dirname, '../..')
const code = readFileSync(join(ROOT, 'dist/browser/gun.js'), 'utf8')
const map = JSON.parse(readFileSync(join(ROOT, 'dist/browser/gun.js.map'), 'utf8'))
const fileArg = process.argv.indexOf('--files')
const topFiles = fileArg === -1 ? 25 : Number(process.argv[fileArg + 1])

const BASE64 = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/'
/** Decodes one segment's base64 VLQ fields (source map v3). */
function decodeSegment(text) {
  const fields = []
  let value = 0
  let shift = 0
  for (const char of text) {
    const digit = BASE64.indexOf(char)
    value += (digit & 31) << shift
    if (digit & 32) shift += 5
    else {
      fields.push(value & 1 ? -(value >>> 1) : value >>> 1)
      value = 0
      shift = 0
    }
  }
  return fields
}

const bytesBySource = new Map()
const add = (source, n) => bytesBySource.set(source, (bytesBySource.get(source) ?? 0) + n)
const lines = code.split('\n')
let sourceIndex = 0
map.mappings.split(';').forEach((lineMappings, lineNumber) => {
  const line = lines[lineNumber] ?? ''
  const lineBytes = Buffer.byteLength(line) + 1
  let column = 0
  const segments = []
  for (const text of lineMappings.split(',').filter(Boolean)) {
    const fields = decodeSegment(text)
    column += fields[0]
    if (fields.length > 1) sourceIndex += fields[1]
    segments.push({ column, source: fields.length > 1 ? map.sources[sourceIndex] : '(unmapped)' })
  }
  if (segments.length === 0) return add('(unmapped)', lineBytes)
  add('(unmapped)', Buffer.byteLength(line.slice(0, segments[0].column)))
  segments.forEach((segment, i) => {
    const end = i + 1 < segments.length ? segments[i + 1].column : line.length
    add(segment.source, Buffer.byteLength(line.slice(segment.column, end)) + (i + 1 === segments.length ? 1 : 0))
  })
})

const folderOf = (source) => {
  const path = source.replace(/^(\.\.\/)+/, '')
  if (path.includes('node_modules/')) return path.replace(/.*node_modules\/((@[^/]+\/)?[^/]+).*/, '$1')
  return path.split('/').slice(0, 2).join('/')
}
const total = [...bytesBySource.values()].reduce((a, b) => a + b, 0)
const byFolder = new Map()
for (const [source, n] of bytesBySource) byFolder.set(folderOf(source), (byFolder.get(folderOf(source)) ?? 0) + n)
const print = (title, entries) => {
  console.log(`\n${title}`)
  for (const [name, n] of entries) console.log(`${String(n).padStart(8)}  ${((100 * n) / total).toFixed(1).padStart(5)} %  ${name}`)
}
console.log(`dist/browser/gun.js: ${total} bytes`)
print(
  'by folder',
  [...byFolder].sort((a, b) => b[1] - a[1]),
)
print(
  `top ${topFiles} files`,
  [...bytesBySource]
    .sort((a, b) => b[1] - a[1])
    .slice(0, topFiles)
    .map(([s, n]) => [s.replace(/^(\.\.\/)+/, ''), n]),
)
