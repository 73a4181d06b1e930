// Temporary data directories and their size on disk.
import { mkdtempSync, readdirSync, rmSync, statSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'

export function tempDir(label) {
  return mkdtempSync(join(tmpdir(), `trellis-bench-${label}-`))
}

export function removeDir(dir) {
  rmSync(dir, { recursive: true, force: true })
}

/** Sum of the sizes of every file under `dir` (what the data takes, not block rounding). */
export function bytesUnder(dir) {
  let total = 0
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name)
    if (entry.isDirectory()) total += bytesUnder(path)
    else if (entry.isFile()) total += statSync(path).size
  }
  return total
}
