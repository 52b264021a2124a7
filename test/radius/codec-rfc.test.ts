// The example packets of RFC 2865 §7, byte for byte: decoded attribute by
// attribute, authenticators verified, and encoded again to the same octets.
import fs from 'node:fs'
import t from 'tap'
import {
  Code,
  attr,
  decodePacket,
  describe,
  encodePacket,
  encodeRequest,
  encodeResponse,
  getAll,
  getAttr,
  getRaw,
  unhidePassword,
  valueName,
  verifyChap,
  verifyMessageAuthenticator,
  verifyResponse,
} from '../../radius/codec/index.js'

interface Example {
  section: string
  title: string
  request: string
  reply: string
}
const fixture = JSON.parse(fs.readFileSync(new URL('./fixtures/rfc2865-examples.json', import.meta.url), 'utf8')) as { secret: string; examples: Example[] }
const { secret } = fixture
const hex = (s: string) => Buffer.from(s.replace(/\s+/g, ''), 'hex')
const [telnet, chap, challenge1, challenge2] = fixture.examples.map((e) => ({ request: hex(e.request), reply: hex(e.reply) }))

t.test('§7.1 PAP Access-Request: nemo / arctangent', async (t) => {
  const p = decodePacket(telnet.request)
  t.equal(p.code, Code.AccessRequest)
  t.equal(p.identifier, 0)
  t.equal(p.authenticator.toString('hex'), '0f403f9473978057bd83d5cb98f4227a')
  t.same(
    p.attributes.map((a) => a.type),
    [1, 2, 4, 5],
  )
  t.equal(getAttr(p, 'User-Name'), 'nemo')
  t.equal(getRaw(p, 'User-Password')?.length, 16)
  t.equal(unhidePassword(getRaw(p, 'User-Password')!, secret, p.authenticator)?.toString(), 'arctangent')
  t.equal(unhidePassword(getRaw(p, 'User-Password')!, 'not-the-secret', p.authenticator)?.toString() === 'arctangent', false)
  t.equal(getAttr(p, 'NAS-IP-Address'), '192.168.1.16')
  t.equal(getAttr(p, 'NAS-Port'), 3)
  t.equal(verifyMessageAuthenticator(p.raw, secret), 'missing')
  t.ok(encodePacket(p).equals(telnet.request), 'encodePacket gives the same octets')
  const rebuilt = encodeRequest({
    code: Code.AccessRequest,
    identifier: 0,
    authenticator: p.authenticator,
    attributes: [attr('User-Name', 'nemo'), attr('NAS-IP-Address', '192.168.1.16'), attr('NAS-Port', 3)],
    password: 'arctangent',
    secret,
    messageAuthenticator: false,
  })
  t.equal(rebuilt.toString('hex'), telnet.request.toString('hex'), 'encodeRequest hides the password into the same octets')
})

t.test('§7.1 Access-Accept: Telnet to 192.168.1.3', async (t) => {
  const request = decodePacket(telnet.request)
  const p = decodePacket(telnet.reply)
  t.equal(p.code, Code.AccessAccept)
  t.equal(p.identifier, 0)
  t.equal(getAttr(p, 'Service-Type'), 1)
  t.equal(valueName('Service-Type', 1), 'Login-User')
  t.equal(getAttr(p, 'Login-Service'), 0)
  t.equal(valueName('Login-Service', 0), 'Telnet')
  t.equal(getAttr(p, 'Login-IP-Host'), '192.168.1.3')
  t.ok(verifyResponse(telnet.reply, request.authenticator, secret), 'Response Authenticator verifies')
  t.notOk(verifyResponse(telnet.reply, request.authenticator, 'xyzzy5462'), 'not with another secret')
  t.notOk(verifyResponse(telnet.reply, chap.request.subarray(4, 20), secret), 'not against another request')
  const tampered = Buffer.from(telnet.reply)
  tampered[tampered.length - 1] ^= 1
  t.notOk(verifyResponse(tampered, request.authenticator, secret), 'a flipped bit fails')
  const rebuilt = encodeResponse(
    request,
    Code.AccessAccept,
    [attr('Service-Type', 'Login-User'), attr('Login-Service', 'Telnet'), attr('Login-IP-Host', '192.168.1.3')],
    secret,
    { messageAuthenticator: false },
  )
  t.equal(rebuilt.toString('hex'), telnet.reply.toString('hex'), 'encodeResponse gives the same octets')
  t.same(describe(p), [
    { name: 'Service-Type', value: 'Login-User' },
    { name: 'Login-Service', value: 'Telnet' },
    { name: 'Login-IP-Host', value: '192.168.1.3' },
  ])
})

t.test('§7.2 CHAP Access-Request and its Access-Accept', async (t) => {
  const p = decodePacket(chap.request)
  t.equal(p.code, Code.AccessRequest)
  t.equal(p.identifier, 1)
  t.equal(getAttr(p, 'User-Name'), 'flopsy')
  const chapPassword = getRaw(p, 'CHAP-Password')!
  t.equal(chapPassword.length, 17, 'CHAP ident + 16-octet response')
  t.equal(chapPassword[0], 0x16, 'CHAP ident')
  t.equal(getAttr(p, 'NAS-IP-Address'), '192.168.1.16')
  t.equal(getAttr(p, 'NAS-Port'), 20)
  t.equal(getAttr(p, 'Service-Type'), 2)
  t.equal(valueName('Service-Type', 2), 'Framed-User')
  t.equal(getAttr(p, 'Framed-Protocol'), 1)
  t.equal(valueName('Framed-Protocol', 1), 'PPP')
  t.equal(getAttr(p, 'CHAP-Challenge'), undefined, 'no CHAP-Challenge: the Request Authenticator is the challenge')
  // The RFC does not print flopsy's password: it is nemo's.
  t.ok(verifyChap(chapPassword, 'arctangent', p.authenticator), "flopsy's CHAP password is arctangent")
  t.notOk(verifyChap(chapPassword, 'arctangent', Buffer.alloc(16)), 'not with another challenge')
  t.notOk(verifyChap(chapPassword, 'arctangens', p.authenticator), 'not with another password')
  t.ok(encodePacket(p).equals(chap.request))

  const reply = decodePacket(chap.reply)
  t.equal(reply.code, Code.AccessAccept)
  t.equal(getAttr(reply, 'Service-Type'), 2)
  t.equal(getAttr(reply, 'Framed-Protocol'), 1)
  t.equal(getAttr(reply, 'Framed-IP-Address'), '255.255.255.254', 'the NAS picks the address')
  t.equal(getAttr(reply, 'Framed-Routing'), 2, 'the hex says Listen (2)')
  t.equal(getAttr(reply, 'Framed-Compression'), 1)
  t.equal(valueName('Framed-Compression', 1), 'Van-Jacobson-TCP-IP')
  t.equal(getAttr(reply, 'Framed-MTU'), 1500)
  t.ok(verifyResponse(chap.reply, p.authenticator, secret))
  const rebuilt = encodeResponse(
    p,
    Code.AccessAccept,
    [
      attr('Service-Type', 'Framed-User'),
      attr('Framed-Protocol', 'PPP'),
      attr('Framed-IP-Address', '255.255.255.254'),
      attr('Framed-Routing', 'Listen'),
      attr('Framed-Compression', 'Van-Jacobson-TCP-IP'),
      attr('Framed-MTU', 1500),
    ],
    secret,
    { messageAuthenticator: false },
  )
  t.equal(rebuilt.toString('hex'), chap.reply.toString('hex'))
})

t.test('§7.3 challenge-response card: Access-Challenge with State, then Access-Reject', async (t) => {
  const first = decodePacket(challenge1.request)
  t.equal(getAttr(first, 'User-Name'), 'mopsy')
  t.equal(unhidePassword(getRaw(first, 'User-Password')!, secret, first.authenticator)?.toString(), 'challenge')
  t.equal(getAttr(first, 'NAS-Port'), 7)

  const reply = decodePacket(challenge1.reply)
  t.equal(reply.code, Code.AccessChallenge)
  t.equal(getAttr(reply, 'Reply-Message'), 'Challenge 32769430.  Enter response at prompt.')
  t.same(getAll(reply, 'State'), [Buffer.from('32769430')])
  t.ok(verifyResponse(challenge1.reply, first.authenticator, secret))
  const rebuilt = encodeResponse(
    first,
    Code.AccessChallenge,
    [attr('Reply-Message', 'Challenge 32769430.  Enter response at prompt.'), attr('State', Buffer.from('32769430'))],
    secret,
    { messageAuthenticator: false },
  )
  t.ok(rebuilt.equals(challenge1.reply))

  const second = decodePacket(challenge2.request)
  t.equal(unhidePassword(getRaw(second, 'User-Password')!, secret, second.authenticator)?.toString(), '99101462')
  t.same(getAttr(second, 'State'), Buffer.from('32769430'), 'the State of the challenge comes back')
  const reject = decodePacket(challenge2.reply)
  t.equal(reject.code, Code.AccessReject)
  t.equal(reject.attributes.length, 0)
  t.ok(verifyResponse(challenge2.reply, second.authenticator, secret))
  t.ok(encodeResponse(second, Code.AccessReject, [], secret, { messageAuthenticator: false }).equals(challenge2.reply))
})
