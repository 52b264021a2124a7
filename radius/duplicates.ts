// RFC 5080 §2.2.2: a retransmission (same source, Identifier and
// Authenticator) gets the reply already sent, not a second processing; one
// that arrives while the first is still being processed is dropped.
export const DUPLICATE_WINDOW_MS = 30_000
// Spoofed packets from a legacy NAS's address (or its many source ports)
// would otherwise grow the cache for the whole window: past the cap the
// oldest slot goes, which at worst lets one old retransmission be handled again.
export const DUPLICATE_MAX_SLOTS = 65_536

interface Slot {
  /** The request's code and Authenticator: with the key, what makes it the same request. */
  request: Buffer
  reply: Buffer | null
  until: number
}

function sameRequest(slot: Slot, packet: Buffer): boolean {
  return slot.request[0] === packet[0] && slot.request.compare(packet, 4, 20, 1, 17) === 0
}

export class DuplicateCache {
  readonly #slots = new Map<string, Slot>()
  readonly #sweep: NodeJS.Timeout

  constructor(
    private readonly windowMs = DUPLICATE_WINDOW_MS,
    private readonly maxSlots = DUPLICATE_MAX_SLOTS,
  ) {
    this.#sweep = setInterval(() => this.sweep(Date.now()), Math.min(windowMs, 5_000))
    this.#sweep.unref()
  }

  /** Source and Identifier: at most 256 requests per source port are told apart, as a NAS does. */
  static key(address: string, port: number, packet: Buffer): string {
    return `${address}|${port}|${packet[1]}`
  }

  /** undefined: new request (now marked in progress); null: in progress; Buffer: the reply to send again. */
  check(key: string, packet: Buffer, now: number): Buffer | null | undefined {
    const slot = this.#slots.get(key)
    if (slot && slot.until > now && sameRequest(slot, packet)) return slot.reply
    // A new request that reuses the Identifier replaces the old one (in the
    // old one's slot, moved to the end: insertion order stays expiry order).
    if (slot) {
      this.#slots.delete(key)
      slot.reply = null
    }
    if (!slot && this.#slots.size >= this.maxSlots) this.#slots.delete(this.#slots.keys().next().value!)
    const s = slot ?? { request: Buffer.allocUnsafe(17), reply: null, until: 0 }
    s.request[0] = packet[0]!
    packet.copy(s.request, 1, 4, 20)
    s.until = now + this.windowMs
    this.#slots.set(key, s)
    return undefined
  }

  /**
   * The reply for a request, or forget it when there is none (a dropped
   * request may be retried). Nothing happens when the slot has passed to a
   * newer request with the same Identifier while this one waited for the
   * database: its reply is not that request's.
   */
  settle(key: string, packet: Buffer, reply: Buffer | null, now: number): void {
    const slot = this.#slots.get(key)
    if (!slot || !sameRequest(slot, packet)) return
    if (reply) {
      slot.reply = reply
      slot.until = now + this.windowMs
    } else this.#slots.delete(key)
  }

  sweep(now: number): void {
    // Insertion order is roughly expiry order: stop at the first live one.
    for (const [key, slot] of this.#slots) {
      if (slot.until > now) break
      this.#slots.delete(key)
    }
  }

  close(): void {
    clearInterval(this.#sweep)
  }

  get size(): number {
    return this.#slots.size
  }
}
