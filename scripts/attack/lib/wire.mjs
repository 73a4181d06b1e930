// Raw Gun-wire clients for attackers and victims: plain `ws`, JSON frames,
// no Trellis code, so what they see is what any peer on the network sees.
import { randomBytes } from 'node:crypto'
import { connect as netConnect } from 'node:net'
import WebSocket from 'ws'

export function randomId(length = 9) {
  return randomBytes(length).toString('base64url').slice(0, length)
}

/** A one-soul put message: `values` is key → value, all at `state`. */
export function putMessage(id, soul, values, state) {
  const states = {}
  for (const key of Object.keys(values)) states[key] = state
  return { '#': id, put: { [soul]: { _: { '#': soul, '>': states }, ...values } } }
}

/**
 * Open a wire client.
 *  - `greeting`: how to answer the relay's `?` greeting (`{ pid, relay }`), or false to stay silent;
 *  - `parse`: false counts frames and bytes only (for attackers that receive megabytes they do not read).
 */
export async function connectWire(wsUrl, { greeting = { pid: `c${randomId(6)}` }, parse = true, timeoutMs = 10_000 } = {}) {
  const ws = new WebSocket(wsUrl, { maxPayload: 256 * 1024 * 1024, perMessageDeflate: false })
  const listeners = new Set()
  const stats = { frames: 0, bytes: 0, messages: 0, lastFrameAt: 0 }
  let closed = false
  ws.on('error', () => {
    // reason: the relay may drop an attacker (that is often the point); 'close' follows
  })
  ws.on('close', () => {
    closed = true
    for (const listener of [...listeners]) listener(undefined)
  })
  ws.on('message', (data) => {
    stats.frames++
    stats.bytes += data.length
    stats.lastFrameAt = Date.now()
    if (!parse) return
    let parsed
    try {
      parsed = JSON.parse(data.toString())
    } catch {
      return
    }
    for (const msg of Array.isArray(parsed) ? parsed : [parsed]) {
      if (msg === null || typeof msg !== 'object') continue
      stats.messages++
      if (greeting !== false && msg.dam === '?' && msg['@'] === undefined) {
        const answer = { '#': randomId(), dam: '?', pid: greeting.pid, '@': msg['#'] }
        if (greeting.relay === true) answer.relay = true
        ws.send(JSON.stringify(answer))
      }
      for (const listener of [...listeners]) listener(msg)
    }
  })
  await new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`no connection to ${wsUrl} in ${timeoutMs} ms`)), timeoutMs)
    ws.once('open', () => {
      clearTimeout(timer)
      resolve()
    })
    ws.once('close', () => {
      clearTimeout(timer)
      reject(new Error(`connection to ${wsUrl} closed before it opened`))
    })
  })
  const client = {
    ws,
    stats,
    get closed() {
      return closed || ws.readyState !== WebSocket.OPEN
    },
    send(msg) {
      if (ws.readyState === WebSocket.OPEN) ws.send(JSON.stringify(msg))
    },
    sendText(text) {
      if (ws.readyState === WebSocket.OPEN) ws.send(text)
    },
    /** Resolves once the bytes queued in this socket have been handed to the kernel. */
    async drained(timeoutMs = 30_000) {
      const start = Date.now()
      while (ws.bufferedAmount > 0 && !client.closed && Date.now() - start < timeoutMs) await new Promise((r) => setTimeout(r, 5))
    },
    /** Call `listener(msg)` for every message heard (`undefined` when the socket closes); returns an unsubscribe. */
    listen(listener) {
      listeners.add(listener)
      return () => listeners.delete(listener)
    },
    /** The first message matching `predicate`, or undefined on timeout or close. */
    waitFor(predicate, timeoutMs = 5000) {
      return new Promise((resolve) => {
        const stop = client.listen((msg) => {
          if (msg === undefined) return finish(undefined)
          if (predicate(msg)) finish(msg)
        })
        const timer = setTimeout(() => finish(undefined), timeoutMs)
        function finish(value) {
          clearTimeout(timer)
          stop()
          resolve(value)
        }
        if (closed) finish(undefined)
      })
    },
    /** Send a put and wait for its ack: `{ ok: true }`, `{ err }`, or `{ timeout: true }`. */
    async put(soul, values, state, timeoutMs = 10_000) {
      const id = randomId()
      const reply = client.waitFor((m) => m['@'] === id && (m.ok !== undefined || m.err !== undefined), timeoutMs)
      client.send(putMessage(id, soul, values, state))
      const msg = await reply
      if (msg === undefined) return { timeout: true }
      return msg.err !== undefined ? { err: String(msg.err) } : { ok: true }
    },
    /** Read one key over the wire: its value, or undefined when the relay says it has nothing. */
    async getKey(soul, key, timeoutMs = 5000) {
      const id = randomId()
      const reply = client.waitFor((m) => m['@'] === id, timeoutMs)
      client.send({ '#': id, get: { '#': soul, '.': key } })
      const msg = await reply
      if (msg === undefined) return { timeout: true }
      const node = msg.put?.[soul]
      return node !== undefined && Object.hasOwn(node, key) ? { found: true, value: node[key] } : { found: false, err: msg.err }
    },
    close() {
      if (ws.readyState === WebSocket.CONNECTING || ws.readyState === WebSocket.OPEN) ws.terminate()
      closed = true
    },
  }
  return client
}

/**
 * A WebSocket opened by hand on a bare TCP socket, for attacks `ws` will not
 * do for us: frames sent in pieces (a frame header promising more payload
 * than ever comes) and a reader that stops reading.
 */
export function openRawSocket(host, port, path = '/gun', timeoutMs = 10_000) {
  return new Promise((resolve, reject) => {
    const socket = netConnect({ host, port })
    const key = randomBytes(16).toString('base64')
    let head = ''
    const timer = setTimeout(() => {
      socket.destroy()
      reject(new Error('raw upgrade timed out'))
    }, timeoutMs)
    socket.on('error', () => {
      // reason: the relay closing an attacker is an expected outcome; 'close' follows
    })
    socket.once('close', () => {
      clearTimeout(timer)
      reject(new Error(`raw socket closed during upgrade: ${head.slice(0, 200)}`))
    })
    socket.once('connect', () => {
      socket.write(
        `GET ${path} HTTP/1.1\r\nHost: ${host}:${port}\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n` +
          `Sec-WebSocket-Key: ${key}\r\nSec-WebSocket-Version: 13\r\n\r\n`,
      )
    })
    const onData = (chunk) => {
      head += chunk.toString('latin1')
      const end = head.indexOf('\r\n\r\n')
      if (end === -1) return
      socket.off('data', onData)
      clearTimeout(timer)
      socket.removeAllListeners('close')
      if (!/^HTTP\/1\.1 101/.test(head)) {
        socket.destroy()
        return reject(new Error(`upgrade refused: ${head.split('\r\n')[0]}`))
      }
      let ended = false
      socket.once('close', () => (ended = true))
      const frames = serverFrameReader()
      socket.on('data', frames.push)
      const rest = Buffer.from(head.slice(end + 4), 'latin1')
      if (rest.length > 0) frames.push(rest)
      const raw = {
        socket,
        get closed() {
          return ended || socket.destroyed || socket.readableEnded
        },
        /** The status code of the close frame the relay sent (1009: too big...), if one came. */
        get closeCode() {
          return frames.closeCode
        },
        /** A client frame header (masked, mask key 0 so the payload goes as is) promising `length` bytes. */
        header(length, opcode = 0x1) {
          const mask = Buffer.alloc(4)
          if (length < 126) return Buffer.concat([Buffer.from([0x80 | opcode, 0x80 | length]), mask])
          if (length < 65536) {
            const b = Buffer.alloc(4)
            b[0] = 0x80 | opcode
            b[1] = 0x80 | 126
            b.writeUInt16BE(length, 2)
            return Buffer.concat([b, mask])
          }
          const b = Buffer.alloc(10)
          b[0] = 0x80 | opcode
          b[1] = 0x80 | 127
          b.writeBigUInt64BE(BigInt(length), 2)
          return Buffer.concat([b, mask])
        },
        write(buffer) {
          return new Promise((done) => {
            if (socket.destroyed) return done(false)
            socket.write(buffer, (error) => done(error == null))
          })
        },
        sendText(text) {
          const payload = Buffer.from(text)
          return raw.write(Buffer.concat([raw.header(payload.length), payload]))
        },
        close() {
          socket.destroy()
        },
      }
      resolve(raw)
    }
    socket.on('data', onData)
  })
}

/**
 * Reads the frames a server sends on a raw socket, keeping nothing but the
 * code of a close frame: data frames are skipped by length, so a reader of
 * megabytes holds none of them.
 */
function serverFrameReader() {
  let buffered = Buffer.alloc(0)
  let skip = 0
  const reader = {
    closeCode: undefined,
    push(chunk) {
      if (skip > 0) {
        const n = Math.min(skip, chunk.length)
        skip -= n
        chunk = chunk.subarray(n)
      }
      buffered = buffered.length === 0 ? chunk : Buffer.concat([buffered, chunk])
      while (buffered.length >= 2) {
        const opcode = buffered[0] & 0x0f
        let length = buffered[1] & 0x7f
        let head = 2
        if (length === 126) {
          if (buffered.length < 4) return
          length = buffered.readUInt16BE(2)
          head = 4
        } else if (length === 127) {
          if (buffered.length < 10) return
          length = Number(buffered.readBigUInt64BE(2))
          head = 10
        }
        if (opcode === 0x8) {
          if (buffered.length < head + length) return
          reader.closeCode = length >= 2 ? buffered.readUInt16BE(head) : 1005
          buffered = buffered.subarray(head + length)
          continue
        }
        const available = buffered.length - head
        if (available >= length) {
          buffered = buffered.subarray(head + length)
          continue
        }
        skip = length - available
        buffered = Buffer.alloc(0)
        return
      }
    },
  }
  return reader
}
