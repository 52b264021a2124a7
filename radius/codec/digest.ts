// MD5 and HMAC-MD5 shaped for RADIUS: short messages made of a few pieces
// (header, authenticator, attributes, secret). The pieces are laid out in one
// reused buffer and hashed by md5.ts, in JavaScript: node:crypto's hash()
// sets up an OpenSSL context per call, which costs more than hashing the
// packet itself, and a server hashes six times per Access-Request.
import { md5Into, md5Prefix, type Md5State } from './md5.js'

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

/** MD5 of the pieces joined (none of them a view of the workspace), written to `out` at `outAt`. */
export function md5To(out: Buffer, outAt: number, a: Buffer, b: Buffer, c?: Buffer, d?: Buffer): void {
  const size = a.length + b.length + (c?.length ?? 0) + (d?.length ?? 0)
  const w = workspace(size)
  let at = a.copy(w, 0)
  at += b.copy(w, at)
  if (c) at += c.copy(w, at)
  if (d) d.copy(w, at)
  md5Into(w, 0, size, out, outAt)
}

/** MD5 of the pieces joined (none of them a view of the workspace). */
export function md5(a: Buffer, b: Buffer, c?: Buffer, d?: Buffer): Buffer {
  const out = Buffer.allocUnsafe(16)
  md5To(out, 0, a, b, c, d)
  return out
}

// HMAC-MD5 (RFC 2104) with the state after each padded key block kept per
// secret: per message, the inner hash compresses only the message's blocks and
// the outer one a single block. (createHmac() also made a native object with a
// weak handle per call, whose clearing was half of every young-generation
// pause at tens of thousands of packets a second.)
const BLOCK = 64
interface HmacKey {
  inner: Md5State
  outer: Md5State
}
const hmacKeys = new Map<Secret, HmacKey>()
const innerDigest = Buffer.alloc(16)

function hmacKey(secret: Secret): HmacKey {
  let k = hmacKeys.get(secret)
  if (!k) {
    let key = secretBytes(secret)
    if (key.length > BLOCK) {
      // Not md5(): the message may already be laid out in the workspace.
      const digest = Buffer.alloc(16)
      md5Into(key, 0, key.length, digest, 0)
      key = digest
    }
    const inner = Buffer.alloc(BLOCK, 0x36)
    const outer = Buffer.alloc(BLOCK, 0x5c)
    for (let i = 0; i < key.length; i++) {
      inner[i] ^= key[i]
      outer[i] ^= key[i]
    }
    k = { inner: md5Prefix(inner), outer: md5Prefix(outer) }
    // Buffers are keyed by identity: a caller that makes a new one each time must not fill the map.
    if (hmacKeys.size >= SECRET_CACHE_SIZE) hmacKeys.clear()
    hmacKeys.set(secret, k)
  }
  return k
}

/**
 * HMAC-MD5 of `data[start, end)` keyed with the secret, written to `out` at
 * `outAt`; `out` may be `data` (the message is read before it is written).
 */
export function hmacMd5To(secret: Secret, data: Buffer, start: number, end: number, out: Buffer, outAt: number): void {
  const k = hmacKey(secret)
  md5Into(data, start, end, innerDigest, 0, k.inner)
  md5Into(innerDigest, 0, 16, out, outAt, k.outer)
}

/** HMAC-MD5 of `message` (which may be a view of the workspace) keyed with the secret. */
export function hmacMd5(secret: Secret, message: Buffer): Buffer {
  const out = Buffer.allocUnsafe(16)
  hmacMd5To(secret, message, 0, message.length, out, 0)
  return out
}
