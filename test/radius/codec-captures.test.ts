// Packets radclient (FreeRADIUS 3.2.1) sent, and replies it accepted, kept as
// fixtures: the accounting Request Authenticator, Message-Authenticator in
// requests and replies, PAP and CHAP, byte for byte and without radclient.
// codec-radclient.test.ts does the same live.
import fs from 'node:fs'
import t from 'tap'
import {
  Code,
  attr,
  decodePacket,
  encodePacket,
  encodeResponse,
  getAttr,
  getRaw,
  unhidePassword,
  valueName,
  verifyChap,
  verifyMessageAuthenticator,
  verifyRequestAuthenticator,
  verifyResponse,
  type AttrValue,
} from '../../radius/codec/index.js'

interface Capture {
  name: string
  request: string
  password?: string
  reply: { code: number; attributes: [string, AttrValue, number?][]; messageAuthenticator?: boolean; hex: string }
}
const fixture = JSON.parse(fs.readFileSync(new URL('./fixtures/radclient-captures.json', import.meta.url), 'utf8')) as { secret: string; cases: Capture[] }
const { secret } = fixture

for (const c of fixture.cases) {
  t.test(c.name, async (t) => {
    const raw = Buffer.from(c.request, 'hex')
    const p = decodePacket(raw)
    t.ok(encodePacket(p).equals(raw), 'decodes and encodes to the same octets')
    const hasMa = p.attributes.some((a) => a.type === 80)
    t.equal(verifyMessageAuthenticator(raw, secret), hasMa ? 'valid' : 'missing')
    t.equal(verifyMessageAuthenticator(raw, `${secret}x`), hasMa ? 'invalid' : 'missing')
    if (p.code === Code.AccountingRequest) {
      t.ok(verifyRequestAuthenticator(raw, secret), 'Request Authenticator verifies')
      t.notOk(verifyRequestAuthenticator(raw, `${secret}x`), 'not with another secret')
    }
    const hidden = getRaw(p, 'User-Password')
    if (hidden) t.equal(unhidePassword(hidden, secret, p.authenticator)?.toString(), c.password)
    const chap = getRaw(p, 'CHAP-Password')
    if (chap) {
      const challenge = (getAttr(p, 'CHAP-Challenge') as Buffer | undefined) ?? p.authenticator
      t.ok(verifyChap(chap, c.password!, challenge), 'CHAP response matches')
      t.notOk(verifyChap(chap, `${c.password}x`, challenge))
    }

    const attributes = c.reply.attributes.map(([name, value, tag]) => attr(name, value, tag))
    const options = c.reply.messageAuthenticator === undefined ? undefined : { messageAuthenticator: c.reply.messageAuthenticator }
    const reply = encodeResponse(p, c.reply.code, attributes, secret, options)
    t.equal(reply.toString('hex'), c.reply.hex, 'encodeResponse makes the reply radclient accepted')
    t.ok(verifyResponse(reply, p.authenticator, secret))
  })
}

t.test('the Interim-Update reads as a NAS meant it', async (t) => {
  const c = fixture.cases.find((x) => x.name === 'Accounting-Request Interim-Update')!
  const p = decodePacket(Buffer.from(c.request, 'hex'))
  t.equal(getAttr(p, 'Acct-Status-Type'), 3)
  t.equal(valueName('Acct-Status-Type', 3), 'Interim-Update')
  t.equal(getAttr(p, 'Acct-Session-Id'), '5f3a2b1c00000001')
  t.equal(getAttr(p, 'Framed-IP-Address'), '10.1.0.23')
  t.equal(getAttr(p, 'Acct-Input-Octets'), 123456789)
  t.equal(getAttr(p, 'Acct-Output-Octets'), 987654321)
  t.equal(getAttr(p, 'Acct-Input-Gigawords'), 1)
  t.equal(getAttr(p, 'Acct-Output-Gigawords'), 0)
  t.equal(getAttr(p, 'Acct-Session-Time'), 1234)
  t.same(getAttr(p, 'Event-Timestamp'), new Date(1_700_000_000_000))
  t.equal(getAttr(p, 'WISPr-Location-Name'), 'Quang truong')
  t.equal(getAttr(p, 'Acct-Delay-Time'), 0)
})
