import { mkdtempSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { type BrowserContext, chromium } from 'playwright-core'

/** Debian's Chromium (installed by scripts/ensure-system-deps.sh), headless, in a fresh profile. */
export function launchChromium(options: { viewport?: { width: number; height: number }; args?: string[] } = {}): Promise<BrowserContext> {
  const { args = [], ...rest } = options
  return chromium.launchPersistentContext(mkdtempSync(join(tmpdir(), 'pw-udd-')), {
    executablePath: '/usr/bin/chromium',
    headless: true,
    args: [
      '--headless',
      '--no-sandbox',
      '--disable-gpu',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
      '--no-first-run',
      ...args,
    ],
    ...rest,
  })
}
