// Vendor-Specific (26), RFC 2865 §5.26: Vendor-Id (4 octets), then the
// vendor's own attributes as type (1), length (1, counting both), value.
// Every vendor citywifi knows uses this layout; one VSA may hold several.
import type { RawAttribute } from './packet.js'
import { VSA_HEADER_LENGTH } from './values.js'

export const VENDOR_SPECIFIC = 26

export function encodeVsa(vendorId: number, vendorType: number, value: Buffer): Buffer {
  const out = Buffer.allocUnsafe(VSA_HEADER_LENGTH + value.length)
  out.writeUInt32BE(vendorId, 0)
  out[4] = vendorType
  out[5] = value.length + 2
  value.copy(out, VSA_HEADER_LENGTH)
  return out
}

/** The Vendor-Id of a VSA's octets, or -1 if there are fewer than 4. */
export function vendorIdOf(vsa: Buffer): number {
  return vsa.length >= 4 ? vsa.readUInt32BE(0) : -1
}

/**
 * True when the octets after the Vendor-Id are whole sub-attributes. Vendors
 * with other layouts (RFC 2865 only recommends this one) fail the check and
 * their VSAs are then kept opaque.
 */
export function isWellFormedVsa(vsa: Buffer): boolean {
  if (vsa.length < VSA_HEADER_LENGTH) return false
  let pos = 4
  while (pos < vsa.length) {
    if (pos + 2 > vsa.length) return false
    const len = vsa[pos + 1]
    if (len < 2 || pos + len > vsa.length) return false
    pos += len
  }
  return true
}

/** Values of sub-attribute `vendorType` in a well-formed VSA, appended to `out` up to `limit` in all. */
export function collectVendorValues(vsa: Buffer, vendorType: number, out: Buffer[], limit: number): void {
  for (let pos = 4; pos < vsa.length && out.length < limit; pos += vsa[pos + 1]) {
    if (vsa[pos] === vendorType) out.push(vsa.subarray(pos + 2, pos + vsa[pos + 1]))
  }
}

/** The sub-attributes of a well-formed VSA. */
export function splitVsa(vsa: Buffer): RawAttribute[] {
  const parts: RawAttribute[] = []
  for (let pos = 4; pos < vsa.length; pos += vsa[pos + 1]) parts.push({ type: vsa[pos], value: vsa.subarray(pos + 2, pos + vsa[pos + 1]) })
  return parts
}
