// RFC 5080 §2.2.2: a retransmission (same source, Identifier and
// Authenticator) gets the reply already sent, not a second processing; one
// that arrives while the first is still being processed is dropped.
export const DUPLICATE_WINDOW_MS = 30_000

type Slot = { reply: Buffer | null; until: number }

export class DuplicateCache {
  readonly #slots = new Map<string, Slot>()
  readonly #sweep: NodeJS.Timeout

  constructor(private readonly windowMs = DUPLICATE_WINDOW_MS) {
    this.#sweep = setInterval(() => this.sweep(Date.now()), Math.min(windowMs, 5_000))
    this.#sweep.unref()
  }

  static key(address: string, port: number, packet: Buffer): string {
    // Code, Identifier and the 16-octet Authenticator; Length is implied by them.
    return `${address}|${port}|${packet.toString('latin1', 0, 2)}${packet.toString('latin1', 4, 20)}`
  }

  /** undefined: new request (now marked in progress); null: in progress; Buffer: the reply to send again. */
  check(key: string, now: number): Buffer | null | undefined {
    const slot = this.#slots.get(key)
    if (slot && slot.until > now) return slot.reply
    this.#slots.set(key, { reply: null, until: now + this.windowMs })
    return undefined
  }

  /** The reply for a request, or forget it when there is none (a dropped request may be retried). */
  settle(key: string, reply: Buffer | null, now: number): void {
    if (reply) this.#slots.set(key, { reply, until: now + this.windowMs })
    else this.#slots.delete(key)
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
