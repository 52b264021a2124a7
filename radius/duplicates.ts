// RFC 5080 §2.2.2: a retransmission (same source, Identifier and
// Authenticator) gets the reply already sent, not a second processing; one
// that arrives while the first is still being processed is dropped.
//
// Every request passes here. Slots are found by source address, then by port
// and Identifier as one small integer, so that no key string is made per
// packet; a slot and the copy of its reply are reused by the next request
// with the same Identifier, so that what a busy server keeps for the window
// does not have to be copied out of the young generation at every collection.
export const DUPLICATE_WINDOW_MS = 30_000
// Spoofed packets from a legacy NAS's address (or its many source ports)
// would otherwise grow the cache for the whole window: past the cap the
// oldest slot goes, which at worst lets one old retransmission be handled again.
export const DUPLICATE_MAX_SLOTS = 65_536

class Slot {
  /** The request's code and Authenticator: with the key, what makes it the same request. */
  readonly request = Buffer.allocUnsafe(17)
  /** The reply's octets, in a buffer of this slot's own (replyLength of them); -1: in progress. */
  reply: Buffer | undefined
  replyLength = -1
  until = 0
  /** Insertion order, which is expiry order: the oldest is the cache's first. */
  older: Slot | undefined
  newer: Slot | undefined

  constructor(
    readonly source: Map<number, Slot>,
    readonly address: string,
    readonly key: number,
  ) {}

  same(packet: Buffer): boolean {
    return this.request[0] === packet[0] && this.request.compare(packet, 4, 20, 1, 17) === 0
  }
}

export class DuplicateCache {
  readonly #sources = new Map<string, Map<number, Slot>>()
  #oldest: Slot | undefined
  #newest: Slot | undefined
  #size = 0
  readonly #sweep: NodeJS.Timeout

  constructor(
    private readonly windowMs = DUPLICATE_WINDOW_MS,
    private readonly maxSlots = DUPLICATE_MAX_SLOTS,
  ) {
    this.#sweep = setInterval(() => this.sweep(Date.now()), Math.min(windowMs, 5_000))
    this.#sweep.unref()
  }

  /** Source port and Identifier: at most 256 requests per source port are told apart, as a NAS does. */
  static #key(port: number, packet: Buffer): number {
    return port * 256 + packet[1]!
  }

  #find(address: string, port: number, packet: Buffer): Slot | undefined {
    return this.#sources.get(address)?.get(DuplicateCache.#key(port, packet))
  }

  #unlink(s: Slot): void {
    if (s.older) s.older.newer = s.newer
    else this.#oldest = s.newer
    if (s.newer) s.newer.older = s.older
    else this.#newest = s.older
    s.older = s.newer = undefined
  }

  #append(s: Slot): void {
    s.older = this.#newest
    if (this.#newest) this.#newest.newer = s
    else this.#oldest = s
    this.#newest = s
  }

  #remove(s: Slot): void {
    this.#unlink(s)
    s.source.delete(s.key)
    if (!s.source.size) this.#sources.delete(s.address)
    this.#size--
  }

  /** undefined: new request (now marked in progress); null: in progress; Buffer: the reply to send again (a copy). */
  check(address: string, port: number, packet: Buffer, now: number): Buffer | null | undefined {
    let s = this.#find(address, port, packet)
    if (s && s.until > now && s.same(packet)) return s.replyLength < 0 ? null : Buffer.from(s.reply!.subarray(0, s.replyLength))
    // A new request that reuses the Identifier replaces the old one (in the
    // old one's slot, moved to the end: insertion order stays expiry order).
    if (s) this.#unlink(s)
    else {
      if (this.#size >= this.maxSlots && this.#oldest) this.#remove(this.#oldest)
      let source = this.#sources.get(address)
      if (!source) this.#sources.set(address, (source = new Map()))
      const key = DuplicateCache.#key(port, packet)
      s = new Slot(source, address, key)
      source.set(key, s)
      this.#size++
    }
    s.request[0] = packet[0]!
    packet.copy(s.request, 1, 4, 20)
    s.replyLength = -1
    s.until = now + this.windowMs
    this.#append(s)
    return undefined
  }

  /**
   * The reply for a request, or forget it when there is none (a dropped
   * request may be retried). Nothing happens when the slot has passed to a
   * newer request with the same Identifier while this one waited for the
   * database: its reply is not that request's.
   */
  settle(address: string, port: number, packet: Buffer, reply: Buffer | null, now: number): void {
    const s = this.#find(address, port, packet)
    if (!s || !s.same(packet)) return
    if (!reply) return this.#remove(s)
    // Copied, into the slot's buffer when it is large enough: the reply itself is garbage at once.
    if (!s.reply || s.reply.length < reply.length) s.reply = Buffer.allocUnsafeSlow(Math.max(reply.length, 64))
    reply.copy(s.reply)
    s.replyLength = reply.length
    s.until = now + this.windowMs
    // Its expiry moved: to the end, so that the order stays expiry order.
    this.#unlink(s)
    this.#append(s)
  }

  sweep(now: number): void {
    // Expiry order: stop at the first live one.
    while (this.#oldest && this.#oldest.until <= now) this.#remove(this.#oldest)
  }

  close(): void {
    clearInterval(this.#sweep)
  }

  get size(): number {
    return this.#size
  }
}
