// The shape of a dictionary source: one RFC or one vendor, as data. Names,
// numbers and types follow FreeRADIUS's dictionaries (operators read those),
// which test/radius/dictionary-freeradius.test.ts checks.

/**
 * Wire types (RFC 8044 names them; FreeRADIUS spells them this way):
 * string (text or binary, 1-253 octets), octets, integer (uint32), ipaddr (4 octets),
 * ipv6addr (16), ipv6prefix (RFC 3162 §2.3), date (uint32 seconds since 1970),
 * integer64 (uint64), vsa (Vendor-Specific itself, RFC 2865 §5.26).
 */
export type AttributeType = 'string' | 'octets' | 'integer' | 'ipaddr' | 'ipv6addr' | 'ipv6prefix' | 'date' | 'integer64' | 'vsa'

export interface AttributeFlags {
  /** RFC 2868 §3.1: a tag octet (0x01-0x1F) groups the attributes of one tunnel. */
  readonly tagged?: boolean
  /**
   * The value is hidden with the shared secret: `user-password` is RFC 2865 §5.2,
   * `tunnel-password` the salted form of RFC 2868 §3.5. attr() takes such values
   * only as ready-made bytes, and getAttr() gives them back as bytes.
   */
  readonly encrypt?: 'user-password' | 'tunnel-password'
  /** describe() never prints the value (passwords, CHAP responses, keys). */
  readonly secret?: boolean
}

/** One attribute, one line: name, number, type and flags. */
export type AttributeSpec = readonly [name: string, code: number, type: AttributeType, flags?: AttributeFlags]

/** Named values of integer attributes: attribute name → value name → number. */
export type ValueSpecs = { readonly [attribute: string]: { readonly [valueName: string]: number } }

export interface DictionarySource {
  /** Where the numbers come from, e.g. 'RFC 2865' or 'MikroTik RouterOS'. */
  readonly source: string
  /** Set for a vendor's attributes, carried in Vendor-Specific (26). */
  readonly vendor?: { readonly name: string; readonly id: number }
  readonly attributes: readonly AttributeSpec[]
  /** May name attributes of other sources (RFC 3580 adds Tunnel-Type VLAN to RFC 2868's). */
  readonly values?: ValueSpecs
}
