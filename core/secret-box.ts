// Encryption of the secrets citywifi must read back (NAS shared secrets, UAM
// secrets, one-time RADIUS passwords) and keyed hashing of personal data it
// need not read back (phone numbers). A database dump alone reveals neither:
// the key lives outside the database, in CITYWIFI_SECRET_KEY or in
// <data dir>/secret.key.
import { createCipheriv, createDecipheriv, createHmac, hkdfSync, randomBytes, timingSafeEqual } from 'node:crypto'
import fs from 'node:fs'
import path from 'node:path'

const VERSION = 'v1'

export class SecretBox {
  readonly #encKey: Buffer
  readonly #hashKey: Buffer
  readonly #master: Buffer

  // The two keys below are for what the database holds (encrypted NAS and UAM
  // secrets, hashed phone numbers): they stay derived exactly as in the first
  // release, or every database already written could no longer be read.
  // What the browser holds gets keys of its own from subkey() / derive(), so a
  // browser-facing oracle never works with a database key.
  constructor(masterKey: Buffer) {
    if (masterKey.length !== 32) throw new Error('the secret key must be 32 bytes')
    this.#master = Buffer.from(masterKey)
    this.#encKey = Buffer.from(hkdfSync('sha256', masterKey, Buffer.alloc(0), 'citywifi encrypt v1', 32))
    this.#hashKey = Buffer.from(hkdfSync('sha256', masterKey, Buffer.alloc(0), 'citywifi hash v1', 32))
  }

  /** A 32-byte key for one purpose (HKDF-SHA-256 of the instance key, info `citywifi subkey <purpose>`). */
  subkey(purpose: string): Buffer {
    return Buffer.from(hkdfSync('sha256', this.#master, Buffer.alloc(0), `citywifi subkey ${purpose}`, 32))
  }

  /** A box of its own for one purpose: its encryption and hashing keys differ from this one's. */
  derive(purpose: string): SecretBox {
    return new SecretBox(this.subkey(purpose))
  }

  encrypt(plain: string): string {
    const iv = randomBytes(12)
    const cipher = createCipheriv('aes-256-gcm', this.#encKey, iv)
    const body = Buffer.concat([cipher.update(plain, 'utf8'), cipher.final()])
    return `${VERSION}:${Buffer.concat([iv, cipher.getAuthTag(), body]).toString('base64')}`
  }

  decrypt(stored: string): string {
    const [version, b64] = stored.split(':', 2)
    if (version !== VERSION || !b64) throw new SecretBoxError('not a citywifi encrypted value')
    const raw = Buffer.from(b64, 'base64')
    const decipher = createDecipheriv('aes-256-gcm', this.#encKey, raw.subarray(0, 12))
    decipher.setAuthTag(raw.subarray(12, 28))
    try {
      return Buffer.concat([decipher.update(raw.subarray(28)), decipher.final()]).toString('utf8')
    } catch {
      throw new SecretBoxError(
        'a stored secret cannot be decrypted: the secret key (CITYWIFI_SECRET_KEY or <data dir>/secret.key) is not the one it was stored with',
      )
    }
  }

  // Keyed hash: equal inputs give equal outputs (so a phone number can be
  // looked up and rate-limited) but the input cannot be recovered from a dump.
  hash(purpose: string, value: string): string {
    return createHmac('sha256', this.#hashKey).update(purpose).update('\0').update(value).digest('base64url')
  }

  hashEquals(purpose: string, value: string, stored: string): boolean {
    const a = Buffer.from(this.hash(purpose, value))
    const b = Buffer.from(stored)
    return a.length === b.length && timingSafeEqual(a, b)
  }
}

export class SecretBoxError extends Error {
  override name = 'SecretBoxError'
}

// The key from the environment, else from the data dir (created on first use,
// readable by the owner only).
export function loadSecretKey(dataDir: string, keyHex: string | undefined): Buffer {
  if (keyHex) return Buffer.from(keyHex, 'hex')
  const file = path.join(dataDir, 'secret.key')
  try {
    const text = fs.readFileSync(file, 'utf8').trim()
    if (!/^[0-9a-f]{64}$/i.test(text)) throw new SecretBoxError(`${file} does not hold 64 hexadecimal characters`)
    return Buffer.from(text, 'hex')
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err
  }
  fs.mkdirSync(dataDir, { recursive: true, mode: 0o700 })
  const key = randomBytes(32)
  try {
    fs.writeFileSync(file, key.toString('hex') + '\n', { mode: 0o600, flag: 'wx' })
    return key
  } catch (err) {
    // Another process created it between our read and write: use theirs.
    if ((err as NodeJS.ErrnoException).code === 'EEXIST') return loadSecretKey(dataDir, undefined)
    throw err
  }
}
