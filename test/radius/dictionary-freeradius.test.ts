// Our dictionaries against FreeRADIUS's, as Debian's freeradius-common
// installs them: every attribute we define must have the same number, vendor
// and a compatible type there, and every value name the same number.
// Operators read FreeRADIUS's names in its documentation and configs.
import fs from 'node:fs'
import path from 'node:path'
import t from 'tap'
import { Dictionary, SOURCES, type AttributeDef, type DictionarySource } from '../../radius/dictionary/index.js'

const FREERADIUS_DIR = process.env.FREERADIUS_DICTIONARY_DIR ?? '/usr/share/freeradius'
const INSTALL = `${FREERADIUS_DIR}/dictionary is missing: run \`sudo bash scripts/install-test-deps.sh\` (it installs freeradius-common)`

/**
 * Defined by the vendor's own dictionary, not by FreeRADIUS's copy: checked
 * when FreeRADIUS has them, accepted when it does not.
 */
const NOT_IN_FREERADIUS: Record<string, string> = {
  'ChilliSpot-Acct-View-Point': 'CoovaChilli doc/dictionary.chillispot',
  'ChilliSpot-Max-Input-Gigawords': 'CoovaChilli doc/dictionary.chillispot',
  'ChilliSpot-Max-Output-Gigawords': 'CoovaChilli doc/dictionary.chillispot',
  'ChilliSpot-Max-Total-Gigawords': 'CoovaChilli doc/dictionary.chillispot',
}

interface FrAttribute {
  vendor: number
  number: string
  type: string
  flags: string[]
  file: string
}

interface FrDictionary {
  attributes: Map<string, FrAttribute[]>
  /** attribute → value name → numbers (more than one if FreeRADIUS redefines it) */
  values: Map<string, Map<string, number[]>>
}

/**
 * Reads FreeRADIUS's dictionary format: $INCLUDE, VENDOR, BEGIN-/END-VENDOR,
 * BEGIN-/END-TLV, `ATTRIBUTE name number type [flags|vendor]` and
 * `VALUE attribute name number`. Other directives are skipped.
 */
function readFreeRadius(file: string): FrDictionary {
  const dict: FrDictionary = { attributes: new Map(), values: new Map() }
  const vendorIds = new Map<string, number>()
  const seen = new Set<string>()
  const read = (f: string) => {
    const real = fs.realpathSync(f)
    if (seen.has(real)) return
    seen.add(real)
    const vendorStack: number[] = []
    let tlvDepth = 0
    for (const line of fs.readFileSync(real, 'utf8').split('\n')) {
      const words = line.replace(/#.*/, '').trim().split(/\s+/)
      switch (words[0]) {
        case '$INCLUDE':
        case '$INCLUDE-':
          if (words[0] === '$INCLUDE' || fs.existsSync(path.resolve(path.dirname(real), words[1]))) read(path.resolve(path.dirname(real), words[1]))
          break
        case 'VENDOR':
          vendorIds.set(words[1], Number(words[2]))
          break
        case 'BEGIN-VENDOR': {
          const id = vendorIds.get(words[1])
          if (id === undefined) throw new Error(`${real}: BEGIN-VENDOR ${words[1]} before VENDOR`)
          vendorStack.push(id)
          break
        }
        case 'END-VENDOR':
          vendorStack.pop()
          break
        case 'BEGIN-TLV':
          tlvDepth++
          break
        case 'END-TLV':
          tlvDepth--
          break
        case 'ATTRIBUTE': {
          const [, name, number, type, extra] = words
          // Old style: a vendor name in the fifth field instead of flags.
          const oldStyleVendor = extra && !extra.includes('=') ? vendorIds.get(extra) : undefined
          const vendor = oldStyleVendor ?? vendorStack.at(-1) ?? 0
          const entry: FrAttribute = { vendor, number: tlvDepth ? `tlv:${number}` : number, type, flags: extra && oldStyleVendor === undefined ? extra.split(',') : [], file: path.basename(real) }
          dict.attributes.set(name, [...(dict.attributes.get(name) ?? []), entry])
          break
        }
        case 'VALUE': {
          const [, attribute, name, number] = words
          const values = dict.values.get(attribute) ?? new Map<string, number[]>()
          values.set(name, [...(values.get(name) ?? []), Number(number)])
          dict.values.set(attribute, values)
          break
        }
      }
    }
  }
  read(file)
  return dict
}

function compatible(def: AttributeDef, fr: FrAttribute): boolean {
  const type = fr.type.replace(/\[\d+\]$/, '') // octets[16]: a fixed size
  const sameType = def.type === type || (def.type === 'octets' && type === 'ifid')
  const encrypt = fr.flags.find((f) => f.startsWith('encrypt='))
  const expectedEncrypt = def.encrypt === 'user-password' ? 'encrypt=1' : def.encrypt === 'tunnel-password' ? 'encrypt=2' : undefined
  return sameType && fr.flags.includes('has_tag') === def.tagged && encrypt === expectedEncrypt
}

/** Every difference between our sources and FreeRADIUS's dictionaries, as sentences. */
function differences(sources: readonly DictionarySource[], fr: FrDictionary): { problems: string[]; accepted: string[] } {
  const ours = new Dictionary(sources)
  const problems: string[] = []
  const accepted: string[] = []
  for (const def of ours.attributes()) {
    const theirs = fr.attributes.get(def.name)
    if (!theirs) {
      if (NOT_IN_FREERADIUS[def.name]) accepted.push(`${def.name} (${NOT_IN_FREERADIUS[def.name]})`)
      else problems.push(`${def.name} is not in FreeRADIUS's dictionaries`)
      continue
    }
    for (const a of theirs) {
      if (a.vendor !== def.vendorId) problems.push(`${def.name}: vendor ${def.vendorId} here, ${a.vendor} in ${a.file}`)
      if (a.number !== String(def.code)) problems.push(`${def.name}: number ${def.code} here, ${a.number} in ${a.file}`)
      if (!compatible(def, a)) problems.push(`${def.name}: type ${def.type}${def.tagged ? ' tagged' : ''}${def.encrypt ? ` ${def.encrypt}` : ''} here, ${a.type} ${a.flags.join(',')} in ${a.file}`)
    }
    for (const [name, n] of def.values) {
      const numbers = fr.values.get(def.name)?.get(name)
      if (!numbers) {
        if (NOT_IN_FREERADIUS[def.name]) continue
        problems.push(`${def.name} ${name} is not a FreeRADIUS value name`)
      } else if (numbers.some((x) => x !== n)) {
        problems.push(`${def.name} ${name}: ${n} here, ${numbers.join(' and ')} in FreeRADIUS`)
      }
    }
  }
  return { problems, accepted }
}

if (!fs.existsSync(path.join(FREERADIUS_DIR, 'dictionary'))) {
  t.fail(INSTALL)
} else {
  const fr = readFreeRadius(path.join(FREERADIUS_DIR, 'dictionary'))

  t.test('the reader understands FreeRADIUS', async (t) => {
    t.ok(fr.attributes.size > 5000, `${fr.attributes.size} attribute names read`)
    t.same(
      fr.attributes.get('User-Name')?.map((a) => [a.vendor, a.number, a.type]),
      [[0, '1', 'string']],
    )
    t.same(
      fr.attributes.get('Mikrotik-Rate-Limit')?.map((a) => [a.vendor, a.number, a.type]),
      [[14988, '8', 'string']],
    )
    t.same(fr.attributes.get('Tunnel-Password')?.[0].flags, ['has_tag', 'encrypt=2'])
    t.same(fr.values.get('Acct-Status-Type')?.get('Interim-Update'), [3])
  })

  t.test('every attribute and value we define matches FreeRADIUS', async (t) => {
    const { problems, accepted } = differences(SOURCES, fr)
    t.same(problems, [], 'no differences')
    for (const a of accepted) t.comment(`not in FreeRADIUS's dictionaries, accepted: ${a}`)
  })

  t.test('a changed number or type would be caught', async (t) => {
    const change = (name: string, edit: (line: DictionarySource['attributes'][number]) => DictionarySource['attributes'][number]) =>
      SOURCES.map((s) => ({ ...s, attributes: s.attributes.map((line) => (line[0] === name ? edit(line) : line)) }))
    t.match(differences(change('Acct-Input-Gigawords', ([n, , type]) => [n, 54, type]), fr).problems, ['Acct-Input-Gigawords: number 54 here, 52 in dictionary.rfc2869'])
    t.match(differences(change('Mikrotik-Rate-Limit', ([n, , type]) => [n, 31, type]), fr).problems, ['Mikrotik-Rate-Limit: number 31 here, 8 in dictionary.mikrotik'])
    t.match(differences(change('Event-Timestamp', ([n, code]) => [n, code, 'integer']), fr).problems, [/Event-Timestamp: type integer here, date/])
    t.match(differences(change('Tunnel-Type', ([n, code, type]) => [n, code, type]), fr).problems, [/Tunnel-Type: type integer here, integer has_tag/], 'a lost tag flag')
    const values = SOURCES.map((s) => (s.source === 'RFC 2866' ? { ...s, values: { ...s.values, 'Acct-Status-Type': { ...s.values?.['Acct-Status-Type'], 'Interim-Update': 4 } } } : s))
    t.match(differences(values, fr).problems, ['Acct-Status-Type Interim-Update: 4 here, 3 in FreeRADIUS'])
  })
}
