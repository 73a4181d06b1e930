import { realpathSync, statSync } from 'node:fs'
import { isAbsolute, join, relative, resolve } from 'node:path'
import fastifyStatic from '@fastify/static'
import type { FastifyInstance } from 'fastify'
import type { StaticMount } from '../config-options.js'
import type { RelayPaths } from './mount.js'

export type { StaticMount } from '../config-options.js'

/** A static folder that cannot be served as asked: missing, or it would sit on the relay's own routes. */
export class StaticMountError extends Error {
  override name = 'StaticMountError'
}

/** The relay path or prefix a mount would take over, if any: the mount itself is a relay path, or lies under a relay prefix. */
function takenPath(mount: string, paths: RelayPaths): string | undefined {
  if (paths.exact.has(mount)) return mount
  return paths.prefixes.find((prefix) => `${mount}/`.startsWith(prefix))
}

/** The URL paths the relay owns below a mount, each with the name it would have inside the folder. */
function relayPathsUnder(mount: string, paths: RelayPaths): { url: string; name: string; isPrefix: boolean }[] {
  const base = mount === '/' ? '/' : `${mount}/`
  const all = [...[...paths.exact].map((url) => ({ url, isPrefix: false })), ...paths.prefixes.map((url) => ({ url, isPrefix: true }))]
  return all.filter(({ url }) => url.startsWith(base) && url !== base).map(({ url, isPrefix }) => ({ url, name: url.slice(base.length), isPrefix }))
}

function exists(path: string, directory: boolean): boolean {
  try {
    const stat = statSync(path)
    return directory ? stat.isDirectory() : stat.isFile()
  } catch {
    return false
  }
}

/**
 * Check every mount before anything is served, so a mistake stops the start instead of hiding
 * files: the folder must exist; a mount may not be, or lie under, a relay route (`/gun`,
 * `/api/v1`, `/metrics`, `/` while the admin UI is on, …); two folders may not share a mount; and
 * the folder may not hold a file the relay would answer instead (`gun.js` at `/`, say). Files added
 * later are still never served over a relay route: Fastify's router prefers the relay's exact
 * routes to the static wildcard. Returns each mount with its folder's real path.
 */
function checkStaticMounts(mounts: readonly StaticMount[], paths: RelayPaths): { mount: string; root: string }[] {
  const seen = new Map<string, string>()
  return mounts.map(({ dir, mount }) => {
    const label = `--static ${dir}:${mount}`
    let root: string
    try {
      root = realpathSync(resolve(dir))
    } catch (error) {
      throw new StaticMountError(`${label}: cannot open ${resolve(dir)} (${(error as NodeJS.ErrnoException).code ?? (error as Error).message})`)
    }
    if (!statSync(root).isDirectory()) throw new StaticMountError(`${label}: ${root} is not a directory`)
    const taken = takenPath(mount, paths)
    if (taken !== undefined) {
      const hint = mount === '/' && taken === '/' ? ' (the admin UI is at /: turn it off with --no-admin, or mount the folder elsewhere)' : ''
      throw new StaticMountError(`${label}: ${mount} would shadow the relay's own route ${taken}${hint}`)
    }
    const other = seen.get(mount)
    if (other !== undefined) throw new StaticMountError(`${label}: ${other} is already served at ${mount}`)
    seen.set(mount, dir)
    for (const { url, name, isPrefix } of relayPathsUnder(mount, paths)) {
      if (exists(join(root, name), isPrefix)) {
        throw new StaticMountError(`${label}: ${join(root, name)} would be hidden by the relay's ${url}; rename or remove it, or mount the folder elsewhere`)
      }
    }
    return { mount, root }
  })
}

/**
 * Whether `path` (inside the folder by name) still is once symbolic links are followed: a link
 * to a file outside the folder is not served. A path that does not exist is let through, for
 * the file server to answer 404. Synchronous because @fastify/static calls `allowedPath` without
 * awaiting it; one realpath is a few path lookups, cheap next to sending the file.
 */
function staysInside(root: string, path: string): boolean {
  let real: string
  try {
    real = realpathSync(path)
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'ENOENT'
  }
  const rel = relative(root, real)
  return rel === '' || (!rel.startsWith('..') && !isAbsolute(rel))
}

/**
 * Serve each folder's files under its mount with @fastify/static: content types, ETag and
 * Last-Modified with 304s, `index.html` for a directory (and a redirect from `/mount` to
 * `/mount/`), dotfiles hidden (404). A plain static server: an unknown path is a 404, not the app's
 * index.html (no single-page-app fallback). `..` and encoded `..` are refused by the library;
 * symbolic links leading out of the folder are refused here (404).
 */
export async function registerStaticFiles(app: FastifyInstance, mounts: readonly StaticMount[], paths: RelayPaths): Promise<void> {
  for (const { mount, root } of checkStaticMounts(mounts, paths)) {
    // Each in its own context: the plugin decorates and registers routes per registration.
    await app.register(async (scope) => {
      await scope.register(fastifyStatic, {
        root,
        prefix: mount,
        redirect: true,
        decorateReply: false,
        // Hidden files (.env, .git) are never served: 404, as if absent.
        dotfiles: 'ignore',
        allowedPath: (pathname) => staysInside(root, join(root, pathname)),
      })
    })
  }
}
