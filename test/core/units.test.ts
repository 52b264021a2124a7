import t from 'tap'
import { canonicalMac } from '../../core/mac.js'
import { AddressMatcher, parseNasAddress } from '../../core/net.js'
import { SecretBox } from '../../core/secret-box.js'
import { VOUCHER_ALPHABET, VOUCHER_BITS, looksLikeVoucherCode, newVoucherCode, normalizeVoucherCode } from '../../core/voucher-code.js'
import { randomBytes } from 'node:crypto'

t.test('MAC addresses take one canonical form', async (t) => {
  for (const input of ['aa:bb:cc:dd:ee:0f', 'AA-BB-CC-DD-EE-0F', 'aabb.ccdd.ee0f', 'AABBCCDDEE0F', ' aa:bb:cc:dd:ee:0f ']) {
    t.equal(canonicalMac(input), 'AA-BB-CC-DD-EE-0F', input)
  }
  for (const bad of ['', 'aa:bb:cc:dd:ee', 'gg:bb:cc:dd:ee:ff', 'aa:bb:cc:dd:ee:ff:00']) t.equal(canonicalMac(bad), undefined, `rejects ${bad}`)
})

t.test('NAS addresses: exact IP or network, canonical, host bits refused', async (t) => {
  t.equal(parseNasAddress('192.0.2.10').text, '192.0.2.10')
  t.equal(parseNasAddress('10.1.0.0/16').text, '10.1.0.0/16')
  t.equal(parseNasAddress('10.1.0.7/32').text, '10.1.0.7')
  t.equal(parseNasAddress('2001:0db8:0000::0001').text, '2001:db8::1')
  t.equal(parseNasAddress('2001:db8::/32').text, '2001:db8::/32')
  t.throws(() => parseNasAddress('10.1.0.7/16'), /host bits/)
  t.throws(() => parseNasAddress('2001:db8::1/32'), /host bits/)
  t.throws(() => parseNasAddress('300.1.1.1'), /not an IP address/)
  t.throws(() => parseNasAddress('10.0.0.0/33'), /prefix length/)
  t.throws(() => parseNasAddress('10.0.0.0/0'), /prefix length/)
  t.throws(() => parseNasAddress('nas.example.org'), /not an IP address/)
})

t.test('the most specific NAS entry matches a source address', async (t) => {
  const m = new AddressMatcher([
    ['10.0.0.0/8', 'wide'],
    ['10.1.0.0/16', 'narrow'],
    ['10.1.2.3', 'exact'],
    ['2001:db8::/32', 'v6'],
  ])
  t.equal(m.match('10.1.2.3'), 'exact')
  t.equal(m.match('::ffff:10.1.2.3'), 'exact', 'IPv4-mapped IPv6 sender')
  t.equal(m.match('10.1.9.9'), 'narrow')
  t.equal(m.match('10.200.0.1'), 'wide')
  t.equal(m.match('2001:db8:0::5'), 'v6')
  t.equal(m.match('192.0.2.1'), undefined)
})

t.test('voucher codes: readable alphabet, 40+ bits, forgiving input', async (t) => {
  t.ok(VOUCHER_BITS >= 40, `${VOUCHER_BITS.toFixed(1)} bits`)
  for (const c of '0O1IL2568') t.notOk(VOUCHER_ALPHABET.includes(c), `no ${c}`)
  const codes = new Set(Array.from({ length: 20000 }, newVoucherCode))
  t.equal(codes.size, 20000, 'no repeats in 20,000')
  for (const code of [...codes].slice(0, 50)) t.ok(looksLikeVoucherCode(code), code)
  t.equal(normalizeVoucherCode('ab3d-7k9m x'), 'AB3D7K9MX')
  t.equal(normalizeVoucherCode('2568'), 'ZSGB', 'digits typed for look-alike letters')
  t.notOk(looksLikeVoucherCode('ABC'))
})

t.test('secret box: round trip, tamper detection, wrong key message, keyed hashes', async (t) => {
  const key = randomBytes(32)
  const box = new SecretBox(key)
  const enc = box.encrypt('radius-secret-123456')
  t.not(enc, 'radius-secret-123456')
  t.notMatch(enc, /radius-secret/)
  t.equal(box.decrypt(enc), 'radius-secret-123456')
  t.not(box.encrypt('same'), box.encrypt('same'), 'random IV each time')
  const other = new SecretBox(randomBytes(32))
  t.throws(() => other.decrypt(enc), /CITYWIFI_SECRET_KEY/)
  const tampered = enc.slice(0, -4) + (enc.endsWith('AAAA') ? 'BBBB' : 'AAAA')
  t.throws(() => box.decrypt(tampered))
  t.equal(box.hash('phone', '+84901234567'), box.hash('phone', '+84901234567'))
  t.not(box.hash('phone', '+84901234567'), other.hash('phone', '+84901234567'), 'keyed')
  t.not(box.hash('phone', 'x'), box.hash('mac', 'x'), 'separated by purpose')
  t.ok(box.hashEquals('phone', '+84901234567', box.hash('phone', '+84901234567')))
})
