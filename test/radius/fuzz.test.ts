// 100,000+ random and mutated datagrams at both ports from a registered NAS
// address (so they get past the client check), then proof that the server
// still answers correctly. The seed is printed so that a failure can be replayed:
// FUZZ_SEED=<n> npx tap test/radius/fuzz.test.ts
import t from 'tap'
import { Code, attr } from '../../radius/codec/index.js'
import { dbKinds } from '../helpers/databases.js'
import { counter, radiusFixture } from './setup.js'

const TOTAL = Number(process.env.FUZZ_PACKETS ?? 120_000)

// mulberry32: small, fast, seedable.
function prng(seed: number) {
  let a = seed >>> 0
  return () => {
    a = (a + 0x6d2b79f5) >>> 0
    let x = a
    x = Math.imul(x ^ (x >>> 15), x | 1)
    x ^= x + Math.imul(x ^ (x >>> 7), x | 61)
    return ((x ^ (x >>> 14)) >>> 0) / 4294967296
  }
}

t.test('the server survives random and mutated packets', async (t) => {
  const kind = dbKinds()[0]!
  const f = await radiusFixture(t, kind)
  const code = f.vouchers[0]!
  const seed = Number(process.env.FUZZ_SEED ?? Date.now() % 2 ** 31)
  t.comment(`FUZZ_SEED=${seed}`)
  const rand = prng(seed)
  const int = (n: number) => Math.floor(rand() * n)

  const valid = [
    f.client.build(Code.AccessRequest, [attr('User-Name', code), attr('Calling-Station-Id', '02-00-00-00-00-01'), attr('NAS-Identifier', 'nas-1')], { password: code }),
    f.client.build(Code.AccountingRequest, [attr('Acct-Status-Type', 'Start'), attr('Acct-Session-Id', 'fz'), attr('User-Name', code)], { messageAuthenticator: false }),
    f.client.build(Code.StatusServer, []),
    f.client.build(Code.AccessRequest, [attr('User-Name', code), attr('CHAP-Password', Buffer.alloc(17, 1)), attr('Vendor-Specific', Buffer.from([0, 0, 0x38, 0x6f, 1, 6, 0, 0, 0, 1]))], {}),
  ]

  const mutate = (): Buffer => {
    const choice = int(8)
    if (choice === 0) {
      // Pure noise, any length up to past the maximum.
      const b = Buffer.alloc(int(4200))
      for (let i = 0; i < b.length; i++) b[i] = int(256)
      return b
    }
    const b = Buffer.from(valid[int(valid.length)]!)
    switch (choice) {
      case 1: // bit flips
        for (let n = 1 + int(4); n > 0; n--) b[int(b.length)]! ^= 1 << int(8)
        return b
      case 2: // truncation
        return b.subarray(0, int(b.length))
      case 3: // a wrong Length field
        b.writeUInt16BE(int(65536), 2)
        return b
      case 4: {
        // a wrong attribute length somewhere after the header
        if (b.length > 21) b[20 + int(b.length - 21)] = int(256)
        return b
      }
      case 5: // garbage appended (padding beyond Length is allowed; beyond 4096 is not)
        return Buffer.concat([b, Buffer.alloc(int(5000), int(256))])
      case 6: // another code
        b[0] = int(256)
        return b
      default: {
        // a zero-length or one-octet attribute spliced in
        const at = 20 + int(Math.max(1, b.length - 20))
        return Buffer.concat([b.subarray(0, at), Buffer.from([int(256), int(2)]), b.subarray(at)])
      }
    }
  }

  const ports = [f.ports.auth, f.ports.acct]
  // What the server has looked at so far: packets it decoded (counted as
  // received, whatever happened next) plus those it dropped before decoding.
  const undecoded = ['too_long', 'too_short', 'length_mismatch', 'bad_attribute_length', 'unknown_client']
  const seen = async () => {
    let n = await counter(f.ctx, 'citywifi_radius_packets_received_total')
    for (const reason of undecoded) n += await counter(f.ctx, 'citywifi_radius_packets_dropped_total', { reason })
    return n
  }
  const started = Date.now()
  let sent = 0
  while (sent < TOTAL) {
    for (let i = 0; i < 1000 && sent < TOTAL; i++, sent++) f.client.socket.send(mutate(), ports[int(2)]!, '127.0.0.1')
    // Let the server keep up, so that the packets reach it rather than overflow the socket.
    const until = Date.now() + 2000
    while ((await seen()) < sent - 1000 && Date.now() < until) await new Promise((r) => setTimeout(r, 1))
  }
  // Until the server has taken what is queued: up to a thousand fuzz packets
  // of up to 9 KB can fill its socket's receive buffer, and the kernel drops
  // whatever arrives at a full buffer, the checks below included.
  let looked = await seen()
  for (let quietSince = Date.now(), until = Date.now() + 10_000; Date.now() - quietSince < 300 && Date.now() < until; ) {
    await new Promise((r) => setTimeout(r, 20))
    const now = await seen()
    if (now !== looked) {
      looked = now
      quietSince = Date.now()
    }
  }
  t.comment(`${TOTAL} packets sent in ${Date.now() - started} ms; the server looked at ${looked}`)
  t.ok(looked >= TOTAL * 0.95, 'at least 95% reached the server (UDP may lose some)')

  const dropped = await counter(f.ctx, 'citywifi_radius_packets_dropped_total')
  const reasons = (await f.ctx.metrics.getSingleMetric('citywifi_radius_packets_dropped_total')!.get()).values.filter((v) => v.value > 0).map((v) => v.labels.reason)
  t.ok(dropped > TOTAL / 2, `${dropped} dropped and counted`)
  t.comment(`drop reasons seen: ${reasons.join(', ')}`)
  for (const reason of ['too_long', 'length_mismatch', 'bad_attribute_length', 'bad_message_authenticator']) t.ok(reasons.includes(reason), `counted as ${reason}`)
  t.equal(await counter(f.ctx, 'citywifi_radius_packets_dropped_total', { reason: 'internal_error' }), 0, 'nothing crashed a handler')

  // And it still answers correctly (with a voucher the fuzzing did not touch:
  // the mutated copies of the accounting Start left a session of the first open).
  const fresh = f.vouchers[1]!
  const ok = await f.client.request(Code.AccessRequest, f.ports.auth, [attr('User-Name', fresh), attr('Calling-Station-Id', '02-00-00-00-00-02')], { password: fresh })
  t.equal(ok?.packet.code, Code.AccessAccept, 'Access-Accept for a good request')
  t.ok(ok?.verified)
  const bad = await f.client.request(Code.AccessRequest, f.ports.auth, [attr('User-Name', fresh)], { password: 'wrong' })
  t.equal(bad?.packet.code, Code.AccessReject, 'Access-Reject for a bad one')
  const acct = await f.client.request(Code.AccountingRequest, f.ports.acct, [attr('Acct-Status-Type', 'Start'), attr('Acct-Session-Id', 'after-fuzz'), attr('User-Name', code)], { messageAuthenticator: false })
  t.equal(acct?.packet.code, Code.AccountingResponse, 'accounting still stored and acknowledged')
})
