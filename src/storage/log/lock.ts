import { createConnection, createServer, type Server } from 'node:net'
import { link, readFile, rename, rm, stat, writeFile } from 'node:fs/promises'
import { join, resolve } from 'node:path'
import { TrellisError } from '../../core/errors.js'

const LOCK_FILE = 'LOCK'
const openHere = new Set<string>()

type LockMode = 'socket' | 'file'

export interface LockOptions {
  /**
   * 'socket' (the default on Linux): the lock is an abstract-namespace Unix
   * socket named after the directory's device and inode; binding it is
   * atomic and exclusive and the kernel frees it when the process dies.
   * 'file' (the default elsewhere): a pid file created atomically, with a
   * best-effort takeover of a dead owner's lock (see docs/storage.md).
   */
  mode?: LockMode
}

/**
 * One writer per directory. Returns the release function. A live owner
 * refuses with a STORAGE error naming its pid; a dead owner's lock is taken
 * over. The `LOCK` file always holds the owner's pid for humans; with the
 * socket lock it is informational only.
 */
export async function acquireLock(dir: string, options: LockOptions = {}): Promise<() => Promise<void>> {
  const key = resolve(dir)
  if (openHere.has(key)) throw new TrellisError('STORAGE', `${dir} is already open in this process`, dir)
  const mode = options.mode ?? (process.platform === 'linux' ? 'socket' : 'file')
  // Reserved before the first await, so two opens in this process cannot interleave.
  openHere.add(key)
  try {
    const release = mode === 'socket' ? await socketLock(dir) : await fileLock(dir)
    let released = false
    return async () => {
      if (released) return
      released = true
      try {
        await release()
      } finally {
        openHere.delete(key)
      }
    }
  } catch (error) {
    openHere.delete(key)
    throw error
  }
}

/** The abstract socket name for `dir`: the same directory (through any path, link or bind mount) gives the same name. */
async function lockName(dir: string): Promise<string> {
  const s = await stat(dir, { bigint: true })
  return `\0trellis-lock-${s.dev.toString(16)}-${s.ino.toString(16)}`
}

async function socketLock(dir: string): Promise<() => Promise<void>> {
  const name = await lockName(dir)
  const server = createServer((socket) => {
    // Whoever connects (a second opener) learns who holds the lock; nothing is read.
    socket.unref()
    socket.on('error', () => undefined)
    socket.end(`${process.pid}\n`)
  })
  try {
    await new Promise<void>((done, fail) => {
      server.once('error', fail)
      // exclusive: in a cluster worker, bind here rather than through the primary (which would share one bind between workers).
      server.listen({ path: name, exclusive: true }, () => {
        server.off('error', fail)
        done()
      })
    })
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'EADDRINUSE') throw error
    const owner = await askOwner(name)
    throw inUse(dir, owner ?? (await filePid(dir)))
  }
  // Must not keep the process alive: the store's close() releases it, and process death frees it anyway.
  server.unref()
  server.on('error', () => undefined)
  const path = join(dir, LOCK_FILE)
  try {
    // For humans (and tools that read it): replaced atomically, so a reader never sees a half-written pid.
    const tmp = `${path}.${process.pid}.tmp`
    await writeFile(tmp, `${process.pid}\n`)
    await rename(tmp, path)
  } catch (error) {
    await closeServer(server)
    throw error
  }
  return async () => {
    // The file first, while the lock is still held: the next owner writes its own after binding.
    await rm(path, { force: true })
    await closeServer(server)
  }
}

function closeServer(server: Server): Promise<void> {
  return new Promise((done) => server.close(() => done()))
}

/** The pid the lock holder reports over its socket, or undefined (it may be exiting). */
function askOwner(name: string): Promise<number | undefined> {
  return new Promise((done) => {
    let text = ''
    const socket = createConnection({ path: name })
    const finish = () => {
      clearTimeout(timer)
      socket.destroy()
      const pid = Number(text.trim())
      done(Number.isInteger(pid) && pid > 0 ? pid : undefined)
    }
    const timer = setTimeout(finish, 1000)
    socket.setEncoding('utf8')
    socket.on('data', (chunk: string) => (text += chunk.slice(0, 32)))
    socket.on('end', finish)
    socket.on('error', finish)
  })
}

async function filePid(dir: string): Promise<number | undefined> {
  const pid = Number((await readFile(join(dir, LOCK_FILE), 'utf8').catch(() => '')).trim())
  return Number.isInteger(pid) && pid > 0 ? pid : undefined
}

function inUse(dir: string, pid: number | undefined): TrellisError {
  const who = pid === undefined ? 'another process' : `process ${pid}`
  return new TrellisError('STORAGE', `${dir} is in use by ${who} (${join(dir, LOCK_FILE)}); stop it first`, dir)
}

/**
 * The portable fallback: LOCK is created with its content in one step (the
 * pid is written to a private file, then hard-linked to LOCK, which fails if
 * LOCK exists), so no opener ever sees an empty lock. A lock whose pid is
 * dead is taken over under a second lock (`LOCK.takeover`, created the same
 * way), re-reading the pid once it is held so that only one opener removes
 * a given stale lock. The residual risk, documented: a process that dies
 * while holding `LOCK.takeover` blocks takeovers until that is removed, and
 * pid reuse can make a dead owner look alive.
 */
async function fileLock(dir: string): Promise<() => Promise<void>> {
  const path = join(dir, LOCK_FILE)
  const guard = join(dir, `${LOCK_FILE}.takeover`)
  const mine = join(dir, `${LOCK_FILE}.${process.pid}.${Math.random().toString(36).slice(2)}.pid`)
  await writeFile(mine, `${process.pid}\n`)
  try {
    for (let attempt = 0; attempt < 3; attempt++) {
      if (await tryLink(mine, path)) {
        return async () => {
          if ((await filePid(dir)) === process.pid) await rm(path, { force: true })
        }
      }
      const owner = await filePid(dir)
      if (owner !== undefined && owner !== process.pid && isAlive(owner)) throw inUse(dir, owner)
      // Dead (or unreadable) owner: take over only while holding the guard, and only the lock we judged stale.
      if (!(await tryLink(mine, guard))) {
        throw new TrellisError('STORAGE', `${dir} is being taken over by another process (${guard} exists; remove it if no trellis process is running)`, dir)
      }
      try {
        if ((await filePid(dir)) === owner) await rm(path, { force: true })
      } finally {
        await rm(guard, { force: true })
      }
    }
    throw new TrellisError('STORAGE', `Could not lock ${dir}`, dir)
  } finally {
    await rm(mine, { force: true })
  }
}

async function tryLink(from: string, to: string): Promise<boolean> {
  try {
    await link(from, to)
    return true
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'EEXIST') return false
    throw error
  }
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0)
    return true
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM'
  }
}
