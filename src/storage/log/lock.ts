import { open, readFile, rm } from 'node:fs/promises'
import { join, resolve } from 'node:path'
import { TrellisError } from '../../core/errors.js'

export const LOCK_FILE = 'LOCK'
const openHere = new Set<string>()

/**
 * One writer per directory: a LOCK file holding the owner's pid. A lock left
 * by a dead process (a crash, SIGKILL) is taken over; a live owner refuses.
 */
export async function acquireLock(dir: string): Promise<() => Promise<void>> {
  const key = resolve(dir)
  if (openHere.has(key)) throw new TrellisError('STORAGE', `${dir} is already open in this process`, dir)
  const path = join(dir, LOCK_FILE)
  for (let attempt = 0; attempt < 2; attempt++) {
    try {
      const handle = await open(path, 'wx')
      await handle.writeFile(String(process.pid))
      await handle.close()
      openHere.add(key)
      return async () => {
        openHere.delete(key)
        await rm(path, { force: true })
      }
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error
      const owner = Number((await readFile(path, 'utf8').catch(() => '')).trim())
      if (Number.isInteger(owner) && owner > 0 && owner !== process.pid && isAlive(owner)) {
        throw new TrellisError('STORAGE', `${dir} is in use by process ${owner} (${path}); stop it first`, dir)
      }
      await rm(path, { force: true })
    }
  }
  throw new TrellisError('STORAGE', `Could not lock ${dir}`, dir)
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0)
    return true
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM'
  }
}
