// The shared-secret crypto: PAP hiding, CHAP, Request/Response
// Authenticators and Message-Authenticator, for every packet kind.
import { createHash, createHmac } from 'node:crypto'
import t from 'tap'
import {
  Code,
  attr,
  chapResponse,
  decodePacket,
  encodePacket,
  encodeRequest,
  encodeResponse,
  getAll,
  hidePassword,
  unhidePassword,
  verifyChap,
  verifyMessageAuthenticator,
  verifyRequestAuthenticator,
  verifyResponse,
  type RawAttribute,
} from '../../radius/codec/index.js'

const secret = 'a-nas-secret-of-16+'
const md5 = (...parts: (Buffer | string)[]) => parts.reduce((h, p) => h.update(p), createHash('md5')).digest()

/** RFC 2865 §5.2 written out longhand, to check hidePassword's chaining. */
function hideByHand(password: Buffer, key: string, ra: Buffer): Buffer {
  const padded = Buffer.alloc(Math.max(16, Math.ceil(password.length / 16) * 16))
  password.copy(padded)
  const out: Buffer[] = []
  let previous = ra
  for (let i = 0; i < padded.length; i += 16) {
    const b = md5(key, previous)
    const c = Buffer.from(padded.subarray(i, i + 16).map((x, j) => x ^ b[j]))
    out.push(c)
    previous = c
  }
  return Buffer.concat(out)
}

function flip(buf: Buffer, at: number): Buffer {
  const copy = Buffer.from(buf)
  copy[at] ^= 0x01
  return copy
}

t.test('PAP hiding for 1, 16, 17 and 128 octets; 129 refused', async (t) => {
  const ra = Buffer.from('00112233445566778899aabbccddeeff', 'hex')
  for (const [length, hiddenLength] of [
    [1, 16],
    [16, 16],
    [17, 32],
    [128, 128],
  ]) {
    const password = Buffer.alloc(length, 0x61 + (length % 26))
    const hidden = hidePassword(password, secret, ra)
    t.equal(hidden.length, hiddenLength, `${length} octets hide into ${hiddenLength}`)
    t.ok(hidden.equals(hideByHand(password, secret, ra)), `${length} octets: c(i) chains on c(i-1)`)
    t.ok(unhidePassword(hidden, secret, ra)?.equals(password), `${length} octets come back`)
    t.notOk(unhidePassword(hidden, `${secret}!`, ra)?.equals(password), `${length} octets: not with another secret`)
    t.ok(unhidePassword(hidden, Buffer.from(secret), ra)?.equals(password), 'a Buffer secret is the same secret')
  }
  t.throws(() => hidePassword(Buffer.alloc(129, 0x61), secret, ra), RangeError)
  t.throws(() => hidePassword('x', secret, Buffer.alloc(15)), RangeError)
  t.equal(hidePassword('', secret, ra).length, 16, 'an empty password is all padding')
  t.equal(unhidePassword(hidePassword('', secret, ra), secret, ra)?.length, 0)
  t.equal(unhidePassword(hidePassword('mật khẩu', secret, ra), secret, ra)?.toString(), 'mật khẩu', 'UTF-8')
  for (const bad of [0, 8, 15, 17, 31, 144]) t.equal(unhidePassword(Buffer.alloc(bad), secret, ra), undefined, `${bad} octets is not a hidden password`)
  t.equal(unhidePassword(Buffer.alloc(16), secret, Buffer.alloc(4)), undefined)
})

t.test('CHAP with CHAP-Challenge and with the Request Authenticator', async (t) => {
  const challenge = Buffer.from('5c2b1a9e0f3d4c8b7a6e5d4c3b2a1908', 'hex')
  const response = chapResponse(42, 'arctangent', challenge)
  t.ok(response.equals(md5(Buffer.of(42), 'arctangent', challenge)), 'MD5(ident + password + challenge)')
  const chapPassword = Buffer.concat([Buffer.of(42), response])
  t.ok(verifyChap(chapPassword, 'arctangent', challenge))
  t.ok(verifyChap(chapPassword, Buffer.from('arctangent'), challenge))
  t.notOk(verifyChap(chapPassword, 'arctangenT', challenge))
  t.notOk(verifyChap(flip(chapPassword, 0), 'arctangent', challenge), 'the ident is part of the hash')
  t.notOk(verifyChap(chapPassword.subarray(0, 16), 'arctangent', challenge), 'not 17 octets')
  t.notOk(verifyChap(Buffer.alloc(0), 'arctangent', challenge))

  // Without CHAP-Challenge the Request Authenticator is the challenge (RFC 2865 §2.2).
  const request = decodePacket(
    encodeRequest({ code: Code.AccessRequest, identifier: 3, secret, attributes: [attr('User-Name', 'nemo')], messageAuthenticator: false }),
  )
  const fromAuthenticator = Buffer.concat([Buffer.of(7), chapResponse(7, 'pw', request.authenticator)])
  t.ok(verifyChap(fromAuthenticator, 'pw', request.authenticator))
  t.notOk(verifyChap(fromAuthenticator, 'pw', challenge))
  // A longer CHAP-Challenge is allowed (RFC 2865 §5.40: at least 5 octets).
  const long = Buffer.alloc(40, 9)
  t.ok(verifyChap(Buffer.concat([Buffer.of(1), chapResponse(1, 'pw', long)]), 'pw', long))
})

t.test('Access-Request: Message-Authenticator first, over the random authenticator', async (t) => {
  const raw = encodeRequest({
    code: Code.AccessRequest,
    identifier: 17,
    secret,
    attributes: [attr('User-Name', 'nemo'), attr('NAS-Identifier', 'ap-1')],
    password: 'arctangent',
  })
  const p = decodePacket(raw)
  t.same(
    p.attributes.map((a) => a.type),
    [80, 1, 2, 32],
    'MA first, User-Password after User-Name',
  )
  t.equal(unhidePassword(p.attributes[2].value, secret, p.authenticator)?.toString(), 'arctangent')
  // RFC 3579 §3.2 by hand: HMAC-MD5 over the packet with the MA value zeroed.
  const zeroed = Buffer.from(raw)
  zeroed.fill(0, 22, 38)
  t.ok(createHmac('md5', secret).update(zeroed).digest().equals(p.attributes[0].value), 'HMAC-MD5 as RFC 3579 §3.2 says')
  t.equal(verifyMessageAuthenticator(raw, secret), 'valid')
  t.equal(verifyMessageAuthenticator(raw, Buffer.from(secret)), 'valid')
  t.equal(verifyMessageAuthenticator(raw, `${secret}x`), 'invalid')
  for (const at of [1, 4, 19, 25, raw.length - 1]) t.equal(verifyMessageAuthenticator(flip(raw, at), secret), 'invalid', `flipped octet ${at}`)
  t.notOk(verifyRequestAuthenticator(raw, secret), 'an Access-Request authenticator is random, not computed')
  const other = decodePacket(encodeRequest({ code: Code.AccessRequest, identifier: 17, secret, attributes: [] }))
  t.notOk(other.authenticator.equals(p.authenticator), 'a fresh random authenticator each time')
})

t.test('missing, duplicated, wrong-length Message-Authenticator', async (t) => {
  const base = (attributes: RawAttribute[]) => encodePacket({ code: Code.AccessRequest, identifier: 1, authenticator: Buffer.alloc(16, 3), attributes })
  t.equal(verifyMessageAuthenticator(base([attr('User-Name', 'nemo')]), secret), 'missing')
  const good = encodeRequest({ code: Code.AccessRequest, identifier: 1, secret, attributes: [attr('User-Name', 'nemo')] })
  const p = decodePacket(good)
  const twice = base([p.attributes[0], ...p.attributes])
  t.equal(verifyMessageAuthenticator(twice, secret), 'invalid', 'two Message-Authenticators')
  t.equal(verifyMessageAuthenticator(base([{ type: 80, value: Buffer.alloc(15) }]), secret), 'invalid', '15 octets')
  t.equal(verifyMessageAuthenticator(base([{ type: 80, value: Buffer.alloc(17) }]), secret), 'invalid', '17 octets')
  t.equal(verifyMessageAuthenticator(Buffer.alloc(10), secret), 'invalid', 'not a packet')
  const truncated = Buffer.from(good)
  truncated.writeUInt16BE(good.length + 5, 2)
  t.equal(verifyMessageAuthenticator(truncated, secret), 'invalid', 'Length beyond the datagram')
  const broken = Buffer.concat([good, Buffer.from([1, 9])])
  broken.writeUInt16BE(broken.length, 2)
  t.equal(verifyMessageAuthenticator(broken, secret), 'invalid', 'attributes do not add up')
})

t.test('replies: Message-Authenticator first, over the request authenticator; Response Authenticator', async (t) => {
  const request = decodePacket(encodeRequest({ code: Code.AccessRequest, identifier: 200, secret, attributes: [attr('User-Name', 'nemo')], password: 'x' }))
  for (const code of [Code.AccessAccept, Code.AccessReject, Code.AccessChallenge]) {
    const raw = encodeResponse(request, code, [attr('Reply-Message', 'hi'), attr('Session-Timeout', 60)], secret)
    const p = decodePacket(raw)
    t.equal(p.code, code)
    t.equal(p.identifier, 200)
    t.same(
      p.attributes.map((a) => a.type),
      [80, 18, 27],
    )
    t.equal(verifyMessageAuthenticator(raw, secret, request.authenticator), 'valid')
    t.equal(verifyMessageAuthenticator(raw, secret), 'invalid', 'a reply is not checked against its own authenticator')
    // RFC 2865 §3 by hand: MD5(code + id + length + request authenticator + attributes + secret).
    t.ok(md5(raw.subarray(0, 4), request.authenticator, raw.subarray(20), secret).equals(p.authenticator), 'Response Authenticator by hand')
    t.ok(verifyResponse(raw, request.authenticator, secret))
    t.notOk(verifyResponse(raw, request.authenticator, `${secret}x`))
    t.notOk(verifyResponse(raw, Buffer.alloc(16), secret))
    t.notOk(verifyResponse(flip(raw, raw.length - 1), request.authenticator, secret))
    // Signed right but with a forged MA: the client must refuse it.
    const forged = flip(raw, 30)
    md5(forged.subarray(0, 4), request.authenticator, forged.subarray(20), secret).copy(forged, 4)
    t.notOk(verifyResponse(forged, request.authenticator, secret), 'a bad Message-Authenticator fails the reply')
  }
  const bare = encodeResponse(request, Code.AccessReject, [], secret, { messageAuthenticator: false })
  t.equal(bare.length, 20)
  t.equal(verifyMessageAuthenticator(bare, secret, request.authenticator), 'missing')
  t.ok(verifyResponse(bare, request.authenticator, secret))
})

t.test('a Message-Authenticator the caller passes is replaced, Proxy-State is copied in order', async (t) => {
  const request = decodePacket(
    encodeRequest({
      code: Code.AccessRequest,
      identifier: 5,
      secret,
      attributes: [{ type: 33, value: Buffer.from('proxy-1') }, attr('User-Name', 'nemo'), { type: 33, value: Buffer.from('proxy-2') }],
    }),
  )
  const raw = encodeResponse(request, Code.AccessAccept, [{ type: 80, value: Buffer.alloc(16, 9) }, attr('Reply-Message', 'ok')], secret)
  const p = decodePacket(raw)
  t.same(
    p.attributes.map((a) => a.type),
    [80, 18, 33, 33],
  )
  t.same(getAll(p, 'Proxy-State'), [Buffer.from('proxy-1'), Buffer.from('proxy-2')])
  t.equal(verifyMessageAuthenticator(raw, secret, request.authenticator), 'valid')
  const own = decodePacket(encodeResponse(request, Code.AccessAccept, [{ type: 33, value: Buffer.from('mine') }], secret))
  t.same(getAll(own, 'Proxy-State'), [Buffer.from('mine')], 'not copied when the caller sets Proxy-State')
  const none = decodePacket(encodeResponse(request, Code.AccessAccept, [], secret, { messageAuthenticator: false }))
  t.same(
    none.attributes.map((a) => a.type),
    [33, 33],
  )
})

t.test('Accounting-Request: Request Authenticator, and Message-Authenticator over a zeroed one', async (t) => {
  const attributes = [attr('User-Name', 'nemo'), attr('Acct-Status-Type', 'Start'), attr('Acct-Session-Id', 'abc')]
  const plain = encodeRequest({ code: Code.AccountingRequest, identifier: 9, secret, attributes })
  const p = decodePacket(plain)
  t.same(
    p.attributes.map((a) => a.type),
    [1, 40, 44],
    'no Message-Authenticator by default',
  )
  // RFC 2866 §3 by hand: MD5(code + id + length + 16 zero octets + attributes + secret).
  t.ok(md5(plain.subarray(0, 4), Buffer.alloc(16), plain.subarray(20), secret).equals(p.authenticator), 'Request Authenticator by hand')
  t.ok(verifyRequestAuthenticator(plain, secret))
  t.notOk(verifyRequestAuthenticator(plain, `${secret}x`))
  for (const at of [0, 1, 3, 4, 20, plain.length - 1]) t.notOk(verifyRequestAuthenticator(flip(plain, at), secret), `flipped octet ${at}`)
  t.notOk(verifyRequestAuthenticator(plain.subarray(0, 19), secret), 'too short')
  t.equal(verifyMessageAuthenticator(plain, secret), 'missing')

  const signed = encodeRequest({ code: Code.AccountingRequest, identifier: 9, secret, attributes, messageAuthenticator: true })
  const q = decodePacket(signed)
  t.equal(q.attributes[0].type, 80)
  const zeroed = Buffer.from(signed)
  zeroed.fill(0, 4, 20)
  zeroed.fill(0, 22, 38)
  t.ok(createHmac('md5', secret).update(zeroed).digest().equals(q.attributes[0].value), 'MA over a zeroed authenticator (RFC 5176 §3.5)')
  t.equal(verifyMessageAuthenticator(signed, secret), 'valid')
  t.ok(verifyRequestAuthenticator(signed, secret), 'the Request Authenticator covers the filled-in MA')
  t.equal(verifyMessageAuthenticator(flip(signed, 30), secret), 'invalid')
  t.notOk(verifyRequestAuthenticator(flip(signed, 30), secret))
  t.throws(() => encodeRequest({ code: Code.AccountingRequest, identifier: 1, secret, attributes, password: 'x' }), RangeError)
})

t.test('Accounting-Response: no Message-Authenticator unless asked, then the FreeRADIUS way', async (t) => {
  const request = decodePacket(encodeRequest({ code: Code.AccountingRequest, identifier: 77, secret, attributes: [attr('Acct-Status-Type', 'Stop')] }))
  const plain = encodeResponse(request, Code.AccountingResponse, [], secret)
  t.equal(plain.length, 20)
  t.ok(verifyResponse(plain, request.authenticator, secret))
  const signed = encodeResponse(request, Code.AccountingResponse, [], secret, { messageAuthenticator: true })
  const zeroed = Buffer.from(signed)
  zeroed.fill(0, 4, 20)
  zeroed.fill(0, 22, 38)
  t.ok(createHmac('md5', secret).update(zeroed).digest().equals(signed.subarray(22, 38)), 'over a zeroed authenticator (FreeRADIUS 3 rad_sign)')
  t.ok(verifyResponse(signed, request.authenticator, secret))
  t.equal(verifyMessageAuthenticator(signed, secret, request.authenticator), 'valid')

  // An Accounting-Response to Status-Server (RFC 5997 §3) hashes the request's authenticator.
  const status = decodePacket(encodeRequest({ code: Code.StatusServer, identifier: 1, secret, attributes: [] }))
  t.equal(verifyMessageAuthenticator(status.raw, secret), 'valid', 'Status-Server carries a Message-Authenticator by default')
  const pong = encodeResponse(status, Code.AccountingResponse, [], secret)
  const withRequestAuth = Buffer.from(pong)
  withRequestAuth.fill(0, 22, 38)
  status.authenticator.copy(withRequestAuth, 4)
  t.ok(createHmac('md5', secret).update(withRequestAuth).digest().equals(pong.subarray(22, 38)))
  t.ok(verifyResponse(pong, status.authenticator, secret))
})

t.test('CoA-Request and Disconnect-Request, and the NAS replies either way it signs them', async (t) => {
  for (const [code, ack, nak] of [
    [Code.CoaRequest, Code.CoaAck, Code.CoaNak],
    [Code.DisconnectRequest, Code.DisconnectAck, Code.DisconnectNak],
  ]) {
    const raw = encodeRequest({
      code,
      identifier: 12,
      secret,
      attributes: [attr('User-Name', 'nemo'), attr('Acct-Session-Id', 'abc'), attr('Event-Timestamp', new Date())],
      messageAuthenticator: true,
    })
    t.equal(verifyMessageAuthenticator(raw, secret), 'valid')
    t.ok(verifyRequestAuthenticator(raw, secret))
    t.notOk(verifyRequestAuthenticator(flip(raw, raw.length - 1), secret))
    const request = decodePacket(raw)
    for (const reply of [ack, nak]) {
      const attributes = reply === nak ? [attr('Error-Cause', 'Session-Context-Not-Found')] : []
      // RFC 5176 §3.5 and hostapd: MA over the request's authenticator.
      const rfc = encodeResponse(request, reply, attributes, secret)
      t.equal(verifyMessageAuthenticator(rfc, secret, request.authenticator), 'valid')
      t.ok(verifyResponse(rfc, request.authenticator, secret))
      // FreeRADIUS 3 (rad_sign) zeroes the authenticator for these codes instead.
      const fr = encodePacket({ code: reply, identifier: 12, authenticator: Buffer.alloc(16), attributes: [{ type: 80, value: Buffer.alloc(16) }, ...attributes] })
      createHmac('md5', secret).update(fr).digest().copy(fr, 22)
      request.authenticator.copy(fr, 4)
      md5(fr, secret).copy(fr, 4)
      t.ok(verifyResponse(fr, request.authenticator, secret), 'a FreeRADIUS-style ACK/NAK is accepted too')
      t.notOk(verifyResponse(flip(fr, 25), request.authenticator, secret))
    }
  }
})

t.test('encodeRequest refuses what it cannot build', async (t) => {
  t.throws(() => encodeRequest({ code: Code.AccessAccept, identifier: 1, secret, attributes: [] }), RangeError)
  t.throws(() => encodeRequest({ code: Code.AccessRequest, identifier: 1, secret, attributes: [], authenticator: Buffer.alloc(8) }), RangeError)
  t.throws(() => encodeRequest({ code: Code.StatusServer, identifier: 1, secret, attributes: [], password: 'x' }), RangeError)
  const fixed = Buffer.alloc(16, 0x42)
  const raw = encodeRequest({ code: Code.AccessRequest, identifier: 1, secret, attributes: [], authenticator: fixed, messageAuthenticator: false })
  t.ok(raw.subarray(4, 20).equals(fixed))
  t.equal(raw.length, 20)
})

t.test('hmacMd5 matches node:crypto for keys around the 64-octet block and messages in the workspace', async (t) => {
  const { hmacMd5, workspace } = await import('../../radius/codec/digest.js')
  const { randomBytes } = await import('node:crypto')
  for (const keyLength of [0, 1, 16, 63, 64, 65, 200]) {
    for (const messageLength of [0, 20, 64, 4096]) {
      const key = randomBytes(keyLength)
      const message = randomBytes(messageLength)
      const expected = createHmac('md5', key).update(message).digest()
      t.ok(hmacMd5(key, message).equals(expected), `key ${keyLength} octets, message ${messageLength}`)
      // The caller may hash a view of the shared workspace (Message-Authenticator does).
      const w = workspace(messageLength)
      message.copy(w)
      t.ok(hmacMd5(key, w.subarray(0, messageLength)).equals(expected), `key ${keyLength}, message ${messageLength} in the workspace`)
    }
  }
  // A long key is hashed on its first use, while the message already lies in the workspace.
  const long = randomBytes(100)
  const message = randomBytes(80)
  const w = workspace(80)
  message.copy(w)
  t.ok(hmacMd5(long, w.subarray(0, 80)).equals(createHmac('md5', long).update(message).digest()), 'a new 100-octet key, the message in the workspace')
  const text = 'a shared secret as configured'
  t.ok(hmacMd5(text, Buffer.from('x')).equals(createHmac('md5', text).update('x').digest()), 'a string secret, twice (cached pads)')
  t.ok(hmacMd5(text, Buffer.from('y')).equals(createHmac('md5', text).update('y').digest()))
})
