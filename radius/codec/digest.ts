// MD5 and HMAC-MD5 from node:crypto, shaped for RADIUS: short messages made
// of a few pieces (header, authenticator, attributes, secret). The pieces are
// laid out in one reused buffer and hashed with the one-shot hash(), which
// costs far less than a createHash() object fed piece by piece; a server
// hashes several times per packet (test/bench/codec.ts).
import { hash } from 'node:crypto'

export type Secret = string | Buffer

let scratch = Buffer.allocUnsafe(8192)

/**
 * A buffer of at least `size` octets to lay a message out in. It is shared:
 * fill it, hash it and be done before returning (JavaScript runs one call at
 * a time, so nothing else touches it meanwhile).
 */
export function workspace(size: number): Buffer {
  if (scratch.length < size) scratch = Buffer.allocUnsafe(size)
  return scratch
}

// Secrets arrive as strings from configuration; converting one per hash
// shows in a profile. A NAS fleet has a few thousand at most.
const secretCache = new Map<string, Buffer>()
const SECRET_CACHE_SIZE = 4096

export function secretBytes(secret: Secret): Buffer {
  if (typeof secret !== 'string') return secret
  let bytes = secretCache.get(secret)
  if (!bytes) {
    if (secretCache.size >= SECRET_CACHE_SIZE) secretCache.clear()
    bytes = Buffer.from(secret, 'utf8')
    secretCache.set(secret, bytes)
  }
  return bytes
}

/** MD5 of the pieces joined (none of them a view of the workspace). */
export function md5(a: Buffer, b: Buffer, c?: Buffer, d?: Buffer): Buffer {
  const size = a.length + b.length + (c?.length ?? 0) + (d?.length ?? 0)
  const w = workspace(size)
  let at = a.copy(w, 0)
  at += b.copy(w, at)
  if (c) at += c.copy(w, at)
  if (d) d.copy(w, at)
  return hash('md5', w.subarray(0, size), 'buffer')
}

// HMAC-MD5 (RFC 2104) on the one-shot hash() with the padded keys kept per
// secret: createHmac() makes a native object with a weak handle for every
// call, and at tens of thousands of packets a second clearing those handles
// was half of every young-generation pause (test/bench/radius.ts, p99).
const BLOCK = 64
interface HmacKey {
  inner: Buffer
  outer: Buffer
}
const hmacKeys = new Map<Secret, HmacKey>()
let hmacScratch = Buffer.allocUnsafe(BLOCK + 8192)

function hmacKey(secret: Secret): HmacKey {
  let k = hmacKeys.get(secret)
  if (!k) {
    let key = secretBytes(secret)
    if (key.length > BLOCK) key = hash('md5', key, 'buffer')
    const inner = Buffer.alloc(BLOCK, 0x36)
    const outer = Buffer.alloc(BLOCK, 0x5c)
    for (let i = 0; i < key.length; i++) {
      inner[i] ^= key[i]
      outer[i] ^= key[i]
    }
    k = { inner, outer }
    // Buffers are keyed by identity: a caller that makes a new one each time must not fill the map.
    if (hmacKeys.size >= SECRET_CACHE_SIZE) hmacKeys.clear()
    hmacKeys.set(secret, k)
  }
  return k
}

/** HMAC-MD5 of `message` (which may be a view of the workspace) keyed with the secret. */
export function hmacMd5(secret: Secret, message: Buffer): Buffer {
  const k = hmacKey(secret)
  if (hmacScratch.length < BLOCK + message.length) hmacScratch = Buffer.allocUnsafe(BLOCK + message.length)
  k.inner.copy(hmacScratch, 0)
  message.copy(hmacScratch, BLOCK)
  const inner = hash('md5', hmacScratch.subarray(0, BLOCK + message.length), 'buffer')
  k.outer.copy(hmacScratch, 0)
  inner.copy(hmacScratch, BLOCK)
  return hash('md5', hmacScratch.subarray(0, BLOCK + inner.length), 'buffer')
}
