import { fdatasync, ftruncate, write } from 'node:fs'

/** Write `length` bytes of `buf` (all of it by default) at `position`, however many calls it takes. */
export function writeAll(fd: number, buf: Buffer, position: number, length = buf.length): Promise<void> {
  return new Promise<void>((resolve, reject) => {
    let done = 0
    const step = () =>
      write(fd, buf, done, length - done, position + done, (error, written) => {
        if (error !== null) return reject(error)
        done += written
        if (done < length) step()
        else resolve()
      })
    step()
  })
}

/** Cut a file back to `length` and make that durable. */
export function truncateTo(fd: number, length: number): Promise<void> {
  return new Promise<void>((resolve, reject) => ftruncate(fd, length, (e) => (e === null ? resolve() : reject(e)))).then(() => sync(fd))
}

export function sync(fd: number): Promise<void> {
  return new Promise<void>((resolve, reject) => fdatasync(fd, (error) => (error === null ? resolve() : reject(error))))
}
