import { mkdtempSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { build, createLogger } from 'vite'
import { bounded, REPO } from './bundler-app.js'

/**
 * Build `examples/<app>` with its own Vite config (as `npm run examples` does) into
 * a temp directory (not `examples/<app>/dist`, which a parallel `npm run examples` may be writing), bounded in time.
 * Returns that directory and the warnings Vite printed.
 */
export async function buildExample(app: 'chat' | 'todo'): Promise<{ dist: string; warnings: string[] }> {
  const dir = join(REPO, 'examples', app)
  const warnings: string[] = []
  const logger = createLogger('warn', { allowClearScreen: false })
  logger.warn = (message) => warnings.push(message)
  logger.warnOnce = (message) => warnings.push(message)
  logger.info = () => {}
  const dist = mkdtempSync(join(tmpdir(), `trellis-example-${app}-`))
  // vitest sets NODE_ENV=test, which would make Vite build React's development code (and JSX): build as `npm run examples` does.
  const nodeEnv = process.env.NODE_ENV
  process.env.NODE_ENV = 'production'
  try {
    await bounded(
      build({ configFile: join(dir, 'vite.config.ts'), customLogger: logger, logLevel: 'warn', build: { outDir: dist } }),
      `vite build examples/${app}`,
    )
  } finally {
    process.env.NODE_ENV = nodeEnv
  }
  return { dist, warnings }
}
