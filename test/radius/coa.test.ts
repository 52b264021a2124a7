// Disconnect-Request and CoA-Request against a small fake NAS that speaks
// RFC 5176 over UDP: ACK, NAK with Error-Cause, and no answer at all.
import dgram from 'node:dgram'
import t from 'tap'
import { requestSessionChange } from '../../core/services/coa.js'
import { Code, attr, decodePacket, encodeResponse, getAttr, verifyMessageAuthenticator, verifyRequestAuthenticator, type Packet } from '../../radius/codec/index.js'
import { dbKinds } from '../helpers/databases.js'
import { SECRET, counter, radiusFixture, type RadiusFixture } from './setup.js'

type Answer = 'ack' | 'nak' | 'silent'

/** A NAS's dynamic-authorization port: checks what it gets and answers as told. */
async function fakeNas(answer: () => Answer) {
  const socket = dgram.createSocket('udp4')
  await new Promise<void>((r) => socket.bind(0, '127.0.0.1', r))
  const received: { packet: Packet; authenticOk: boolean; maOk: boolean; at: number }[] = []
  socket.on('message', (msg, rinfo) => {
    const packet = decodePacket(msg)
    received.push({ packet, authenticOk: verifyRequestAuthenticator(msg, SECRET), maOk: verifyMessageAuthenticator(msg, SECRET) === 'valid', at: Date.now() })
    const a = answer()
    if (a === 'silent') return
    const disconnect = packet.code === Code.DisconnectRequest
    const code = a === 'ack' ? (disconnect ? Code.DisconnectAck : Code.CoaAck) : disconnect ? Code.DisconnectNak : Code.CoaNak
    const attrs = a === 'nak' ? [attr('Error-Cause', 'Session-Context-Not-Found')] : []
    socket.send(encodeResponse(packet, code, attrs, SECRET), rinfo.port, rinfo.address)
  })
  return { port: (socket.address() as { port: number }).port, received, close: () => socket.close() }
}

async function openSession(f: RadiusFixture, sid: string) {
  const r = await f.client.request(
    Code.AccountingRequest,
    f.ports.acct,
    [attr('Acct-Status-Type', 'Start'), attr('Acct-Session-Id', sid), attr('User-Name', f.vouchers[0]!), attr('Calling-Station-Id', '02-00-00-00-00-01'), attr('Framed-IP-Address', '10.0.0.9')],
    { messageAuthenticator: false },
  )
  t.equal(r?.packet.code, Code.AccountingResponse)
  return f.ctx.db.prisma.session.findFirstOrThrow({ where: { acctSessionId: sid } })
}

async function settled(f: RadiusFixture, id: number, ms = 12_000) {
  const until = Date.now() + ms
  for (;;) {
    const row = await f.ctx.db.prisma.coaRequest.findUniqueOrThrow({ where: { id } })
    if (!['pending', 'sent'].includes(row.state) || Date.now() > until) return row
    await new Promise((r) => setTimeout(r, 100))
  }
}

for (const kind of dbKinds()) {
  t.test(`CoA and Disconnect on ${kind}`, async (t) => {
    let answer: Answer = 'ack'
    const nas = await fakeNas(() => answer)
    t.teardown(() => nas.close())
    const f = await radiusFixture(t, kind, { coaPort: nas.port })
    const prisma = f.ctx.db.prisma

    t.test('Disconnect-Request, ACK', async (t) => {
      const s = await openSession(f, 'coa-1')
      const req = await requestSessionChange(prisma, { sessionId: s.id, kind: 'disconnect', requestedBy: 'admin:test', reason: 'test' })
      const row = await settled(f, req.id)
      t.equal(row.state, 'acked')
      t.ok(row.finishedAt)
      const got = nas.received.at(-1)!
      t.equal(got.packet.code, Code.DisconnectRequest)
      t.ok(got.authenticOk, 'Request Authenticator computed with the NAS secret')
      t.ok(got.maOk, 'Message-Authenticator present and valid')
      t.equal(getAttr(got.packet, 'Acct-Session-Id'), 'coa-1')
      t.equal(getAttr(got.packet, 'Calling-Station-Id'), '02-00-00-00-00-01')
      t.equal(getAttr(got.packet, 'Framed-IP-Address'), '10.0.0.9')
      t.ok(getAttr(got.packet, 'Event-Timestamp') instanceof Date)
      const after = await prisma.session.findUniqueOrThrow({ where: { id: s.id } })
      t.equal(after.closeReason, 'admin', 'the reason is kept for when the Stop arrives')
      t.equal(await counter(f.ctx, 'citywifi_radius_coa_total', { kind: 'disconnect', outcome: 'ack' }), 1)
      const audit = await prisma.auditEvent.findFirst({ where: { action: 'session.disconnect' } })
      t.equal(audit?.actor, 'admin:test', 'who cut it off is recorded')
    })

    t.test('CoA-Request with a new Session-Timeout, ACK', async (t) => {
      const s = await openSession(f, 'coa-2')
      const req = await requestSessionChange(prisma, { sessionId: s.id, kind: 'coa', changes: { sessionTimeout: 600 }, requestedBy: 'admin:test' })
      t.equal((await settled(f, req.id)).state, 'acked')
      const got = nas.received.at(-1)!
      t.equal(got.packet.code, Code.CoaRequest)
      t.equal(getAttr(got.packet, 'Session-Timeout'), 600)
    })

    t.test('NAK with Error-Cause', async (t) => {
      answer = 'nak'
      const s = await openSession(f, 'coa-3')
      const req = await requestSessionChange(prisma, { sessionId: s.id, kind: 'disconnect', requestedBy: 'admin:test' })
      const row = await settled(f, req.id)
      t.equal(row.state, 'nakked')
      t.equal(row.errorCause, 503)
      t.equal(row.detail, 'Session-Context-Not-Found')
    })

    t.test('no answer: sent again with backoff, then timeout', async (t) => {
      answer = 'silent'
      const s = await openSession(f, 'coa-4')
      const before = nas.received.length
      const req = await requestSessionChange(prisma, { sessionId: s.id, kind: 'disconnect', requestedBy: 'admin:test' })
      const row = await settled(f, req.id, 15_000)
      t.equal(row.state, 'timeout')
      const sends = nas.received.slice(before)
      t.equal(sends.length, 3, 'three tries')
      t.ok(sends[1]!.at - sends[0]!.at >= 900, 'about 1 s before the second')
      t.ok(sends[2]!.at - sends[1]!.at >= 1900, 'about 2 s before the third')
      t.same(new Set(sends.map((x) => x.packet.identifier)).size, 1, 'the same request each time')
    })

    t.test('an ended session cannot be cut off', async (t) => {
      const s = await openSession(f, 'coa-5')
      await prisma.session.update({ where: { id: s.id }, data: { stoppedAt: new Date() } })
      await t.rejects(requestSessionChange(prisma, { sessionId: s.id, kind: 'disconnect', requestedBy: 'admin:test' }), /has already ended/)
    })
  })
}

for (const kind of dbKinds()) {
  t.test(`a daily quota running out mid-session disconnects it on ${kind}`, async (t) => {
    const nas = await fakeNas(() => 'ack')
    t.teardown(() => nas.close())
    const f = await radiusFixture(t, kind, { coaPort: nas.port, policy: { dailyMinutes: 10 } })
    const prisma = f.ctx.db.prisma
    const s = await openSession(f, 'quota-1')
    const interim = (seconds: number) =>
      f.client.request(
        Code.AccountingRequest,
        f.ports.acct,
        [attr('Acct-Status-Type', 'Interim-Update'), attr('Acct-Session-Id', 'quota-1'), attr('User-Name', f.vouchers[0]!), attr('Calling-Station-Id', '02-00-00-00-00-01'), attr('Acct-Session-Time', seconds)],
        { messageAuthenticator: false },
      )
    await interim(300)
    await new Promise((r) => setTimeout(r, 300))
    t.equal(await prisma.coaRequest.count(), 0, '5 of 10 minutes: nothing to do')
    await interim(660)
    let row
    for (let i = 0; i < 100 && !(row = await prisma.coaRequest.findFirst({ where: { sessionId: s.id } })); i++) await new Promise((r) => setTimeout(r, 50))
    t.equal(row?.requestedBy, 'radius:quota')
    t.equal((await settled(f, row!.id)).state, 'acked')
    t.equal(getAttr(nas.received.at(-1)!.packet, 'Acct-Session-Id'), 'quota-1')
    await interim(700)
    await new Promise((r) => setTimeout(r, 300))
    t.equal(await prisma.coaRequest.count(), 1, 'asked once, not at every interim')
  })
}
