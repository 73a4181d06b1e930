/**
 * Growable byte writer and bounds-checked reader for the binary record
 * layout. Classes because they sit on the hottest path (every put is encoded
 * through one, every cold start decodes through one) and V8 inlines their
 * monomorphic methods.
 *
 * Strings are written as `varint(byteLength * 2 + utf16)` followed by the
 * bytes: UTF-8 normally, UTF-16LE for strings holding lone surrogates, which
 * UTF-8 cannot carry (they would silently become U+FFFD and two distinct
 * hostile keys could collide).
 */
/** ES2024's String.prototype.isWellFormed (present in Node 20); the project's lib setting predates it. */
interface WellFormedCheck {
  isWellFormed(): boolean
}

export class ByteWriter {
  buf: Buffer
  pos = 0

  constructor(initialSize = 64 * 1024) {
    this.buf = Buffer.allocUnsafe(initialSize)
  }

  ensure(extra: number): void {
    const need = this.pos + extra
    if (need <= this.buf.length) return
    let size = this.buf.length * 2
    while (size < need) size *= 2
    const next = Buffer.allocUnsafe(size)
    this.buf.copy(next, 0, 0, this.pos)
    this.buf = next
  }

  u8(value: number): void {
    this.ensure(1)
    this.buf[this.pos++] = value
  }

  u32(value: number): void {
    this.ensure(4)
    this.buf.writeUInt32LE(value, this.pos)
    this.pos += 4
  }

  f64(value: number): void {
    this.ensure(8)
    this.buf.writeDoubleLE(value, this.pos)
    this.pos += 8
  }

  /** Unsigned LEB128, exact up to 2^53. */
  varint(value: number): void {
    this.ensure(8)
    const buf = this.buf
    while (value >= 0x80) {
      buf[this.pos++] = (value % 0x80) | 0x80
      value = Math.floor(value / 0x80)
    }
    buf[this.pos++] = value
  }

  str(value: string): void {
    const length = value.length
    if (!(value as unknown as WellFormedCheck).isWellFormed()) {
      this.varint(length * 4 + 1)
      this.ensure(length * 2)
      this.pos += this.buf.write(value, this.pos, 'utf16le')
      return
    }
    if (length <= 21) {
      // At most 63 UTF-8 bytes, so the header is one byte: write the text first, then the header.
      this.ensure(1 + length * 3)
      const written = this.buf.write(value, this.pos + 1, 'utf8')
      this.buf[this.pos] = written * 2
      this.pos += 1 + written
      return
    }
    const bytes = Buffer.byteLength(value, 'utf8')
    this.varint(bytes * 2)
    this.ensure(bytes)
    this.pos += this.buf.write(value, this.pos, 'utf8')
  }

  bytes(source: Uint8Array): void {
    this.ensure(source.length)
    this.buf.set(source, this.pos)
    this.pos += source.length
  }
}

/** Thrown when bytes do not parse; callers turn it into an error naming the file and offset. */
export class DecodeError extends Error {
  override readonly name = 'DecodeError'
}

export class ByteReader {
  buf: Buffer
  pos: number
  end: number

  constructor(buf: Buffer, start = 0, end = buf.length) {
    this.buf = buf
    this.pos = start
    this.end = end
  }

  private need(n: number): void {
    if (this.pos + n > this.end) throw new DecodeError(`truncated data at byte ${this.pos}`)
  }

  u8(): number {
    this.need(1)
    return this.buf[this.pos++]
  }

  u32(): number {
    this.need(4)
    const value = this.buf.readUInt32LE(this.pos)
    this.pos += 4
    return value
  }

  f64(): number {
    this.need(8)
    const value = this.buf.readDoubleLE(this.pos)
    this.pos += 8
    return value
  }

  varint(): number {
    let result = 0
    let scale = 1
    for (let i = 0; i < 8; i++) {
      if (this.pos >= this.end) throw new DecodeError(`truncated varint at byte ${this.pos}`)
      const byte = this.buf[this.pos++]
      result += (byte & 0x7f) * scale
      if (byte < 0x80) return result
      scale *= 0x80
    }
    throw new DecodeError(`varint too long at byte ${this.pos}`)
  }

  str(): string {
    const header = this.varint()
    const bytes = Math.floor(header / 2)
    this.need(bytes)
    const start = this.pos
    this.pos += bytes
    return header % 2 === 1 ? this.buf.toString('utf16le', start, this.pos) : this.buf.toString('utf8', start, this.pos)
  }

  /** Skip a string without decoding it. */
  skipStr(): void {
    const bytes = Math.floor(this.varint() / 2)
    this.need(bytes)
    this.pos += bytes
  }
}
