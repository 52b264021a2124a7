// MD5 (RFC 1321) in JavaScript, for the short messages of RADIUS.
//
// node:crypto's one-shot hash() costs about 2 µs per call on the benchmark
// machine whether it hashes 39 or 120 octets: it sets up and frees an OpenSSL
// digest context and copies the 16-octet result into a malloc'd buffer of its
// own. A cached Access-Request needs six digests of one to three blocks each,
// and they were a tenth to an eighth of the RADIUS thread's CPU (perf, and
// test/bench/profile.ts). Here a digest is a few block compressions on
// integers, and HMAC starts from the state after its padded key block,
// computed once per secret.
//
// MD5 is used only where the protocol prescribes it; nothing here is meant
// for anything else.

/** The four state words after some whole blocks, and how many octets those were. */
export interface Md5State {
  readonly words: Int32Array
  readonly length: number
}

const INIT = Int32Array.of(0x67452301, 0xefcdab89 | 0, 0x98badcfe | 0, 0x10325476)

// The steps below are RFC 1321 §3.4 written out, one line pair per step:
// a = b + ((a + F(b, c, d) + X[k] + T[i]) <<< s), with T[i] = floor(|sin(i)| * 2^32)
// as a signed 32-bit literal, and F, G, H, I in rounds 1 to 4. A loop over
// tables of shifts, constants and word indexes took a third longer per
// one-block digest (1.05 against 0.78 µs).
/** Folds the 64 octets of `buf` at `at` into `h`: RFC 1321 §3.4's 64 steps, written out (generated, constants inline). */
function compress(h: Int32Array, buf: Uint8Array, at: number): void {
  const x0 = buf[at + 0]! | (buf[at + 1]! << 8) | (buf[at + 2]! << 16) | (buf[at + 3]! << 24)
  const x1 = buf[at + 4]! | (buf[at + 5]! << 8) | (buf[at + 6]! << 16) | (buf[at + 7]! << 24)
  const x2 = buf[at + 8]! | (buf[at + 9]! << 8) | (buf[at + 10]! << 16) | (buf[at + 11]! << 24)
  const x3 = buf[at + 12]! | (buf[at + 13]! << 8) | (buf[at + 14]! << 16) | (buf[at + 15]! << 24)
  const x4 = buf[at + 16]! | (buf[at + 17]! << 8) | (buf[at + 18]! << 16) | (buf[at + 19]! << 24)
  const x5 = buf[at + 20]! | (buf[at + 21]! << 8) | (buf[at + 22]! << 16) | (buf[at + 23]! << 24)
  const x6 = buf[at + 24]! | (buf[at + 25]! << 8) | (buf[at + 26]! << 16) | (buf[at + 27]! << 24)
  const x7 = buf[at + 28]! | (buf[at + 29]! << 8) | (buf[at + 30]! << 16) | (buf[at + 31]! << 24)
  const x8 = buf[at + 32]! | (buf[at + 33]! << 8) | (buf[at + 34]! << 16) | (buf[at + 35]! << 24)
  const x9 = buf[at + 36]! | (buf[at + 37]! << 8) | (buf[at + 38]! << 16) | (buf[at + 39]! << 24)
  const x10 = buf[at + 40]! | (buf[at + 41]! << 8) | (buf[at + 42]! << 16) | (buf[at + 43]! << 24)
  const x11 = buf[at + 44]! | (buf[at + 45]! << 8) | (buf[at + 46]! << 16) | (buf[at + 47]! << 24)
  const x12 = buf[at + 48]! | (buf[at + 49]! << 8) | (buf[at + 50]! << 16) | (buf[at + 51]! << 24)
  const x13 = buf[at + 52]! | (buf[at + 53]! << 8) | (buf[at + 54]! << 16) | (buf[at + 55]! << 24)
  const x14 = buf[at + 56]! | (buf[at + 57]! << 8) | (buf[at + 58]! << 16) | (buf[at + 59]! << 24)
  const x15 = buf[at + 60]! | (buf[at + 61]! << 8) | (buf[at + 62]! << 16) | (buf[at + 63]! << 24)
  let a = h[0]!
  let b = h[1]!
  let c = h[2]!
  let d = h[3]!
  a = (a + ((b & c) | (~b & d)) + x0 + -680876936) | 0
  a = (((a << 7) | (a >>> 25)) + b) | 0
  d = (d + ((a & b) | (~a & c)) + x1 + -389564586) | 0
  d = (((d << 12) | (d >>> 20)) + a) | 0
  c = (c + ((d & a) | (~d & b)) + x2 + 606105819) | 0
  c = (((c << 17) | (c >>> 15)) + d) | 0
  b = (b + ((c & d) | (~c & a)) + x3 + -1044525330) | 0
  b = (((b << 22) | (b >>> 10)) + c) | 0
  a = (a + ((b & c) | (~b & d)) + x4 + -176418897) | 0
  a = (((a << 7) | (a >>> 25)) + b) | 0
  d = (d + ((a & b) | (~a & c)) + x5 + 1200080426) | 0
  d = (((d << 12) | (d >>> 20)) + a) | 0
  c = (c + ((d & a) | (~d & b)) + x6 + -1473231341) | 0
  c = (((c << 17) | (c >>> 15)) + d) | 0
  b = (b + ((c & d) | (~c & a)) + x7 + -45705983) | 0
  b = (((b << 22) | (b >>> 10)) + c) | 0
  a = (a + ((b & c) | (~b & d)) + x8 + 1770035416) | 0
  a = (((a << 7) | (a >>> 25)) + b) | 0
  d = (d + ((a & b) | (~a & c)) + x9 + -1958414417) | 0
  d = (((d << 12) | (d >>> 20)) + a) | 0
  c = (c + ((d & a) | (~d & b)) + x10 + -42063) | 0
  c = (((c << 17) | (c >>> 15)) + d) | 0
  b = (b + ((c & d) | (~c & a)) + x11 + -1990404162) | 0
  b = (((b << 22) | (b >>> 10)) + c) | 0
  a = (a + ((b & c) | (~b & d)) + x12 + 1804603682) | 0
  a = (((a << 7) | (a >>> 25)) + b) | 0
  d = (d + ((a & b) | (~a & c)) + x13 + -40341101) | 0
  d = (((d << 12) | (d >>> 20)) + a) | 0
  c = (c + ((d & a) | (~d & b)) + x14 + -1502002290) | 0
  c = (((c << 17) | (c >>> 15)) + d) | 0
  b = (b + ((c & d) | (~c & a)) + x15 + 1236535329) | 0
  b = (((b << 22) | (b >>> 10)) + c) | 0
  a = (a + ((d & b) | (~d & c)) + x1 + -165796510) | 0
  a = (((a << 5) | (a >>> 27)) + b) | 0
  d = (d + ((c & a) | (~c & b)) + x6 + -1069501632) | 0
  d = (((d << 9) | (d >>> 23)) + a) | 0
  c = (c + ((b & d) | (~b & a)) + x11 + 643717713) | 0
  c = (((c << 14) | (c >>> 18)) + d) | 0
  b = (b + ((a & c) | (~a & d)) + x0 + -373897302) | 0
  b = (((b << 20) | (b >>> 12)) + c) | 0
  a = (a + ((d & b) | (~d & c)) + x5 + -701558691) | 0
  a = (((a << 5) | (a >>> 27)) + b) | 0
  d = (d + ((c & a) | (~c & b)) + x10 + 38016083) | 0
  d = (((d << 9) | (d >>> 23)) + a) | 0
  c = (c + ((b & d) | (~b & a)) + x15 + -660478335) | 0
  c = (((c << 14) | (c >>> 18)) + d) | 0
  b = (b + ((a & c) | (~a & d)) + x4 + -405537848) | 0
  b = (((b << 20) | (b >>> 12)) + c) | 0
  a = (a + ((d & b) | (~d & c)) + x9 + 568446438) | 0
  a = (((a << 5) | (a >>> 27)) + b) | 0
  d = (d + ((c & a) | (~c & b)) + x14 + -1019803690) | 0
  d = (((d << 9) | (d >>> 23)) + a) | 0
  c = (c + ((b & d) | (~b & a)) + x3 + -187363961) | 0
  c = (((c << 14) | (c >>> 18)) + d) | 0
  b = (b + ((a & c) | (~a & d)) + x8 + 1163531501) | 0
  b = (((b << 20) | (b >>> 12)) + c) | 0
  a = (a + ((d & b) | (~d & c)) + x13 + -1444681467) | 0
  a = (((a << 5) | (a >>> 27)) + b) | 0
  d = (d + ((c & a) | (~c & b)) + x2 + -51403784) | 0
  d = (((d << 9) | (d >>> 23)) + a) | 0
  c = (c + ((b & d) | (~b & a)) + x7 + 1735328473) | 0
  c = (((c << 14) | (c >>> 18)) + d) | 0
  b = (b + ((a & c) | (~a & d)) + x12 + -1926607734) | 0
  b = (((b << 20) | (b >>> 12)) + c) | 0
  a = (a + (b ^ c ^ d) + x5 + -378558) | 0
  a = (((a << 4) | (a >>> 28)) + b) | 0
  d = (d + (a ^ b ^ c) + x8 + -2022574463) | 0
  d = (((d << 11) | (d >>> 21)) + a) | 0
  c = (c + (d ^ a ^ b) + x11 + 1839030562) | 0
  c = (((c << 16) | (c >>> 16)) + d) | 0
  b = (b + (c ^ d ^ a) + x14 + -35309556) | 0
  b = (((b << 23) | (b >>> 9)) + c) | 0
  a = (a + (b ^ c ^ d) + x1 + -1530992060) | 0
  a = (((a << 4) | (a >>> 28)) + b) | 0
  d = (d + (a ^ b ^ c) + x4 + 1272893353) | 0
  d = (((d << 11) | (d >>> 21)) + a) | 0
  c = (c + (d ^ a ^ b) + x7 + -155497632) | 0
  c = (((c << 16) | (c >>> 16)) + d) | 0
  b = (b + (c ^ d ^ a) + x10 + -1094730640) | 0
  b = (((b << 23) | (b >>> 9)) + c) | 0
  a = (a + (b ^ c ^ d) + x13 + 681279174) | 0
  a = (((a << 4) | (a >>> 28)) + b) | 0
  d = (d + (a ^ b ^ c) + x0 + -358537222) | 0
  d = (((d << 11) | (d >>> 21)) + a) | 0
  c = (c + (d ^ a ^ b) + x3 + -722521979) | 0
  c = (((c << 16) | (c >>> 16)) + d) | 0
  b = (b + (c ^ d ^ a) + x6 + 76029189) | 0
  b = (((b << 23) | (b >>> 9)) + c) | 0
  a = (a + (b ^ c ^ d) + x9 + -640364487) | 0
  a = (((a << 4) | (a >>> 28)) + b) | 0
  d = (d + (a ^ b ^ c) + x12 + -421815835) | 0
  d = (((d << 11) | (d >>> 21)) + a) | 0
  c = (c + (d ^ a ^ b) + x15 + 530742520) | 0
  c = (((c << 16) | (c >>> 16)) + d) | 0
  b = (b + (c ^ d ^ a) + x2 + -995338651) | 0
  b = (((b << 23) | (b >>> 9)) + c) | 0
  a = (a + (c ^ (b | ~d)) + x0 + -198630844) | 0
  a = (((a << 6) | (a >>> 26)) + b) | 0
  d = (d + (b ^ (a | ~c)) + x7 + 1126891415) | 0
  d = (((d << 10) | (d >>> 22)) + a) | 0
  c = (c + (a ^ (d | ~b)) + x14 + -1416354905) | 0
  c = (((c << 15) | (c >>> 17)) + d) | 0
  b = (b + (d ^ (c | ~a)) + x5 + -57434055) | 0
  b = (((b << 21) | (b >>> 11)) + c) | 0
  a = (a + (c ^ (b | ~d)) + x12 + 1700485571) | 0
  a = (((a << 6) | (a >>> 26)) + b) | 0
  d = (d + (b ^ (a | ~c)) + x3 + -1894986606) | 0
  d = (((d << 10) | (d >>> 22)) + a) | 0
  c = (c + (a ^ (d | ~b)) + x10 + -1051523) | 0
  c = (((c << 15) | (c >>> 17)) + d) | 0
  b = (b + (d ^ (c | ~a)) + x1 + -2054922799) | 0
  b = (((b << 21) | (b >>> 11)) + c) | 0
  a = (a + (c ^ (b | ~d)) + x8 + 1873313359) | 0
  a = (((a << 6) | (a >>> 26)) + b) | 0
  d = (d + (b ^ (a | ~c)) + x15 + -30611744) | 0
  d = (((d << 10) | (d >>> 22)) + a) | 0
  c = (c + (a ^ (d | ~b)) + x6 + -1560198380) | 0
  c = (((c << 15) | (c >>> 17)) + d) | 0
  b = (b + (d ^ (c | ~a)) + x13 + 1309151649) | 0
  b = (((b << 21) | (b >>> 11)) + c) | 0
  a = (a + (c ^ (b | ~d)) + x4 + -145523070) | 0
  a = (((a << 6) | (a >>> 26)) + b) | 0
  d = (d + (b ^ (a | ~c)) + x11 + -1120210379) | 0
  d = (((d << 10) | (d >>> 22)) + a) | 0
  c = (c + (a ^ (d | ~b)) + x2 + 718787259) | 0
  c = (((c << 15) | (c >>> 17)) + d) | 0
  b = (b + (d ^ (c | ~a)) + x9 + -343485551) | 0
  b = (((b << 21) | (b >>> 11)) + c) | 0
  h[0] = (h[0]! + a) | 0
  h[1] = (h[1]! + b) | 0
  h[2] = (h[2]! + c) | 0
  h[3] = (h[3]! + d) | 0
}

/** The state after `block` (64 octets): an HMAC's padded key, hashed once. */
export function md5Prefix(block: Uint8Array): Md5State {
  if (block.length !== 64) throw new RangeError('an MD5 prefix is one 64-octet block')
  const words = INIT.slice()
  compress(words, block, 0)
  return { words, length: 64 }
}

const h = new Int32Array(4)
// A Buffer like the callers' data, so that compress() sees one kind of array.
const tail = Buffer.alloc(128)

/**
 * MD5 of `from`'s octets followed by `data[start, end)`, written as 16
 * octets to `out` at `outAt` (`out` may be `data`). Allocates nothing.
 */
export function md5Into(data: Uint8Array, start: number, end: number, out: Uint8Array, outAt: number, from?: Md5State): void {
  const octets = (from?.length ?? 0) + end - start
  // The bit count's high word is left zero: RADIUS messages are a few kilobytes.
  if (octets >= 2 ** 29) throw new RangeError('message too long for md5Into')
  if (from) h.set(from.words)
  else h.set(INIT)
  let at = start
  for (; end - at >= 64; at += 64) compress(h, data, at)
  // The last octets, 0x80, zeros and the length in bits (little-endian, 64 bits) make one or two blocks.
  const rest = end - at
  for (let j = 0; j < rest; j++) tail[j] = data[at + j]!
  tail[rest] = 0x80
  const blocks = rest < 56 ? 1 : 2
  const lengthAt = blocks * 64 - 8
  tail.fill(0, rest + 1, lengthAt)
  const bits = octets * 8
  tail[lengthAt] = bits & 0xff
  tail[lengthAt + 1] = (bits >>> 8) & 0xff
  tail[lengthAt + 2] = (bits >>> 16) & 0xff
  tail[lengthAt + 3] = (bits >>> 24) & 0xff
  tail[lengthAt + 4] = tail[lengthAt + 5] = tail[lengthAt + 6] = tail[lengthAt + 7] = 0
  compress(h, tail, 0)
  if (blocks === 2) compress(h, tail, 64)
  for (let j = 0; j < 4; j++) {
    const w = h[j]!
    out[outAt + 4 * j] = w & 0xff
    out[outAt + 4 * j + 1] = (w >>> 8) & 0xff
    out[outAt + 4 * j + 2] = (w >>> 16) & 0xff
    out[outAt + 4 * j + 3] = (w >>> 24) & 0xff
  }
}
