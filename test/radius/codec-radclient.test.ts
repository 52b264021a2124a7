// Interop with code nobody here wrote: radclient (Debian freeradius-utils)
// sends to a UDP socket this test opens; the codec decodes and verifies what
// arrives and answers with encodeResponse; radclient must accept the answer.
import { spawn, spawnSync } from 'node:child_process'
import { createHash, createHmac } from 'node:crypto'
import dgram from 'node:dgram'
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
  verifyChap,
  verifyMessageAuthenticator,
  verifyRequestAuthenticator,
  type Packet,
} from '../../radius/codec/index.js'

const secret = 'citywifi-interop-secret'
const INSTALL = 'radclient is missing: run `sudo bash scripts/install-test-deps.sh` (it installs freeradius-utils)'

interface Exchange {
  request: Packet
  exit: number | null
  output: string
}

/** Runs radclient once against a socket on 127.0.0.1:0, answering its first datagram with `answer`. */
function exchange(command: string, input: string, answer: (request: Packet) => Buffer): Promise<Exchange> {
  return new Promise((resolve, reject) => {
    const socket = dgram.createSocket('udp4')
    let request: Packet | undefined
    let answerError: unknown
    socket.on('message', (msg, from) => {
      if (request) return // a retransmission
      try {
        request = decodePacket(Buffer.from(msg))
        socket.send(answer(request), from.port, from.address)
      } catch (err) {
        answerError = err
      }
    })
    socket.bind(0, '127.0.0.1', () => {
      const child = spawn('radclient', ['-x', '-r', '1', '-t', '3', `127.0.0.1:${socket.address().port}`, command, secret])
      let output = ''
      child.stdout.on('data', (d: Buffer) => (output += d.toString()))
      child.stderr.on('data', (d: Buffer) => (output += d.toString()))
      child.on('error', reject)
      child.on('close', (exit) => {
        socket.close()
        if (answerError) return reject(answerError)
        if (!request) return reject(new Error(`radclient sent nothing (exit ${exit}):\n${output}`))
        resolve({ request, exit, output })
      })
      child.stdin.end(input)
    })
  })
}

const radclient = spawnSync('radclient', ['-v'], { encoding: 'utf8' })
if (radclient.error) {
  t.fail(INSTALL)
} else {
  t.comment(radclient.stdout.split('\n')[0])

  t.test('PAP with Message-Authenticator; the Access-Accept radclient accepts', async (t) => {
    const r = await exchange(
      'auth',
      'User-Name = "0912345678", User-Password = "483921", NAS-Identifier = "quang-truong-ap1", Calling-Station-Id = "11-22-33-44-55-66", Message-Authenticator = 0x00',
      (p) =>
        encodeResponse(
          p,
          Code.AccessAccept,
          [
            attr('Reply-Message', 'Chào mừng'),
            attr('Session-Timeout', 1800),
            attr('WISPr-Bandwidth-Max-Down', 2_000_000),
            attr('ChilliSpot-Max-Total-Octets', 500_000_000),
            attr('Mikrotik-Rate-Limit', '2M/2M'),
            attr('Tunnel-Type', 'VLAN', 1),
            attr('Tunnel-Medium-Type', 'IEEE-802', 1),
            attr('Tunnel-Private-Group-Id', '120', 1),
          ],
          secret,
        ),
    )
    const p = r.request
    t.equal(p.code, Code.AccessRequest)
    t.equal(verifyMessageAuthenticator(p.raw, secret), 'valid')
    t.equal(unhidePassword(getRaw(p, 'User-Password')!, secret, p.authenticator)?.toString(), '483921')
    t.equal(getAttr(p, 'NAS-Identifier'), 'quang-truong-ap1')
    t.equal(getAttr(p, 'Calling-Station-Id'), '11-22-33-44-55-66')
    t.equal(r.exit, 0, r.output)
    t.match(r.output, /Received Access-Accept/)
    t.match(r.output, /Reply-Message = "Chào mừng"/)
    t.match(r.output, /Session-Timeout = 1800/)
    t.match(r.output, /WISPr-Bandwidth-Max-Down = 2000000/)
    t.match(r.output, /ChilliSpot-Max-Total-Octets = 500000000/)
    t.match(r.output, /Mikrotik-Rate-Limit = "2M\/2M"/)
    t.match(r.output, /Tunnel-Type:1 = VLAN/)
    t.match(r.output, /Tunnel-Medium-Type:1 = IEEE-802/)
    t.match(r.output, /Tunnel-Private-Group-Id:1 = "120"/)
  })

  t.test('an Access-Reject is accepted as one (radclient exits 1)', async (t) => {
    const r = await exchange('auth', 'User-Name = "nemo", User-Password = "wrong"', (p) =>
      encodeResponse(p, Code.AccessReject, [attr('Reply-Message', 'Sai mật khẩu')], secret),
    )
    t.equal(unhidePassword(getRaw(r.request, 'User-Password')!, secret, r.request.authenticator)?.toString(), 'wrong')
    t.equal(r.exit, 1)
    t.match(r.output, /Received Access-Reject/)
    t.match(r.output, /Reply-Message = "Sai mật khẩu"/)
  })

  t.test('a reply signed with another secret is refused: radclient really checks', async (t) => {
    const r = await exchange('auth', 'User-Name = "nemo", User-Password = "x"', (p) => encodeResponse(p, Code.AccessAccept, [], `${secret}-wrong`))
    t.not(r.exit, 0)
    t.notMatch(r.output, /Received Access-Accept/)
  })

  t.test('CHAP with the Request Authenticator as challenge', async (t) => {
    const r = await exchange('auth', 'User-Name = "AA-BB-CC-11-22-33", CHAP-Password = "voucher7KQ"', (p) => encodeResponse(p, Code.AccessAccept, [], secret))
    const chap = getRaw(r.request, 'CHAP-Password')!
    t.equal(getAttr(r.request, 'CHAP-Challenge'), undefined)
    t.ok(verifyChap(chap, 'voucher7KQ', r.request.authenticator))
    t.notOk(verifyChap(chap, 'voucher7KR', r.request.authenticator))
    t.equal(r.exit, 0, r.output)
  })

  t.test('CHAP with CHAP-Challenge', async (t) => {
    const r = await exchange('auth', 'User-Name = "guest", CHAP-Password = "arctangent", CHAP-Challenge = 0x00112233445566778899aabbccddeeff', (p) =>
      encodeResponse(p, Code.AccessAccept, [], secret),
    )
    const challenge = getAttr(r.request, 'CHAP-Challenge') as Buffer
    t.equal(challenge.toString('hex'), '00112233445566778899aabbccddeeff')
    t.ok(verifyChap(getRaw(r.request, 'CHAP-Password')!, 'arctangent', challenge))
    t.notOk(verifyChap(getRaw(r.request, 'CHAP-Password')!, 'arctangent', r.request.authenticator), 'not the authenticator then')
    t.equal(r.exit, 0, r.output)
  })

  t.test('Accounting-Request: Request Authenticator; Accounting-Response', async (t) => {
    const r = await exchange(
      'acct',
      'User-Name = "0912345678", Acct-Status-Type = Start, Acct-Session-Id = "5f3a2b1c00000002", Framed-IP-Address = 10.1.0.23, Event-Timestamp = 1700000000, WISPr-Location-Name = "Quang truong", Mikrotik-Host-IP = 10.1.0.23',
      (p) => encodeResponse(p, Code.AccountingResponse, [], secret),
    )
    const p = r.request
    t.equal(p.code, Code.AccountingRequest)
    t.ok(verifyRequestAuthenticator(p.raw, secret))
    t.notOk(verifyRequestAuthenticator(p.raw, `${secret}x`))
    t.equal(verifyMessageAuthenticator(p.raw, secret), 'missing')
    t.equal(getAttr(p, 'Acct-Status-Type'), 1)
    t.same(getAttr(p, 'Event-Timestamp'), new Date(1_700_000_000_000))
    t.equal(getAttr(p, 'WISPr-Location-Name'), 'Quang truong')
    t.equal(getAttr(p, 'Mikrotik-Host-IP'), '10.1.0.23')
    t.equal(r.exit, 0, r.output)
    t.match(r.output, /Received Accounting-Response/)
  })

  t.test('Accounting-Request with Message-Authenticator, and an Accounting-Response with one', async (t) => {
    const r = await exchange('acct', 'User-Name = "nemo", Acct-Status-Type = Interim-Update, Message-Authenticator = 0x00', (p) =>
      encodeResponse(p, Code.AccountingResponse, [], secret, { messageAuthenticator: true }),
    )
    t.equal(verifyMessageAuthenticator(r.request.raw, secret), 'valid', 'MA over a zeroed authenticator')
    t.ok(verifyRequestAuthenticator(r.request.raw, secret))
    t.equal(r.exit, 0, r.output)
    t.match(r.output, /Received Accounting-Response[^]*Message-Authenticator/)
  })

  t.test('radclient refuses an Accounting-Response whose MA hashes the request authenticator', async (t) => {
    // Why encodeResponse zeroes it there (and leaves it out by default).
    const r = await exchange('acct', 'User-Name = "nemo", Acct-Status-Type = Stop', (p) => {
      const buf = encodePacket({ code: Code.AccountingResponse, identifier: p.identifier, authenticator: p.authenticator, attributes: [{ type: 80, value: Buffer.alloc(16) }] })
      createHmac('md5', secret).update(buf).digest().copy(buf, 22)
      createHash('md5').update(buf).update(secret).digest().copy(buf, 4)
      return buf
    })
    t.not(r.exit, 0)
    t.match(r.output, /invalid Message-Authenticator/)
  })

  t.test('Status-Server', async (t) => {
    const r = await exchange('status', 'Message-Authenticator = 0x00', (p) => encodeResponse(p, Code.AccessAccept, [attr('Reply-Message', 'up')], secret))
    t.equal(r.request.code, Code.StatusServer)
    t.equal(verifyMessageAuthenticator(r.request.raw, secret), 'valid')
    t.equal(r.exit, 0, r.output)
    t.match(r.output, /Received Access-Accept/)
  })

  t.test('CoA-Request and Disconnect-Request, answered ACK and NAK', async (t) => {
    const coa = await exchange('coa', 'User-Name = "nemo", Acct-Session-Id = "abc", Message-Authenticator = 0x00', (p) => encodeResponse(p, Code.CoaAck, [], secret))
    t.equal(coa.request.code, Code.CoaRequest)
    t.ok(verifyRequestAuthenticator(coa.request.raw, secret))
    t.equal(verifyMessageAuthenticator(coa.request.raw, secret), 'valid')
    t.equal(coa.exit, 0, coa.output)
    t.match(coa.output, /Received CoA-ACK/)
    const disconnect = await exchange('disconnect', 'User-Name = "nemo"', (p) =>
      encodeResponse(p, Code.DisconnectNak, [attr('Error-Cause', 'Session-Context-Not-Found')], secret),
    )
    t.ok(verifyRequestAuthenticator(disconnect.request.raw, secret))
    t.match(disconnect.output, /Received Disconnect-NAK[^]*Error-Cause = Session-Context-Not-Found/)
  })
}
