// Typed attributes: what attr() writes, byte for byte where the layout is the
// point (VSAs, tags, IPv6 prefixes), and that getAttr() reads back every
// dictionary attribute it wrote.
import t from 'tap'
import { Dictionary, dictionary, type AttributeDef } from '../../radius/dictionary/index.js'
import {
  attr,
  attributePicker,
  decodePacket,
  decodeValue,
  describe,
  encodePacket,
  encodeValue,
  getAll,
  getAttr,
  getRaw,
  getTagged,
  valueName,
  type AttrValue,
  type Packet,
  type RawAttribute,
} from '../../radius/codec/index.js'

function packetOf(...attributes: RawAttribute[]): Packet {
  return decodePacket(encodePacket({ code: 2, identifier: 9, authenticator: Buffer.alloc(16, 1), attributes }))
}

const wire = (a: RawAttribute) => Buffer.concat([Buffer.of(a.type, a.value.length + 2), a.value]).toString('hex')

/** A value of the attribute's type, and what getAttr() gives back for it. */
function sample(def: AttributeDef): { value: AttrValue; read: AttrValue } {
  if (def.encrypt) return { value: Buffer.alloc(16, 0x5a), read: Buffer.alloc(16, 0x5a) }
  switch (def.type) {
    case 'string':
      return { value: 'Quảng trường', read: 'Quảng trường' }
    case 'octets':
    case 'vsa':
      return { value: Buffer.from([0, 1, 2, 0xff]), read: Buffer.from([0, 1, 2, 0xff]) }
    case 'integer': {
      const named = def.values.entries().next().value
      if (named) return { value: named[0], read: named[1] }
      return def.tagged ? { value: 0xabcdef, read: 0xabcdef } : { value: 4_000_000_000, read: 4_000_000_000 }
    }
    case 'ipaddr':
      return { value: '10.20.30.40', read: '10.20.30.40' }
    case 'ipv6addr':
      return { value: '2001:DB8:0:0:8:800:200C:417A', read: '2001:db8::8:800:200c:417a' }
    case 'ipv6prefix':
      return { value: '2001:db8:ab00::/40', read: '2001:db8:ab00::/40' }
    case 'date':
      return { value: new Date('2024-07-01T00:00:00Z'), read: new Date('2024-07-01T00:00:00Z') }
    case 'integer64':
      return { value: 2n ** 40n + 7n, read: 2n ** 40n + 7n }
  }
}

t.test('every dictionary attribute reads back what attr() wrote', async (t) => {
  let count = 0
  for (const def of dictionary.attributes()) {
    const { value, read } = sample(def)
    const tag = def.tagged && !def.encrypt ? 5 : undefined
    const p = packetOf(attr(def.name, value, tag), attr(def.name, value, tag))
    t.same(getAttr(p, def.name), read, def.name)
    t.equal(getAll(p, def.name).length, 2, `${def.name}: both occurrences`)
    if (tag) t.same(getTagged(p, def.name), { tag, value: read }, `${def.name}: tag ${tag}`)
    count++
  }
  t.ok(count > 150, `${count} attributes`)
})

t.test('a vendor attribute is a Vendor-Specific in the RFC 2865 §5.26 layout', async (t) => {
  // 1a len | Vendor-Id (4) | vendor type | vendor length | value
  t.equal(wire(attr('WISPr-Bandwidth-Max-Down', 2_000_000)), '1a0c0000372a0806001e8480')
  t.equal(wire(attr('WISPr-Redirection-URL', 'http://x/')), '1a110000372a040b687474703a2f2f782f')
  t.equal(wire(attr('ChilliSpot-Max-Total-Octets', 1_000_000_000)), '1a0c000038df03063b9aca00')
  t.equal(wire(attr('ChilliSpot-Bandwidth-Max-Up', 512_000)), '1a0c000038df04060007d000')
  t.equal(wire(attr('Mikrotik-Rate-Limit', '2M/2M')), '1a0d00003a8c0807324d2f324d')
  t.equal(wire(attr('Mikrotik-Host-IP', '10.0.0.1')), '1a0c00003a8c0a060a000001')
  t.equal(wire(attr('Cisco-AVPair', 'ip:inacl#1=deny')), '1a17' + '00000009' + '0111' + '69703a696e61636c23313d64656e79')
  const p = packetOf(attr('Mikrotik-Rate-Limit', '2M/2M'))
  t.equal(p.attributes[0].type, 26, 'stays type 26 in the packet')
  t.equal(getRaw(p, 'Mikrotik-Rate-Limit')?.toString(), '2M/2M', 'getRaw gives the octets inside the VSA')
  t.equal(getAttr(p, 'Mikrotik-Group'), undefined, 'another type of the same vendor is absent')
  t.equal(getAttr(p, 'WISPr-Location-Name'), undefined, 'another vendor is absent')
})

t.test('one Vendor-Specific may carry several vendor attributes', async (t) => {
  const vsa = Buffer.from('0000372a' + '0806001e8480' + '0706000f4240' + '0806000003e8', 'hex')
  const p = packetOf({ type: 26, value: vsa }, attr('WISPr-Bandwidth-Max-Down', 5))
  t.equal(getAttr(p, 'WISPr-Bandwidth-Max-Down'), 2_000_000)
  t.same(getAll(p, 'WISPr-Bandwidth-Max-Down'), [2_000_000, 1000, 5])
  t.equal(getAttr(p, 'WISPr-Bandwidth-Max-Up'), 1_000_000)
  t.same(describe(p), [
    { name: 'WISPr-Bandwidth-Max-Down', value: 2_000_000 },
    { name: 'WISPr-Bandwidth-Max-Up', value: 1_000_000 },
    { name: 'WISPr-Bandwidth-Max-Down', value: 1000 },
    { name: 'WISPr-Bandwidth-Max-Down', value: 5 },
  ])
})

t.test('unknown attributes, vendors and vendor types pass through as octets', async (t) => {
  const unknownVendor = { type: 26, value: Buffer.from('000004d2010603e80000', 'hex') }
  const unknownType = { type: 26, value: Buffer.from('00003a8cfe05616263', 'hex') }
  const brokenVsa = { type: 26, value: Buffer.from('00003a8c0809324d', 'hex') }
  const shortVsa = { type: 26, value: Buffer.from('0000', 'hex') }
  const p = packetOf({ type: 17, value: Buffer.from('hi') }, unknownVendor, unknownType, brokenVsa, shortVsa, attr('User-Name', 'nemo'))
  t.same(describe(p), [
    { type: 17, hex: '6869' },
    { type: 26, vendor: 1234, hex: '010603e80000' },
    { type: 26, vendor: 14988, vendorType: 254, hex: '616263' },
    { type: 26, vendor: 14988, hex: '0809324d' },
    { type: 26, hex: '0000' },
    { name: 'User-Name', value: 'nemo' },
  ])
  t.equal(getAttr(p, 'Mikrotik-Rate-Limit'), undefined, 'a VSA whose sub-attribute overruns it is not read')
  t.equal(getAttr(p, 'User-Name'), 'nemo')
  t.same(encodePacket(p), p.raw, 'and they are re-encoded unchanged')
})

t.test('tagged attributes (RFC 2868 §3.1): VLAN assignment', async (t) => {
  t.equal(wire(attr('Tunnel-Type', 'VLAN', 1)), '40060100000d')
  t.equal(wire(attr('Tunnel-Medium-Type', 'IEEE-802', 1)), '410601000006')
  t.equal(wire(attr('Tunnel-Private-Group-Id', '120', 1)), '5106013132' + '30')
  t.equal(wire(attr('Tunnel-Type', 'VLAN')), '40060000000d', 'a tagged integer always has its tag octet, 0 if unused')
  t.equal(wire(attr('Tunnel-Private-Group-Id', '120')), '5105313230', 'a string needs none')
  t.equal(wire(attr('Tunnel-Private-Group-Id', '\x05x')), '51050005' + '78', 'unless its first octet looks like a tag')
  const p = packetOf(attr('Tunnel-Type', 13, 2), attr('Tunnel-Private-Group-Id', '120', 2), attr('Tunnel-Server-Endpoint', 'vpn.example'))
  t.equal(getAttr(p, 'Tunnel-Type'), 13)
  t.same(getTagged(p, 'Tunnel-Type'), { tag: 2, value: 13 })
  t.same(getTagged(p, 'Tunnel-Private-Group-Id'), { tag: 2, value: '120' })
  t.same(getTagged(p, 'Tunnel-Server-Endpoint'), { tag: 0, value: 'vpn.example' })
  t.same(describe(p), [
    { name: 'Tunnel-Type', value: 'VLAN', tag: 2 },
    { name: 'Tunnel-Private-Group-Id', value: '120', tag: 2 },
    { name: 'Tunnel-Server-Endpoint', value: 'vpn.example' },
  ])
  t.throws(() => attr('Tunnel-Type', 'VLAN', 32), RangeError, 'tags are 0..31')
  t.throws(() => attr('Tunnel-Type', 'VLAN', -1), RangeError)
  t.throws(() => attr('Tunnel-Type', 0x1000000, 1), RangeError, '24 bits for a tagged integer')
  t.throws(() => attr('User-Name', 'nemo', 1), TypeError, 'no tag on an untagged attribute')
  t.throws(() => attr('Tunnel-Password', 'secret'), TypeError, 'Tunnel-Password must come hidden')
})

t.test('enumerated values by name', async (t) => {
  t.equal(wire(attr('Acct-Status-Type', 'Interim-Update')), '280600000003')
  t.equal(wire(attr('Acct-Status-Type', 3)), '280600000003')
  t.equal(valueName('Acct-Status-Type', 1), 'Start')
  t.equal(valueName('Acct-Status-Type', 2), 'Stop')
  t.equal(valueName('Acct-Status-Type', 3), 'Interim-Update')
  t.equal(valueName('Acct-Status-Type', 7), 'Accounting-On')
  t.equal(valueName('Acct-Status-Type', 8), 'Accounting-Off')
  t.equal(valueName('Acct-Terminate-Cause', 4), 'Idle-Timeout')
  t.equal(valueName('Acct-Terminate-Cause', 5), 'Session-Timeout')
  t.equal(valueName('Service-Type', 17), 'Authorize-Only')
  t.equal(valueName('Error-Cause', 503), 'Session-Context-Not-Found')
  t.equal(valueName('NAS-Port-Type', 19), 'Wireless-802.11')
  t.equal(valueName('Tunnel-Type', 13), 'VLAN')
  t.equal(valueName('Tunnel-Medium-Type', 6), 'IEEE-802')
  t.equal(valueName('Framed-Protocol', 1), 'PPP')
  t.equal(valueName('Acct-Status-Type', 99), undefined)
  t.equal(valueName('No-Such-Attribute', 1), undefined)
  t.throws(() => attr('Acct-Status-Type', 'Interim'), RangeError)
  t.throws(() => attr('NAS-Port', 'Start'), RangeError, 'NAS-Port has no named values')
})

t.test('values of every type, on the wire', async (t) => {
  t.equal(wire(attr('User-Name', 'Nguyễn')), '010a4e677579e1bb856e', 'UTF-8')
  t.equal(wire(attr('User-Name', Buffer.from([0xff, 0xfe]))), '0104fffe', 'bytes as they are')
  t.equal(wire(attr('NAS-Port', 0)), '050600000000')
  t.equal(wire(attr('Session-Timeout', 0xffffffff)), '1b06ffffffff')
  t.equal(wire(attr('Framed-IP-Address', '192.0.2.1')), '0806c0000201')
  t.equal(wire(attr('Framed-IP-Address', Buffer.from([192, 0, 2, 1]))), '0806c0000201')
  t.equal(wire(attr('Event-Timestamp', new Date(1_700_000_000_999))), '37066553f100', 'whole seconds')
  t.equal(wire(attr('Event-Timestamp', 1_700_000_000)), '37066553f100', 'or seconds')
  t.equal(wire(attr('NAS-IPv6-Address', '::1')), '5f1200000000000000000000000000000001')
  t.equal(wire(attr('Framed-IPv6-Prefix', '2001:db8::/32')), '6108' + '0020' + '20010db8', 'only the octets the prefix needs')
  t.equal(wire(attr('Framed-IPv6-Prefix', '::/0')), '61040000')
  t.equal(wire(attr('Framed-IPv6-Prefix', '2001:db8::1/128')), '611400' + '80' + '20010db8000000000000000000000001')
  t.equal(wire(attr('Framed-IPv6-Prefix', '2001:db8:8000::/33')), '610900' + '21' + '20010db880')
  t.equal(wire(attr('Class', Buffer.from('abc'))), '1905616263')
})

t.test('values attr() refuses', async (t) => {
  t.throws(() => attr('No-Such-Attribute', 'x'), TypeError)
  t.throws(() => attr('User-Name', 5), TypeError)
  t.throws(() => attr('User-Name', ''), RangeError, 'RFC 2865 §5: no empty values')
  t.throws(() => attr('User-Name', 'x'.repeat(254)), RangeError)
  t.doesNotThrow(() => attr('User-Name', 'x'.repeat(253)))
  t.throws(() => attr('Mikrotik-Rate-Limit', 'x'.repeat(248)), RangeError, 'a VSA leaves 247 octets')
  t.doesNotThrow(() => attr('Mikrotik-Rate-Limit', 'x'.repeat(247)))
  t.throws(() => attr('Class', 'text'), TypeError, 'octets want a Buffer')
  t.throws(() => attr('Class', Buffer.alloc(0)), RangeError)
  t.throws(() => attr('NAS-Port', -1), RangeError)
  t.throws(() => attr('NAS-Port', 2 ** 32), RangeError)
  t.throws(() => attr('NAS-Port', 1.5), RangeError)
  t.throws(() => attr('NAS-Port', 5n), TypeError)
  for (const bad of ['10.0.0', '10.0.0.256', '010.0.0.1', '10.0.0.1.', '10..0.1', ' 10.0.0.1', '', 'nas.example']) {
    t.throws(() => attr('NAS-IP-Address', bad), TypeError, `IPv4 ${JSON.stringify(bad)}`)
  }
  t.throws(() => attr('NAS-IP-Address', Buffer.alloc(5)), TypeError)
  for (const bad of [':::', '1::2::3', '12345::', 'g::1', '1:2:3:4:5:6:7:8:9', '1:2:3:4:5:6:7', ':1', '1:', '::1.2.3', '1:2:3:4:5:6:7:1.2.3.4', 'fe80::1%eth0']) {
    t.throws(() => attr('NAS-IPv6-Address', bad), TypeError, `IPv6 ${JSON.stringify(bad)}`)
  }
  t.throws(() => attr('Framed-IPv6-Prefix', '2001:db8::1/64'), RangeError, 'host bits set')
  t.throws(() => attr('Framed-IPv6-Prefix', '2001:db8:8000::/32'), RangeError, 'host bits set in a partial octet')
  t.throws(() => attr('Framed-IPv6-Prefix', '2001:db8::/129'), TypeError)
  t.throws(() => attr('Framed-IPv6-Prefix', '2001:db8::'), TypeError)
  t.throws(() => attr('Event-Timestamp', Date.now()), RangeError, 'milliseconds are out of range')
  t.throws(() => attr('Event-Timestamp', new Date(-1000)), RangeError)
  t.throws(() => attr('Event-Timestamp', 'yesterday'), TypeError)
  t.throws(() => attr('User-Password', 'arctangent'), TypeError, 'User-Password must come hidden')
  t.doesNotThrow(() => attr('User-Password', Buffer.alloc(16)))
})

t.test('IPv6 text is read in any form and printed in the RFC 5952 form', async (t) => {
  const cases: [string, string][] = [
    ['2001:0DB8:0000:0000:0000:0000:0000:0001', '2001:db8::1'],
    ['::', '::'],
    ['::1', '::1'],
    ['1::', '1::'],
    ['1:0:0:1:0:0:0:1', '1:0:0:1::1'],
    ['1:0:0:2:3:0:0:4', '1::2:3:0:0:4'],
    ['1:0:2:3:4:5:6:7', '1:0:2:3:4:5:6:7'],
    ['::ffff:192.0.2.1', '::ffff:192.0.2.1'],
    ['::ffff:c000:201', '::ffff:192.0.2.1'],
    ['::fffe:c000:201', '::fffe:c000:201'],
    ['64:ff9b::192.0.2.33', '64:ff9b::c000:221'],
  ]
  for (const [input, printed] of cases) t.equal(getAttr(packetOf(attr('NAS-IPv6-Address', input)), 'NAS-IPv6-Address'), printed, input)
})

t.test('values that do not fit their type read as undefined, never throw', async (t) => {
  const p = packetOf(
    { type: 5, value: Buffer.from([0, 0, 3]) },
    { type: 4, value: Buffer.from([10, 0, 0, 1, 9]) },
    { type: 55, value: Buffer.alloc(8) },
    { type: 95, value: Buffer.alloc(4) },
    { type: 97, value: Buffer.from([0, 64, 0x20, 0x01]) },
    { type: 97, value: Buffer.from([0, 129]) },
    { type: 97, value: Buffer.alloc(19) },
    { type: 64, value: Buffer.from([1, 0, 13]) },
    { type: 5, value: Buffer.from([0, 0, 0, 4]) },
  )
  t.equal(getAttr(p, 'NAS-Port'), undefined, 'the first NAS-Port is 3 octets')
  t.same(getAll(p, 'NAS-Port'), [4], 'getAll skips it')
  t.equal(getAttr(p, 'NAS-IP-Address'), undefined)
  t.equal(getAttr(p, 'Event-Timestamp'), undefined)
  t.equal(getAttr(p, 'NAS-IPv6-Address'), undefined)
  t.same(getAll(p, 'Framed-IPv6-Prefix'), [], 'prefix octets short of /64, /129, 19 octets')
  t.equal(getAttr(p, 'Tunnel-Type'), undefined)
  t.equal(getTagged(p, 'Tunnel-Type'), undefined)
  t.same(describe(p)[0], { name: 'NAS-Port', malformed: true, hex: '000003' })
})

t.test('describe() is for logs: names, value names, no secrets, JSON-safe', async (t) => {
  const p = packetOf(
    attr('User-Name', 'nemo'),
    attr('User-Password', Buffer.alloc(16, 7)),
    { type: 3, value: Buffer.alloc(17, 1) },
    attr('Acct-Status-Type', 'Stop'),
    attr('Acct-Terminate-Cause', 'Idle-Timeout'),
    attr('Event-Timestamp', new Date('2024-01-02T03:04:05Z')),
    attr('Class', Buffer.from([0xca, 0xfe])),
    attr('Mikrotik-Wireless-PSK', 'hunter2hunter2'),
    attr('NAS-Port', 77),
  )
  const d = describe(p)
  t.same(d, [
    { name: 'User-Name', value: 'nemo' },
    { name: 'User-Password', value: '<16 octets hidden>' },
    { name: 'CHAP-Password', value: '<17 octets hidden>' },
    { name: 'Acct-Status-Type', value: 'Stop' },
    { name: 'Acct-Terminate-Cause', value: 'Idle-Timeout' },
    { name: 'Event-Timestamp', value: '2024-01-02T03:04:05.000Z' },
    { name: 'Class', value: '0xcafe' },
    { name: 'Mikrotik-Wireless-PSK', value: '<14 octets hidden>' },
    { name: 'NAS-Port', value: 77 },
  ])
  t.notMatch(JSON.stringify(d), /hunter2/)
})

t.test('getAttr() and friends throw on a name no dictionary has (a typo)', async (t) => {
  const p = packetOf(attr('User-Name', 'nemo'))
  t.throws(() => getAttr(p, 'User-name'), TypeError)
  t.throws(() => getAll(p, 'Acct-Input-Gigaword'), TypeError)
  t.throws(() => getRaw(p, 'nope'), TypeError)
})

t.test('integer64 and the type checks of encodeValue/decodeValue', async (t) => {
  const test = new Dictionary([{ source: 'test', attributes: [['Test-Counter', 250, 'integer64']] }])
  const def = test.get('Test-Counter')!
  t.equal(encodeValue(def, 2n ** 64n - 1n).toString('hex'), 'ffffffffffffffff')
  t.equal(encodeValue(def, 300).toString('hex'), '000000000000012c')
  t.equal(decodeValue(def, Buffer.from('0000010000000007', 'hex')), 2n ** 40n + 7n)
  t.equal(decodeValue(def, Buffer.alloc(4)), undefined)
  t.throws(() => encodeValue(def, 2n ** 64n), RangeError)
  t.throws(() => encodeValue(def, -1n), RangeError)
  t.throws(() => encodeValue(def, 1.5), TypeError)
  const p = decodePacket(encodePacket({ code: 4, identifier: 0, authenticator: Buffer.alloc(16), attributes: [{ type: 250, value: encodeValue(def, 5n) }] }))
  t.same(describe(p), [{ type: 250, hex: '0000000000000005' }], 'the default dictionary does not know it')
})

t.test('attributePicker: the first of each, in one walk, as getRaw reads them', async (t) => {
  const picker = attributePicker(['User-Name', 'User-Password', 'CHAP-Password', 'Calling-Station-Id'])
  const p = packetOf(
    attr('NAS-Identifier', 'ap-1'),
    attr('Calling-Station-Id', 'AA-BB-CC-00-11-22'),
    attr('User-Name', 'first'),
    attr('ChilliSpot-Bandwidth-Max-Up', 5),
    attr('User-Name', 'second'),
    attr('User-Password', Buffer.alloc(16, 7)),
    attr('Calling-Station-Id', '11-22-33-44-55-66'),
  )
  const names = ['User-Name', 'User-Password', 'CHAP-Password', 'Calling-Station-Id']
  const picked = [...picker.pick(p)]
  t.same(picked, names.map((n) => getRaw(p, n)), 'the same octets as getRaw, absent as undefined')
  t.equal(decodeValue(picker.defs[0]!, picked[0]!), 'first', 'the first User-Name')
  t.equal(decodeValue(picker.defs[3]!, picked[3]!), 'AA-BB-CC-00-11-22', 'the first Calling-Station-Id')
  // A packet built in memory (no raw octets to walk) reads the same.
  const built: Packet = { code: 1, identifier: 1, authenticator: Buffer.alloc(16), raw: Buffer.alloc(20), attributes: p.attributes }
  t.same([...picker.pick(built)], picked, 'a packet that is not decoded from octets')
  // The array is reused: a packet without them clears what the last one left.
  t.same([...picker.pick(packetOf(attr('NAS-Identifier', 'ap-2')))], [undefined, undefined, undefined, undefined], 'nothing of the last packet left')
  t.throws(() => attributePicker(['ChilliSpot-Bandwidth-Max-Up']), /standard attributes only/, 'no vendor attributes')
  t.throws(() => attributePicker(['User-Name', 'User-Name']), /twice/)
})
