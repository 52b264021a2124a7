// Packet structure (RFC 2865 §3): what decodePacket refuses and why, and
// what encodePacket will not lay out.
import t from 'tap'
import { Code, DecodeError, MAX_PACKET_LENGTH, codeName, decodePacket, encodePacket, type DecodeReason } from '../../radius/codec/index.js'

const auth = Buffer.alloc(16, 0xab)

function packet(attributes: Buffer, length?: number): Buffer {
  const header = Buffer.alloc(20)
  header[0] = Code.AccessRequest
  header[1] = 7
  header.writeUInt16BE(length ?? 20 + attributes.length, 2)
  auth.copy(header, 4)
  return Buffer.concat([header, attributes])
}

function reason(buf: Buffer): DecodeReason | 'decoded' | 'other error' {
  try {
    decodePacket(buf)
    return 'decoded'
  } catch (err) {
    return err instanceof DecodeError ? err.reason : 'other error'
  }
}

t.test('a minimal packet and its header fields', async (t) => {
  const p = decodePacket(packet(Buffer.alloc(0)))
  t.equal(p.code, 1)
  t.equal(p.identifier, 7)
  t.ok(p.authenticator.equals(auth))
  t.same(p.attributes, [])
  t.equal(p.raw.length, 20)
})

t.test('attribute values are views into the datagram, not copies', async (t) => {
  const buf = packet(Buffer.from([1, 6, 0x6e, 0x65, 0x6d, 0x6f, 18, 2]))
  const p = decodePacket(buf)
  t.equal(p.attributes.length, 2)
  t.equal(p.attributes[0].value.toString(), 'nemo')
  t.equal(p.attributes[0].value.buffer, buf.buffer)
  t.equal(p.attributes[0].value.byteOffset, buf.byteOffset + 22)
  t.equal(p.attributes[1].value.length, 0, 'a zero-length value is structurally fine')
})

t.test('octets beyond the Length field are padding (RFC 2865 §3)', async (t) => {
  const real = packet(Buffer.from([5, 6, 0, 0, 0, 3]))
  const padded = Buffer.concat([real, Buffer.from([0xff, 0xff, 0x01])])
  const p = decodePacket(padded)
  t.equal(p.raw.length, real.length)
  t.ok(p.raw.equals(real))
  t.equal(p.attributes.length, 1)
})

t.test('structural errors are DecodeErrors with a reason', async (t) => {
  t.equal(reason(Buffer.alloc(0)), 'too_short')
  t.equal(reason(Buffer.alloc(19)), 'too_short')
  t.equal(reason(packet(Buffer.alloc(0), 19)), 'too_short', 'Length field below 20')
  t.equal(reason(packet(Buffer.alloc(0), 0)), 'too_short')
  t.equal(reason(packet(Buffer.alloc(4077), 4097)), 'too_long')
  t.equal(reason(packet(Buffer.alloc(0), 0xffff)), 'too_long')
  t.equal(reason(packet(Buffer.from([1, 6, 0x6e, 0x65, 0x6d, 0x6f]), 30)), 'length_mismatch', 'datagram shorter than Length')
  t.equal(reason(packet(Buffer.from([1]))), 'bad_attribute_length', 'half an attribute header')
  t.equal(reason(packet(Buffer.from([1, 0]))), 'bad_attribute_length', 'length 0')
  t.equal(reason(packet(Buffer.from([1, 1, 0]))), 'bad_attribute_length', 'length 1')
  t.equal(reason(packet(Buffer.from([1, 7, 0x6e, 0x65, 0x6d, 0x6f]))), 'bad_attribute_length', 'runs past the end')
  t.equal(reason(packet(Buffer.from([1, 255, 0x6e]))), 'bad_attribute_length', 'huge length')
  // The attribute fits the datagram but not the Length field.
  t.equal(reason(packet(Buffer.from([1, 6, 0x6e, 0x65, 0x6d, 0x6f]), 24)), 'bad_attribute_length')
  const err = (() => {
    try {
      decodePacket(Buffer.alloc(3))
    } catch (e) {
      return e as DecodeError
    }
  })()
  t.type(err, DecodeError)
  t.equal(err?.name, 'DecodeError')
  t.match(err?.message, /3 octets/)
})

t.test('a packet of exactly 4096 octets is fine, one more is not', async (t) => {
  const attributes = Array.from({ length: 16 }, () => ({ type: 25, value: Buffer.alloc(253) }))
  // 20 + 16 × 255 = 4100: drop 4 octets from the last.
  attributes[15] = { type: 25, value: Buffer.alloc(249) }
  const buf = encodePacket({ code: 2, identifier: 1, authenticator: auth, attributes })
  t.equal(buf.length, MAX_PACKET_LENGTH)
  t.equal(decodePacket(buf).attributes.length, 16)
  attributes[15] = { type: 25, value: Buffer.alloc(250) }
  t.throws(() => encodePacket({ code: 2, identifier: 1, authenticator: auth, attributes }), RangeError)
})

t.test('encodePacket refuses what cannot be sent', async (t) => {
  const ok = { code: 1, identifier: 0, authenticator: auth, attributes: [] }
  t.throws(() => encodePacket({ ...ok, attributes: [{ type: 18, value: Buffer.alloc(254) }] }), RangeError, 'value over 253')
  t.doesNotThrow(() => encodePacket({ ...ok, attributes: [{ type: 18, value: Buffer.alloc(253) }] }))
  t.throws(() => encodePacket({ ...ok, code: 256 }), RangeError)
  t.throws(() => encodePacket({ ...ok, identifier: -1 }), RangeError)
  t.throws(() => encodePacket({ ...ok, identifier: 1.5 }), RangeError)
  t.throws(() => encodePacket({ ...ok, authenticator: Buffer.alloc(15) }), RangeError)
  t.throws(() => encodePacket({ ...ok, attributes: [{ type: 300, value: Buffer.alloc(1) }] }), RangeError)
})

t.test('encodePacket and decodePacket are inverse', async (t) => {
  const attributes = [
    { type: 1, value: Buffer.from('nemo') },
    { type: 26, value: Buffer.from('0000372a0806001e8480', 'hex') },
    { type: 200, value: Buffer.from([1, 2, 3]) },
  ]
  const buf = encodePacket({ code: 4, identifier: 255, authenticator: auth, attributes })
  t.equal(buf.readUInt16BE(2), buf.length)
  const p = decodePacket(buf)
  t.equal(p.code, 4)
  t.equal(p.identifier, 255)
  t.same(
    p.attributes.map((a) => [a.type, a.value.toString('hex')]),
    attributes.map((a) => [a.type, a.value.toString('hex')]),
  )
})

t.test('code names as FreeRADIUS prints them', async (t) => {
  t.equal(codeName(Code.AccessRequest), 'Access-Request')
  t.equal(codeName(Code.AccountingResponse), 'Accounting-Response')
  t.equal(codeName(Code.StatusServer), 'Status-Server')
  t.equal(codeName(Code.DisconnectNak), 'Disconnect-NAK')
  t.equal(codeName(Code.CoaAck), 'CoA-ACK')
  t.equal(codeName(99), 'Unknown-99')
  t.equal(codeName(0), 'Unknown-0')
  t.equal(Object.keys(Code).length, 14)
  for (const n of Object.values(Code)) t.notMatch(codeName(n), /^Unknown/, `code ${n} has a name`)
})
