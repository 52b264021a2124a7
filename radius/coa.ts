// RFC 5176 client: Disconnect-Request and CoA-Request to a NAS (port 3799 by
// default, per NAS), with Message-Authenticator, retransmission with backoff,
// and ACK/NAK with Error-Cause. A worker takes pending CoaRequest rows (the
// admin app writes them) and records each outcome.
import dgram from 'node:dgram'
import { isIP } from 'node:net'
import type { PrismaClient } from '../core/db/generated/client.js'
import { FailureLog, type Logger } from '../core/logger.js'
import { coaBus, type CoaChanges } from '../core/services/coa.js'
import type { NasRegistry } from './clients.js'
import { attr, Code, decodePacket, encodeRequest, getAttr, valueName, verifyResponse, type RawAttribute } from './codec/index.js'
import type { RadiusMetrics } from './metrics.js'

export type CoaOutcome = { outcome: 'ack' } | { outcome: 'nak'; errorCause: number | null } | { outcome: 'timeout' }

/** Waits between sends: 1 s, then 2 s, then 4 s before giving up (about 7 s in all). */
export const RETRY_DELAYS_MS = [1000, 2000, 4000]

interface Pending {
  resolve: (o: CoaOutcome) => void
  authenticator: Buffer
  secret: Buffer
  address: string
}

export class CoaClient {
  #socket4: dgram.Socket | undefined
  #socket6: dgram.Socket | undefined
  #nextId = 0
  readonly #pending = new Map<string, Pending>()

  constructor(private readonly retryDelays = RETRY_DELAYS_MS) {}

  #socket(family: 4 | 6): dgram.Socket {
    const existing = family === 4 ? this.#socket4 : this.#socket6
    if (existing) return existing
    const s = dgram.createSocket(family === 4 ? 'udp4' : 'udp6')
    s.on('message', (msg, rinfo) => this.#reply(msg, rinfo))
    s.on('error', () => {})
    s.unref()
    if (family === 4) this.#socket4 = s
    else this.#socket6 = s
    return s
  }

  #reply(msg: Buffer, rinfo: dgram.RemoteInfo) {
    if (msg.length < 20) return
    const key = `${rinfo.address}|${msg[1]}`
    const p = this.#pending.get(key)
    // Only a reply that proves it knows the secret counts (Response Authenticator).
    if (!p || !verifyResponse(msg, p.authenticator, p.secret)) return
    let packet
    try {
      packet = decodePacket(msg)
    } catch {
      return
    }
    this.#pending.delete(key)
    if (packet.code === Code.DisconnectAck || packet.code === Code.CoaAck) p.resolve({ outcome: 'ack' })
    else if (packet.code === Code.DisconnectNak || packet.code === Code.CoaNak) {
      const cause = getAttr(packet, 'Error-Cause')
      p.resolve({ outcome: 'nak', errorCause: typeof cause === 'number' ? cause : null })
    }
  }

  /** Sends one request and resolves with the NAS's answer, or timeout after the retries. */
  send(kind: 'disconnect' | 'coa', address: string, port: number, secret: Buffer, attributes: RawAttribute[]): Promise<CoaOutcome> {
    const family = isIP(address) === 6 ? 6 : 4
    const socket = this.#socket(family)
    socket.ref()
    // An identifier not in use towards this NAS.
    let id = this.#nextId
    for (let i = 0; i < 256 && this.#pending.has(`${address}|${id}`); i++) id = (id + 1) % 256
    this.#nextId = (id + 1) % 256
    const packet = encodeRequest({
      code: kind === 'disconnect' ? Code.DisconnectRequest : Code.CoaRequest,
      identifier: id,
      attributes: [...attributes, attr('Event-Timestamp', new Date())],
      secret,
      messageAuthenticator: true,
    })
    const key = `${address}|${id}`
    return new Promise<CoaOutcome>((resolve) => {
      let timer: NodeJS.Timeout | undefined
      const finish = (o: CoaOutcome) => {
        clearTimeout(timer)
        this.#pending.delete(key)
        if (!this.#pending.size) socket.unref()
        resolve(o)
      }
      this.#pending.set(key, { resolve: finish, authenticator: packet.subarray(4, 20), secret, address })
      let attempt = 0
      const transmit = () => {
        socket.send(packet, port, address)
        const wait = this.retryDelays[attempt++]
        timer = wait === undefined ? undefined : setTimeout(attempt < this.retryDelays.length ? transmit : () => finish({ outcome: 'timeout' }), wait)
      }
      transmit()
    })
  }

  close() {
    this.#socket4?.close()
    this.#socket6?.close()
  }
}

function changeAttributes(changes: CoaChanges): RawAttribute[] {
  const out: RawAttribute[] = []
  if (changes.sessionTimeout) out.push(attr('Session-Timeout', changes.sessionTimeout))
  if (changes.upKbps) out.push(attr('WISPr-Bandwidth-Max-Up', changes.upKbps * 1000))
  if (changes.downKbps) out.push(attr('WISPr-Bandwidth-Max-Down', changes.downKbps * 1000))
  return out
}

export class CoaWorker {
  #timer: NodeJS.Timeout | undefined
  #busy: Promise<void> | undefined
  #again = false
  readonly #onRequest = () => this.poke()
  // Every 2 s while the database is away: one line a minute, not thirty.
  readonly #failures: FailureLog

  constructor(
    private readonly prisma: PrismaClient,
    private readonly registry: NasRegistry,
    private readonly client: CoaClient,
    private readonly metrics: RadiusMetrics,
    private readonly log: Logger,
    private readonly pollMs = 2000,
  ) {
    this.#failures = new FailureLog(log)
  }

  start() {
    coaBus.on('request', this.#onRequest)
    this.#timer = setInterval(() => this.poke(), this.pollMs)
    this.#timer.unref()
    this.poke()
  }

  /** Look for pending requests now (several pokes while busy make one more round). */
  poke(): void {
    if (this.#busy) {
      this.#again = true
      return
    }
    this.#busy = this.#round()
      .then(
        () => this.#failures.recovered('coa-round'),
        (err) => this.#failures.failed('coa-round', 'CoA round failed', err),
      )
      .finally(() => {
        this.#busy = undefined
        if (this.#again) {
          this.#again = false
          this.poke()
        }
      })
  }

  async #round(): Promise<void> {
    // Claim what is pending, so that another RADIUS copy does not send it too.
    const claimed = await this.prisma.$queryRaw<{ id: number }[]>`
      UPDATE "CoaRequest" SET state = 'sent' WHERE id IN (
        SELECT id FROM "CoaRequest" WHERE state = 'pending' ORDER BY id LIMIT 50 FOR UPDATE SKIP LOCKED)
      RETURNING id`
    await Promise.all(claimed.map((c) => this.#send(c.id)))
  }

  async #send(id: number): Promise<void> {
    const req = await this.prisma.coaRequest.findUnique({ where: { id }, include: { session: true } })
    if (!req) return
    const nas = this.registry.byId(req.nasId)
    const finish = (state: 'acked' | 'nakked' | 'timeout' | 'failed', detail: string | null, errorCause: number | null = null) =>
      this.prisma.coaRequest.update({ where: { id }, data: { state, detail: detail ?? req.detail, errorCause, finishedAt: new Date() } })
    const address = req.session?.nasIp ?? (nas && isIP(nas.address) ? nas.address : undefined)
    if (!nas || !req.session || !address) {
      this.metrics.coa.inc({ kind: req.kind, outcome: 'failed' })
      await finish('failed', !nas ? 'the NAS is no longer registered' : !req.session ? 'the session is gone' : 'no address to send to (NAS registered by network, no packet seen yet)')
      return
    }
    const s = req.session
    const identity: RawAttribute[] = [attr('Acct-Session-Id', s.acctSessionId)]
    if (s.username) identity.push(attr('User-Name', s.username))
    if (s.framedIp) identity.push(attr('Framed-IP-Address', s.framedIp))
    const device = s.deviceId ? await this.prisma.device.findUnique({ where: { id: s.deviceId }, select: { mac: true } }) : null
    if (device) identity.push(attr('Calling-Station-Id', device.mac))
    const extra = req.kind === 'coa' ? changeAttributes(req.attributes as CoaChanges) : []
    const result = await this.client.send(req.kind, address, nas.coaPort, nas.secret, [...identity, ...extra])
    this.metrics.coa.inc({ kind: req.kind, outcome: result.outcome })
    if (result.outcome === 'ack') {
      await finish('acked', null)
      if (req.kind === 'disconnect') {
        // The NAS's Accounting-Stop brings the final counters; the reason is ours.
        await this.prisma.session.updateMany({ where: { id: s.id, closeReason: null }, data: { closeReason: 'admin' } })
      }
    } else if (result.outcome === 'nak') {
      const cause = result.errorCause
      await finish('nakked', cause === null ? 'NAK without Error-Cause' : (valueName('Error-Cause', cause) ?? `Error-Cause ${cause}`), cause)
    } else {
      await finish('timeout', `no answer from ${address}:${nas.coaPort} after ${RETRY_DELAYS_MS.length} tries`)
    }
    this.log.info({ nas: nas.name, kind: req.kind, outcome: result.outcome, session: String(s.id) }, 'CoA request answered')
  }

  async stop(): Promise<void> {
    this.#failures.stop()
    coaBus.off('request', this.#onRequest)
    clearInterval(this.#timer)
    await this.#busy
  }
}
