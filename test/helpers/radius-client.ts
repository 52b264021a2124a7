// A small RADIUS client for tests: real UDP to the server under test.
import dgram from 'node:dgram'
import { decodePacket, encodeRequest, verifyResponse, type Packet, type RawAttribute } from '../../radius/codec/index.js'
import type { RunningService } from '../../core/context.js'

export function radiusPorts(service: RunningService): { auth: number; acct: number } {
  const port = (suffix: string) => Number(service.addresses.find((a) => a.endsWith(suffix))!.match(/:(\d+) /)![1])
  return { auth: port('(auth)'), acct: port('(accounting)') }
}

export interface Reply {
  packet: Packet
  raw: Buffer
  /** The Response Authenticator (and Message-Authenticator, if any) checked out with the secret. */
  verified: boolean
}

let nextId = 0

export class RadiusTestClient {
  readonly socket: dgram.Socket
  #ready: Promise<void>

  constructor(readonly secret: string, bindAddress = '127.0.0.1') {
    this.socket = dgram.createSocket('udp4')
    this.#ready = new Promise((r) => this.socket.bind(0, bindAddress, () => r()))
  }

  /** Sends raw bytes and waits for one datagram back (undefined after `timeoutMs`). */
  async sendRaw(raw: Buffer, port: number, timeoutMs = 5000): Promise<Buffer | undefined> {
    await this.#ready
    return new Promise((resolve) => {
      const onMessage = (msg: Buffer) => {
        if (msg[1] !== raw[1]) return
        clearTimeout(timer)
        this.socket.off('message', onMessage)
        resolve(msg)
      }
      const timer = setTimeout(() => {
        this.socket.off('message', onMessage)
        resolve(undefined)
      }, timeoutMs)
      this.socket.on('message', onMessage)
      this.socket.send(raw, port, '127.0.0.1')
    })
  }

  build(code: number, attributes: RawAttribute[], opts: { password?: string; messageAuthenticator?: boolean; secret?: string; authenticator?: Buffer } = {}): Buffer {
    nextId = (nextId + 1) % 256
    return encodeRequest({
      code,
      identifier: nextId,
      attributes,
      secret: opts.secret ?? this.secret,
      password: opts.password,
      messageAuthenticator: opts.messageAuthenticator ?? true,
      authenticator: opts.authenticator,
    })
  }

  async request(
    code: number,
    port: number,
    attributes: RawAttribute[],
    opts: { password?: string; messageAuthenticator?: boolean; secret?: string; timeoutMs?: number } = {},
  ): Promise<Reply | undefined> {
    const raw = this.build(code, attributes, opts)
    const reply = await this.sendRaw(raw, port, opts.timeoutMs)
    if (!reply) return undefined
    return { packet: decodePacket(reply), raw: reply, verified: verifyResponse(reply, raw.subarray(4, 20), this.secret) }
  }

  close() {
    this.socket.close()
  }
}
