// Typed access to a packet's attributes by dictionary name. Reading never
// throws on what a NAS sent: a value that does not fit its type reads as
// undefined, and attributes nobody knows stay raw octets.
import { dictionary, type AttributeDef } from '../dictionary/index.js'
import { firstValues, valuesOfType, type Packet, type RawAttribute } from './packet.js'
import { decodeTag, decodeValue, encodeValue, type AttrValue } from './values.js'
import { VENDOR_SPECIFIC, collectVendorValues, encodeVsa, isWellFormedVsa, splitVsa, vendorIdOf } from './vsa.js'

export type { AttrValue } from './values.js'

/** The dictionary entry for `name`; throws on a name no dictionary defines (a typo). */
export function attributeDef(name: string): AttributeDef {
  const def = dictionary.get(name)
  if (!def) throw new TypeError(`unknown RADIUS attribute ${JSON.stringify(name)}`)
  return def
}

/**
 * One attribute, encoded by its dictionary type. A vendor's attribute comes
 * out as a Vendor-Specific (26) holding it. Integer attributes take their
 * value names ('Interim-Update'); `tag` is for RFC 2868 tunnel attributes.
 */
export function attr(name: string, value: AttrValue, tag?: number): RawAttribute {
  const def = attributeDef(name)
  const octets = encodeValue(def, value, tag)
  return def.vendorId ? { type: VENDOR_SPECIFIC, value: encodeVsa(def.vendorId, def.code, octets) } : { type: def.code, value: octets }
}

/** The first `name` in the packet, typed; undefined if absent or malformed. */
export function getAttr(p: Packet, name: string): AttrValue | undefined {
  const def = attributeDef(name)
  const raw = rawValues(p, def, 1)
  return raw.length ? decodeValue(def, raw[0]) : undefined
}

/**
 * Reads the first of each of `names` in one walk of a packet; only standard
 * attributes (no vendor's). pick() returns the octets in the order of
 * `names` (undefined: absent), in one array that the next pick() reuses:
 * read it before picking again. `defs` decode them as getAttr would.
 */
export function attributePicker(names: readonly string[]): { defs: AttributeDef[]; pick(p: Packet): readonly (Buffer | undefined)[] } {
  const defs = names.map(attributeDef)
  const slots = new Uint8Array(256)
  defs.forEach((def, i) => {
    if (def.vendorId) throw new TypeError(`attributePicker reads standard attributes only, not ${def.name}`)
    if (slots[def.code]) throw new TypeError(`attributePicker: ${def.name} is asked for twice`)
    slots[def.code] = i + 1
  })
  const out = new Array<Buffer | undefined>(defs.length).fill(undefined)
  return {
    defs,
    pick(p) {
      firstValues(p, slots, out)
      return out
    },
  }
}

/** Every well-formed `name` in the packet, in order. */
export function getAll(p: Packet, name: string): AttrValue[] {
  const def = attributeDef(name)
  const values: AttrValue[] = []
  for (const raw of rawValues(p, def, Infinity)) {
    const v = decodeValue(def, raw)
    if (v !== undefined) values.push(v)
  }
  return values
}

/** The octets of the first `name` (inside the VSA for a vendor's attribute, tag included). */
export function getRaw(p: Packet, name: string): Buffer | undefined {
  return rawValues(p, attributeDef(name), 1)[0]
}

/** The first `name` with its RFC 2868 tag (0: none). */
export function getTagged(p: Packet, name: string): { tag: number; value: AttrValue } | undefined {
  const def = attributeDef(name)
  const raw = rawValues(p, def, 1)
  if (!raw.length) return undefined
  const value = decodeValue(def, raw[0])
  return value === undefined ? undefined : { tag: decodeTag(def, raw[0]), value }
}

/** valueName('Acct-Status-Type', 1) === 'Start'; undefined for an unnamed number or an unknown attribute. */
export function valueName(name: string, n: number): string | undefined {
  return dictionary.get(name)?.valueNames.get(n)
}

function rawValues(p: Packet, def: AttributeDef, limit: number): Buffer[] {
  if (!def.vendorId) return valuesOfType(p, def.code, limit)
  const found: Buffer[] = []
  for (const value of valuesOfType(p, VENDOR_SPECIFIC)) {
    if (found.length >= limit) break
    if (vendorIdOf(value) === def.vendorId && isWellFormedVsa(value)) collectVendorValues(value, def.code, found, limit)
  }
  return found
}

/**
 * The packet's attributes for a debug log, in order: `{name, value}` with
 * value names for enumerations, `tag` for tagged attributes, and secrets
 * (passwords, CHAP responses, keys) left out; `{type, vendor?, hex}` for what
 * no dictionary knows. JSON-safe (no bigint) and never throws.
 */
export function describe(p: Packet): Record<string, unknown>[] {
  const out: Record<string, unknown>[] = []
  for (const a of p.attributes) {
    if (a.type !== VENDOR_SPECIFIC) {
      const def = dictionary.standardAttribute(a.type)
      out.push(def ? described(def, a.value) : { type: a.type, hex: a.value.toString('hex') })
      continue
    }
    const vendor = vendorIdOf(a.value)
    if (vendor < 0 || !dictionary.vendorName(vendor) || !isWellFormedVsa(a.value)) {
      out.push(vendor < 0 ? { type: a.type, hex: a.value.toString('hex') } : { type: a.type, vendor, hex: a.value.subarray(4).toString('hex') })
      continue
    }
    for (const sub of splitVsa(a.value)) {
      const def = dictionary.vendorAttribute(vendor, sub.type)
      out.push(def ? described(def, sub.value) : { type: a.type, vendor, vendorType: sub.type, hex: sub.value.toString('hex') })
    }
  }
  return out
}

function described(def: AttributeDef, raw: Buffer): Record<string, unknown> {
  if (def.secret) return { name: def.name, value: `<${raw.length} octets hidden>` }
  const value = decodeValue(def, raw)
  if (value === undefined) return { name: def.name, malformed: true, hex: raw.toString('hex') }
  const entry: Record<string, unknown> = { name: def.name, value: printable(def, value) }
  const tag = decodeTag(def, raw)
  if (tag) entry.tag = tag
  return entry
}

function printable(def: AttributeDef, value: AttrValue): unknown {
  if (typeof value === 'number') return def.valueNames.get(value) ?? value
  if (typeof value === 'bigint') return value.toString()
  if (Buffer.isBuffer(value)) return `0x${value.toString('hex')}`
  if (value instanceof Date) return value.toISOString()
  return value
}
