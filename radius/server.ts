// The listen layer: UDP sockets, the NAS lookup by source address, duplicate
// detection and the first structural checks. What a packet means is decided
// in access.ts, accounting.ts and status.ts; every packet that gets no answer
// is counted by reason and never stops the server.
//
// This is the hot path of a busy city: a request decided from the cache is
// handled synchronously, start to reply, without a Promise.
import dgram from 'node:dgram'
import { isIP } from 'node:net'
import { ListenError, listenErrorMessage } from '../core/context.js'
import type { Logger } from '../core/logger.js'
import type { Outcome } from './access.js'
import type { NasClient, NasRegistry } from './clients.js'
import { Code, codeName, decodePacket, DecodeError, MAX_PACKET_LENGTH, type Packet } from './codec/index.js'
import { DuplicateCache } from './duplicates.js'
import type { DropReason, RadiusMetrics } from './metrics.js'

export type Port = 'auth' | 'acct'

type Maybe<T> = T | Promise<T>

export interface Handlers {
  /**
   * The NAS's signature on an Access- or Accounting-Request. Checked before
   * the duplicate cache, so that packets spoofed from a NAS's address cannot
   * take slots there nor be answered with a cached reply.
   */
  verify(p: Packet, nas: NasClient): DropReason | undefined
  /** Called only for a verified request. */
  access(p: Packet, nas: NasClient): Maybe<Outcome>
  accounting(p: Packet, nas: NasClient, source: string): Promise<Outcome>
  status(p: Packet, nas: NasClient, port: Port): Outcome
  /** Any valid packet from a NAS: it is alive. */
  seen(nas: NasClient): void
}

// Which codes each port takes (RFC 2865, 2866, 5997).
const ACCEPTED: Record<Port, ReadonlySet<number>> = {
  auth: new Set([Code.AccessRequest, Code.StatusServer]),
  acct: new Set([Code.AccountingRequest, Code.StatusServer]),
}

const UNKNOWN_LOG_INTERVAL_MS = 60_000

// A burst (every access point of a square re-authenticating after a power
// cut) must wait in the kernel, not be dropped there; the kernel caps it at
// net.core.rmem_max.
const RECEIVE_BUFFER = 4 * 1024 * 1024

// Replies go to the address a request came from, always an IP literal:
// dgram's default lookup would still defer every send by a tick.
const literalLookup = (address: string, _options: unknown, callback: (err: Error | null, address: string, family: number) => void) =>
  callback(null, address, isIP(address))

/** `shared`: in a cluster worker, the socket the primary holds for all workers. */
export function bindUdp(host: string, port: number, what: string, shared = false): Promise<dgram.Socket> {
  return new Promise((resolve, reject) => {
    const socket = dgram.createSocket({
      type: isIP(host) === 6 ? 'udp6' : 'udp4',
      recvBufferSize: RECEIVE_BUFFER,
      lookup: literalLookup as unknown as dgram.SocketOptions['lookup'],
    })
    socket.once('error', (err) => {
      socket.close()
      reject(new ListenError(listenErrorMessage(err as NodeJS.ErrnoException, what, host, port)))
    })
    socket.bind({ address: host === 'localhost' ? '127.0.0.1' : host, port, exclusive: !shared }, () => {
      socket.removeAllListeners('error')
      resolve(socket)
    })
  })
}

export class RadiusServer {
  readonly duplicates = new DuplicateCache()
  // One line per interval for all unknown sources together: spoofed source
  // addresses are free, so a per-source limit does not bound the log.
  #unknownLoggedAt = -Infinity
  #unknownSince = 0
  #inFlight = 0
  #idle: (() => void) | undefined
  #closing = false
  // One counter per label set, found without building a label object (metrics.ts).
  readonly #received = new Map<number, { inc(): void }>()
  readonly #dropped = new Map<DropReason, { inc(): void }>()

  constructor(
    private readonly registry: NasRegistry,
    private readonly handlers: Handlers,
    private readonly metrics: RadiusMetrics,
    private readonly log: Logger,
  ) {}

  attach(socket: dgram.Socket, port: Port): void {
    socket.on('message', (msg, rinfo) => {
      if (this.#closing) return
      try {
        const pending = this.#receive(socket, port, msg, rinfo)
        if (pending) this.#track(pending)
      } catch (err) {
        this.#failed(err)
      }
    })
    socket.on('error', (err) => this.log.error({ err, port }, 'RADIUS socket error'))
  }

  #track(pending: Promise<void>) {
    this.#inFlight++
    pending.catch((err) => this.#failed(err)).finally(() => {
      if (--this.#inFlight === 0) this.#idle?.()
    })
  }

  #failed(err: unknown) {
    this.#drop('internal_error', {})
    this.log.error({ err }, 'packet handling failed')
  }

  #drop(reason: DropReason, detail: Record<string, unknown>): void {
    let c = this.#dropped.get(reason)
    if (!c) this.#dropped.set(reason, (c = this.metrics.counts.dropped.child({ reason })))
    c.inc()
    this.log.debug({ reason, ...detail }, 'packet dropped')
  }

  #countReceived(code: number) {
    let c = this.#received.get(code)
    if (!c) this.#received.set(code, (c = this.metrics.counts.received.child({ code: codeName(code) })))
    c.inc()
  }

  #unknownSource(source: string, port: Port) {
    this.#drop('unknown_client', { source })
    this.#unknownSince++
    const now = Date.now()
    if (now - this.#unknownLoggedAt >= UNKNOWN_LOG_INTERVAL_MS) {
      this.#unknownLoggedAt = now
      const dropped = this.#unknownSince
      this.#unknownSince = 0
      this.log.warn({ source, port, dropped }, 'packets from unknown addresses dropped (register a NAS with `citywifi nas add`); this one is the latest')
    }
  }

  /** Handles one datagram; returns a Promise only when the answer waits for the database. */
  #receive(socket: dgram.Socket, port: Port, msg: Buffer, rinfo: dgram.RemoteInfo): Promise<void> | void {
    const source = rinfo.address
    if (msg.length > MAX_PACKET_LENGTH) return this.#drop('too_long', { source, length: msg.length })
    const nas = this.registry.match(source)
    if (!nas) return this.#unknownSource(source, port)
    let packet: Packet
    try {
      packet = decodePacket(msg)
    } catch (err) {
      if (err instanceof DecodeError) return this.#drop(err.reason, { source, nas: nas.name })
      throw err
    }
    this.#countReceived(packet.code)
    if (!ACCEPTED[port].has(packet.code)) return this.#drop('unexpected_code', { source, code: packet.code, port })

    if (packet.code === Code.StatusServer) {
      const outcome = this.handlers.status(packet, nas, port)
      if ('drop' in outcome) return this.#drop(outcome.drop, { source, nas: nas.name })
      this.handlers.seen(nas)
      socket.send(outcome.reply, rinfo.port, source)
      return
    }

    const forged = this.handlers.verify(packet, nas)
    if (forged) return this.#drop(forged, { source, nas: nas.name })
    const port_ = rinfo.port
    const cached = this.duplicates.check(source, port_, msg, Date.now())
    if (cached === null) return this.#drop('duplicate_in_progress', { source, nas: nas.name })
    if (cached) {
      this.metrics.duplicates.inc()
      socket.send(cached, port_, source)
      return
    }
    const access = packet.code === Code.AccessRequest
    const started = performance.now()
    let result: Maybe<Outcome>
    try {
      result = access ? this.handlers.access(packet, nas) : this.handlers.accounting(packet, nas, source)
    } catch (err) {
      this.duplicates.settle(source, port_, msg, null, Date.now())
      throw err
    }
    // Closures only for an answer that waits: the cached path allocates none.
    if (result instanceof Promise) {
      return result.then(
        (outcome) => {
          if (access) this.metrics.authSeconds.observe((performance.now() - started) / 1000)
          this.#finish(socket, source, port_, msg, packet, nas, outcome)
        },
        (err: unknown) => {
          this.duplicates.settle(source, port_, msg, null, Date.now())
          throw err
        },
      )
    }
    if (access) this.metrics.authSeconds.observe((performance.now() - started) / 1000)
    this.#finish(socket, source, port_, msg, packet, nas, result)
  }

  #finish(socket: dgram.Socket, source: string, port: number, msg: Buffer, packet: Packet, nas: NasClient, outcome: Outcome): void {
    if ('drop' in outcome) {
      this.duplicates.settle(source, port, msg, null, Date.now())
      return this.#drop(outcome.drop, { source, nas: nas.name, code: packet.code })
    }
    this.duplicates.settle(source, port, msg, outcome.reply, Date.now())
    this.handlers.seen(nas)
    socket.send(outcome.reply, port, source)
  }

  /** Stops taking packets and waits for those being handled (an accounting commit, say). */
  async close(): Promise<void> {
    this.#closing = true
    if (this.#inFlight > 0) await new Promise<void>((resolve) => (this.#idle = resolve))
    this.duplicates.close()
  }
}
