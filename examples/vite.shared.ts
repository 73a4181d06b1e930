// The Vite config both examples share. In this repository `trellis` is not installed in
// node_modules (it is the repository itself), so its entry points are aliased to the local build
// (dist/, made by `npm run build`), picking each export's browser file as a bundler would.
// An app outside the repository needs none of this: `npm install trellis react react-dom`.
import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import type { Alias, UserConfig } from 'vite'

const REPO = fileURLToPath(new URL('..', import.meta.url))

type Target = string | { browser?: string; default?: string }

/** `trellis`, `trellis/react`, … → the files in dist/ that a browser build of the installed package would use. */
function localTrellis(): Alias[] {
  const exports = JSON.parse(readFileSync(join(REPO, 'package.json'), 'utf8')).exports as Record<string, Target>
  return Object.entries(exports)
    .filter(([subpath]) => subpath !== './package.json')
    .map(([subpath, target]) => {
      const file = typeof target === 'string' ? target : (target.browser ?? target.default ?? '')
      const name = subpath === '.' ? 'trellis' : `trellis/${subpath.slice(2)}`
      return { find: new RegExp(`^${name.replace('/', '\\/')}$`), replacement: join(REPO, file) }
    })
}

/** The config of the example in `dir`: built to `dir/dist` with relative asset paths, so it can be served under any path (`/examples/<app>/`). */
export function exampleConfig(dir: string): UserConfig {
  return {
    root: dir,
    base: './',
    // The React 19 JSX runtime, without a plugin: these examples need no fast refresh.
    oxc: { jsx: { runtime: 'automatic' } },
    resolve: { alias: localTrellis(), dedupe: ['react', 'react-dom'] },
    build: { outDir: join(dir, 'dist'), emptyOutDir: true, reportCompressedSize: false },
  }
}
