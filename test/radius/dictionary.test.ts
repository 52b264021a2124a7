// The dictionaries as data: what citywifi relies on is there, lookups work,
// and a bad line fails while building, not on a packet.
import t from 'tap'
import { Dictionary, SOURCES, dictionary, type DictionarySource } from '../../radius/dictionary/index.js'

t.test('the attributes citywifi relies on, with FreeRADIUS names', async (t) => {
  const expect: [string, number, number, string][] = [
    ['User-Name', 0, 1, 'string'],
    ['Acct-Input-Gigawords', 0, 52, 'integer'],
    ['Event-Timestamp', 0, 55, 'date'],
    ['Message-Authenticator', 0, 80, 'octets'],
    ['Error-Cause', 0, 101, 'integer'],
    ['Framed-IPv6-Prefix', 0, 97, 'ipv6prefix'],
    ['NAS-IPv6-Address', 0, 95, 'ipv6addr'],
    ['Operator-Name', 0, 126, 'string'],
    ['WISPr-Bandwidth-Max-Down', 14122, 8, 'integer'],
    ['ChilliSpot-Bandwidth-Max-Up', 14559, 4, 'integer'],
    ['ChilliSpot-Max-Total-Octets', 14559, 3, 'integer'],
    ['ChilliSpot-Max-Total-Gigawords', 14559, 23, 'integer'],
    ['Mikrotik-Rate-Limit', 14988, 8, 'string'],
    ['Cisco-AVPair', 9, 1, 'string'],
  ]
  for (const [name, vendor, code, type] of expect) {
    const def = dictionary.get(name)
    t.same(def && [def.vendorId, def.code, def.type], [vendor, code, type], name)
  }
  t.ok(dictionary.get('Tunnel-Private-Group-Id')?.tagged)
  t.equal(dictionary.get('User-Password')?.encrypt, 'user-password')
  t.equal(dictionary.get('Tunnel-Password')?.encrypt, 'tunnel-password')
})

t.test('the enumerations the server reads by name', async (t) => {
  const expect: [string, string, number][] = [
    ['Service-Type', 'Login-User', 1],
    ['Service-Type', 'Framed-User', 2],
    ['Service-Type', 'Call-Check', 10],
    ['Acct-Status-Type', 'Start', 1],
    ['Acct-Status-Type', 'Stop', 2],
    ['Acct-Status-Type', 'Interim-Update', 3],
    ['Acct-Status-Type', 'Accounting-On', 7],
    ['Acct-Status-Type', 'Accounting-Off', 8],
    ['Acct-Terminate-Cause', 'User-Request', 1],
    ['Acct-Terminate-Cause', 'Lost-Carrier', 2],
    ['Acct-Terminate-Cause', 'Idle-Timeout', 4],
    ['Acct-Terminate-Cause', 'Session-Timeout', 5],
    ['Acct-Terminate-Cause', 'Admin-Reset', 6],
    ['Acct-Terminate-Cause', 'NAS-Request', 10],
    ['Acct-Terminate-Cause', 'NAS-Reboot', 11],
    ['NAS-Port-Type', 'Ethernet', 15],
    ['NAS-Port-Type', 'Wireless-802.11', 19],
    ['Error-Cause', 'Unsupported-Attribute', 401],
    ['Error-Cause', 'Missing-Attribute', 402],
    ['Error-Cause', 'Invalid-Request', 404],
    ['Error-Cause', 'Session-Context-Not-Found', 503],
    ['Framed-Protocol', 'PPP', 1],
    ['Tunnel-Type', 'VLAN', 13],
    ['Tunnel-Medium-Type', 'IEEE-802', 6],
  ]
  for (const [attribute, name, n] of expect) {
    t.equal(dictionary.get(attribute)?.values.get(name), n, `${attribute} ${name}`)
    t.equal(dictionary.get(attribute)?.valueNames.get(n), name, `${attribute} ${n}`)
  }
})

t.test('lookups by number', async (t) => {
  t.equal(dictionary.standardAttribute(1)?.name, 'User-Name')
  t.equal(dictionary.standardAttribute(26)?.name, 'Vendor-Specific')
  t.equal(dictionary.standardAttribute(17), undefined, 'unassigned')
  t.equal(dictionary.standardAttribute(300), undefined)
  t.equal(dictionary.vendorAttribute(14988, 8)?.name, 'Mikrotik-Rate-Limit')
  t.equal(dictionary.vendorAttribute(14988, 200), undefined)
  t.equal(dictionary.vendorAttribute(12345, 1), undefined)
  t.equal(dictionary.vendorName(14559), 'ChilliSpot')
  t.equal(dictionary.vendorName(12345), undefined)
})

t.test('sources are tidy: vendor attributes carry their vendor prefix, no empty sources', async (t) => {
  for (const s of SOURCES) {
    t.ok(s.attributes.length > 0 || Object.keys(s.values ?? {}).length > 0, `${s.source} defines something`)
    if (!s.vendor) continue
    const prefix = s.vendor.name === 'WISPr' ? 'WISPr-' : `${s.vendor.name}-`
    for (const [name] of s.attributes) t.ok(name.startsWith(prefix), `${name} starts with ${prefix}`)
  }
  const all = [...dictionary.attributes()]
  t.equal(all.length, SOURCES.reduce((n, s) => n + s.attributes.length, 0), 'every line became one attribute')
})

t.test('a bad dictionary line fails while building', async (t) => {
  const base: DictionarySource = { source: 'test', attributes: [['Test-A', 1, 'integer']] }
  const build = (...sources: DictionarySource[]) => () => new Dictionary(sources)
  t.doesNotThrow(build(base))
  t.throws(build(base, { source: 'again', attributes: [['Test-A', 2, 'string']] }), /defined twice/)
  t.throws(build(base, { source: 'clash', attributes: [['Test-B', 1, 'string']] }), /takes number 1 from Test-A/)
  t.doesNotThrow(build(base, { source: 'vendor', vendor: { name: 'V', id: 99 }, attributes: [['V-B', 1, 'string']] }), 'a vendor has its own numbers')
  t.throws(build({ source: 'zero', attributes: [['Test-Z', 0, 'string']] }), /not 1\.\.255/)
  t.throws(build({ source: 'big', attributes: [['Test-Z', 256, 'string']] }), /not 1\.\.255/)
  t.throws(build(base, { source: 'values', attributes: [], values: { 'Test-Nope': { X: 1 } } }), /unknown attribute/)
  t.throws(build({ source: 's', attributes: [['Test-S', 1, 'string']], values: { 'Test-S': { X: 1 } } }), /not an integer/)
  t.throws(build({ ...base, values: { 'Test-A': { X: 1, Y: 1 } } }), /already X/)
  t.throws(build({ ...base, values: { 'Test-A': { X: -1 } } }), /out of range/)
  t.throws(build({ ...base, values: { 'Test-A': { X: 2 ** 32 } } }), /out of range/)
  t.throws(build({ source: 'tag', attributes: [['Test-T', 1, 'integer', { tagged: true }]], values: { 'Test-T': { Big: 0x1000000 } } }), /out of range/)
  t.throws(build({ source: 'tag', attributes: [['Test-T', 1, 'octets', { tagged: true }]] }), /take a tag/)
  t.throws(build({ source: 'hidden', attributes: [['Test-H', 1, 'integer', { encrypt: 'user-password' }]] }), /hidden/)
  t.throws(
    build({ source: 'v1', vendor: { name: 'V', id: 99 }, attributes: [] }, { source: 'v2', vendor: { name: 'W', id: 99 }, attributes: [] }),
    /already called V/,
  )
  t.throws(build({ source: 'v', vendor: { name: 'V', id: 0 }, attributes: [] }), /vendor id/)
})
