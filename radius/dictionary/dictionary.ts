import type { AttributeFlags, AttributeType, DictionarySource } from './types.js'

/** One attribute as the codec uses it, with its named values. */
export interface AttributeDef {
  readonly name: string
  /** The attribute type (1-255), or the vendor type inside a Vendor-Specific. */
  readonly code: number
  readonly type: AttributeType
  /** 0 for a standard attribute. */
  readonly vendorId: number
  readonly vendorName: string | undefined
  readonly tagged: boolean
  readonly encrypt: AttributeFlags['encrypt']
  readonly secret: boolean
  readonly source: string
  readonly values: ReadonlyMap<string, number>
  readonly valueNames: ReadonlyMap<number, string>
}

interface MutableDef extends AttributeDef {
  readonly values: Map<string, number>
  readonly valueNames: Map<number, string>
}

interface Vendor {
  readonly name: string
  readonly types: (MutableDef | undefined)[]
}

/**
 * Sources joined into lookup tables built once: by name, by standard type and
 * by (vendor, vendor type). A clash between sources (a name or number used
 * twice, a value for an unknown attribute) throws while building, so a bad
 * dictionary line fails at start-up and in the tests, never on a packet.
 */
export class Dictionary {
  private readonly byName = new Map<string, MutableDef>()
  private readonly standard: (MutableDef | undefined)[] = new Array(256).fill(undefined)
  private readonly vendors = new Map<number, Vendor>()

  constructor(readonly sources: readonly DictionarySource[]) {
    for (const s of sources) this.addAttributes(s)
    for (const s of sources) this.addValues(s)
  }

  /** The attribute called `name` (FreeRADIUS spelling, case-sensitive). */
  get(name: string): AttributeDef | undefined {
    return this.byName.get(name)
  }

  standardAttribute(type: number): AttributeDef | undefined {
    return this.standard[type]
  }

  vendorAttribute(vendorId: number, vendorType: number): AttributeDef | undefined {
    return this.vendors.get(vendorId)?.types[vendorType]
  }

  vendorName(vendorId: number): string | undefined {
    return this.vendors.get(vendorId)?.name
  }

  attributes(): IterableIterator<AttributeDef> {
    return this.byName.values()
  }

  private addAttributes(s: DictionarySource): void {
    let table = this.standard
    const vendorId = s.vendor?.id ?? 0
    if (s.vendor) {
      const { name, id } = s.vendor
      if (!Number.isInteger(id) || id < 1 || id > 0xffffff) throw new Error(`${s.source}: vendor id ${id} is not 1..16777215`)
      const known = this.vendors.get(id)
      if (known && known.name !== name) throw new Error(`${s.source}: vendor ${id} is already called ${known.name}`)
      const vendor = known ?? { name, types: new Array(256).fill(undefined) }
      this.vendors.set(id, vendor)
      table = vendor.types
    }
    for (const [name, code, type, flags = {}] of s.attributes) {
      if (!Number.isInteger(code) || code < 1 || code > 255) throw new Error(`${s.source}: ${name} has number ${code}, not 1..255`)
      if (this.byName.has(name)) throw new Error(`${s.source}: ${name} is defined twice`)
      const taken = table[code]
      if (taken) throw new Error(`${s.source}: ${name} takes number ${code} from ${taken.name}`)
      if (flags.tagged && type !== 'integer' && type !== 'string') throw new Error(`${s.source}: ${name}: only integer and string attributes take a tag`)
      if (flags.encrypt && type !== 'string') throw new Error(`${s.source}: ${name}: only string attributes are hidden`)
      const def: MutableDef = {
        name,
        code,
        type,
        vendorId,
        vendorName: s.vendor?.name,
        tagged: flags.tagged === true,
        encrypt: flags.encrypt,
        secret: flags.secret === true,
        source: s.source,
        values: new Map(),
        valueNames: new Map(),
      }
      this.byName.set(name, def)
      table[code] = def
    }
  }

  private addValues(s: DictionarySource): void {
    for (const [attribute, values] of Object.entries(s.values ?? {})) {
      const def = this.byName.get(attribute)
      if (!def) throw new Error(`${s.source}: values for unknown attribute ${attribute}`)
      if (def.type !== 'integer') throw new Error(`${s.source}: values for ${attribute}, which is not an integer`)
      // RFC 2868 §3.1: a tagged integer keeps 24 bits for the value.
      const max = def.tagged ? 0xffffff : 0xffffffff
      for (const [name, n] of Object.entries(values)) {
        if (!Number.isInteger(n) || n < 0 || n > max) throw new Error(`${s.source}: ${attribute} ${name} = ${n} is out of range`)
        if (def.values.has(name)) throw new Error(`${s.source}: ${attribute} ${name} is defined twice`)
        const other = def.valueNames.get(n)
        if (other !== undefined) throw new Error(`${s.source}: ${attribute} ${name} = ${n} is already ${other}`)
        def.values.set(name, n)
        def.valueNames.set(n, name)
      }
    }
  }
}
