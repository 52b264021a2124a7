// Access-Request over real UDP: PAP, CHAP, Message-Authenticator rules,
// wrong secret, unknown NAS, duplicates, Status-Server, and the reply attributes.
import { randomBytes } from 'node:crypto'
import t from 'tap'
import { Code, attr, chapResponse, encodeRequest, getAll, getAttr } from '../../radius/codec/index.js'
import { dbKinds } from '../helpers/databases.js'
import { RadiusTestClient } from '../helpers/radius-client.js'
import { SECRET, counter, radiusFixture } from './setup.js'

const MAC = 'AA-BB-CC-00-11-22'

for (const kind of dbKinds()) {
  t.test(`Access-Request on ${kind}`, async (t) => {
    const f = await radiusFixture(t, kind)
    const [code] = f.vouchers
    const auth = f.ports.auth

    t.test('PAP with Message-Authenticator: Access-Accept with the policy', async (t) => {
      const r = await f.client.request(Code.AccessRequest, auth, [attr('User-Name', code!), attr('Calling-Station-Id', MAC)], { password: code })
      t.ok(r, 'answered')
      t.equal(r!.packet.code, Code.AccessAccept)
      t.ok(r!.verified, 'Response Authenticator and Message-Authenticator verify')
      t.equal(r!.packet.attributes[0]!.type, 80, 'Message-Authenticator is the first attribute')
      t.equal(getAttr(r!.packet, 'Session-Timeout'), 1800, '30 minutes')
      t.equal(getAttr(r!.packet, 'Idle-Timeout'), 600)
      t.equal(getAttr(r!.packet, 'Acct-Interim-Interval'), 60)
      t.equal(getAttr(r!.packet, 'ChilliSpot-Bandwidth-Max-Down'), 2000)
      t.equal(getAttr(r!.packet, 'ChilliSpot-Bandwidth-Max-Up'), 1000)
      t.equal(getAttr(r!.packet, 'WISPr-Bandwidth-Max-Down'), 2_000_000)
    })

    t.test('the code typed in lower case with a dash is the same voucher', async (t) => {
      const typed = `${code!.slice(0, 5).toLowerCase()}-${code!.slice(5).toLowerCase()}`
      const r = await f.client.request(Code.AccessRequest, auth, [attr('User-Name', typed), attr('Calling-Station-Id', MAC)], { password: typed })
      t.equal(r?.packet.code, Code.AccessAccept)
    })

    t.test('CHAP with CHAP-Challenge and with the Request Authenticator', async (t) => {
      const challenge = randomBytes(16)
      const withChallenge = await f.client.request(Code.AccessRequest, auth, [
        attr('User-Name', code!),
        attr('Calling-Station-Id', MAC),
        attr('CHAP-Password', Buffer.concat([Buffer.from([7]), chapResponse(7, code!, challenge)])),
        attr('CHAP-Challenge', challenge),
      ])
      t.equal(withChallenge?.packet.code, Code.AccessAccept, 'CHAP-Challenge')

      const authenticator = randomBytes(16)
      const raw = encodeRequest({
        code: Code.AccessRequest,
        identifier: 99,
        secret: SECRET,
        authenticator,
        messageAuthenticator: true,
        attributes: [attr('User-Name', code!), attr('Calling-Station-Id', MAC), attr('CHAP-Password', Buffer.concat([Buffer.from([9]), chapResponse(9, code!, authenticator)]))],
      })
      const reply = await f.client.sendRaw(raw, auth)
      t.equal(reply?.[0], Code.AccessAccept, 'Request Authenticator as challenge')

      const wrong = await f.client.request(Code.AccessRequest, auth, [
        attr('User-Name', code!),
        attr('Calling-Station-Id', MAC),
        attr('CHAP-Password', Buffer.concat([Buffer.from([7]), chapResponse(7, 'not-the-code', challenge)])),
        attr('CHAP-Challenge', challenge),
      ])
      t.equal(wrong?.packet.code, Code.AccessReject, 'wrong CHAP response')
    })

    t.test('wrong password and unknown user: Access-Reject with a Vietnamese Reply-Message', async (t) => {
      const r = await f.client.request(Code.AccessRequest, auth, [attr('User-Name', code!), attr('Calling-Station-Id', MAC)], { password: 'WRONGPASS' })
      t.equal(r?.packet.code, Code.AccessReject)
      t.ok(r!.verified)
      t.equal(r!.packet.attributes[0]!.type, 80, 'Message-Authenticator first on a reject too')
      t.equal(getAttr(r!.packet, 'Reply-Message'), 'Sai mật khẩu')
      const unknown = await f.client.request(Code.AccessRequest, auth, [attr('User-Name', 'ZZZZZZZZZZ')], { password: 'ZZZZZZZZZZ' })
      t.equal(unknown?.packet.code, Code.AccessReject)
      t.equal(getAttr(unknown!.packet, 'Reply-Message'), 'Mã hoặc tài khoản không tồn tại')
      t.ok((await counter(f.ctx, 'citywifi_radius_access_total', { result: 'reject', reason: 'wrong_password' })) >= 1)
    })

    t.test('no Message-Authenticator, a wrong one, or a wrong secret: no answer at all, counted', async (t) => {
      const before = await counter(f.ctx, 'citywifi_radius_packets_dropped_total', { reason: 'missing_message_authenticator' })
      const missing = await f.client.request(Code.AccessRequest, auth, [attr('User-Name', code!)], { password: code, messageAuthenticator: false, timeoutMs: 400 })
      t.equal(missing, undefined, 'missing: dropped (BlastRADIUS)')
      t.equal(await counter(f.ctx, 'citywifi_radius_packets_dropped_total', { reason: 'missing_message_authenticator' }), before + 1)

      const raw = f.client.build(Code.AccessRequest, [attr('User-Name', code!)], { password: code })
      raw[raw.length - 1]! ^= 0xff // any changed octet: the Message-Authenticator no longer matches
      t.equal(await f.client.sendRaw(raw, auth, 400), undefined, 'wrong Message-Authenticator: dropped')

      const other = await f.client.request(Code.AccessRequest, auth, [attr('User-Name', code!)], { password: code, secret: 'another-secret-987654', timeoutMs: 400 })
      t.equal(other, undefined, 'wrong secret: dropped')
      t.ok((await counter(f.ctx, 'citywifi_radius_packets_dropped_total', { reason: 'bad_message_authenticator' })) >= 2)
    })

    t.test('an unknown source address gets no answer', async (t) => {
      const stranger = new RadiusTestClient(SECRET, '127.0.0.2')
      t.teardown(() => stranger.close())
      const r = await stranger.request(Code.AccessRequest, auth, [attr('User-Name', code!)], { password: code, timeoutMs: 400 })
      t.equal(r, undefined)
      t.ok((await counter(f.ctx, 'citywifi_radius_packets_dropped_total', { reason: 'unknown_client' })) >= 1)
    })

    t.test('a retransmission gets the same reply without a second decision', async (t) => {
      const raw = f.client.build(Code.AccessRequest, [attr('User-Name', code!), attr('Calling-Station-Id', MAC)], { password: code })
      const accepts = await counter(f.ctx, 'citywifi_radius_access_total', { result: 'accept' })
      const first = await f.client.sendRaw(raw, auth)
      const second = await f.client.sendRaw(raw, auth)
      t.ok(first && second)
      t.same(second, first, 'byte for byte the same reply')
      t.equal(await counter(f.ctx, 'citywifi_radius_access_total', { result: 'accept' }), accepts + 1, 'decided once')
      t.equal(await counter(f.ctx, 'citywifi_radius_duplicates_total'), 1)
    })

    t.test('Status-Server on both ports', async (t) => {
      const a = await f.client.request(Code.StatusServer, auth, [])
      t.equal(a?.packet.code, Code.AccessAccept, 'auth port: Access-Accept')
      t.ok(a?.verified)
      const b = await f.client.request(Code.StatusServer, f.ports.acct, [])
      t.equal(b?.packet.code, Code.AccountingResponse, 'accounting port: Accounting-Response')
      t.ok(b?.verified)
      const noMa = await f.client.request(Code.StatusServer, auth, [], { messageAuthenticator: false, timeoutMs: 400 })
      t.equal(noMa, undefined, 'Status-Server without Message-Authenticator is dropped (RFC 5997)')
    })

    t.test('packets of the wrong kind or malformed are dropped and the server goes on', async (t) => {
      const acctOnAuth = await f.client.request(Code.AccountingRequest, auth, [attr('Acct-Status-Type', 'Start')], { timeoutMs: 400 })
      t.equal(acctOnAuth, undefined, 'Accounting-Request on the auth port')
      const truncated = f.client.build(Code.AccessRequest, [attr('User-Name', code!)], { password: code }).subarray(0, 30)
      t.equal(await f.client.sendRaw(truncated, auth, 400), undefined, 'truncated')
      const huge = Buffer.alloc(5000)
      t.equal(await f.client.sendRaw(huge, auth, 400), undefined, 'over 4096 octets')
      t.ok((await counter(f.ctx, 'citywifi_radius_packets_dropped_total', { reason: 'too_long' })) >= 1)
      const still = await f.client.request(Code.AccessRequest, auth, [attr('User-Name', code!), attr('Calling-Station-Id', MAC)], { password: code })
      t.equal(still?.packet.code, Code.AccessAccept, 'still answering')
    })
  })

  t.test(`vendor reply attributes on ${kind}: MikroTik`, async (t) => {
    const f = await radiusFixture(t, kind, { vendor: 'mikrotik', policy: { sessionMegabytes: 5000 } })
    const code = f.vouchers[0]!
    const r = await f.client.request(Code.AccessRequest, f.ports.auth, [attr('User-Name', code), attr('Calling-Station-Id', MAC)], { password: code })
    t.equal(r?.packet.code, Code.AccessAccept)
    t.equal(getAttr(r!.packet, 'Mikrotik-Rate-Limit'), '1000k/2000k', 'rx (upload) / tx (download)')
    t.equal(getAttr(r!.packet, 'Mikrotik-Total-Limit'), Number(5_000_000_000n % 2n ** 32n))
    t.equal(getAttr(r!.packet, 'Mikrotik-Total-Limit-Gigawords'), 1)
    t.same(getAll(r!.packet, 'ChilliSpot-Bandwidth-Max-Down'), [], 'no CoovaChilli attributes for a MikroTik')
  })

  t.test(`a legacy NAS allowed to omit Message-Authenticator, in English, on ${kind}`, async (t) => {
    const f = await radiusFixture(t, kind, { allowMissingMA: true, language: 'en' })
    const code = f.vouchers[0]!
    // Calling-Station-Id: a voucher login without it is refused (issue #10 item 10), with or without Message-Authenticator.
    const r = await f.client.request(Code.AccessRequest, f.ports.auth, [attr('User-Name', code), attr('Calling-Station-Id', MAC)], { password: code, messageAuthenticator: false })
    t.equal(r?.packet.code, Code.AccessAccept, 'accepted without Message-Authenticator')
    const rej = await f.client.request(Code.AccessRequest, f.ports.auth, [attr('User-Name', code), attr('Calling-Station-Id', MAC)], { password: 'nope', messageAuthenticator: false })
    t.equal(getAttr(rej!.packet, 'Reply-Message'), 'Wrong password / Sai mật khẩu')
    const bad = f.client.build(Code.AccessRequest, [attr('User-Name', code)], { password: code })
    bad[bad.length - 1]! ^= 1
    t.equal(await f.client.sendRaw(bad, f.ports.auth, 400), undefined, 'a wrong one is still dropped')
  })
}
