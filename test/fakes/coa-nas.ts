// A NAS's dynamic-authorization port (RFC 5176) on 127.0.0.1: checks the
// Disconnect-Request it gets (authenticators with the shared secret) and
// answers ACK, NAK with Error-Cause, or nothing, as told.
import dgram from 'node:dgram'
import { Code, attr, decodePacket, encodeResponse, verifyMessageAuthenticator, verifyRequestAuthenticator, type Packet } from '../../radius/codec/index.js'

export type CoaAnswer = 'ack' | 'nak' | 'silent'

export interface FakeCoaNas {
  port: number
  received: { packet: Packet; authentic: boolean; at: number }[]
  answer: CoaAnswer
  close(): void
}

export async function fakeCoaNas(secret: string, answer: CoaAnswer = 'ack'): Promise<FakeCoaNas> {
  const socket = dgram.createSocket('udp4')
  await new Promise<void>((r) => socket.bind(0, '127.0.0.1', r))
  const nas: FakeCoaNas = {
    port: (socket.address() as { port: number }).port,
    received: [],
    answer,
    close: () => socket.close(),
  }
  socket.on('message', (msg, rinfo) => {
    let packet: Packet
    try {
      packet = decodePacket(msg)
    } catch {
      return
    }
    const authentic = verifyRequestAuthenticator(msg, secret) && verifyMessageAuthenticator(msg, secret) === 'valid'
    nas.received.push({ packet, authentic, at: Date.now() })
    // A real NAS ignores a request that does not prove the secret.
    if (!authentic || nas.answer === 'silent') return
    const disconnect = packet.code === Code.DisconnectRequest
    const code = nas.answer === 'ack' ? (disconnect ? Code.DisconnectAck : Code.CoaAck) : disconnect ? Code.DisconnectNak : Code.CoaNak
    socket.send(encodeResponse(packet, code, nas.answer === 'nak' ? [attr('Error-Cause', 'Session-Context-Not-Found')] : [], secret), rinfo.port, rinfo.address)
  })
  return nas
}
