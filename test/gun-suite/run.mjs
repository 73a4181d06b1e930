// Gun's own chain test suite (node_modules/gun/test/common.js, mocha), run unedited against
// trellis/gun: `global.Gun` is the drop-in, so the suite uses it instead of stock Gun.
//
//   npm run build && node test/gun-suite/run.mjs [--grep PATTERN]
//
// Prints one line per test (pass/fail) and a summary; exits 0 (the count is the figure, see
// test/gun-suite/README.md for what is excluded and why).
import { createRequire } from 'node:module'
import { mkdtempSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'

const require = createRequire(import.meta.url)
// The suite writes data.json and radatatest into the working directory: give it a scratch one.
process.chdir(mkdtempSync(join(tmpdir(), 'gun-suite-')))
const { default: Gun } = await import('../../dist/gun.node.js')
globalThis.Gun = Gun
globalThis.expect = require('gun/test/expect.js')
const { Mocha } = require('mocha')
const grep = process.argv.includes('--grep') ? process.argv[process.argv.indexOf('--grep') + 1] : undefined
const mocha = new Mocha({ timeout: 2000, reporter: 'dot', grep })
mocha.addFile(require.resolve('gun/test/common.js'))
const started = Date.now()
const runner = mocha.run()
let passed = 0
let failed = 0
const failures = []
runner.on('pass', () => passed++)
runner.on('fail', (test, error) => {
  failed++
  failures.push(
    `${test.fullTitle()}: ${String(error?.message ?? error)
      .split('\n')[0]
      .slice(0, 160)}`,
  )
})
runner.on('end', () => {
  console.log(`\ngun suite against trellis/gun: ${passed} passed, ${failed} failed, ${Math.round((Date.now() - started) / 1000)} s`)
  if (process.argv.includes('--failures')) for (const line of failures) console.log(`  ✗ ${line}`)
  process.exit(0)
})
