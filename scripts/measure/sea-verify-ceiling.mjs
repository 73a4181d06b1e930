// The ceiling of SEA verification here: raw WebCrypto ECDSA P-256 verifications per second of
// prepared signatures, `--in-flight` at a time (BENCHMARKS.md, "Why verify/s stops at ~5×").
//
//   node scripts/measure/sea-verify-ceiling.mjs [--count 20000] [--in-flight 64]
const arg = (name, fallback) => {
  const i = process.argv.indexOf(name)
  return i === -1 ? fallback : Number(process.argv[i + 1])
}
const count = arg('--count', 20_000)
const inFlight = arg('--in-flight', 64)
const subtle = globalThis.crypto.subtle
const algorithm = { name: 'ECDSA', hash: 'SHA-256' }
const keys = await subtle.generateKey({ name: 'ECDSA', namedCurve: 'P-256' }, true, ['sign', 'verify'])
const messages = Array.from({ length: count }, (_, i) => new TextEncoder().encode(`{"#":"~pub","." :"k${i}",":":"value ${i}",">":${1_700_000_000_000 + i}}`))
const signatures = await Promise.all(messages.map((m) => subtle.sign(algorithm, keys.privateKey, m)))
let next = 0
let good = 0
const t0 = performance.now()
await Promise.all(
  Array.from({ length: inFlight }, async () => {
    while (next < count) {
      const k = next++
      if (await subtle.verify(algorithm, keys.publicKey, signatures[k], messages[k])) good++
    }
  }),
)
const ms = performance.now() - t0
console.log(`raw WebCrypto ECDSA P-256 verify: ${Math.round((count / ms) * 1000)}/s (${good}/${count} valid, ${inFlight} in flight)`)
