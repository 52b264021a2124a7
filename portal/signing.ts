// Signed values the portal hands to the browser and gets back: the NAS
// context of a login (so that later steps need no cookie and no server
// session), the status-page pass, and the CSRF token of each form.
import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto'
import type { SecretBox } from '../core/secret-box.js'

const MAC_CHARS = 27 // 160 bits of HMAC-SHA-256 in base64url

export class Signer {
  readonly #key: Buffer
  readonly #box: SecretBox

  constructor(secrets: SecretBox) {
    // Keys of their own, derived with HKDF from the instance key: every copy
    // of the portal that shares CITYWIFI_SECRET_KEY accepts the others'
    // tokens, and none is a key the database's secrets are kept with (before
    // this, the MAC key came from the phone-hash key and seal() used the NAS
    // secret encryption key). Only these browser keys changed: passes signed
    // before the upgrade are refused once and the user logs in again.
    this.#key = secrets.subkey('portal signing v2')
    this.#box = secrets.derive('portal seal v2')
  }

  mac(purpose: string, ...parts: string[]): string {
    const h = createHmac('sha256', this.#key).update(purpose)
    for (const p of parts) h.update('\0').update(p)
    return h.digest('base64url').slice(0, MAC_CHARS)
  }

  /** base64url(JSON) "." MAC: readable by anyone, forged by nobody. */
  sign(purpose: string, value: object): string {
    const body = Buffer.from(JSON.stringify(value)).toString('base64url')
    return `${body}.${this.mac(purpose, body)}`
  }

  /** The signed value, or undefined when it was altered, is not one, or is older than maxAgeSeconds (field `iat`). */
  verify<T extends { iat: number }>(purpose: string, token: unknown, maxAgeSeconds: number, now = Date.now()): T | undefined {
    if (typeof token !== 'string' || token.length > 4096) return undefined
    const dot = token.lastIndexOf('.')
    if (dot <= 0) return undefined
    const body = token.slice(0, dot)
    if (!safeEqual(token.slice(dot + 1), this.mac(purpose, body))) return undefined
    let value: T
    try {
      value = JSON.parse(Buffer.from(body, 'base64url').toString('utf8')) as T
    } catch {
      return undefined
    }
    if (!value || typeof value.iat !== 'number') return undefined
    const age = now / 1000 - value.iat
    if (age > maxAgeSeconds || age < -60) return undefined
    return value
  }

  /** Encrypted as well as authenticated: for a value the browser must carry but not read (a phone number). */
  seal(value: object): string {
    return this.#box.encrypt(JSON.stringify(value)).replace(/^v1:/, '').replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '')
  }

  unseal<T extends { iat: number }>(token: unknown, maxAgeSeconds: number, now = Date.now()): T | undefined {
    if (typeof token !== 'string' || token.length > 2048 || !/^[A-Za-z0-9_-]+$/.test(token)) return undefined
    try {
      const b64 = token.replace(/-/g, '+').replace(/_/g, '/')
      const value = JSON.parse(this.#box.decrypt(`v1:${b64}${'='.repeat((4 - (b64.length % 4)) % 4)}`)) as T
      const age = now / 1000 - value.iat
      return age <= maxAgeSeconds && age >= -60 ? value : undefined
    } catch {
      return undefined
    }
  }
}

export function safeEqual(a: string, b: string): boolean {
  const x = Buffer.from(a)
  const y = Buffer.from(b)
  return x.length === y.length && timingSafeEqual(x, y)
}

export function nowSeconds(): number {
  return Math.floor(Date.now() / 1000)
}

/** A form's one-time key: names the submit, so a repeated submit is recognised. */
export function newFormKey(): string {
  return randomBytes(16).toString('base64url')
}

// CSRF without cookies. A captive browser may keep no cookie, so the token
// is an HMAC over the form's key, its signed NAS context and the address
// that loaded it, issued with the page and checked on POST: another site
// cannot mint one (it lacks the key) nor reuse one minted for its own
// address, and a cross-site Origin / Sec-Fetch-Site is refused outright.
export const CSRF_MAX_AGE_SECONDS = 2 * 3600

export function csrfToken(signer: Signer, input: { formKey: string; context: string; ip: string }, iat = nowSeconds()): string {
  return `${iat}.${signer.mac('csrf', String(iat), input.formKey, input.context, input.ip)}`
}

export function checkCsrfToken(signer: Signer, token: unknown, input: { formKey: string; context: string; ip: string }, now = Date.now()): boolean {
  if (typeof token !== 'string') return false
  const m = /^(\d{1,12})\.([A-Za-z0-9_-]+)$/.exec(token)
  if (!m) return false
  const iat = Number(m[1])
  const age = now / 1000 - iat
  if (age > CSRF_MAX_AGE_SECONDS || age < -60) return false
  return safeEqual(m[2]!, signer.mac('csrf', m[1]!, input.formKey, input.context, input.ip))
}
