// What the shared secret protects: password hiding (RFC 2865 §5.2), CHAP
// (RFC 1994 / RFC 2865 §5.3), the Request and Response Authenticators
// (RFC 2865 §3, RFC 2866 §3, RFC 5176 §3.5) and Message-Authenticator
// (RFC 3579 §3.2). Every comparison is timingSafeEqual: a comparison that
// stops at the first differing octet tells an attacker how much was right.
import { randomBytes, timingSafeEqual } from 'node:crypto'
import { Code } from './codes.js'
import { hmacMd5To, md5, md5To, secretBytes, workspace, type Secret } from './digest.js'
import { HEADER_LENGTH, encodePacket, valuesOfType, type Packet, type RawAttribute } from './packet.js'

const MESSAGE_AUTHENTICATOR = 80
const USER_NAME = 1
const USER_PASSWORD = 2
const PROXY_STATE = 33
const AUTHENTICATOR_LENGTH = 16
const MA_ATTRIBUTE_LENGTH = 2 + AUTHENTICATOR_LENGTH
const MAX_PASSWORD_LENGTH = 128
const ZEROS = Buffer.alloc(AUTHENTICATOR_LENGTH)

function checkAuthenticator(a: Buffer, what: string): void {
  if (a.length !== AUTHENTICATOR_LENGTH) throw new RangeError(`${what} has ${a.length} octets, not 16`)
}

// ---- User-Password, RFC 2865 §5.2 ----

/**
 * c(1) = p(1) xor MD5(secret + Request Authenticator), c(i) = p(i) xor
 * MD5(secret + c(i-1)), the password NUL-padded to a multiple of 16 octets.
 */
export function hidePassword(password: Buffer | string, secret: Secret, requestAuthenticator: Buffer): Buffer {
  checkAuthenticator(requestAuthenticator, 'Request Authenticator')
  const p = typeof password === 'string' ? Buffer.from(password, 'utf8') : password
  if (p.length > MAX_PASSWORD_LENGTH) throw new RangeError(`password has ${p.length} octets, RFC 2865 §5.2 allows 128`)
  const out = Buffer.alloc(Math.max(16, Math.ceil(p.length / 16) * 16))
  p.copy(out)
  const key = secretBytes(secret)
  let previous = requestAuthenticator
  for (let i = 0; i < out.length; i += 16) {
    const b = md5(key, previous)
    for (let j = 0; j < 16; j++) out[i + j] ^= b[j]
    previous = out.subarray(i, i + 16)
  }
  return out
}

// The pad of one 16-octet chunk, reused: unhiding runs for every PAP request.
const pad = Buffer.alloc(AUTHENTICATOR_LENGTH)

/** The password with its NUL padding removed; undefined when `hidden` is not 16..128 octets in steps of 16. */
export function unhidePassword(hidden: Buffer, secret: Secret, requestAuthenticator: Buffer): Buffer | undefined {
  if (hidden.length < 16 || hidden.length > MAX_PASSWORD_LENGTH || hidden.length % 16 !== 0) return undefined
  if (requestAuthenticator.length !== AUTHENTICATOR_LENGTH) return undefined
  const out = Buffer.allocUnsafe(hidden.length)
  const key = secretBytes(secret)
  let previous = requestAuthenticator
  for (let i = 0; i < hidden.length; i += 16) {
    md5To(pad, 0, key, previous)
    for (let j = 0; j < 16; j++) out[i + j] = hidden[i + j] ^ pad[j]
    previous = hidden.subarray(i, i + 16)
  }
  let end = out.length
  while (end > 0 && out[end - 1] === 0) end--
  return out.subarray(0, end)
}

// ---- CHAP, RFC 1994 §4.1 / RFC 2865 §5.3 ----

/** MD5(CHAP identifier + password + challenge). */
export function chapResponse(id: number, password: Buffer | string, challenge: Buffer): Buffer {
  return md5(Buffer.of(id & 0xff), typeof password === 'string' ? Buffer.from(password, 'utf8') : password, challenge)
}

/**
 * `chapPassword` is the CHAP-Password value: identifier + 16-octet response.
 * The challenge is CHAP-Challenge when the request has one, else its Request
 * Authenticator (RFC 2865 §2.2); the caller picks.
 */
export function verifyChap(chapPassword: Buffer, password: Buffer | string, challenge: Buffer): boolean {
  if (chapPassword.length !== 1 + AUTHENTICATOR_LENGTH) return false
  return timingSafeEqual(chapResponse(chapPassword[0], password, challenge), chapPassword.subarray(1))
}

// ---- Packet layout helpers ----

/** The Length field, or -1 when the buffer cannot hold the packet it announces. */
function packetLength(raw: Buffer): number {
  if (raw.length < HEADER_LENGTH) return -1
  const length = raw.readUInt16BE(2)
  return length < HEADER_LENGTH || length > raw.length ? -1 : length
}

const MA_MISSING = -1
const MA_INVALID = -2

/**
 * Offset of the one Message-Authenticator attribute; MA_MISSING, or
 * MA_INVALID when there are two, one of the wrong length, or the attributes
 * do not add up to the packet.
 */
function findMessageAuthenticator(raw: Buffer, length: number): number {
  let found = MA_MISSING
  for (let pos = HEADER_LENGTH; pos < length; ) {
    if (pos + 2 > length) return MA_INVALID
    const len = raw[pos + 1]
    if (len < 2 || pos + len > length) return MA_INVALID
    if (raw[pos] === MESSAGE_AUTHENTICATOR) {
      // RFC 3579 §3.2: exactly 18 octets, at most once in a packet.
      if (found !== MA_MISSING || len !== MA_ATTRIBUTE_LENGTH) return MA_INVALID
      found = pos
    }
    pos += len
  }
  return found
}

/**
 * HMAC-MD5 over the packet with `authenticator` in the header and the
 * Message-Authenticator value zeroed, computed on a copy so `raw` (possibly
 * shared with a decoded Packet) is never changed.
 */
function computeMessageAuthenticator(raw: Buffer, length: number, maOffset: number, authenticator: Buffer, secret: Secret, out: Buffer): void {
  const copy = workspace(length)
  raw.copy(copy, 0, 0, length)
  authenticator.copy(copy, 4)
  copy.fill(0, maOffset + 2, maOffset + MA_ATTRIBUTE_LENGTH)
  hmacMd5To(secret, copy, 0, length, out, 0)
}

// Where the expected value is computed: checked for every request, kept for none.
const expectedMac = Buffer.alloc(AUTHENTICATOR_LENGTH)

function macMatches(raw: Buffer, length: number, maOffset: number, authenticator: Buffer, secret: Secret): boolean {
  computeMessageAuthenticator(raw, length, maOffset, authenticator, secret, expectedMac)
  return timingSafeEqual(expectedMac, raw.subarray(maOffset + 2, maOffset + MA_ATTRIBUTE_LENGTH))
}

/** Requests whose Request Authenticator is an MD5 over the packet, not random (RFC 2866 §3, RFC 5176 §3.5). */
function hasComputedRequestAuthenticator(code: number): boolean {
  return code === Code.AccountingRequest || code === Code.CoaRequest || code === Code.DisconnectRequest
}

/**
 * Replies whose Message-Authenticator some implementations compute over a
 * zeroed authenticator rather than the request's: FreeRADIUS 3.2 does so for
 * Accounting-Response (radclient refuses the other form), and older
 * FreeRADIUS rad_sign() also for CoA/Disconnect ACK and NAK, where RFC 5176
 * §3.5, hostapd and radclient 3.2 use the request's. Both are accepted.
 */
function mayUseZeroedAuthenticator(code: number): boolean {
  return (
    code === Code.AccountingResponse ||
    code === Code.DisconnectAck ||
    code === Code.DisconnectNak ||
    code === Code.CoaAck ||
    code === Code.CoaNak
  )
}

// ---- Message-Authenticator, RFC 3579 §3.2 / RFC 2869 §5.14 ----

export type MessageAuthenticatorResult = 'missing' | 'valid' | 'invalid'

/**
 * Checks the packet's Message-Authenticator. For a request the header's own
 * authenticator is hashed (16 zero octets for Accounting-, CoA- and
 * Disconnect-Request: RFC 5176 §3.5); for a reply pass the request's
 * authenticator, which stands in for the Response Authenticator.
 */
export function verifyMessageAuthenticator(raw: Buffer, secret: Secret, requestAuthenticator?: Buffer): MessageAuthenticatorResult {
  const length = packetLength(raw)
  if (length < 0) return 'invalid'
  const ma = findMessageAuthenticator(raw, length)
  if (ma === MA_MISSING) return 'missing'
  if (ma === MA_INVALID) return 'invalid'
  const code = raw[0]
  if (requestAuthenticator) {
    if (requestAuthenticator.length !== AUTHENTICATOR_LENGTH) return 'invalid'
    if (macMatches(raw, length, ma, requestAuthenticator, secret)) return 'valid'
    return mayUseZeroedAuthenticator(code) && macMatches(raw, length, ma, ZEROS, secret) ? 'valid' : 'invalid'
  }
  const authenticator = hasComputedRequestAuthenticator(code) ? ZEROS : raw.subarray(4, HEADER_LENGTH)
  return macMatches(raw, length, ma, authenticator, secret) ? 'valid' : 'invalid'
}

// ---- Request Authenticator of Accounting, CoA and Disconnect requests ----

/** MD5(code + identifier + length + 16 zero octets + attributes + secret) equals the header's authenticator. */
export function verifyRequestAuthenticator(raw: Buffer, secret: Secret): boolean {
  const length = packetLength(raw)
  if (length < 0) return false
  const expected = md5(raw.subarray(0, 4), ZEROS, raw.subarray(HEADER_LENGTH, length), secretBytes(secret))
  return timingSafeEqual(expected, raw.subarray(4, HEADER_LENGTH))
}

// ---- Building packets ----

function withoutMessageAuthenticator(attributes: RawAttribute[], first: RawAttribute | undefined): RawAttribute[] {
  const out: RawAttribute[] = first ? [first] : []
  for (const a of attributes) if (a.type !== MESSAGE_AUTHENTICATOR) out.push(a)
  return out
}

/** A placeholder Message-Authenticator, filled in after the packet is laid out. */
function placeholder(): RawAttribute {
  return { type: MESSAGE_AUTHENTICATOR, value: ZEROS }
}

/** Where encodePacket puts the first attribute's value. */
const FIRST_VALUE_OFFSET = HEADER_LENGTH + 2

/**
 * A reply to `request`, signed. Message-Authenticator, when included, is the
 * first attribute (BlastRADIUS, CVE-2024-3596: its unpredictable HMAC then
 * precedes the echoed Proxy-State an attacker would fill with an MD5
 * collision); one the caller put in `attributes` is dropped. The request's
 * Proxy-State attributes are copied in order, as RFC 2865 §5.33 requires,
 * unless `attributes` has its own.
 *
 * Message-Authenticator is included by default, except in an
 * Accounting-Response to an Accounting-Request: RFC 2866 defines none there
 * and implementations compute it differently. Asked for explicitly, it is
 * computed the FreeRADIUS way (zeroed authenticator).
 */
export function encodeResponse(
  request: Packet,
  code: number,
  attributes: RawAttribute[],
  secret: Secret,
  opts?: { messageAuthenticator?: boolean },
): Buffer {
  const accountingAnswer = code === Code.AccountingResponse && request.code === Code.AccountingRequest
  const withMa = opts?.messageAuthenticator ?? !accountingAnswer
  const list = withoutMessageAuthenticator(attributes, withMa ? placeholder() : undefined)
  if (!attributes.some((a) => a.type === PROXY_STATE)) {
    for (const value of valuesOfType(request, PROXY_STATE)) list.push({ type: PROXY_STATE, value })
  }
  const buf = encodePacket({ code, identifier: request.identifier, authenticator: request.authenticator, attributes: list })
  if (withMa) {
    // The header holds the request's authenticator and the MA value is zero: hash as laid out.
    if (accountingAnswer) ZEROS.copy(buf, 4)
    hmacMd5To(secret, buf, 0, buf.length, buf, FIRST_VALUE_OFFSET)
    if (accountingAnswer) request.authenticator.copy(buf, 4)
  }
  md5To(buf, 4, buf, secretBytes(secret))
  return buf
}

/**
 * A request from the client side (tests, CoA and Disconnect to a NAS).
 * Access-Request and Status-Server get a random authenticator (or
 * `authenticator`) and by default a Message-Authenticator (RFC 5997 §3 makes
 * it mandatory in Status-Server); `password` is hidden into a User-Password
 * placed after User-Name. Accounting-, CoA- and Disconnect-Request get the
 * computed Request Authenticator, after the Message-Authenticator (off by
 * default) is computed over a zeroed one. Message-Authenticator, when
 * included, is the first attribute; one in `attributes` is dropped.
 */
export function encodeRequest(opts: {
  code: number
  identifier: number
  attributes: RawAttribute[]
  secret: Secret
  password?: string | Buffer
  messageAuthenticator?: boolean
  authenticator?: Buffer
}): Buffer {
  const { code, identifier, secret } = opts
  const computed = hasComputedRequestAuthenticator(code)
  if (!computed && code !== Code.AccessRequest && code !== Code.StatusServer) throw new RangeError(`code ${code} is not a request encodeRequest builds`)
  const withMa = opts.messageAuthenticator ?? !computed
  const authenticator: Buffer = computed ? ZEROS : (opts.authenticator ?? randomBytes(AUTHENTICATOR_LENGTH))
  checkAuthenticator(authenticator, 'authenticator')
  const list = withoutMessageAuthenticator(opts.attributes, withMa ? placeholder() : undefined)
  if (opts.password !== undefined) {
    if (code !== Code.AccessRequest) throw new RangeError('a password goes in an Access-Request only')
    const hidden = { type: USER_PASSWORD, value: hidePassword(opts.password, secret, authenticator) }
    const userName = list.findIndex((a) => a.type === USER_NAME)
    list.splice(userName < 0 ? list.length : userName + 1, 0, hidden)
  }
  const buf = encodePacket({ code, identifier, authenticator, attributes: list })
  if (withMa) hmacMd5To(secret, buf, 0, buf.length, buf, FIRST_VALUE_OFFSET)
  if (computed) md5To(buf, 4, buf, secretBytes(secret))
  return buf
}

/**
 * For a client: the reply's Response Authenticator is MD5(code + identifier
 * + length + request authenticator + attributes + secret), and its
 * Message-Authenticator, if any, is valid.
 */
export function verifyResponse(raw: Buffer, requestAuthenticator: Buffer, secret: Secret): boolean {
  const length = packetLength(raw)
  if (length < 0 || requestAuthenticator.length !== AUTHENTICATOR_LENGTH) return false
  const expected = md5(raw.subarray(0, 4), requestAuthenticator, raw.subarray(HEADER_LENGTH, length), secretBytes(secret))
  if (!timingSafeEqual(expected, raw.subarray(4, HEADER_LENGTH))) return false
  return verifyMessageAuthenticator(raw, secret, requestAuthenticator) !== 'invalid'
}
