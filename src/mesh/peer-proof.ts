/**
 * Proof that an accepted link comes from a relay of our cluster: the dialler
 * answers our `?` greeting with an HMAC-SHA-256, keyed by the shared cluster
 * secret, over our pid, the random nonce we greeted that very connection
 * with, and its own pid. The secret never crosses the wire; a recorded
 * handshake proves nothing on another connection (a fresh nonce each time);
 * and a proof is bound to the two pids (it cannot be reflected or passed off
 * for another relay). WebCrypto only, so the mesh stays runnable in browsers.
 */
export interface PeerProof {
  /** The proof a dialler with pid `dialler` sends to the relay `acceptor` that greeted it with `nonce`. */
  sign(acceptor: string, nonce: string, dialler: string): Promise<string>
  /** True when `proof` is the one a holder of the secret would send (constant-time compare). */
  verify(acceptor: string, nonce: string, dialler: string, proof: string): Promise<boolean>
}

const encoder = new TextEncoder()
const LABEL = 'trellis relay proof v1'

export function createPeerProof(secret: string): PeerProof {
  const subtle = globalThis.crypto.subtle
  const key = subtle.importKey('raw', encoder.encode(secret), { name: 'HMAC', hash: 'SHA-256' }, false, ['sign', 'verify'])
  // Newline-separated: pids and nonces are bounded wire strings; a pid with a newline cannot shift fields
  // because the field count is fixed and each side builds the text from the fields it holds.
  const text = (acceptor: string, nonce: string, dialler: string) =>
    encoder.encode(`${LABEL}\n${acceptor.length}:${acceptor}\n${nonce.length}:${nonce}\n${dialler.length}:${dialler}`)
  return {
    async sign(acceptor, nonce, dialler) {
      const mac = await subtle.sign('HMAC', await key, text(acceptor, nonce, dialler))
      return toHex(new Uint8Array(mac))
    },
    async verify(acceptor, nonce, dialler, proof) {
      const mac = fromHex(proof)
      if (mac === undefined || mac.length !== 32) return false
      return subtle.verify('HMAC', await key, mac, text(acceptor, nonce, dialler))
    },
  }
}

function toHex(bytes: Uint8Array): string {
  let out = ''
  for (const byte of bytes) out += byte.toString(16).padStart(2, '0')
  return out
}

function fromHex(text: string): Uint8Array<ArrayBuffer> | undefined {
  if (text.length % 2 !== 0 || text.length > 128 || !/^[0-9a-f]*$/.test(text)) return undefined
  const out = new Uint8Array(text.length / 2)
  for (let i = 0; i < out.length; i++) out[i] = parseInt(text.slice(2 * i, 2 * i + 2), 16)
  return out
}
