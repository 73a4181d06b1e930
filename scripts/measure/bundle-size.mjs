// Size of the script-tag build against stock Gun's, as a page downloads them.
//
//   npm run build && node scripts/measure/bundle-size.mjs
//
// Trellis: dist/browser/gun.js (Gun + SEA in one minified file, from `npm run build:browser`).
// Stock 0.2020.1241 from node_modules/gun: gun.js + sea.js as a page loads them from a stock relay,
// and gun.min.js + sea.js (the package ships no minified sea.js). Raw bytes, and gzip as
// node:zlib's defaults compress (level 6, what most servers send), and brotli (quality 11).
import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { brotliCompressSync, gzipSync } from 'node:zlib'

const ROOT = join(import.meta.dirname, '../..')
const GUN = join(ROOT, 'node_modules/gun')

const rows = [
  ['trellis dist/browser/gun.js (Gun + SEA)', [join(ROOT, 'dist/browser/gun.js')]],
  ['stock gun.js + sea.js', [join(GUN, 'gun.js'), join(GUN, 'sea.js')]],
  ['stock gun.min.js + sea.js', [join(GUN, 'gun.min.js'), join(GUN, 'sea.js')]],
]

const sizes = rows.map(([name, files]) => {
  const each = files.map((file) => readFileSync(file))
  const sum = (f) => each.reduce((total, bytes) => total + f(bytes), 0)
  return { name, raw: sum((b) => b.length), gzip: sum((b) => gzipSync(b).length), brotli: sum((b) => brotliCompressSync(b).length) }
})
const kb = (n) => `${(n / 1024).toFixed(1)} KiB`.padStart(10)
console.log(`${'file'.padEnd(42)}${'raw'.padStart(10)}${'gzip'.padStart(10)}${'brotli'.padStart(10)}   (bytes: raw / gzip / brotli)`)
for (const { name, raw, gzip, brotli } of sizes) console.log(`${name.padEnd(42)}${kb(raw)}${kb(gzip)}${kb(brotli)}   ${raw} / ${gzip} / ${brotli}`)
const [ours, stock] = sizes
console.log(`trellis / stock gun.js + sea.js: raw ${(ours.raw / stock.raw).toFixed(2)}, gzip ${(ours.gzip / stock.gzip).toFixed(2)}`)
