// The RADIUS side of the fake NAS programs: a real Access-Request (CHAP, with
// Message-Authenticator) or Accounting-Request over UDP to citywifi, with
// the retries a NAS makes, and the reply checked against the shared secret.
import { randomBytes } from 'node:crypto'
import dgram from 'node:dgram'
import { Code, attr, decodePacket, encodeRequest, getAttr, verifyResponse, type Packet, type RawAttribute } from '../../radius/codec/index.js'

export interface RadiusTarget {
  host: string
  port: number
  secret: string
}

export interface RadiusAnswer {
  code: number
  accepted: boolean
  replyMessage?: string
  sessionTimeout?: number
  packet: Packet
}

let nextId = Math.floor(Math.random() * 256)

/** Sends one request (retried every `retryMs`, `tries` times) and returns the verified reply, or undefined on timeout. */
export async function radiusRequest(
  target: RadiusTarget,
  code: number,
  attributes: RawAttribute[],
  opts: { retryMs?: number; tries?: number } = {},
): Promise<RadiusAnswer | undefined> {
  const identifier = nextId++ & 0xff
  const authenticator = code === Code.AccessRequest ? randomBytes(16) : undefined
  const buf = encodeRequest({ code, identifier, attributes, secret: target.secret, authenticator, messageAuthenticator: code === Code.AccessRequest })
  const requestAuth = buf.subarray(4, 20)
  const socket = dgram.createSocket('udp4')
  try {
    return await new Promise<RadiusAnswer | undefined>((resolve) => {
      let tries = 0
      let timer: NodeJS.Timeout | undefined
      const send = () => {
        if (tries++ >= (opts.tries ?? 3)) return resolve(undefined)
        socket.send(buf, target.port, target.host)
        timer = setTimeout(send, opts.retryMs ?? 2000)
      }
      socket.on('message', (msg) => {
        if (msg.length < 20 || msg[1] !== identifier) return
        if (!verifyResponse(msg, Buffer.from(requestAuth), target.secret)) return
        clearTimeout(timer)
        const packet = decodePacket(msg)
        const reply = getAttr(packet, 'Reply-Message')
        const timeout = getAttr(packet, 'Session-Timeout')
        resolve({
          code: packet.code,
          accepted: packet.code === Code.AccessAccept,
          replyMessage: typeof reply === 'string' ? reply : Buffer.isBuffer(reply) ? reply.toString('utf8') : undefined,
          sessionTimeout: typeof timeout === 'number' ? timeout : undefined,
          packet,
        })
      })
      socket.bind(0, '127.0.0.1', send)
    })
  } finally {
    socket.close()
  }
}

/** Access-Request with CHAP, as CoovaChilli and MikroTik send it. */
export function chapAccessRequest(
  target: RadiusTarget,
  input: { username: string; chapId: number; chapResponse: Buffer; challenge: Buffer; nasIdentifier: string; callingStation: string; calledStation?: string; framedIp?: string },
): Promise<RadiusAnswer | undefined> {
  const attrs: RawAttribute[] = [
    attr('User-Name', input.username),
    attr('CHAP-Password', Buffer.concat([Buffer.of(input.chapId), input.chapResponse])),
    attr('CHAP-Challenge', input.challenge),
    attr('NAS-IP-Address', '127.0.0.1'),
    attr('NAS-Identifier', input.nasIdentifier),
    attr('Calling-Station-Id', input.callingStation),
    attr('Service-Type', 'Login-User'),
    attr('NAS-Port-Type', 'Wireless-802.11'),
  ]
  if (input.calledStation) attrs.push(attr('Called-Station-Id', input.calledStation))
  if (input.framedIp) attrs.push(attr('Framed-IP-Address', input.framedIp))
  return radiusRequest(target, Code.AccessRequest, attrs)
}

/** Accounting-Request Start or Stop for a session the fake NAS opened. */
export function accounting(
  target: RadiusTarget & { acctPort: number },
  input: { status: 'Start' | 'Stop'; sessionId: string; username: string; nasIdentifier: string; callingStation: string; framedIp?: string; seconds?: number },
): Promise<RadiusAnswer | undefined> {
  const attrs: RawAttribute[] = [
    attr('Acct-Status-Type', input.status),
    attr('Acct-Session-Id', input.sessionId),
    attr('User-Name', input.username),
    attr('NAS-IP-Address', '127.0.0.1'),
    attr('NAS-Identifier', input.nasIdentifier),
    attr('Calling-Station-Id', input.callingStation),
  ]
  if (input.framedIp) attrs.push(attr('Framed-IP-Address', input.framedIp))
  if (input.status === 'Stop') {
    attrs.push(attr('Acct-Session-Time', input.seconds ?? 0), attr('Acct-Terminate-Cause', 'User-Request'))
  }
  return radiusRequest({ host: target.host, port: target.acctPort, secret: target.secret }, Code.AccountingRequest, attrs, { tries: 2, retryMs: 1500 })
}
