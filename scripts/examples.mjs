// `npm run examples`: build every app under examples/ with Vite, then run one relay serving them.
//
//   npm run examples                       (builds trellis first: the apps import it)
//   npm run examples -- --port 9000        (anything after -- goes to `trellis serve`)
//   node scripts/examples.mjs --no-build   (serve what was built last time)
//
// An app is a folder examples/<app>/ with a package.json, a vite.config.* or an index.html. Each is
// built with Vite's own build() into its dist/ (or the outDir its config names), with `base` set to
// /examples/<app>/, the URL it is served at. Then `trellis serve` runs with `--static
// <dist>:/examples/<app>` per app, data in ./data/examples (TRELLIS_EXAMPLES_DATA to change; '' keeps
// it in memory), and the URLs are printed. Ctrl-C stops the relay.
//
// TRELLIS_EXAMPLES_DIR points at another folder of apps (the tests use it).
import { spawn } from 'node:child_process'
import { existsSync, mkdirSync, readdirSync } from 'node:fs'
import { join, resolve } from 'node:path'

const ROOT = join(import.meta.dirname, '..')
const EXAMPLES = resolve(process.env.TRELLIS_EXAMPLES_DIR ?? join(ROOT, 'examples'))
const DATA = process.env.TRELLIS_EXAMPLES_DATA ?? join(ROOT, 'data', 'examples')
const CLI = join(ROOT, 'dist', 'cli', 'main.js')
const MARKERS = ['package.json', 'index.html', 'vite.config.js', 'vite.config.mjs', 'vite.config.ts', 'vite.config.mts']

const args = process.argv.slice(2)
const skipBuild = args.includes('--no-build')
const serveArgs = args.filter((arg) => arg !== '--no-build')

/** Folders under examples/ that look like an app, by name. */
function findApps() {
  if (!existsSync(EXAMPLES)) return []
  return readdirSync(EXAMPLES, { withFileTypes: true })
    .filter((entry) => entry.isDirectory() && !entry.name.startsWith('.') && entry.name !== 'node_modules')
    .filter((entry) => MARKERS.some((marker) => existsSync(join(EXAMPLES, entry.name, marker))))
    .map((entry) => entry.name)
    .sort()
}

/** Build one app; resolves with the folder Vite wrote (its config may move outDir). */
async function buildApp(name) {
  const { build } = await import('vite')
  const root = join(EXAMPLES, name)
  let outDir = join(root, 'dist')
  await build({
    root,
    base: `/examples/${name}/`,
    logLevel: 'warn',
    plugins: [
      {
        name: 'trellis-examples-out-dir',
        configResolved(config) {
          outDir = resolve(config.root, config.build.outDir)
        },
      },
    ],
  })
  return outDir
}

const apps = findApps()
const served = []
if (apps.length === 0) {
  console.log(`No example apps in ${EXAMPLES} yet (a folder with a package.json, vite.config.* or index.html); starting the relay alone.`)
}
for (const name of apps) {
  const dist = join(EXAMPLES, name, 'dist')
  if (skipBuild) {
    if (existsSync(dist)) served.push({ name, dist })
    else console.error(`examples/${name}: no dist/ (run without --no-build); skipped`)
    continue
  }
  const started = performance.now()
  try {
    served.push({ name, dist: await buildApp(name) })
    console.log(`examples/${name}: built in ${Math.round(performance.now() - started)} ms`)
  } catch (error) {
    // One broken app should not keep the others from being shown.
    console.error(`examples/${name}: build failed, skipped: ${error instanceof Error ? error.message : String(error)}`)
  }
}
if (apps.length > 0 && served.length === 0) {
  console.error('No example app could be built.')
  process.exit(1)
}

if (!existsSync(CLI)) {
  console.error(`${CLI} is missing: run \`npm run build\` first (npm run examples does).`)
  process.exit(1)
}
if (DATA !== '') mkdirSync(DATA, { recursive: true })
const relay = spawn(
  process.execPath,
  [
    CLI,
    'serve',
    ...(DATA === '' ? ['--memory'] : ['--data', DATA]),
    ...served.flatMap(({ name, dist }) => ['--static', `${dist}:/examples/${name}`]),
    ...serveArgs,
  ],
  { stdio: ['ignore', 'pipe', 'inherit'] },
)
let printed = false
relay.stdout.setEncoding('utf8')
relay.stdout.on('data', (text) => {
  process.stdout.write(text)
  const listening = /listening on (http:\/\/[^/\s]+)\/gun/.exec(text)
  if (printed || listening === null) return
  printed = true
  const base = listening[1]
  const lines = served.map(({ name }) => `  ${name.padEnd(12)} ${base}/examples/${name}/`)
  console.log(['', 'Examples:', ...(lines.length > 0 ? lines : ['  (none yet)']), `  relay        ${base}/gun  (admin UI at ${base}/)`, ''].join('\n'))
})
for (const signal of ['SIGINT', 'SIGTERM']) process.on(signal, () => relay.kill(signal))
relay.on('exit', (code, signal) => process.exit(code ?? (signal === null ? 0 : 1)))
