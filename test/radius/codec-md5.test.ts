// The JavaScript MD5 against node:crypto's (OpenSSL's): every length around
// the block and padding boundaries, a prefix state as HMAC uses it, and output
// written over its own input.
import { createHash, randomBytes } from 'node:crypto'
import t from 'tap'
import { md5Into, md5Prefix } from '../../radius/codec/md5.js'

const digest = (data: Buffer, start = 0, end = data.length) => {
  const out = Buffer.alloc(16)
  md5Into(data, start, end, out, 0)
  return out
}

t.test('RFC 1321 §A.5 test suite', async (t) => {
  const suite: [string, string][] = [
    ['', 'd41d8cd98f00b204e9800998ecf8427e'],
    ['a', '0cc175b9c0f1b6a831c399e269772661'],
    ['abc', '900150983cd24fb0d6963f7d28e17f72'],
    ['message digest', 'f96b697d7cb7938d525a2f31aaf161d0'],
    ['abcdefghijklmnopqrstuvwxyz', 'c3fcd3d76192e4007dfb496cca67e13b'],
    ['ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789', 'd174ab98d277d9f5a5611c2c9f419d9f'],
    ['12345678901234567890123456789012345678901234567890123456789012345678901234567890', '57edf4a22be3c955ac49da2e2107b67a'],
  ]
  for (const [text, hex] of suite) t.equal(digest(Buffer.from(text)).toString('hex'), hex, JSON.stringify(text))
})

t.test('every length from 0 to 300 octets, and 4,200, as OpenSSL computes them', async (t) => {
  for (const n of [...Array(301).keys(), 4096, 4200]) {
    const data = randomBytes(n)
    if (!digest(data).equals(createHash('md5').update(data).digest())) t.fail(`length ${n}`)
  }
  t.pass('all lengths')
})

t.test('a part of a buffer, and the digest written into the buffer it reads', async (t) => {
  const data = randomBytes(200)
  t.ok(digest(data, 17, 150).equals(createHash('md5').update(data.subarray(17, 150)).digest()))
  const expected = createHash('md5').update(data.subarray(0, 120)).digest()
  md5Into(data, 0, 120, data, 4)
  t.ok(data.subarray(4, 20).equals(expected))
})

t.test('starting from a prefix block: MD5 of the block and the message', async (t) => {
  const block = randomBytes(64)
  const prefix = md5Prefix(block)
  for (const n of [0, 1, 16, 55, 56, 63, 64, 65, 120, 1000]) {
    const message = randomBytes(n)
    const out = Buffer.alloc(16)
    md5Into(message, 0, n, out, 0, prefix)
    t.ok(out.equals(createHash('md5').update(block).update(message).digest()), `message ${n} octets`)
  }
  // The prefix is not changed by use.
  const out = Buffer.alloc(16)
  md5Into(Buffer.from('x'), 0, 1, out, 0, prefix)
  t.ok(out.equals(createHash('md5').update(block).update('x').digest()))
  t.throws(() => md5Prefix(Buffer.alloc(63)), RangeError)
})
