// The script-tag build: dist/browser/gun.js (minified IIFE, with gun.js.map) defining the global `Gun`,
// with `Gun.SEA`, as stock's gun.js + sea.js do. A relay serves it at /gun.js (docs/server.md).
//
//   node scripts/build/browser.mjs        (part of `npm run build`; alone: `npm run build:browser`)
//
// Bundled from src/ (source map with the TypeScript sources) by Vite's library mode, resolving as a
// browser does. Any bundler warning fails the build: a warning here is a Node module or a cycle that
// would also trouble an app's own bundler.
import { join } from 'node:path'
import { build } from 'vite'

const ROOT = join(import.meta.dirname, '../..')
const warnings = []

await build({
  configFile: false,
  root: ROOT,
  logLevel: 'warn',
  publicDir: false,
  build: {
    outDir: 'dist/browser',
    emptyOutDir: true,
    sourcemap: true,
    minify: true,
    reportCompressedSize: false,
    lib: { entry: join(ROOT, 'src/gun.script.ts'), name: 'Gun', formats: ['iife'], fileName: () => 'gun.js' },
    rolldownOptions: {
      onwarn(warning) {
        warnings.push(warning.message)
      },
    },
  },
})
if (warnings.length > 0) {
  console.error(`browser build: ${warnings.length} warning(s), none are allowed:\n${warnings.join('\n')}`)
  process.exit(1)
}
