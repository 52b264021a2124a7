// The packet layout of RFC 2865 §3 and §5: a 20-octet header (code,
// identifier, length, authenticator) and type-length-value attributes.

/** One top-level attribute. A Vendor-Specific stays type 26 with its raw value. */
export interface RawAttribute {
  type: number
  value: Buffer
}

export interface Packet {
  code: number
  identifier: number
  authenticator: Buffer
  attributes: RawAttribute[]
  /** The packet's octets up to its Length field: what the authenticators cover. */
  raw: Buffer
}

export type DecodeReason = 'too_short' | 'too_long' | 'length_mismatch' | 'bad_attribute_length'

export class DecodeError extends Error {
  override readonly name = 'DecodeError'
  constructor(
    readonly reason: DecodeReason,
    message: string,
  ) {
    super(message)
  }
}

export const HEADER_LENGTH = 20
export const MAX_PACKET_LENGTH = 4096
/** An attribute's length octet counts its 2-octet header. */
export const MAX_ATTRIBUTE_VALUE_LENGTH = 253

/**
 * A packet read off the wire. Its attributes are found by walking `raw`
 * when asked for (valuesOfType), not copied out into objects at decode: the
 * auth path reads three or four of a dozen, and the objects were the largest
 * allocation per packet. `attributes` makes them on first use.
 */
class DecodedPacket implements Packet {
  #attributes: RawAttribute[] | undefined

  constructor(
    readonly code: number,
    readonly identifier: number,
    readonly authenticator: Buffer,
    readonly raw: Buffer,
  ) {}

  get attributes(): RawAttribute[] {
    if (!this.#attributes) {
      const list: RawAttribute[] = []
      const raw = this.raw
      for (let pos = HEADER_LENGTH; pos < raw.length; pos += raw[pos + 1]) list.push({ type: raw[pos], value: raw.subarray(pos + 2, pos + raw[pos + 1]) })
      this.#attributes = list
    }
    return this.#attributes
  }
}

/** The values of the attributes of one type, in order, at most `limit` of them. */
export function valuesOfType(p: Packet, type: number, limit = Infinity): Buffer[] {
  const found: Buffer[] = []
  if (p instanceof DecodedPacket) {
    // decodePacket checked that the attribute lengths add up to `raw`.
    const raw = p.raw
    for (let pos = HEADER_LENGTH; pos < raw.length && found.length < limit; pos += raw[pos + 1]) {
      if (raw[pos] === type) found.push(raw.subarray(pos + 2, pos + raw[pos + 1]))
    }
    return found
  }
  for (const a of p.attributes) {
    if (found.length >= limit) break
    if (a.type === type) found.push(a.value)
  }
  return found
}

/**
 * The first value of each of several standard attributes in one walk of the
 * packet, without an array per type (the auth path reads four or five):
 * `out[slots[type] - 1]` for every type whose slot is not 0, undefined when
 * the packet has none. See attributePicker in attributes.ts.
 */
export function firstValues(p: Packet, slots: Uint8Array, out: (Buffer | undefined)[]): void {
  out.fill(undefined)
  if (p instanceof DecodedPacket) {
    const raw = p.raw
    for (let pos = HEADER_LENGTH; pos < raw.length; pos += raw[pos + 1]) {
      const slot = slots[raw[pos]]
      if (slot && out[slot - 1] === undefined) out[slot - 1] = raw.subarray(pos + 2, pos + raw[pos + 1])
    }
    return
  }
  for (const a of p.attributes) {
    const slot = slots[a.type]
    if (slot && out[slot - 1] === undefined) out[slot - 1] = a.value
  }
}

/**
 * Structural checks of RFC 2865 §3 only; what the attributes mean is read
 * later, lazily (attributes.ts). Values are views into `buf`: keep `buf`
 * unchanged while the packet is in use.
 */
export function decodePacket(buf: Buffer): Packet {
  if (buf.length < HEADER_LENGTH) throw new DecodeError('too_short', `${buf.length} octets, a packet has at least 20`)
  const length = (buf[2] << 8) | buf[3]
  if (length < HEADER_LENGTH) throw new DecodeError('too_short', `Length field says ${length}, the minimum is 20`)
  if (length > MAX_PACKET_LENGTH) throw new DecodeError('too_long', `Length field says ${length}, the maximum is 4096`)
  // §3: a datagram shorter than Length is discarded; octets beyond it are padding.
  if (length > buf.length) throw new DecodeError('length_mismatch', `Length field says ${length}, the datagram has ${buf.length} octets`)
  let pos = HEADER_LENGTH
  while (pos < length) {
    if (pos + 2 > length) throw new DecodeError('bad_attribute_length', `attribute header at octet ${pos} overruns the packet`)
    const alen = buf[pos + 1]
    if (alen < 2) throw new DecodeError('bad_attribute_length', `attribute ${buf[pos]} at octet ${pos} has length ${alen}`)
    if (pos + alen > length) throw new DecodeError('bad_attribute_length', `attribute ${buf[pos]} at octet ${pos} overruns the packet`)
    pos += alen
  }
  return new DecodedPacket(buf[0], buf[1], buf.subarray(4, HEADER_LENGTH), length === buf.length ? buf : buf.subarray(0, length))
}

/** Lays out a packet as given; crypto.ts fills in authenticators. */
export function encodePacket(p: { code: number; identifier: number; authenticator: Buffer; attributes: RawAttribute[] }): Buffer {
  if (!isOctet(p.code)) throw new RangeError(`packet code ${p.code} is not 0..255`)
  if (!isOctet(p.identifier)) throw new RangeError(`identifier ${p.identifier} is not 0..255`)
  if (p.authenticator.length !== 16) throw new RangeError(`authenticator has ${p.authenticator.length} octets, not 16`)
  let length = HEADER_LENGTH
  for (const a of p.attributes) {
    if (!isOctet(a.type)) throw new RangeError(`attribute type ${a.type} is not 0..255`)
    if (a.value.length > MAX_ATTRIBUTE_VALUE_LENGTH) throw new RangeError(`attribute ${a.type} has ${a.value.length} octets, the maximum is 253`)
    length += 2 + a.value.length
  }
  if (length > MAX_PACKET_LENGTH) throw new RangeError(`packet would have ${length} octets, the maximum is 4096`)
  const buf = Buffer.allocUnsafe(length)
  buf[0] = p.code
  buf[1] = p.identifier
  buf[2] = length >> 8
  buf[3] = length & 0xff
  p.authenticator.copy(buf, 4)
  let pos = HEADER_LENGTH
  for (const a of p.attributes) {
    buf[pos] = a.type
    buf[pos + 1] = a.value.length + 2
    a.value.copy(buf, pos + 2)
    pos += a.value.length + 2
  }
  return buf
}

function isOctet(n: number): boolean {
  return Number.isInteger(n) && n >= 0 && n <= 255
}
