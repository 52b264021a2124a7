// Robustness: a NAS (or anyone on the network) can send any octets. Random
// and mutated datagrams go through everything that reads a packet; the only
// exception allowed out is DecodeError, from decodePacket.
import fs from 'node:fs'
import t from 'tap'
import { dictionary, type AttributeDef } from '../../radius/dictionary/index.js'
import {
  Code,
  DecodeError,
  attr,
  decodePacket,
  describe,
  encodePacket,
  encodeRequest,
  getAll,
  getAttr,
  getRaw,
  getTagged,
  unhidePassword,
  verifyChap,
  verifyMessageAuthenticator,
  verifyRequestAuthenticator,
  verifyResponse,
  type AttrValue,
} from '../../radius/codec/index.js'

const ROUNDS = Number(process.env.FUZZ_ROUNDS ?? 120_000)
const SEED = Number(process.env.FUZZ_SEED ?? 20240709)
const secret = 'fuzz-secret-0123456789'

/** mulberry32: small, seedable, good enough to pick mutations. */
function prng(seed: number): () => number {
  let a = seed >>> 0
  return () => {
    a = (a + 0x6d2b79f5) >>> 0
    let x = Math.imul(a ^ (a >>> 15), 1 | a)
    x = (x + Math.imul(x ^ (x >>> 7), 61 | x)) ^ x
    return ((x ^ (x >>> 14)) >>> 0) / 4294967296
  }
}
const random = prng(SEED)
const int = (n: number) => Math.floor(random() * n)
const bytes = (n: number) => Buffer.from(Array.from({ length: n }, () => int(256)))

function sampleOf(def: AttributeDef): AttrValue {
  if (def.encrypt) return bytes(16)
  switch (def.type) {
    case 'string':
      return 'x'.repeat(1 + int(30))
    case 'octets':
    case 'vsa':
      return bytes(1 + int(40))
    case 'integer':
      return def.tagged ? 13 : 4_000_000_000
    case 'ipaddr':
      return '10.1.2.3'
    case 'ipv6addr':
      return '2001:db8::1'
    case 'ipv6prefix':
      return '2001:db8::/32'
    case 'date':
      return new Date()
    case 'integer64':
      return 7n
  }
}

function seeds(): Buffer[] {
  const hex = (s: string) => Buffer.from(s.replace(/\s+/g, ''), 'hex')
  const rfc = JSON.parse(fs.readFileSync(new URL('./fixtures/rfc2865-examples.json', import.meta.url), 'utf8')) as { examples: { request: string; reply: string }[] }
  const captures = JSON.parse(fs.readFileSync(new URL('./fixtures/radclient-captures.json', import.meta.url), 'utf8')) as {
    cases: { request: string; reply: { hex: string } }[]
  }
  const out: Buffer[] = [...rfc.examples.flatMap((e) => [hex(e.request), hex(e.reply)]), ...captures.cases.flatMap((c) => [hex(c.request), hex(c.reply.hex)])]
  // One packet per dictionary attribute, so every type and vendor meets mutations.
  for (const def of dictionary.attributes()) {
    out.push(
      encodeRequest({
        code: Code.AccountingRequest,
        identifier: int(256),
        secret,
        attributes: [attr(def.name, sampleOf(def), def.tagged && !def.encrypt ? 1 : undefined), attr('User-Name', 'nemo')],
        messageAuthenticator: random() < 0.5,
      }),
    )
  }
  // Several vendor attributes packed in one Vendor-Specific.
  out.push(encodePacket({ code: 2, identifier: 1, authenticator: bytes(16), attributes: [{ type: 26, value: Buffer.from('000038df030600000001040600000002', 'hex') }] }))
  return out
}

function mutate(seed: Buffer): Buffer {
  const buf = Buffer.from(seed)
  switch (int(9)) {
    case 0:
      return buf.subarray(0, int(buf.length + 1)) // truncation
    case 1: {
      for (let n = 1 + int(8); n > 0; n--) if (buf.length) buf[int(buf.length)] ^= 1 << int(8) // bit flips
      return buf
    }
    case 2:
      if (buf.length >= 4) buf.writeUInt16BE(int(3) === 0 ? int(65536) : buf.length + int(9) - 4, 2) // Length field
      return buf
    case 3: {
      // An attribute length octet: 0, 1, 255 or anything.
      if (buf.length > 21) buf[20 + int(buf.length - 21) + 1] = [0, 1, 2, 255, int(256)][int(5)]
      return buf
    }
    case 4:
      return Buffer.concat([buf, bytes(int(300))]) // trailing junk, sometimes inside Length
    case 5: {
      // A huge attribute in the middle.
      const at = 20 + int(Math.max(1, buf.length - 19))
      return Buffer.concat([buf.subarray(0, at), Buffer.of(int(256), 255), bytes(int(40)), buf.subarray(at)])
    }
    case 6: {
      // A Vendor-Specific with a known vendor and a broken inside.
      const vendors = [14122, 14559, 14988, 9, 14823, 25053, 311]
      const vsa = Buffer.alloc(4 + int(12))
      vsa.writeUInt32BE(vendors[int(vendors.length)], 0)
      bytes(vsa.length - 4).copy(vsa, 4)
      const out = Buffer.concat([buf, Buffer.of(26, vsa.length + 2), vsa])
      if (out.length >= 4) out.writeUInt16BE(out.length, 2)
      return out
    }
    case 7: {
      const out = Buffer.concat([Buffer.of(int(256), int(256), 0, 0), bytes(16), bytes(int(200))]) // random with a right Length
      out.writeUInt16BE(out.length, 2)
      return out
    }
    default:
      return bytes(int(120)) // pure noise
  }
}

t.test(`${ROUNDS} random and mutated datagrams (seed ${SEED})`, async (t) => {
  const names = [...dictionary.attributes()].map((d) => d.name)
  const base = seeds()
  const failures: string[] = []
  let decoded = 0
  let rejected = 0
  const fail = (what: string, buf: Buffer, err: unknown) => {
    if (failures.length < 20) failures.push(`${what}: ${(err as Error)?.stack ?? String(err)}\n  datagram ${buf.toString('hex')}`)
  }
  for (let round = 0; round < ROUNDS; round++) {
    let buf = base[int(base.length)]
    for (let n = 1 + int(3); n > 0; n--) buf = mutate(buf)
    // Checks that take raw octets run on every datagram, decodable or not.
    try {
      verifyMessageAuthenticator(buf, secret)
      verifyMessageAuthenticator(buf, secret, bytes(16))
      verifyRequestAuthenticator(buf, secret)
      verifyResponse(buf, bytes(16), secret)
    } catch (err) {
      fail('verify', buf, err)
    }
    let p
    try {
      p = decodePacket(buf)
    } catch (err) {
      if (err instanceof DecodeError) rejected++
      else fail('decodePacket threw something other than DecodeError', buf, err)
      continue
    }
    decoded++
    try {
      JSON.stringify(describe(p))
      for (const name of names) {
        getAttr(p, name)
        getAll(p, name)
      }
      for (let k = 0; k < 8; k++) {
        getRaw(p, names[int(names.length)])
        getTagged(p, names[int(names.length)])
      }
      for (const a of p.attributes) {
        unhidePassword(a.value, secret, p.authenticator)
        verifyChap(a.value, 'pw', p.authenticator)
      }
      encodePacket(p)
    } catch (err) {
      fail('reading a decoded packet', buf, err)
    }
  }
  t.same(failures, [], 'nothing but DecodeError escaped')
  t.ok(decoded > ROUNDS / 10, `${decoded} decoded, ${rejected} rejected`)
  t.ok(rejected > ROUNDS / 10, 'and a good share was rejected')
})
