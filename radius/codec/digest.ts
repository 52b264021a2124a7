// MD5 and HMAC-MD5 from node:crypto, shaped for RADIUS: short messages made
// of a few pieces (header, authenticator, attributes, secret). The pieces are
// laid out in one reused buffer and hashed with the one-shot hash(), which
// costs far less than a createHash() object fed piece by piece; a server
// hashes several times per packet (test/bench/codec.ts).
import { createHmac, hash } from 'node:crypto'

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

export function hmacMd5(secret: Secret, message: Buffer): Buffer {
  return createHmac('md5', secretBytes(secret)).update(message).digest()
}
