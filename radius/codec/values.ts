// Attribute values between JavaScript and octets, by dictionary type
// (RFC 2865 §5, RFC 8044 §3; tags: RFC 2868 §3.1).
import type { AttributeDef } from '../dictionary/index.js'
import { formatIPv4, formatIPv6, parseIPv4, parseIPv6 } from './ip.js'
import { MAX_ATTRIBUTE_VALUE_LENGTH } from './packet.js'

export type AttrValue = string | number | bigint | Buffer | Date

/** Vendor-Id (4) + vendor type (1) + vendor length (1) come out of the 253 (RFC 2865 §5.26). */
export const VSA_HEADER_LENGTH = 6
/** RFC 2868 §3.1: tags are 0x01-0x1F; 0x00 means "no tag" and is allowed too. */
export const MAX_TAG = 0x1f

/**
 * The octets of `value` for `def`, a tag octet first for tagged attributes.
 * Throws TypeError for a value of the wrong kind and RangeError for one out of range.
 */
export function encodeValue(def: AttributeDef, value: AttrValue, tag?: number): Buffer {
  if (tag !== undefined) {
    if (!def.tagged) throw new TypeError(`${def.name} takes no tag`)
    if (!Number.isInteger(tag) || tag < 0 || tag > MAX_TAG) throw new RangeError(`${def.name}: tag ${tag} is not 0..31`)
  }
  const out = encodeUntagged(def, value, tag)
  const max = def.vendorId ? MAX_ATTRIBUTE_VALUE_LENGTH - VSA_HEADER_LENGTH : MAX_ATTRIBUTE_VALUE_LENGTH
  if (out.length > max) throw new RangeError(`${def.name}: ${out.length} octets, the maximum is ${max}`)
  if (out.length === 0) throw new RangeError(`${def.name}: empty value (RFC 2865 §5: at least one octet)`)
  return out
}

function encodeUntagged(def: AttributeDef, value: AttrValue, tag: number | undefined): Buffer {
  if (def.encrypt) {
    // Hiding needs the secret and an authenticator, which attr() does not have.
    if (!Buffer.isBuffer(value)) throw new TypeError(`${def.name} is hidden on the wire: give the hidden octets (hidePassword())`)
    if (tag !== undefined) throw new TypeError(`${def.name}: the tag is part of the hidden octets`)
    return value
  }
  switch (def.type) {
    case 'string': {
      const text = typeof value === 'string' ? Buffer.from(value, 'utf8') : Buffer.isBuffer(value) ? value : wrongKind(def, value, 'a string')
      if (!def.tagged || text.length === 0) return text
      // §3.1: a first octet above 0x1F is text, so an untagged value starting
      // with 0x00-0x1F needs an explicit "no tag" octet in front.
      if (tag === undefined && text[0] > MAX_TAG) return text
      return Buffer.concat([Buffer.of(tag ?? 0), text])
    }
    case 'octets':
    case 'vsa':
      return Buffer.isBuffer(value) ? value : wrongKind(def, value, 'a Buffer')
    case 'integer': {
      const n = integerValue(def, value)
      const out = Buffer.allocUnsafe(4)
      if (def.tagged) {
        if (n > 0xffffff) throw new RangeError(`${def.name}: ${n} does not fit the 24 bits a tagged integer has`)
        out[0] = tag ?? 0
        out.writeUIntBE(n, 1, 3)
      } else {
        out.writeUInt32BE(n)
      }
      return out
    }
    case 'ipaddr': {
      if (Buffer.isBuffer(value) && value.length === 4) return value
      const out = Buffer.allocUnsafe(4)
      if (typeof value === 'string' && parseIPv4(value, out)) return out
      return wrongKind(def, value, 'an IPv4 address')
    }
    case 'ipv6addr': {
      if (Buffer.isBuffer(value) && value.length === 16) return value
      const out = Buffer.allocUnsafe(16)
      if (typeof value === 'string' && parseIPv6(value, out)) return out
      return wrongKind(def, value, 'an IPv6 address')
    }
    case 'ipv6prefix':
      return encodeIPv6Prefix(def, value)
    case 'date': {
      const seconds = value instanceof Date ? Math.floor(value.getTime() / 1000) : typeof value === 'number' ? value : wrongKind(def, value, 'a Date')
      if (!Number.isInteger(seconds) || seconds < 0 || seconds > 0xffffffff) throw new RangeError(`${def.name}: ${String(value)} is not a time from 1970 to 2106`)
      const out = Buffer.allocUnsafe(4)
      out.writeUInt32BE(seconds)
      return out
    }
    case 'integer64': {
      const n = typeof value === 'bigint' ? value : typeof value === 'number' && Number.isSafeInteger(value) ? BigInt(value) : wrongKind(def, value, 'a bigint')
      if (n < 0n || n > 0xffffffffffffffffn) throw new RangeError(`${def.name}: ${n} is not 0..2^64-1`)
      const out = Buffer.allocUnsafe(8)
      out.writeBigUInt64BE(n)
      return out
    }
  }
}

function integerValue(def: AttributeDef, value: AttrValue): number {
  if (typeof value === 'string') {
    const n = def.values.get(value)
    if (n === undefined) throw new RangeError(`${def.name} has no value named ${JSON.stringify(value)}`)
    return n
  }
  if (typeof value !== 'number') return wrongKind(def, value, 'a number or a value name')
  if (!Number.isInteger(value) || value < 0 || value > 0xffffffff) throw new RangeError(`${def.name}: ${value} is not an unsigned 32-bit integer`)
  return value
}

/** RFC 3162 §2.3: reserved octet, prefix length, then only the octets the prefix needs. */
function encodeIPv6Prefix(def: AttributeDef, value: AttrValue): Buffer {
  if (Buffer.isBuffer(value)) return value
  if (typeof value !== 'string') return wrongKind(def, value, 'an IPv6 prefix such as "2001:db8::/32"')
  const slash = value.indexOf('/')
  const bits = slash < 0 ? NaN : Number(value.slice(slash + 1))
  const address = Buffer.allocUnsafe(16)
  if (!Number.isInteger(bits) || bits < 0 || bits > 128 || !parseIPv6(value.slice(0, slash), address)) {
    return wrongKind(def, value, 'an IPv6 prefix such as "2001:db8::/32"')
  }
  const octets = Math.ceil(bits / 8)
  // §2.3: bits beyond the prefix length must be zero; a typo here is a wrong route.
  const partial = bits % 8 === 0 ? 0 : address[octets - 1] & (0xff >> (bits % 8))
  if (partial || address.subarray(octets).some((b) => b !== 0)) throw new RangeError(`${def.name}: ${value} has bits set beyond /${bits}`)
  return Buffer.concat([Buffer.of(0, bits), address.subarray(0, octets)])
}

function wrongKind(def: AttributeDef, value: AttrValue, wanted: string): never {
  const shown = Buffer.isBuffer(value) ? `${value.length} octets` : value instanceof Date ? 'a Date' : `${typeof value} ${String(value)}`
  throw new TypeError(`${def.name} (${def.type}) needs ${wanted}, got ${shown}`)
}

/**
 * The value of `raw` for `def`, without its tag: integer, date → number/Date,
 * ipaddr → dotted string, octets → a view into the packet. `undefined` when
 * the octets do not fit the type (a 3-octet integer, say). Never throws.
 */
export function decodeValue(def: AttributeDef, raw: Buffer): AttrValue | undefined {
  if (def.encrypt) return raw
  switch (def.type) {
    case 'string':
      return (def.tagged ? untagString(raw) : raw).toString('utf8')
    case 'octets':
    case 'vsa':
      return raw
    case 'integer':
      if (raw.length !== 4) return undefined
      return def.tagged ? raw.readUIntBE(1, 3) : raw.readUInt32BE(0)
    case 'ipaddr':
      return raw.length === 4 ? formatIPv4(raw) : undefined
    case 'ipv6addr':
      return raw.length === 16 ? formatIPv6(raw) : undefined
    case 'ipv6prefix':
      return decodeIPv6Prefix(raw)
    case 'date':
      return raw.length === 4 ? new Date(raw.readUInt32BE(0) * 1000) : undefined
    case 'integer64':
      return raw.length === 8 ? raw.readBigUInt64BE(0) : undefined
  }
}

/** The tag of a tagged attribute's octets: 0 when it has none. */
export function decodeTag(def: AttributeDef, raw: Buffer): number {
  if (!def.tagged || raw.length === 0) return 0
  // Integers always carry the tag octet; strings only when it is 0x00-0x1F (§3.1).
  return def.type === 'integer' || def.encrypt || raw[0] <= MAX_TAG ? raw[0] : 0
}

function untagString(raw: Buffer): Buffer {
  return raw.length > 0 && raw[0] <= MAX_TAG ? raw.subarray(1) : raw
}

function decodeIPv6Prefix(raw: Buffer): string | undefined {
  if (raw.length < 2 || raw.length > 18) return undefined
  const bits = raw[1]
  if (bits > 128 || raw.length - 2 < Math.ceil(bits / 8)) return undefined
  const address = Buffer.alloc(16)
  raw.copy(address, 0, 2)
  return `${formatIPv6(address)}/${bits}`
}
